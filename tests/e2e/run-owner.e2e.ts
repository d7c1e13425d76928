/**
 * The worker's one run, as a user meets it:
 * - a run on a training file and a separate validation file, reopened after a reload, is
 *   evaluated on its own validation rows and shows the accuracy its run recorded;
 * - a new training file then clears what belonged to the old one (its validation file, its
 *   errors, the charts, Try it and the evaluation) and says so;
 * - a paused run has a model: Try it predicts, the evaluation view shows it, Export downloads it;
 * - a trainer_state.json and an exported model become their own entries in the run history,
 *   and the run shown stays as it was.
 */
import Papa from 'papaparse';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { E2EContext, E2ETest } from './harness';
import {
  TINY_MODEL,
  button,
  chartPoints,
  dropFile,
  fixtureBytes,
  pageState,
  setField,
  textOf,
  waitFor,
  waitForBackend,
  waitForFileName,
} from './helpers';

const utf8 = (s: string) => new TextEncoder().encode(s);
const status = (page: Page) => textOf(page.getByTestId('status'));

/** sms-200.csv's rows (label, text). */
async function smsRows(): Promise<string[][]> {
  const text = new TextDecoder().decode(await fixtureBytes('e2e/sms-200.csv'));
  return Papa.parse<string[]>(text.trim(), { skipEmptyLines: true })
    .data.slice(1)
    .map((r) => [r[0], r[1]]);
}

const csv = (rows: string[][]) => utf8(Papa.unparse([['v1', 'v2'], ...rows]));

