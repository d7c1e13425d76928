/**
 * Every core in the page: on the wasm backend a run trains on one worker per core (here 2: the
 * training worker and a replica worker it starts), and with dropout 0 a 2-worker run logs the
 * same losses and grad norms as a 1-worker run, step for step, up to float rounding (its
 * gradients are the shares' sum). A page that is not cross-origin isolated keeps one worker and
 * says why beside the setting.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import type { Page, Worker } from 'playwright-core';
import type { E2EContext } from './harness';
import {
  button,
  dropFile,
  dropSms200,
  fixtureBytes,
  openStudio,
  pageState,
  textOf,
  trainToEnd,
  waitFor,
  waitForBackend,
  waitForFileName,
} from './helpers';

/**
 * bert-tiny's widths, dropout 0: each step (32 rows of sms-200) is over the 1 GFLOP under which
 * a step runs on the training worker alone (ParallelOptions.minSplitFlops), so every step splits.
 */
const FIELDS = {
  hidden_size: 128,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 512,
  max_length: 64,
  hidden_dropout_prob: 0,
  attention_probs_dropout_prob: 0,
  max_steps: 5,
  per_device_train_batch_size: 32,
  logging_steps: 1,
  learning_rate: 0.001,
};

type LogEntry = Record<string, number>;

/** Trains with `workers` workers and returns trainer_state.json's per-step entries. */
async function trainWith(ctx: E2EContext, page: Page, workers: string): Promise<LogEntry[]> {
  await page.getByRole('combobox', { name: 'Workers', exact: true }).selectOption(workers);
  const said = await textOf(page.getByTestId('workers-info'));
  ctx.log(`workers ${workers}: ${said}`);
  assert.match(said, workers === '1' ? /one worker/ : new RegExp(`on ${workers} workers`));
  // The replica workers the training worker starts (nested workers: Playwright lists them). They
  // start on the first step that splits, so one seen means the run split its steps.
  const replicas: string[] = [];
  const onWorker = (w: Worker) => {
    if (w.url().includes('replica.worker')) replicas.push(w.url());
  };
  page.on('worker', onWorker);
  try {
    await trainToEnd(ctx, page, FIELDS, { what: 'the data', summary: /train \// });
  } finally {
    page.off('worker', onWorker);
  }
  assert.equal(replicas.length, Number(workers) - 1, `replica workers: ${replicas.join(', ')}`);
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }),
    button(page, 'Export model').click(),
  ]);
  const zipPath = path.join(ctx.outDir, `workers-${workers}.zip`);
  await download.saveAs(zipPath);
  const files = unzipSync(new Uint8Array(await readFile(zipPath)));
  const name = Object.keys(files).find((n) => n.endsWith('trainer_state.json'));
  assert.ok(name, `trainer_state.json in ${Object.keys(files).join(', ')}`);
  const state = JSON.parse(strFromU8(files[name])) as { log_history: LogEntry[] };
  return state.log_history.filter((e) => 'loss' in e && 'grad_norm' in e);
}

/** The first 400 sentences of WNUT 2017's training file, dropped as a CoNLL file. */
async function dropWnut(page: Page): Promise<void> {
  const text = strFromU8(await fixtureBytes('data/wnut17/wnut17train.conll'));
  const blocks = text.split(/\r?\n[ \t]*\r?\n/).filter((b) => b.trim() !== '');
  const bytes = new TextEncoder().encode(`${blocks.slice(0, 400).join('\n\n')}\n`);
  await dropFile(page, { name: 'wnut-400.conll', bytes, type: 'text/plain' });
  await waitForFileName(page, 'wnut-400.conll');
}

async function twoWorkersTrainAsOne(ctx: E2EContext, tagged = false): Promise<void> {
  const page = await openStudio(ctx, '?backend=wasm');
  const backend = await waitForBackend(page);
  assert.ok(backend.startsWith('wasm'), backend);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  assert.ok(cores >= 2, `this test needs 2 cores (the browser reports ${cores})`);
  // One per core by default.
  const select = page.getByRole('combobox', { name: 'Workers', exact: true });
  assert.equal(await select.inputValue(), 'auto');
  assert.match(await textOf(page.getByTestId('workers-info')), /on \d+ workers/);
  // A CoNLL file trains a token classifier: the replicas take the token head and its labels.
  await (tagged ? dropWnut(page) : dropSms200(page));

  const one = await trainWith(ctx, page, '1');
  const two = await trainWith(ctx, page, '2');
  ctx.log(`1 worker:  ${one.map((e) => e.loss.toFixed(6)).join(' ')}`);
  ctx.log(`2 workers: ${two.map((e) => e.loss.toFixed(6)).join(' ')}`);
  assert.equal(one.length, FIELDS.max_steps);
  assert.equal(two.length, one.length);
  for (let i = 0; i < one.length; i++) {
    for (const key of ['loss', 'grad_norm'] as const) {
      const a = one[i][key];
      const b = two[i][key];
      assert.ok(
        Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(a)),
        `step ${i + 1} ${key}: 1 worker ${a}, 2 workers ${b}`,
      );
    }
  }
  // The weights moved: the losses are not all one value.
  assert.ok(new Set(one.map((e) => e.loss.toFixed(4))).size > 1, 'the losses change');
}

