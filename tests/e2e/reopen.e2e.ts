/**
 * A stored run opened again: a tiny model trained and stopped says "Stopped at step N / M" (no
 * ETA); after a reload, Reopen in the Run history brings back its charts, the progress line at
 * its last step and its final model: Try it predicts, the evaluation view shows its metrics on
 * the run's own validation file (the accuracy the run recorded at its last step), and Export
 * model downloads it. A dropped checkpoint and its
 * tokenizer come back after a reload (kept in IndexedDB) until From scratch is chosen.
 */
import Papa from 'papaparse';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { strFromU8, unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import type { E2EContext, E2ETest } from './harness';
import {
  button,
  keptNow,
  FIXTURES,
  chartPoints,
  dropFile,
  fixtureBytes,
  pageState,
  setField,
  textOf,
  waitFor,
  waitForBackend,
  waitForFileName,
  TINY_MODEL,
} from './helpers';

const FILE_NAME = 'sms-200.csv';
const SCREENSHOTS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../docs/screenshots',
);
const ARGS = {
  max_steps: 400,
  per_device_train_batch_size: 8,
  logging_steps: 1,
  // An evaluation after every step: the run's last one is of the model it stopped with.
  eval_steps: 1,
  learning_rate: 0.001,
};

/** Steps before Stop. */
const STOP_AFTER = 8;

/**
 * A validation file with as many spam as ham rows: a model that says "ham" to everything scores
 * 0.5 on it and about 0.85 on any split of the training file, so an evaluation on other rows
 * than the run's shows another accuracy.
 */
async function balancedValidation(): Promise<Uint8Array> {
  const text = new TextDecoder().decode(await fixtureBytes(`e2e/${FILE_NAME}`));
  const rows = Papa.parse<string[]>(text.trim(), { skipEmptyLines: true })
    .data.slice(1)
    .map((r) => [r[0], r[1]]);
  const spam = rows.filter((r) => r[0] === 'spam');
  const ham = rows.filter((r) => r[0] === 'ham').slice(0, spam.length);
  return new TextEncoder().encode(Papa.unparse([['v1', 'v2'], ...spam, ...ham]));
}

const status = (page: Page) => textOf(page.getByTestId('status'));
const progressText = (page: Page) => textOf(page.getByTestId('progress-text'));

async function progressStep(page: Page): Promise<number> {
  const bar = page.getByRole('progressbar', { name: 'Training progress' });
  if ((await bar.count()) === 0) return 0;
  return Number((await bar.getAttribute('aria-valuenow', { timeout: 1000 })) ?? 0);
}

async function waitTrainable(page: Page): Promise<void> {
  await waitFor(
    'the Train button to be enabled',
    () => button(page, 'Train').isEnabled(),
    { timeoutMs: 120_000 },
    () => pageState(page),
  );
}

