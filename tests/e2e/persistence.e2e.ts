/**
 * Runs that survive: a reload mid-training resumes from the last checkpoint to the same loss
 * curve; a lost WebGPU device stops a run cleanly and it resumes on a fresh worker; a full
 * storage quota warns and keeps the last good checkpoint; hostile CSV text stays text; the
 * served page has a Content-Security-Policy and runs under it; two runs compare side by side.
 *
 * Test hooks (URL flags read once by the UI at start, see `e2eHooksFromUrl` in useStudio.ts):
 * `?e2e-device-loss=N` destroys the WebGPU device after step N; `?e2e-quota=1` lets a run's
 * first checkpoint through and then fails checkpoint writes as a full quota would.
 *
 * Models are tiny (hidden 16, 1 layer) and runs short; WASM unless WebGPU is the point.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { E2EContext, E2ETest } from './harness';
import {
  button,
  chartPoints,
  dropFile,
  fixtureBytes,
  pageState,
  previewRows,
  setField,
  textOf,
  waitFor,
  waitForBackend,
  waitForFileName,
  TINY_MODEL,
} from './helpers';

const FIXTURE = 'e2e/sms-200.csv';
const FILE_NAME = 'sms-200.csv';
const MODEL = TINY_MODEL;

/** The stored form of a run, as far as these tests read it (see core/io/runStore.ts). */
interface StoredRun {
  id: string;
  created: number;
  status: string;
  reason: string | null;
  globalStep: number;
  checkpoints: string[];
  logHistory: Record<string, number>[];
  args: Record<string, unknown>;
}

/** Every stored run record, read straight from the studio's IndexedDB (`trainer-studio`). */
async function storedRuns(page: Page): Promise<StoredRun[]> {
  return page.evaluate(
    () =>
      new Promise<StoredRun[]>((resolve, reject) => {
        const open = indexedDB.open('trainer-studio');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('runs')) {
            db.close();
            resolve([]);
            return;
          }
          const q = db.transaction('runs').objectStore('runs').getAll();
          q.onerror = () => reject(q.error);
          q.onsuccess = () => {
            db.close();
            resolve(q.result as StoredRun[]);
          };
        };
      }),
  );
}

/** Per-step training losses of a log_history: step -> loss. */
function losses(logs: Record<string, number>[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const e of logs) if ('loss' in e && 'grad_norm' in e) m.set(e.step, e.loss);
  return m;
}

/** The Run history row of a run. */
const runRow = (page: Page, id: string) => page.locator(`tr[data-run-id="${id}"]`);

async function progressStep(page: Page): Promise<number> {
  const bar = page.getByRole('progressbar', { name: 'Training progress' });
  if ((await bar.count()) === 0) return 0;
  return Number((await bar.getAttribute('aria-valuenow', { timeout: 1000 })) ?? 0);
}

/** Waits for status `Finished` (or `Stopped at step N`) and returns it. */
async function waitForRunEnd(page: Page, timeoutMs = 300_000): Promise<string> {
  return waitFor(
    'the run to end',
    async () => {
      const s = await textOf(page.getByTestId('status'));
      return /^(Finished|Stopped at step \d+)/.test(s) ? s : undefined;
    },
    { timeoutMs, intervalMs: 200 },
    () => pageState(page),
  );
}

async function waitTrainable(page: Page, timeoutMs = 120_000): Promise<void> {
  await waitFor(
    'the Train button to be enabled',
    () => button(page, 'Train').isEnabled(),
    { timeoutMs },
    () => pageState(page),
  );
}

/**
 * Opens the studio in `context` with `query`, drops a file (the 200-row SMS file unless given)
 * and sets the tiny model and `args` (eval_strategy "no" unless given; save_steps follows
 * eval_steps). Returns when Train is enabled.
 */