async function openPage(ctx: E2EContext): Promise<Page> {
  const context = await ctx.browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${ctx.baseUrl}?backend=wasm`);
  await waitForBackend(page);
  await waitForFileName(page, 'spam.csv', 120_000);
  return page;
}

async function setUp(page: Page, args: Record<string, number>): Promise<void> {
  for (const [k, v] of Object.entries(TINY_MODEL)) await setField(page, k, v);
  for (const [k, v] of Object.entries(args)) await setField(page, k, v);
  await page.getByRole('combobox', { name: 'eval_strategy', exact: true }).selectOption('no');
}

async function waitTrainable(page: Page): Promise<void> {
  await waitFor(
    'the Train button to be enabled',
    () => button(page, 'Train').isEnabled(),
    { timeoutMs: 120_000 },
    () => pageState(page),
  );
}

async function waitStatus(page: Page, what: string, re: RegExp, timeoutMs = 120_000) {
  return waitFor(
    what,
    async () => {
      const s = await status(page);
      return re.test(s) ? s : undefined;
    },
    { timeoutMs, intervalMs: 100 },
    () => pageState(page),
  );
}

/** The evaluation view's accuracy and the rows its confusion matrix counts. */
async function evaluation(page: Page): Promise<{ accuracy: number; rows: number }> {
  await waitFor('the evaluation view', () => page.getByTestId('eval-view').isVisible(), {
    timeoutMs: 60_000,
  });
  const cm = await page
    .getByRole('table', { name: /^Confusion matrix/ })
    .evaluate((t) =>
      Array.from(t.querySelectorAll('td[data-count]'), (c) => Number(c.getAttribute('data-count'))),
    );
  return {
    accuracy: Number(await textOf(page.getByTestId('eval-accuracy'))),
    rows: cm.reduce((a, b) => a + b, 0),
  };
}

/** Final metrics' value of `key` as shown. */
async function finalMetric(page: Page, key: string): Promise<number> {
  const text = await textOf(page.getByTestId('final-metrics'));
  const m = new RegExp(`${key}\\s+([\\d.]+)`).exec(text);
  assert.ok(m, `${key} in Final metrics: ${text}`);
  return Number(m[1]);
}

async function reopenOnOwnValidation(ctx: E2EContext): Promise<void> {
  const { log } = ctx;
  const page = await openPage(ctx);
  const rows = await smsRows();
  // 150 rows to train on, and a separate validation file of 50 other rows, spam first: a split
  // of the training file would have 15 rows and another accuracy.
  const train = rows.slice(0, 150);
  const rest = rows.slice(150);
  const val = [...rest.filter((r) => r[0] === 'spam'), ...rest.filter((r) => r[0] !== 'spam')];
  await dropFile(page, { name: 'train.csv', bytes: csv(train), type: 'text/csv' });
  await waitForFileName(page, 'train.csv');
  await dropFile(
    page,
    { name: 'val.csv', bytes: csv(val), type: 'text/csv' },
    'validation-dropzone',
  );
  await page.getByTestId('validation-summary').waitFor({ timeout: 30_000 });
  await setUp(page, { max_steps: 24, per_device_train_batch_size: 8, logging_steps: 4 });
  await waitTrainable(page);
  await button(page, 'Train').click();
  await waitStatus(page, 'the run to finish', /^Finished/);
  const recorded = await finalMetric(page, 'eval_accuracy');
  const live = await evaluation(page);
  log(`run: Final metrics eval_accuracy ${recorded}; evaluation ${live.accuracy} on ${live.rows}`);
  assert.equal(live.rows, val.length, 'the run evaluated its validation file');

  // After a reload, Reopen: the same rows, the same accuracy.
  await page.reload();
  await waitForBackend(page);
  await waitForFileName(page, 'train.csv', 120_000);
  await page.getByTestId('validation-summary').waitFor({ timeout: 60_000 });
  // The page's own data prepared first (its status line would follow the reopened run's).
  await waitTrainable(page);
  const row = page.locator('tr[data-run-id]').first();
  await waitFor('the run in the history', async () => (await row.count()) === 1);
  await button(row, 'Reopen').click();
  await waitStatus(page, 'the reopened run', /^Showing a reopened run/, 60_000);
  const reopened = await evaluation(page);
  log(`reopened: evaluation ${reopened.accuracy} on ${reopened.rows} rows`);
  assert.equal(reopened.rows, val.length, 'Reopen evaluates the run’s own validation rows');
  assert.ok(
    Math.abs(reopened.accuracy - recorded) < 1e-4,
    `Reopen shows the accuracy the run recorded (${reopened.accuracy} vs ${recorded})`,
  );
  assert.equal(await finalMetric(page, 'eval_accuracy'), recorded);

  // A new training file with other columns: the old validation file, charts, Try it and
  // evaluation go, no error about the old file stays, and the status says what was cleared.
  assert.ok((await chartPoints(page, 'loss')) > 0, 'the reopened run is charted');
  await dropFile(page, {
    name: 'tiny-sentiment.csv',
    bytes: await fixtureBytes('e2e/tiny-sentiment.csv'),
    type: 'text/csv',
  });
  await waitForFileName(page, 'tiny-sentiment.csv');
  const notice = await waitStatus(page, 'the notice', /cleared/, 30_000);
  log(`notice: ${notice}`);
  assert.match(notice, /val\.csv/, 'the notice names the validation file dropped');
  await waitTrainable(page);
  assert.equal(await page.getByTestId('validation-file').count(), 0, 'no validation file');
  assert.equal(await textOf(page.getByTestId('error')), '', 'no error about the old file');
  assert.equal(await page.getByRole('alert').count(), 0, 'no alert in the run bar');
  assert.equal(await chartPoints(page, 'loss'), 0, 'the old run’s charts are gone');
  assert.equal(await page.getByTestId('eval-view').count(), 0, 'its evaluation is gone');
  assert.equal(await textOf(page.getByTestId('prediction')), 'No model yet.');
  // After a reload the old validation file does not come back either.
  await page.reload();
  await waitForBackend(page);
  await waitForFileName(page, 'tiny-sentiment.csv', 120_000);
  await waitTrainable(page);
  assert.equal(await page.getByTestId('validation-file').count(), 0, 'not kept either');
}

async function pausedModelAndImports(ctx: E2EContext): Promise<void> {
  const { log } = ctx;
  const page = await openPage(ctx);
  await dropFile(page, {
    name: 'sms-200.csv',
    bytes: await fixtureBytes('e2e/sms-200.csv'),
    type: 'text/csv',
  });
  await waitForFileName(page, 'sms-200.csv');
  await setUp(page, { max_steps: 400, per_device_train_batch_size: 8, logging_steps: 1 });
  await waitTrainable(page);
  await button(page, 'Train').click();
  await waitFor(
    'a few steps',
    async () => (await chartPoints(page, 'loss')) >= 3,
    { timeoutMs: 120_000, intervalMs: 50 },
    () => pageState(page),
  );
  await button(page, 'Pause').click();
  await waitStatus(page, 'the pause', /^Paused/, 30_000);

  // Paused: Try it predicts with the run's model, the evaluation view shows it, Export works.
  await page.getByLabel('Text to classify').fill('WINNER! Claim your free prize now');
  const pred = await waitFor(
    'a prediction while paused',
    async () => {
      const t = await textOf(page.getByTestId('prediction'));
      return /(ham|spam).*\d/.test(t) ? t : undefined;
    },
    { timeoutMs: 30_000 },
    () => pageState(page),
  );
  log(`paused: try it ${pred}`);
  const ev = await evaluation(page);
  log(`paused: evaluation ${ev.accuracy} on ${ev.rows} rows`);
  assert.ok(ev.rows > 0);
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }),
    button(page, 'Export model').click(),
  ]);
  const zipPath = path.join(ctx.outDir, 'paused-model.zip');
  await download.saveAs(zipPath);
  assert.ok((await readFile(zipPath)).length > 1000, 'a model zip');

  // Unpause, then stop: the run ends with its charts.
  await button(page, 'Resume').click();
  await button(page, 'Stop').click();
  await waitStatus(page, 'the run to stop', /^Stopped at step \d+/);
  const points = await chartPoints(page, 'loss');
  const metrics = await textOf(page.getByTestId('final-metrics'));
  const history = page.locator('tr[data-run-id]');
  await waitFor('the run in the history', async () => (await history.count()) === 1);

  // A trainer_state.json: its own entry in the history; the run shown stays as it was.
  const state = {
    global_step: 3,
    max_steps: 3,
    log_history: [
      { loss: 0.9, step: 1, epoch: 0.3 },
      { loss: 0.8, step: 2, epoch: 0.6 },
      { loss: 0.7, step: 3, epoch: 1 },
      { eval_loss: 0.6, eval_accuracy: 0.75, step: 3, epoch: 1 },
    ],
  };
  await page.getByLabel('Choose a trainer_state.json').setInputFiles({
    name: 'trainer_state.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(state)),
  });
  await waitStatus(page, 'the import', /^Added trainer_state\.json to the run history/, 30_000);
  await waitFor('its history entry', async () => (await history.count()) === 2);
  assert.equal(await page.locator('tr[data-status="imported"]').count(), 1);
  assert.equal(await chartPoints(page, 'loss'), points, 'the charts are still the run’s');
  assert.equal(await textOf(page.getByTestId('final-metrics')), metrics, 'and its metrics');
  assert.ok(await page.getByTestId('eval-view').isVisible(), 'and its evaluation');

  // Load exported model: its own entry too, and what the page shows is all the imported one's.
  await page.getByLabel('Choose an exported model zip').setInputFiles(zipPath);
  await waitStatus(page, 'the model import', /^Loaded exported model .*added to the run history/);
  await waitFor('its history entry', async () => (await history.count()) === 3);
  assert.equal(await page.locator('tr[data-status="imported"]').count(), 2);
  assert.equal(await page.getByTestId('eval-view').count(), 0, 'no evaluation of another model');
}

export const tests: E2ETest[] = [
  {
    name: 'run owner: Reopen evaluates the run’s own validation file; a new file clears the old one’s',
    fn: reopenOnOwnValidation,
  },
  {
    name: 'run owner: a paused run has a model; imported runs are their own history entries',
    fn: pausedModelAndImports,
  },
];