async function stopThenReopen(ctx: E2EContext): Promise<void> {
  const { log } = ctx;
  const context = await ctx.browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${ctx.baseUrl}?backend=wasm`);
  await waitForBackend(page);
  await waitForFileName(page, 'spam.csv', 120_000);
  const bytes = await fixtureBytes(`e2e/${FILE_NAME}`);
  await dropFile(page, { name: FILE_NAME, bytes, type: 'text/csv' });
  await waitForFileName(page, FILE_NAME);
  await dropFile(
    page,
    { name: 'val.csv', bytes: await balancedValidation(), type: 'text/csv' },
    'validation-dropzone',
  );
  await page.getByTestId('validation-summary').waitFor({ timeout: 30_000 });
  for (const [k, v] of Object.entries(TINY_MODEL)) await setField(page, k, v);
  for (const [k, v] of Object.entries(ARGS)) await setField(page, k, v);
  await page.getByRole('combobox', { name: 'eval_strategy', exact: true }).selectOption('steps');
  await waitTrainable(page);

  // Train, and Stop after a few steps.
  await button(page, 'Train').click();
  await waitFor(
    `step >= ${STOP_AFTER}`,
    async () => (await progressStep(page)) >= STOP_AFTER,
    { timeoutMs: 120_000, intervalMs: 25 },
    () => pageState(page),
  );
  await button(page, 'Stop').click();
  const stopped = await waitFor(
    'the run to stop',
    async () => {
      const s = await status(page);
      return /^Stopped at step \d+/.test(s) ? s : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 100 },
    () => pageState(page),
  );
  const step = Number(/step (\d+)/.exec(stopped)![1]);
  assert.ok(step < ARGS.max_steps, `stopped before the end (${stopped})`);
  const line = await progressText(page);
  const epoch = /epoch ([\d.]+)/.exec(line)![1];
  log(`after Stop: status "${stopped}", progress "${line}"`);
  assert.match(line, new RegExp(`^Stopped at step ${step} / ${ARGS.max_steps} · epoch \\d`));
  assert.doesNotMatch(line, /ETA/, 'no ETA once stopped');
  const lossPoints = await chartPoints(page, 'loss');
  assert.equal(lossPoints, step, 'one loss point per step trained');

  // Reload: no model until the run is reopened.
  await page.reload();
  await waitForBackend(page);
  await waitForFileName(page, FILE_NAME, 120_000);
  await waitTrainable(page);
  assert.equal(await textOf(page.getByTestId('prediction')), 'No model yet.');
  const row = page.locator('tr[data-run-id]').first();
  await waitFor('the run in the history', async () => (await row.count()) === 1);
  assert.equal(await row.getAttribute('data-status'), 'stopped');
  // The top of the page says where the last run was left, one click from showing it again.
  const lastRun = page.getByTestId('last-run');
  await waitFor('the last run line', async () => (await lastRun.count()) === 1);
  assert.match(
    await textOf(lastRun),
    new RegExp(`Your last run: ${FILE_NAME.replace('.', '\\.')}, .*stopped at step ${step} / `),
  );
  await button(lastRun, 'Reopen the last run').click();
  const shown = await waitFor(
    'the reopened run (from the last run line)',
    async () => {
      const s = await status(page);
      return s.startsWith('Showing a reopened run') ? s : undefined;
    },
    { timeoutMs: 60_000 },
    () => pageState(page),
  );
  log(`reopened: status "${shown}", progress "${await progressText(page)}"`);
  assert.match(shown, new RegExp(`^Showing a reopened run: ${FILE_NAME.replace('.', '\\.')}, `));
  assert.match(
    await progressText(page),
    new RegExp(
      `^Run of \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d: stopped at step ${step} / ${ARGS.max_steps} · epoch ${epoch}$`,
    ),
  );
  assert.equal(await chartPoints(page, 'loss'), lossPoints, 'its loss curve is charted again');
  // For the README: the reopened run under the run bar, its charts in view.
  await page.getByRole('link', { name: '4 Train' }).click();
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'reopened-run.png') });

  // Try it predicts with the reopened model.
  await page.getByLabel('Text to classify').fill('WINNER! Claim your free prize now');
  const pred = await waitFor(
    'a prediction',
    async () => {
      const t = await textOf(page.getByTestId('prediction'));
      return /(ham|spam).*\d/.test(t) ? t : undefined;
    },
    { timeoutMs: 30_000 },
    () => pageState(page),
  );
  log(`try it: ${pred}`);

  // The evaluation view: the model on the run's own validation file.
  await waitFor('the evaluation view', () => page.getByTestId('eval-view').isVisible(), {
    timeoutMs: 60_000,
  });
  const accText = await textOf(page.getByTestId('eval-accuracy'));
  log(`evaluation: accuracy ${accText}`);
  // The reopened evaluation shows the accuracy the run recorded: its trainer_state.json's last
  // evaluation, taken at the step it stopped at (the same model on the same validation rows),
  // as the view rounds it (4 decimals).
  const [runDownload] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }),
    button(row, 'Export').click(),
  ]);
  const runZipPath = path.join(ctx.outDir, 'reopened-run.zip');
  await runDownload.saveAs(runZipPath);
  const runFiles = unzipSync(new Uint8Array(await readFile(runZipPath)));
  const stateName = Object.keys(runFiles).find((n) => n.endsWith('trainer_state.json'));
  assert.ok(stateName, `trainer_state.json in ${Object.keys(runFiles).join(', ')}`);
  const state = JSON.parse(strFromU8(runFiles[stateName])) as {
    log_history: { step: number; eval_accuracy?: number }[];
  };
  const evals = state.log_history.filter((e) => e.eval_accuracy !== undefined);
  const recorded = evals.at(-1);
  assert.ok(recorded, `an evaluation in the run's log (${evals.length})`);
  assert.equal(recorded.step, step, 'the run evaluated the model it stopped with');
  log(
    `recorded at step ${recorded.step}: eval_accuracy ${recorded.eval_accuracy} (over the run: ${evals.map((e) => e.eval_accuracy).join(' ')})`,
  );
  assert.equal(
    accText,
    recorded.eval_accuracy!.toFixed(4),
    'the reopened evaluation shows the accuracy the run recorded',
  );
  const cm = await page
    .getByRole('table', { name: /^Confusion matrix/ })
    .evaluate((t) =>
      Array.from(t.querySelectorAll('td[data-count]'), (c) => Number(c.getAttribute('data-count'))),
    );
  assert.equal(cm.length, 4, 'a 2 x 2 confusion matrix');
  // The page prepared the same file with the same settings: the same validation rows.
  const summary = await textOf(page.getByTestId('dataset-summary'));
  const validationRows = Number(/([\d,]+) validation/.exec(summary)![1].replace(',', ''));
  assert.equal(
    cm.reduce((a, b) => a + b, 0),
    validationRows,
    `every validation row counted (${summary})`,
  );

  // Export model downloads the reopened model.
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }),
    button(page, 'Export model').click(),
  ]);
  const zipPath = path.join(ctx.outDir, 'reopened-model.zip');
  await download.saveAs(zipPath);
  const files = unzipSync(new Uint8Array(await readFile(zipPath)));
  const configName = Object.keys(files).find((n) => n.endsWith('config.json') && !n.includes('_'));
  assert.ok(configName, `config.json in ${Object.keys(files).join(', ')}`);
  const config = JSON.parse(strFromU8(files[configName])) as { id2label: Record<string, string> };
  assert.deepEqual(Object.values(config.id2label).sort(), ['ham', 'spam']);
  assert.equal(
    (config as unknown as { hidden_size: number }).hidden_size,
    TINY_MODEL.hidden_size,
    'the run’s model, not another',
  );
}