async function setUpRun(
  context: BrowserContext,
  ctx: E2EContext,
  query: string,
  args: Record<string, number>,
  file?: { name: string; bytes: Uint8Array },
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${ctx.baseUrl}${query}`);
  await waitForBackend(page);
  await waitForFileName(page, 'spam.csv', 120_000);
  const f = file ?? { name: FILE_NAME, bytes: await fixtureBytes(FIXTURE) };
  await dropFile(page, { ...f, type: 'text/csv' });
  await waitForFileName(page, f.name);
  for (const [k, v] of Object.entries(MODEL)) await setField(page, k, v);
  for (const [k, v] of Object.entries(args)) await setField(page, k, v);
  await page.getByRole('combobox', { name: 'eval_strategy', exact: true }).selectOption('no');
  await waitTrainable(page);
  return page;
}

/** Waits for a stored run other than `known` ids to appear; returns it. */
async function newRun(page: Page, known: Set<string>): Promise<StoredRun> {
  return waitFor('a new stored run', async () =>
    (await storedRuns(page)).find((r) => !known.has(r.id)),
  );
}

/** Clicks the Run history's Resume of run `id` once it is offered. */
async function resumeFromHistory(page: Page, id: string): Promise<void> {
  const resume = button(runRow(page, id), 'Resume');
  await waitFor(
    `Resume offered for run ${id}`,
    async () => (await resume.count()) === 1 && (await resume.isEnabled()),
    { timeoutMs: 60_000 },
    async () => `row "${await textOf(runRow(page, id))}" ${await pageState(page)}`,
  );
  await resume.click();
}

const RESUME_ARGS = {
  max_steps: 24,
  per_device_train_batch_size: 8,
  logging_steps: 1,
  eval_steps: 2, // save_steps follows eval_steps: a checkpoint every 2 steps
  learning_rate: 0.001,
};

async function reloadAndResume(ctx: E2EContext): Promise<void> {
  const { log } = ctx;
  const context = await ctx.browser.newContext();
  // Run A: uninterrupted.
  const page = await setUpRun(context, ctx, '?backend=wasm', RESUME_ARGS);
  await button(page, 'Train').click();
  assert.match(await waitForRunEnd(page), /^Finished/);
  const [runA] = await storedRuns(page);
  assert.equal(runA.status, 'finished');
  const lossA = losses(runA.logHistory);
  assert.equal(lossA.size, RESUME_ARGS.max_steps, 'run A logged every step');
  log(`run A: ${lossA.size} losses, checkpoints ${runA.checkpoints.join(', ')}`);

  // Run B: the same settings, paused after step 5 and the page reloaded.
  await button(page, 'Train').click();
  await waitFor(
    'step >= 5 of run B',
    async () => (await progressStep(page)) >= 5,
    { timeoutMs: 120_000, intervalMs: 25 },
    () => pageState(page),
  );
  await button(page, 'Pause').click();
  await waitFor(
    'the run to pause',
    async () => (await textOf(page.getByTestId('status'))) === 'Paused',
  );
  assert.ok(await button(page, 'Resume').isEnabled(), 'Train section offers Resume when paused');
  const runB = await newRun(page, new Set([runA.id]));
  const pausedAt = await progressStep(page);
  log(`run B ${runB.id} paused at step ${pausedAt}; reloading`);
  assert.ok(pausedAt < RESUME_ARGS.max_steps, `paused before the end (step ${pausedAt})`);
  await page.reload();
  await waitForBackend(page);
  await waitTrainable(page);
  const before = (await storedRuns(page)).find((r) => r.id === runB.id);
  assert.ok(before, 'run B is stored');
  assert.ok(before.checkpoints.length > 0, `run B has checkpoints (${before.checkpoints})`);
  assert.equal(await textOf(runRow(page, runB.id).locator('.run-status')), 'interrupted');
  log(`after reload: run B ${before.status}, checkpoints ${before.checkpoints.join(', ')}`);

  await resumeFromHistory(page, runB.id);
  assert.match(await waitForRunEnd(page), /^Finished/);
  const after = (await storedRuns(page)).find((r) => r.id === runB.id)!;
  assert.equal(after.status, 'finished');
  assert.equal(after.globalStep, RESUME_ARGS.max_steps);
  const lossB = losses(after.logHistory);
  assert.deepEqual([...lossB.keys()], [...lossA.keys()], 'run B logged the same steps as A');
  let worst = 0;
  for (const [step, a] of lossA) worst = Math.max(worst, Math.abs(a - lossB.get(step)!));
  log(`resumed run B: max |loss A - loss B| over ${lossA.size} steps = ${worst.toExponential(2)}`);
  assert.ok(worst <= 1e-4, `loss curves differ by ${worst}`);
  assert.equal(await chartPoints(page, 'loss'), RESUME_ARGS.max_steps, 'the chart shows all steps');
}

/**
 * A lost device mid-run: the run stops and is stored as interrupted; the way back (`recovery`:
 * "Restart worker", a fresh WebGPU device, or "Use WASM instead") then resumes it to the end.
 */
async function deviceLossRecovers(
  ctx: E2EContext,
  recovery: 'Restart worker' | 'Use WASM instead',
): Promise<void> {
  const { log } = ctx;
  const context = await ctx.browser.newContext();
  const page = await setUpRun(context, ctx, '?backend=webgpu&e2e-device-loss=3', {
    max_steps: 6,
    per_device_train_batch_size: 8,
    logging_steps: 1,
    eval_steps: 2,
    learning_rate: 0.001,
  });
  await button(page, 'Train').click();
  const message = await waitFor(
    'the device-lost message',
    async () => {
      const t = await textOf(page.getByTestId('error'));
      return /GPU device was lost/.test(t) ? t : undefined;
    },
    { timeoutMs: 240_000 },
    () => pageState(page),
  );
  log(`error: ${message}`);
  // The device's `lost` warning comes first; the run then ends as a failure (never hangs).
  await waitFor(
    'the run to stop as failed',
    async () => (await textOf(page.getByTestId('status'))) === 'Training failed',
    { timeoutMs: 120_000 },
    () => pageState(page),
  );
  assert.match(await textOf(page.getByTestId('error')), /GPU device was lost/);
  assert.ok(await button(page, 'Restart worker').isVisible(), 'Restart worker offered');
  const [run] = await storedRuns(page);
  assert.equal(run.status, 'interrupted');
  assert.match(run.reason ?? '', /GPU device was lost/);
  assert.ok(run.checkpoints.includes('checkpoint-2'), `checkpoint-2 kept (${run.checkpoints})`);

  assert.ok(await button(page, 'Use WASM instead').isVisible(), 'Use WASM instead offered');
  await button(page, recovery).click();
  const backend = await waitForBackend(page);
  const expected = recovery === 'Restart worker' ? 'webgpu' : 'wasm';
  assert.ok(backend.startsWith(expected), `restarted on ${backend}`);
  await waitFor('the worker to be ready', async () =>
    /^Ready/.test(await textOf(page.getByTestId('status'))),
  );
  await resumeFromHistory(page, run.id);
  assert.match(await waitForRunEnd(page, 240_000), /^Finished/);
  const done = (await storedRuns(page)).find((r) => r.id === run.id)!;
  assert.equal(done.status, 'finished');
  assert.equal(done.globalStep, 6);
  assert.equal(losses(done.logHistory).size, 6, 'all 6 steps in the resumed history');
  log(`resumed on ${backend}: ${done.status} at step ${done.globalStep}`);
}

const IMG = '<img src=x onerror="window.__xss=1">';
const SCRIPT = '<script>window.__xss=2</script>';

async function hostileCsvStaysText(ctx: E2EContext): Promise<void> {
  const rows = ['text,label'];
  for (let i = 0; i < 24; i++) {
    const t = i % 2 ? `"${IMG.replace(/"/g, '""')} number ${i}"` : `${SCRIPT} number ${i}`;
    rows.push(`${t},${i % 2 ? 'bad' : 'good'}`);
  }
  const bytes = new TextEncoder().encode(rows.join('\n') + '\n');
  const context = await ctx.browser.newContext();
  const page = await setUpRun(
    context,
    ctx,
    '?backend=wasm',
    { max_steps: 2, per_device_train_batch_size: 8, logging_steps: 1, eval_steps: 2 },
    { name: 'xss.csv', bytes },
  );
  const cells = (await previewRows(page)).flat();
  assert.ok(
    cells.some((c) => c.includes(IMG)),
    `preview shows the img tag as text: ${cells}`,
  );
  assert.ok(
    cells.some((c) => c.includes(SCRIPT)),
    'preview shows the script tag as text',
  );
  await button(page, 'Train').click();
  await waitForRunEnd(page);
  const input = page.getByLabel('Text to classify', { exact: true });
  await input.fill(`${IMG} ${SCRIPT}`);
  // Try it classifies as you type: wait for its prediction of this text.
  await waitFor('a prediction of the hostile text', async () =>
    /\b(good|bad)\b/.test(await textOf(page.getByTestId('prediction'))),
  );
  assert.equal(await input.inputValue(), `${IMG} ${SCRIPT}`, 'Try it keeps the text literally');
  const state = await page.evaluate(() => ({
    xss: (window as unknown as { __xss?: unknown }).__xss,
    imgs: document.querySelectorAll('img[src="x"]').length,
    scripts: [...document.scripts].filter((s) => s.textContent?.includes('__xss')).length,
  }));
  assert.deepEqual(state, { xss: undefined, imgs: 0, scripts: 0 });
  ctx.log(`hostile text stayed text: ${JSON.stringify(state)}`);
}

