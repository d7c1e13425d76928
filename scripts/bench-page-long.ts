/**
 * bert-base at max_length 512, batch 8, trained in the built studio as a user trains it, and by
 * the command line on the same file: `npm run bench:page-long` (after `npm run build`).
 *
 * The page (headless Chromium, dist/ served by scripts/serve.mjs, wasm backend): the CSV dropped
 * (tests/fixtures/data/imdb-long-64.csv: IMDB reviews joined until each row is at least 564
 * bert-base-cased tokens, so every row is truncated to 512 and every batch is [8, 512], as the
 * Trainer workflow's `padding="max_length", max_length=512` gives), the bundled bert-base-cased
 * tokenizer (28,996 tokens) chosen, from-scratch BERT with bert-base-cased's sizes (768 / 12 / 12
 * / 3072) typed in, max_length 512, batch 8, `max_steps` 3, gradient_checkpointing ticked in the
 * advanced TrainingArguments, Workers one per core (then 1), Train pressed. It reports whether the
 * steps finished without an error, seconds per step (from the times the run bar first showed each
 * step; the first step, with its tokenizing and warm-up, is left out), each worker's wasm heap
 * (its WebAssembly.Memory's byteLength: the size of its read-write region in the renderer's
 * /proc/PID/smaps, polled each second; it only grows, so the largest reading is its high-water
 * mark) and the renderer processes' peak resident memory (the peak of their summed VmRSS, polled
 * from /proc, and the sum of their VmHWM).
 *
 * The command line (`--cli`, after the page runs, or `--cli-only`), with the default replicas (one
 * per core):
 *
 *   npx studio train --train_file tests/fixtures/data/imdb-long-64.csv \
 *     --tokenizer_name_or_path public/tokenizers/bert-base-cased --max_length 512 \
 *     --hidden_size 768 --num_hidden_layers 12 --num_attention_heads 12 --intermediate_size 3072 \
 *     --per_device_train_batch_size 8 --max_steps 3 --gradient_checkpointing \
 *     --logging_steps 1 --eval_strategy no --save_strategy no --output_dir /tmp/long-cli
 *
 * seconds per step from the times its log lines came (the first step left out) and the peak RSS
 * of its process (VmHWM).
 *
 * Flags: --workers auto,1 (the Workers settings to run, in order), --steps 3, --batch 8,
 * --max-length 512, --hidden 768, --layers 12, --heads 12, --intermediate 3072, --csv PATH,
 * --no-checkpointing, --cli, --cli-only, --timeout-min 40 (per run).
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../tests/e2e/chromium';
import { parseProgress, textOf, waitText } from './bench-torch-page';
import { ProcessMemoryWatch, type Region } from './benchMemoryWatch';
import { startServer } from './serve.mjs';

const repoRoot = resolve(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const steps = Number(flag('steps', '3'));
const batch = Number(flag('batch', '8'));
const maxLength = Number(flag('max-length', '512'));
const sizes = {
  hidden_size: Number(flag('hidden', '768')),
  num_hidden_layers: Number(flag('layers', '12')),
  num_attention_heads: Number(flag('heads', '12')),
  intermediate_size: Number(flag('intermediate', '3072')),
};
const csv = resolve(flag('csv', join(repoRoot, 'tests/fixtures/data/imdb-long-64.csv')));
const checkpointing = !argv.includes('--no-checkpointing');
const timeoutMs = Number(flag('timeout-min', '40')) * 60_000;
const cliOnly = argv.includes('--cli-only');
const workerSettings = cliOnly ? [] : flag('workers', 'auto,1').split(',');

const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;
/**
 * The largest wasm heap seen, and the large regions when the last step showed (before the run
 * saves its model, whose copies out of the heap are large buffers too), with their resident parts.
 */