async function checkpointSurvivesReload(ctx: E2EContext): Promise<void> {
  const context = await ctx.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${ctx.baseUrl}?backend=wasm`);
  await waitForBackend(page);
  await waitForFileName(page, 'spam.csv', 120_000);
  await waitTrainable(page);
  const loaded = await dropCheckpoint(page);
  const info = page.getByTestId('pretrained-info');

  await page.reload();
  await waitForBackend(page);
  await waitFor(
    'the checkpoint and its tokenizer after the reload',
    loaded,
    { timeoutMs: 120_000 },
    () => pageState(page),
  );
  assert.ok(await page.getByRole('radio', { name: 'Pretrained files' }).isChecked());
  ctx.log(`after the reload: ${(await textOf(info)).slice(0, 100)}`);
  await waitTrainable(page);
  assert.equal(await page.getByRole('alert').count(), 0, 'no alert');

  // From scratch: the checkpoint is forgotten for the next visit.
  await page.getByRole('radio', { name: 'From scratch' }).check();
  await waitFor('the checkpoint forgotten', async () => !(await keptNow(page, 'kept/checkpoint')));
  await page.reload();
  await waitForBackend(page);
  await waitTrainable(page);
  assert.ok(await page.getByRole('radio', { name: 'From scratch' }).isChecked());
  assert.equal(await info.count(), 0, 'no checkpoint shown');
}

/** Drops the fixture checkpoint's files on the model picker and waits for it to load. */
async function dropCheckpoint(page: Page): Promise<() => Promise<boolean>> {
  const ckpt = path.join(FIXTURES, 'bert-tiny-random');
  await page.getByRole('radio', { name: 'Pretrained files' }).check();
  await page
    .getByLabel('Choose pretrained model files', { exact: true })
    .setInputFiles(
      ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'].map((f) =>
        path.join(ckpt, f),
      ),
    );
  const loaded = async () =>
    /Checkpoint: .*2 layers, hidden 32.*Tokenizer: bert-tiny-random/.test(
      await textOf(page.getByTestId('pretrained-info')),
    ) && /bert-tiny-random/.test(await textOf(page.getByTestId('tokenizer-summary')));
  await waitFor('the checkpoint to load', loaded, { timeoutMs: 60_000 }, () => pageState(page));
  await waitFor('the checkpoint kept', () => keptNow(page, 'kept/checkpoint'));
  return loaded;
}

async function fineTunedRunResumes(ctx: E2EContext): Promise<void> {
  const context = await ctx.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${ctx.baseUrl}?backend=wasm`);
  await waitForBackend(page);
  await waitForFileName(page, 'spam.csv', 120_000);
  await dropFile(page, {
    name: 'tiny.csv',
    bytes: await fixtureBytes('e2e/tiny-sentiment.csv'),
    type: 'text/csv',
  });
  await waitForFileName(page, 'tiny.csv');
  const loaded = await dropCheckpoint(page);
  const args = {
    max_length: 16,
    max_steps: 400,
    per_device_train_batch_size: 4,
    logging_steps: 1,
    eval_steps: 2, // save_steps follows: a checkpoint every 2 steps
    learning_rate: 0.005,
  };
  for (const [k, v] of Object.entries(args)) await setField(page, k, v);
  await page.getByRole('combobox', { name: 'eval_strategy', exact: true }).selectOption('no');
  await waitTrainable(page);
  await button(page, 'Train').click();
  await waitFor(
    'step >= 5',
    async () => (await progressStep(page)) >= 5,
    { timeoutMs: 120_000, intervalMs: 25 },
    () => pageState(page),
  );
  await button(page, 'Pause').click();
  await waitFor('the run to pause', async () => (await status(page)) === 'Paused');
  const pausedAt = await progressStep(page);
  ctx.log(`paused at step ${pausedAt}; reloading`);
  await page.reload();
  await waitForBackend(page);
  await waitFor('the checkpoint after the reload', loaded, { timeoutMs: 120_000 }, () =>
    pageState(page),
  );
  const row = page.locator('tr[data-run-id]').first();
  const resume = button(row, 'Resume');
  await waitFor(
    'Resume offered',
    async () => (await resume.count()) === 1 && (await resume.isEnabled()),
    { timeoutMs: 60_000 },
    async () => `row "${await textOf(row)}" ${await pageState(page)}`,
  );
  await resume.click();
  const ended = await waitFor(
    'the resumed run to finish',
    async () => {
      const s = await status(page);
      return /^(Finished|Stopped)/.test(s) ? s : undefined;
    },
    { timeoutMs: 300_000, intervalMs: 200 },
    () => pageState(page),
  );
  assert.equal(ended, 'Finished');
  assert.match(await progressText(page), new RegExp(`^Finished: step ${args.max_steps} / `));
  assert.equal(await row.getAttribute('data-status'), 'finished');
  assert.equal(await page.getByRole('alert').count(), 0, 'no alert');
}

export const tests: E2ETest[] = [
  {
    name: 'reopen: a run fine-tuned from a dropped checkpoint resumes after a reload',
    fn: fineTunedRunResumes,
  },
  {
    name: 'reopen: a dropped checkpoint and its tokenizer survive a reload',
    fn: checkpointSurvivesReload,
  },
  { name: 'reopen: Stop says where it stopped; Reopen restores the model', fn: stopThenReopen },
];