async function quotaKeepsLastCheckpoint(ctx: E2EContext): Promise<void> {
  const context = await ctx.browser.newContext();
  const page = await setUpRun(context, ctx, '?backend=wasm&e2e-quota=1', {
    max_steps: 8,
    per_device_train_batch_size: 8,
    logging_steps: 1,
    eval_steps: 2,
  });
  await button(page, 'Train').click();
  assert.match(await waitForRunEnd(page), /^Finished/);
  const alert = page.getByRole('alert');
  const warning = await textOf(alert);
  ctx.log(`warning: ${warning}`);
  assert.match(warning, /storage is full/i);
  assert.match(warning, /last saved checkpoint is kept/);
  const [run] = await storedRuns(page);
  assert.equal(run.status, 'finished', 'the run went on to the end');
  assert.equal(run.globalStep, 8);
  assert.deepEqual(run.checkpoints, ['checkpoint-2'], 'the last good checkpoint stays');
}

async function contentSecurityPolicy(ctx: E2EContext): Promise<void> {
  const res = await fetch(ctx.baseUrl);
  const csp = res.headers.get('content-security-policy');
  ctx.log(`CSP: ${csp}`);
  assert.ok(csp, 'the page is served with a Content-Security-Policy header');
  assert.match(csp, /default-src 'self'/);
  assert.doesNotMatch(csp, /script-src[^;]*'unsafe-inline'/, 'no inline scripts allowed');
  const context = await ctx.browser.newContext();
  const violations: string[] = [];
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __csp?: string[] }).__csp ??= [];
      (window as unknown as { __csp: string[] }).__csp.push(
        `${e.violatedDirective} ${e.blockedURI}`,
      );
    });
  });
  context.on('page', (p) =>
    p.on('console', (m) => {
      if (/Content Security Policy|Content-Security-Policy/i.test(m.text()))
        violations.push(m.text());
    }),
  );
  const page = await setUpRun(context, ctx, '?backend=wasm', {
    max_steps: 2,
    per_device_train_batch_size: 8,
    logging_steps: 1,
    eval_steps: 2,
  });
  await button(page, 'Train').click();
  assert.match(await waitForRunEnd(page), /^Finished/);
  const seen = await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []);
  assert.deepEqual([...violations, ...seen], [], 'no CSP violations');
}

