/**
 * The page's side of `npm run bench:torch -- --page`: trains each shape in the built studio
 * (dist/, `npm run build`) in headless Chromium's worker, as a person would (the data file
 * dropped, the model and TrainingArguments fields filled, Train pressed), on the `wasm` backend
 * (multi-threaded: the server sends the cross-origin isolation headers) and on `webgpu`
 * (SwiftShader here: Vulkan emulated on the CPU, not a GPU). Samples/s is read from the
 * progress line ("step S / N · … · X samples/s", the worker's samples seen / seconds since
 * train() began): two readings, one at step >= skip and the last at step N, give the rate
 * between them, so the warm-up (shader compilation on WebGPU) is left out. The shown rate has one
 * decimal, too coarse below a few samples/s: for a window over 20 s, the times this script first
 * saw the two steps are used instead (polled every 100 ms).
 */
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../tests/e2e/chromium';
import { startServer } from './serve.mjs';

export interface PageShape {
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
}

export interface PageRun {
  backend: string;
  /** What the page reports as its backend ("webgpu — …"), to see a fallback. */
  reported: string;
  samplesPerSecond: number | null;
  error?: string;
}

const repoRoot = resolve(import.meta.dirname, '..');

export async function textOf(page: Page, testId: string): Promise<string> {
  const el = page.getByTestId(testId);
  return (await el.count()) ? ((await el.first().textContent()) ?? '').trim() : '';
}

export async function waitText(page: Page, testId: string, re: RegExp, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = await textOf(page, testId);
    if (re.test(t)) return t;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${testId} ~ ${re}: "${t}"`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** "step 12 / 20 · epoch 0.40 · 31.5 samples/s · ETA 9s" -> step and cumulative samples/s. */
export function parseProgress(t: string): { step: number; sps: number } | null {
  const m = /step ([\d,]+) \/ ([\d,]+).*?([\d.]+) samples\/s/.exec(t);
  return m ? { step: Number(m[1].replace(/,/g, '')), sps: Number(m[3]) } : null;
}

async function trainOnPage(
  page: Page,
  url: string,
  trainFile: string,
  fields: Record<string, number>,
  skip: number,
  timeoutMs: number,
  workers?: string,
): Promise<number | null> {
  await page.goto(url);
  await waitText(page, 'file-name', /^spam\.csv$/, 120_000);
  const name = basename(trainFile);
  await page.getByLabel('Choose a data file').setInputFiles({
    name,
    mimeType: 'text/csv',
    buffer: await readFile(trainFile),
  });
  await waitText(page, 'file-name', new RegExp(`^${name.replace('.', '\\.')}$`), 60_000);
  for (const [k, v] of Object.entries(fields)) {
    await page.getByLabel(k, { exact: true }).fill(String(v));
  }
  await page.getByRole('combobox', { name: 'eval_strategy', exact: true }).selectOption('no');
  if (workers !== undefined) {
    await page.getByRole('combobox', { name: 'Workers', exact: true }).selectOption(workers);
  }
  await waitText(page, 'dataset-summary', /train \/ \d+ validation/, 60_000);
  const train = page.getByRole('button', { name: 'Train', exact: true });
  const ready = Date.now() + 60_000;
  while (!(await train.isEnabled())) {
    if (Date.now() > ready) throw new Error('the Train button stayed disabled');
    await new Promise((r) => setTimeout(r, 200));
  }
  await train.click();
  const batch = fields.per_device_train_batch_size;
  const maxSteps = fields.max_steps;
  let first: { step: number; sps: number; at: number } | null = null;
  let last: { step: number; sps: number; at: number } | null = null;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const read = parseProgress(await textOf(page, 'progress-text'));
    const p = read && { ...read, at: Date.now() };
    if (p && p.step >= skip && p.step < maxSteps && !first) first = p;
    if (p && p.step >= maxSteps && !last) last = p;
    const status = await textOf(page, 'status');
    if (last && /^Finished/.test(status)) break;
    if (/error|failed/i.test(status) && !/^Finished/.test(status)) throw new Error(status);
    if (Date.now() > deadline) throw new Error(`timed out; page shows "${status}"`);
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!first || !last || first.sps <= 0 || last.sps <= 0) return last?.sps ?? null;
  // elapsed(step) = step * batch / cumulative rate, so the rate between the two readings is:
  const t0 = (first.step * batch) / first.sps;
  const t1 = (last.step * batch) / last.sps;
  const seen = (last.at - first.at) / 1000;
  return ((last.step - first.step) * batch) / (seen > 20 ? seen : t1 - t0);
}

/** Trains each shape on each backend in the built page; a failed run reports its error. */
export async function benchPage(o: {
  shapes: { name: string; shape: PageShape }[];
  trainFile: string;
  steps: number;
  skip: number;
  batch: number;
  maxLength: number;
  backends?: string[];
  dist?: string;
  timeoutMs?: number;
  /** The Workers setting to pick ('1', 'auto' = one per core); left as it is when absent. */
  workers?: string;
}): Promise<Map<string, PageRun[]>> {
  const server = await startServer({ root: o.dist ?? join(repoRoot, 'dist'), port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const out = new Map<string, PageRun[]>();
  try {
    for (const { name, shape } of o.shapes) {
      const runs: PageRun[] = [];
      for (const backend of o.backends ?? ['wasm', 'webgpu']) {
        const context = await browser.newContext();
        const page = await context.newPage();
        await page.setViewportSize({ width: 1280, height: 900 });
        process.stdout.write(`  ${name}: page ${backend}… `);
        try {
          const sps = await trainOnPage(
            page,
            `${server.url}?backend=${backend}`,
            o.trainFile,
            {
              hidden_size: shape.hidden,
              num_hidden_layers: shape.layers,
              num_attention_heads: shape.heads,
              intermediate_size: shape.intermediate,
              max_length: o.maxLength,
              max_steps: o.steps,
              per_device_train_batch_size: o.batch,
              logging_steps: o.steps,
            },
            o.skip,
            o.timeoutMs ?? 600_000,
            o.workers,
          );
          const reported = await textOf(page, 'backend');
          runs.push({ backend, reported, samplesPerSecond: sps });
          console.log(`${sps?.toFixed(1) ?? '–'} samples/s (${reported.split(/\s/)[0]})`);
        } catch (e) {
          const reported = await textOf(page, 'backend').catch(() => '');
          runs.push({ backend, reported, samplesPerSecond: null, error: (e as Error).message });
          console.log(`failed: ${(e as Error).message}`);
        }
        await context.close();
      }
      out.set(name, runs);
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return out;
}
