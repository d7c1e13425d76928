/**
 * Where the main thread's long tasks go while a run trains: opens the built studio in headless
 * Chromium, trains the 200-row SMS file as the views e2e test does (WASM backend, a log every
 * step), records a Chrome trace from the click on Train to the end of the run, and prints every
 * main-thread task over the threshold with its largest parts (script, style, layout, paint...).
 * A diagnostic, not a test: the e2e test `views` asserts the bound.
 *
 *   npm run build && node --import tsx scripts/long-tasks.ts [threshold-ms=30] [runs=1]
 *
 * Each task shows its wall time and its CPU time: a task whose CPU time is far below its wall
 * time waited for a core (the machine was busy); it did not compute for that long. DIST=<folder>
 * serves another build (an unminified one, `vite build --minify false --outDir …`, names the
 * functions in a DevTools profile).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../tests/e2e/chromium';
import { TINY_MODEL } from '../tests/e2e/helpers';
import { PageTrace } from '../tests/e2e/trace';
import { startServer } from './serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const threshold = Number(process.argv[2] ?? 30);
const runs = Number(process.argv[3] ?? 1);
const dist = process.env.DIST ?? path.join(root, 'dist');

/** The views e2e test's model and arguments. */
const FIELDS: Record<string, number> = {
  ...TINY_MODEL,
  max_steps: 30,
  per_device_train_batch_size: 8,
  logging_steps: 1,
  eval_steps: 10,
  learning_rate: 0.003,
};

async function waitText(page: Page, testId: string, re: RegExp, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const el = page.getByTestId(testId);
    const t = (await el.count()) ? ((await el.first().textContent()) ?? '') : '';
    if (re.test(t)) return t;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${testId} ~ ${re}: "${t}"`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main() {
  const server = await startServer({ root: dist, port: 0 });
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
  });
  try {
    for (let run = 0; run < runs; run++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(`${server.url}?backend=wasm`);
      await waitText(page, 'file-name', /^spam\.csv$/, 120_000);
      await page.getByLabel('Choose a data file').setInputFiles({
        name: 'sms-200.csv',
        mimeType: 'text/csv',
        buffer: await readFile(path.join(root, 'tests/fixtures/e2e/sms-200.csv')),
      });
      await waitText(page, 'file-name', /^sms-200\.csv$/, 60_000);
      for (const [k, v] of Object.entries(FIELDS)) {
        await page.getByLabel(k, { exact: true }).fill(String(v));
      }
      await page
        .getByRole('combobox', { name: 'eval_strategy', exact: true })
        .selectOption('steps');
      await waitText(page, 'dataset-summary', /180 train \/ 20 validation/, 60_000);
      const train = page.getByRole('button', { name: 'Train', exact: true });
      while (!(await train.isEnabled())) await new Promise((r) => setTimeout(r, 200));
      await page.evaluate(() => {
        const w = window as unknown as { __long: number[]; __t0: number };
        w.__long = [];
        w.__t0 = performance.now();
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) if (e.startTime >= w.__t0) w.__long.push(e.duration);
        }).observe({ type: 'longtask', buffered: true });
      });
      const trace = await PageTrace.start(page);
      const clicked = Date.now();
      await train.click();
      await waitText(page, 'status', /^Finished/, 300_000);
      const runMs = Date.now() - clicked;
      const tasks = await trace.stop(threshold);
      const observed = await page.evaluate(
        () => (window as unknown as { __long: number[] }).__long,
      );
      console.log(
        `run ${run + 1}: PerformanceObserver long tasks ${JSON.stringify(observed.map(Math.round))}, ` +
          `worst ${Math.round(Math.max(0, ...observed))} ms; the run took ${(runMs / 1000).toFixed(1)} s`,
      );
      console.log(`main-thread tasks >= ${threshold} ms:`);
      for (const t of tasks) {
        console.log(
          `  at ${String(t.at).padStart(6)} ms: ${String(t.wallMs).padStart(4)} ms ` +
            `(cpu ${t.cpuMs} ms)  [${t.parts}]`,
        );
      }
      await context.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