async function compareTwoRuns(ctx: E2EContext): Promise<void> {
  const context = await ctx.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const args = { max_steps: 6, per_device_train_batch_size: 8, logging_steps: 1, eval_steps: 3 };
  const page = await setUpRun(context, ctx, '?backend=wasm', { ...args, learning_rate: 0.001 });
  await page.getByRole('combobox', { name: 'eval_strategy', exact: true }).selectOption('steps');
  await waitTrainable(page);
  await button(page, 'Train').click();
  await waitForRunEnd(page);
  await setField(page, 'learning_rate', 0.0001);
  await waitTrainable(page);
  await button(page, 'Train').click();
  await waitForRunEnd(page);
  const runs = await storedRuns(page);
  assert.equal(runs.length, 2);
  // The history shows both runs finished (it re-reads the store when a run ends) before they
  // are compared: the comparison is drawn from what the history holds.
  for (const r of runs) {
    await waitFor(`run ${r.id} listed as finished`, async () =>
      (await runRow(page, r.id).getAttribute('data-status', { timeout: 1000 })) === 'finished'
        ? true
        : undefined,
    );
  }
  const history = page.getByTestId('run-history');
  await history.scrollIntoViewIfNeeded();
  await page.screenshot({
    path: path.join(ctx.outDir, 'runs-history.png'),
    clip: (await page.getByRole('region', { name: /Run history/ }).boundingBox()) ?? undefined,
  });
  for (const r of runs) await runRow(page, r.id).getByRole('checkbox').check();
  await button(page, 'Compare').click();
  const compare = page.getByTestId('compare-runs');
  await compare.waitFor();
  const points = Number(await page.getByTestId('compare-loss').getAttribute('data-points'));
  assert.equal(points, 12, 'both loss curves (6 points each)');
  const evalPoints = Number(
    await page.getByTestId('compare-eval_loss').getAttribute('data-points'),
  );
  assert.equal(evalPoints, 4, 'both eval_loss curves (2 points each)');
  // Round step ticks from 0 (recharts' own stepped from the first point: 1, 3, 5…).
  const tickText = page
    .getByTestId('compare-loss')
    .locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value');
  const ticks = await waitFor(
    'the x ticks drawn',
    async () => {
      const t = await tickText.allTextContents();
      return t.length > 0 ? t : undefined;
    },
    { timeoutMs: 10_000 },
    () => page.getByTestId('compare-loss').innerHTML(),
  );
  assert.deepEqual(ticks, ['0', '2', '4', '6'], `x ticks: ${ticks.join(', ')}`);
  const lrRow = compare.locator('tr[data-arg="learning_rate"]');
  assert.equal(await lrRow.getAttribute('data-differs'), 'true', 'learning_rate differs');
  assert.match(await textOf(lrRow), /0\.001/);
  assert.match(await textOf(lrRow), /0\.0001/);
  assert.equal(
    await compare.locator('tr[data-arg="seed"]').getAttribute('data-differs'),
    'false',
    'seed is the same',
  );
  // recharts draws the legend after the lines: wait for it rather than read it at once.
  const legendBox = page.getByTestId('compare-loss').locator('.recharts-legend-wrapper');
  await waitFor(
    'the legend to name both runs',
    async () => /#1 .*#2 /.test(await textOf(legendBox)),
    {},
    () => textOf(legendBox),
  );
  await compare.scrollIntoViewIfNeeded();
  await page.screenshot({
    path: path.join(ctx.outDir, 'runs-compare.png'),
    clip: (await compare.boundingBox()) ?? undefined,
  });
}