/**
 * The default model (hidden 64) on 2 workers: its steps (batches of 8 short rows) and its
 * evaluations (the final metrics) are under the work worth splitting, so they run on the training
 * worker and no replica worker starts at all. The page's link keeps the Workers setting.
 */
async function smallModelStartsNoReplica(ctx: E2EContext): Promise<void> {
  const page = await openStudio(ctx, '?backend=wasm');
  await waitForBackend(page);
  await dropSms200(page);
  await page.getByRole('combobox', { name: 'Workers', exact: true }).selectOption('2');
  assert.match(await textOf(page.getByTestId('workers-info')), /on 2 workers/);
  const replicas: string[] = [];
  const onWorker = (w: Worker) => {
    if (w.url().includes('replica.worker')) replicas.push(w.url());
  };
  page.on('worker', onWorker);
  try {
    const fields = { max_steps: 4, per_device_train_batch_size: 8, logging_steps: 1 };
    const status = await trainToEnd(ctx, page, fields, { what: 'the data', summary: /train \// });
    assert.match(status, /^Finished/);
    // The final metrics (an evaluation of the validation split) are shown.
    await waitFor('the final metrics', async () =>
      /eval_loss\s*\d/.test(await textOf(page.getByTestId('final-metrics'))),
    );
  } finally {
    page.off('worker', onWorker);
  }
  assert.deepEqual(replicas, [], 'no replica worker starts for a model this small');

  // The page's link carries the Workers setting (its run config's compute.num_replicas, which
  // `studio train --config LINK` reads too): a fresh browser opened on it has 2 workers chosen.
  await page.getByRole('button', { name: 'Copy link to these settings' }).click();
  const field = page.getByLabel('Link to these settings');
  await waitFor('the link to be shown', async () => (await field.count()) > 0);
  const link = await field.inputValue();
  const other = await openStudio(ctx, link.slice(ctx.baseUrl.length));
  await waitForBackend(other);
  const workers = other.getByRole('combobox', { name: 'Workers', exact: true });
  await waitFor(
    'the linked page to choose 2 workers',
    async () => (await workers.inputValue()) === '2',
  );
  await other.context().close();
}

/** COOP/COEP left out of every response: the page is not cross-origin isolated. */
async function notIsolatedKeepsOneWorker(ctx: E2EContext): Promise<void> {
  const context = await ctx.browser.newContext();
  await context.route('**/*', async (route) => {
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers['cross-origin-opener-policy'];
    delete headers['cross-origin-embedder-policy'];
    await route.fulfill({ response, headers });
  });
  const page = await context.newPage();
  await page.goto(`${ctx.baseUrl}?backend=wasm`);
  await waitForBackend(page);
  assert.equal(await page.evaluate(() => crossOriginIsolated), false);
  const info = await waitFor(
    'the workers setting',
    async () => {
      const t = await textOf(page.getByTestId('workers-info'));
      return t || undefined;
    },
    { timeoutMs: 30_000 },
    () => pageState(page),
  );
  ctx.log(info);
  assert.match(info, /not cross-origin isolated/);
  assert.match(info, /one worker/);
  const select = page.getByRole('combobox', { name: 'Workers', exact: true });
  assert.equal(await select.inputValue(), '1');
  assert.equal(await select.isDisabled(), true);
}

export const tests = [
  {
    name: 'two workers train as one, step for step (wasm, dropout 0)',
    fn: twoWorkersTrainAsOne,
    timeoutMs: 600_000,
  },
  {
    name: 'two workers train a CoNLL file (token classification) as one (wasm, dropout 0)',
    fn: (ctx: E2EContext) => twoWorkersTrainAsOne(ctx, true),
    timeoutMs: 600_000,
  },
  {
    name: 'a small model on two workers trains and evaluates on the training worker alone',
    fn: smallModelStartsNoReplica,
    timeoutMs: 300_000,
  },
  {
    name: 'a page that is not cross-origin isolated keeps one worker and says why',
    fn: notIsolatedKeepsOneWorker,
  },
];