const heapsLine = (w: ProcessMemoryWatch) => {
  const show = (r: Region & { pid: number }) =>
    `${r.sizeMb.toFixed(0)} MB (${r.rssMb.toFixed(0)} resident, pid ${r.pid})`;
  const at = w.atMark;
  return (
    `largest ${w.largestRegion ? show(w.largestRegion) : 'none'}; at the last step: ` +
    (at
      ? `${at.regions.map(show).join(', ') || 'none'} (rw regions of 128 MB or more: the wasm ` +
        `heaps and large buffers; ${at.restMb.toFixed(0)} MB resident besides), peak of summed ` +
        `VmRSS until then ${mb(at.peakRssSumKb)}`
      : 'not seen')
  );
};
/** Seconds per step between the first and the last step seen (the first step left out). */
const perStep = (at: Map<number, number>) => {
  const seen = [...at.keys()].sort((a, b) => a - b);
  if (seen.length < 2) return null;
  const [a, b] = [seen[0], seen[seen.length - 1]];
  return (at.get(b)! - at.get(a)!) / 1000 / (b - a);
};

/** Drives one run in the page; returns when it finished (or throws the page's error). */
async function trainInPage(page: Page, url: string, workers: string, onLastStep: () => void) {
  await page.goto(url);
  await waitText(page, 'file-name', /^spam\.csv$/, 120_000);
  await page
    .getByRole('combobox', { name: 'Tokenizer', exact: true })
    .selectOption('bert-base-cased');
  await waitText(page, 'tokenizer-summary', /bert-base-cased.*28,996 tokens/, 120_000);
  const name = basename(csv);
  await page.getByLabel('Choose a data file').setInputFiles({
    name,
    mimeType: 'text/csv',
    buffer: await readFile(csv),
  });
  await waitText(page, 'file-name', new RegExp(`^${name.replace(/\./g, '\\.')}$`), 60_000);
  const fields: Record<string, number> = {
    ...sizes,
    max_length: maxLength,
    max_steps: steps,
    per_device_train_batch_size: batch,
    logging_steps: 1,
  };
  for (const [k, v] of Object.entries(fields)) {
    await page.getByLabel(k, { exact: true }).fill(String(v));
  }
  await page.getByRole('combobox', { name: 'eval_strategy', exact: true }).selectOption('no');
  await page.getByText('Advanced: every other TrainingArguments field').click();
  const box = page.getByRole('checkbox', { name: 'gradient_checkpointing', exact: true });
  await box.waitFor({ timeout: 60_000 });
  await box.setChecked(checkpointing);
  await page.getByRole('combobox', { name: 'Workers', exact: true }).selectOption(workers);
  await waitText(page, 'dataset-summary', /train \/ \d+ validation/, 120_000);
  const train = page.getByRole('button', { name: 'Train', exact: true });
  const ready = Date.now() + 120_000;
  while (!(await train.isEnabled())) {
    if (Date.now() > ready) throw new Error('the Train button stayed disabled');
    await new Promise((r) => setTimeout(r, 200));
  }
  const t0 = Date.now();
  await train.click();
  const stepAt = new Map<number, number>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = parseProgress(await textOf(page, 'progress-text'));
    if (p && p.step > 0 && !stepAt.has(p.step)) {
      stepAt.set(p.step, Date.now());
      console.log(`    step ${p.step} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      if (p.step >= steps) onLastStep();
    }
    const status = await textOf(page, 'status');
    if (/^Finished/.test(status)) break;
    if (/error|failed|stopped/i.test(status)) throw new Error(`the page says: ${status}`);
    if (Date.now() > deadline) throw new Error(`timed out; the page shows "${status}"`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { seconds: (Date.now() - t0) / 1000, stepAt, status: await textOf(page, 'status') };
}

async function pageRuns() {
  const server = await startServer({ root: join(repoRoot, 'dist'), port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    for (const workers of workerSettings) {
      console.log(
        `\nPage, Workers ${workers}: ${basename(csv)}, bert-base-cased tokenizer, ` +
          `${Object.values(sizes).join('/')}, batch ${batch} x ${maxLength}, ${steps} steps, ` +
          `gradient_checkpointing ${checkpointing}, wasm`,
      );
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.setViewportSize({ width: 1280, height: 900 });
      const renderers = new ProcessMemoryWatch(process.pid, {
        only: /--type=renderer/,
        regions: true,
      }).start(1000);
      const tree = new ProcessMemoryWatch(process.pid, { only: /chrom/i }).start();
      try {
        const run = await trainInPage(page, `${server.url}?backend=wasm`, workers, () => {
          renderers.mark();
          tree.mark();
        });
        renderers.stop();
        tree.stop();
        const s = perStep(run.stepAt);
        console.log(`  ${run.status}`);
        console.log(
          `  finished ${steps} steps in ${run.seconds.toFixed(0)} s from Train; ` +
            `${s === null ? '–' : s.toFixed(1)} s/step (steps ${[...run.stepAt.keys()].join(', ')})`,
        );
      } catch (e) {
        renderers.stop();
        tree.stop();
        console.log(`  FAILED: ${(e as Error).message}`);
      }
      console.log(`  wasm heaps: ${heapsLine(renderers)}`);
      console.log(
        `  renderers: peak of summed VmRSS ${mb(renderers.peakRssSumKb)} (until the last step ` +
          `${mb(renderers.atMark?.peakRssSumKb ?? 0)}), summed VmHWM ${mb(renderers.hwmSumKb)}; ` +
          `all Chromium processes: ${mb(tree.peakRssSumKb)} (until the last step ` +
          `${mb(tree.atMark?.peakRssSumKb ?? 0)}) / ${mb(tree.hwmSumKb)}`,
      );
      await context.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

async function cliRun() {
  const args = [
    'train',
    '--train_file',
    csv,
    '--tokenizer_name_or_path',
    join(repoRoot, 'public/tokenizers/bert-base-cased'),
    '--max_length',
    String(maxLength),
    ...Object.entries(sizes).flatMap(([k, v]) => [`--${k}`, String(v)]),
    '--per_device_train_batch_size',
    String(batch),
    '--max_steps',
    String(steps),
    ...(checkpointing ? ['--gradient_checkpointing'] : []),
    '--logging_steps',
    '1',
    '--eval_strategy',
    'no',
    '--save_strategy',
    'no',
    '--output_dir',
    '/tmp/trainer-studio-long-cli',
  ];
  console.log(`\nCommand line: npx studio ${args.join(' ')}`);
  const t0 = Date.now();
  // What `npx studio` runs, without npx's own process in the memory figures.
  const child = spawn(process.execPath, ['packages/studio-cli/studio.mjs', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const watch = new ProcessMemoryWatch(child.pid!, { regions: true }).start();
  const stepAt = new Map<number, number>();
  const onData = (d: Buffer) => {
    for (const line of String(d).split('\n')) {
      if (!line.trim()) continue;
      if (line.startsWith("{'loss'")) stepAt.set(stepAt.size + 1, Date.now());
      if (line.startsWith("{'loss'") && stepAt.size === steps) watch.mark();
      console.log(`    [${((Date.now() - t0) / 1000).toFixed(1)} s] ${line.slice(0, 160)}`);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const code = await new Promise<number | null>((r) => child.on('close', r));
  watch.stop();
  const s = perStep(stepAt);
  console.log(
    `  exit ${code}; ${stepAt.size} steps logged in ${((Date.now() - t0) / 1000).toFixed(0)} s; ` +
      `${s === null ? '–' : s.toFixed(1)} s/step; peak RSS (VmHWM) ${mb(watch.maxHwmKb)}`,
  );
  console.log(`  wasm heaps: ${heapsLine(watch)}`);
}

await pageRuns();
if (argv.includes('--cli') || cliOnly) await cliRun();
