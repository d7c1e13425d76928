/**
 * HF files in and out of the studio: a trainer_state.json written by the command line becomes its
 * own entry in the run history, charted when reopened,
 * and a training_args.json is imported into the form (basic fields and advanced overrides) and
 * exported again with HF's names; a share link carries the settings to a fresh browser. Nothing
 * trains here.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { E2EContext } from './harness';
import {
  FIXTURES,
  chartPoints,
  openStudio,
  pageState,
  setField,
  textOf,
  waitFor,
  waitForBackend,
} from './helpers';

const RUN = path.join(FIXTURES, 'e2e/cli-run');

async function chartsTrainerState(ctx: E2EContext): Promise<void> {
  const page = await openStudio(ctx, '?backend=wasm');
  await waitForBackend(page);
  // Let the demo finish loading first, so its status lines do not overwrite the import's.
  await waitFor(
    'the demo to be prepared',
    async () => /train \//.test(await textOf(page.getByTestId('dataset-summary'))),
    { timeoutMs: 120_000 },
    () => pageState(page),
  );
  const state = JSON.parse(await readFile(path.join(RUN, 'trainer_state.json'), 'utf8')) as {
    log_history: Record<string, number>[];
  };
  const losses = state.log_history.filter((e) => 'loss' in e).length;
  const evals = state.log_history.filter((e) => 'eval_loss' in e);
  await page
    .getByLabel('Choose a trainer_state.json')
    .setInputFiles(path.join(RUN, 'trainer_state.json'));
  // Its own entry in the run history, beside the page's runs; Reopen charts it.
  const row = page.locator('tr[data-status="imported"]');
  await waitFor('the imported run in the history', async () => (await row.count()) === 1, {
    timeoutMs: 30_000,
  });
  assert.equal(await chartPoints(page, 'loss'), 0, 'the page’s charts are not replaced');
  await row.getByRole('button', { name: 'Reopen', exact: true }).click();
  await waitFor(
    'the imported run to be charted',
    async () => (await chartPoints(page, 'loss')) === losses,
    { timeoutMs: 30_000 },
    () => pageState(page),
  );
  assert.equal(await chartPoints(page, 'eval_accuracy'), evals.length);
  assert.equal(await chartPoints(page, 'learning_rate'), losses);
  const metrics = await textOf(page.getByTestId('final-metrics'));
  const lastAcc = evals.at(-1)?.eval_accuracy as number;
  assert.ok(metrics.includes(lastAcc.toFixed(4)), `final metrics "${metrics}" lack ${lastAcc}`);
  assert.match(
    await textOf(page.getByTestId('status')),
    /^Showing a reopened run: trainer_state\.json/,
  );
  await page.screenshot({ path: path.join(ctx.outDir, 'imported-run.png'), fullPage: true });

  // A file that is not a trainer_state.json says so and charts nothing new.
  await page.getByLabel('Choose a trainer_state.json').setInputFiles({
    name: 'trainer_state.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"global_step": 3}'),
  });
  await waitFor('an error about log_history', async () =>
    /log_history/.test(await textOf(page.getByTestId('error'))),
  );
  assert.equal(await chartPoints(page, 'loss'), losses);
  assert.equal(await row.count(), 1, 'nothing added to the history');
}

async function importsAndExportsTrainingArgs(ctx: E2EContext): Promise<void> {
  const page = await openStudio(ctx, '?backend=wasm');
  await waitForBackend(page);
  const args = JSON.parse(await readFile(path.join(RUN, 'training_args.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  // A transformers 4 file (warmup_ratio, group_by_length, evaluation_strategy) with the
  // studio's extras and a data key beside the TrainingArguments, as one arguments JSON.
  const { eval_strategy: _renamed, ...rest } = args;
  const edited = {
    ...rest,
    learning_rate: 0.00031,
    warmup_ratio: 0.1,
    group_by_length: true,
    evaluation_strategy: 'epoch',
    nan_policy: 'skip',
    max_length: 48,
  };
  await page.getByLabel('Choose a training_args.json').setInputFiles({
    name: 'training_args.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(edited)),
  });
  // The basic fields show the imported values; the v4 names are read with a notice each.
  await waitFor(
    'learning_rate to show the imported value',
    async () =>
      Number(await page.getByLabel('learning_rate', { exact: true }).inputValue()) === 0.00031,
  );
  assert.equal(await page.getByLabel('eval_strategy', { exact: true }).inputValue(), 'epoch');
  assert.equal(Number(await page.getByLabel('warmup_steps', { exact: true }).inputValue()), 0.1);
  assert.equal(Number(await page.getByLabel('max_length', { exact: true }).inputValue()), 48);
  const notes = (await page.locator('.advanced-args').textContent()) ?? '';
  for (const old of ['evaluation_strategy', 'warmup_ratio', 'group_by_length']) {
    assert.match(notes, new RegExp(old), `a notice about ${old}`);
  }
  // The advanced overrides are shown after opening the advanced section.
  await page.getByText('Advanced: every other TrainingArguments field').click();
  const sampling = page.getByLabel('train_sampling_strategy', { exact: true });
  await waitFor(
    'train_sampling_strategy in the advanced form',
    async () => (await sampling.count()) > 0,
  );
  assert.equal(await sampling.inputValue(), 'group_by_length');
  assert.equal(await page.getByLabel('nan_policy', { exact: true }).inputValue(), 'skip');

  const save = async (button: string, name: string) => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: button }).click(),
    ]);
    const file = path.join(ctx.outDir, name);
    await download.saveAs(file);
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  };
  // training_args.json: transformers 5 fields only, so TrainingArguments(**json) loads it.
  const exported = await save('Export training_args.json', 'training_args.json');
  assert.equal(exported.learning_rate, 0.00031);
  assert.equal(exported.warmup_steps, 0.1);
  assert.equal(exported.train_sampling_strategy, 'group_by_length');
  assert.equal(exported.eval_strategy, 'epoch');
  assert.equal(exported.adam_beta2, 0.999);
  for (const gone of ['evaluation_strategy', 'warmup_ratio', 'group_by_length', 'nan_policy']) {
    assert.ok(!(gone in exported), `${gone} is not in training_args.json`);
  }
  // studio_args.json: the extras and the run's data and model arguments.
  const studio = await save('Export studio_args.json', 'studio_args.json');
  assert.equal(studio.nan_policy, 'skip');
  assert.equal(studio.max_length, 48);
  assert.ok(!('learning_rate' in studio));

  // HF's own rule: load_best_model_at_end needs matching save and eval strategies.
  await page.getByLabel('Choose a training_args.json').setInputFiles({
    name: 'bad_args.json',
    mimeType: 'application/json',
    buffer: Buffer.from(
      JSON.stringify({
        load_best_model_at_end: true,
        eval_strategy: 'epoch',
        save_strategy: 'steps',
      }),
    ),
  });
  await waitFor('an error naming load_best_model_at_end', async () =>
    /load_best_model_at_end/.test(await textOf(page.getByTestId('error'))),
  );
  assert.equal(
    Number(await page.getByLabel('learning_rate', { exact: true }).inputValue()),
    0.00031,
  );
}

async function shareLinkRestoresSettings(ctx: E2EContext): Promise<void> {
  const page = await openStudio(ctx, '?backend=wasm');
  await waitForBackend(page);
  await setField(page, 'learning_rate', 0.0007);
  await page.getByLabel('learning_rate', { exact: true }).blur();
  await setField(page, 'max_length', 40);
  await page.getByLabel('max_length', { exact: true }).blur();
  await page.getByText('Advanced: every other TrainingArguments field').click();
  const policy = page.getByLabel('nan_policy', { exact: true });
  await waitFor('nan_policy in the advanced form', async () => (await policy.count()) > 0);
  await policy.selectOption('skip');
  await page.getByRole('button', { name: 'Copy link to these settings' }).click();
  const field = page.getByLabel('Link to these settings');
  await waitFor('the link to be shown', async () => (await field.count()) > 0);
  const link = await field.inputValue();
  assert.match(link, /#config=[A-Za-z0-9_-]+$/);
  assert.ok(link.startsWith(ctx.baseUrl), link);

  // A fresh browser (no stored settings) opened on the link has the same settings.
  const other = await openStudio(ctx, link.slice(ctx.baseUrl.length));
  await waitForBackend(other);
  assert.equal(
    Number(await other.getByLabel('learning_rate', { exact: true }).inputValue()),
    0.0007,
  );
  assert.equal(Number(await other.getByLabel('max_length', { exact: true }).inputValue()), 40);
  const notice = await textOf(other.getByTestId('link-notice'));
  assert.match(notice, /Settings restored from the link/);
  assert.match(notice, /not the data file/);
  assert.ok(!other.url().includes('#config='), `the hash is cleared: ${other.url()}`);
  await other.getByText('Advanced: every other TrainingArguments field').click();
  const policy2 = other.getByLabel('nan_policy', { exact: true });
  await waitFor('nan_policy in the advanced form', async () => (await policy2.count()) > 0);
  assert.equal(await policy2.inputValue(), 'skip');

  // A link cut short says so, and the studio opens with its defaults.
  const cut = await openStudio(
    ctx,
    `?backend=wasm${link.slice(link.indexOf('#'), link.indexOf('#') + 20)}`,
  );
  await waitForBackend(cut);
  assert.match(await textOf(cut.getByTestId('link-notice')), /cannot be read/);
}

export const tests = [
  { name: 'charts a trainer_state.json written by the command line', fn: chartsTrainerState },
  { name: 'imports and exports training_args.json', fn: importsAndExportsTrainingArgs },
  { name: 'a share link restores the settings in a fresh browser', fn: shareLinkRestoresSettings },
];