/** A crash of the training worker mid-run: the UI says so, never hangs, and restarts it. */
async function workerCrashRestarts(ctx: E2EContext): Promise<void> {
  const context = await ctx.browser.newContext();
  const args = { max_steps: 400, per_device_train_batch_size: 8, logging_steps: 5, eval_steps: 50 };
  const page = await setUpRun(context, ctx, '?backend=wasm', args);
  await button(page, 'Train').click();
  await waitFor('step >= 2', async () => (await progressStep(page)) >= 2, { intervalMs: 25 });
  const worker = page.workers().find((w) => w.url().includes('studio.worker'));
  assert.ok(worker, `the studio worker (workers: ${page.workers().map((w) => w.url())})`);
  // An uncaught error in the worker's global scope: the Worker's "error" event fires.
  await worker.evaluate(() => {
    setTimeout(() => {
      throw new Error('e2e: simulated worker crash');
    });
  });
  const message = await waitFor(
    'the crash message',
    async () => {
      const t = await textOf(page.getByTestId('error'));
      return /training worker crashed/.test(t) ? t : undefined;
    },
    { timeoutMs: 30_000 },
    () => pageState(page),
  );
  ctx.log(`error: ${message}`);
  assert.ok(await button(page, 'Train').isDisabled(), 'Train waits for a worker');
  await button(page, 'Restart worker').click();
  await waitForBackend(page);
  await setField(page, 'max_steps', 2);
  await waitTrainable(page);
  assert.equal(await page.getByTestId('worker-down').count(), 0, 'the notice is gone');
  await button(page, 'Train').click();
  assert.match(await waitForRunEnd(page), /^Finished/);
}

export const tests: E2ETest[] = [
  { name: 'a worker crash is shown and Restart worker recovers', fn: workerCrashRestarts },
  { name: 'reload mid-training resumes to the same loss curve', fn: reloadAndResume },
  {
    name: 'a lost WebGPU device stops cleanly and the run resumes',
    fn: (ctx) => deviceLossRecovers(ctx, 'Restart worker'),
  },
  {
    name: 'after a lost WebGPU device, "Use WASM instead" resumes the run on WASM',
    fn: (ctx) => deviceLossRecovers(ctx, 'Use WASM instead'),
  },
  { name: 'hostile CSV text stays text', fn: hostileCsvStaysText },
  { name: 'a full quota warns and keeps the last good checkpoint', fn: quotaKeepsLastCheckpoint },
  { name: 'served with a CSP and works under it', fn: contentSecurityPolicy },
  { name: 'compare two runs: curves and differing arguments', fn: compareTwoRuns },
];
