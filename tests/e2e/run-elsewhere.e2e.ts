/**
 * "Run it elsewhere": before any run, the page's settings are saved as a transformers Trainer
 * script bundle; after a tiny run trained in the page (wasm), that run's bundle, whose zip holds train.py, args.json (the page's arguments), the launch files,
 * the page's splits, the tokenizer and the step-0 weights. Where python3 has torch and
 * transformers, the bundle's train.py runs (5 steps), and the trainer_state.json it wrote, opened
 * with "Open trainer_state.json", becomes its own entry in the run history, charted when reopened.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import type { E2EContext } from './harness';
import {
  TINY_MODEL,
  button,
  chartPoints,
  dropFile,
  fixtureBytes,
  openStudio,
  pageState,
  setField,
  textOf,
  waitFor,
  waitForBackend,
  waitForFileName,
} from './helpers';

const ARGS = {
  max_steps: 4,
  per_device_train_batch_size: 8,
  logging_steps: 1,
  learning_rate: 0.001,
};

/** Clicks "Run it elsewhere" and reads the zip it downloads. */
async function bundleOf(page: Page, ctx: E2EContext, saveAs: string) {
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }),
    button(page, 'Run it elsewhere').click(),
  ]);
  const zipPath = path.join(ctx.outDir, saveAs);
  await download.saveAs(zipPath);
  const files = unzipSync(new Uint8Array(await readFile(zipPath)));
  const names = Object.keys(files).map((n) => n.replace(/^trainer-studio-run\//, ''));
  return { names, file: (name: string) => strFromU8(files[`trainer-studio-run/${name}`]) };
}

async function runElsewhere(ctx: E2EContext): Promise<void> {
  const page = await openStudio(ctx, '?backend=wasm');
  await waitForBackend(page);
  await dropFile(page, {
    name: 'sms-200.csv',
    bytes: await fixtureBytes('e2e/sms-200.csv'),
    type: 'text/csv',
  });
  await waitForFileName(page, 'sms-200.csv');
  for (const [k, v] of Object.entries({ ...TINY_MODEL, ...ARGS })) await setField(page, k, v);
  await waitFor(
    'Train to be enabled',
    () => button(page, 'Train').isEnabled(),
    { timeoutMs: 120_000 },
    () => pageState(page),
  );
  // No run is needed: the bundle is of the run the page's settings describe (the case of a
  // model too large for the tab).
  const before = await bundleOf(page, ctx, 'before-training.zip');
  assert.equal(JSON.parse(before.file('args.json')).max_steps, ARGS.max_steps);
  assert.ok(before.names.includes('initial_weights/model.safetensors'));
  assert.ok(!before.names.some((n) => n.startsWith('checkpoints/')), 'no checkpoint before a run');
  // The download is confirmed where focus now is: what file, its size, what to do next.
  const note = page.getByTestId('run-elsewhere-note');
  const said = await waitFor('the confirmation', async () => (await textOf(note)) || undefined);
  ctx.log(`confirmation: ${said}`);
  assert.match(said, /^Saved \S+\.zip \(\d[\d.]* (KB|MB)\) to your downloads: unzip it/);
  assert.match(said, /accelerate launch train\.py args\.json/);
  assert.equal(await note.getAttribute('aria-live'), 'polite');
  assert.ok(
    await note.evaluate((el) => el === document.activeElement),
    'focus on the confirmation',
  );
  await note.screenshot({ path: path.join(ctx.outDir, 'run-elsewhere-note.png') });
  await button(page, 'Train').click();
  await waitFor(
    'the run to finish',
    async () => /^Finished/.test(await textOf(page.getByTestId('status'))),
    { timeoutMs: 300_000, intervalMs: 300 },
    () => pageState(page),
  );
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }),
    button(page, 'Run it elsewhere').click(),
  ]);
  assert.equal(download.suggestedFilename(), 'trainer-studio-run.zip');
  const zipPath = path.join(ctx.outDir, 'trainer-studio-run.zip');
  await download.saveAs(zipPath);
  const files = unzipSync(new Uint8Array(await readFile(zipPath)));
  const names = Object.keys(files).map((n) => n.replace(/^trainer-studio-run\//, ''));
  for (const want of [
    'train.py',
    'args.json',
    'accelerate_config.yaml',
    'requirements.txt',
    'README.md',
    'data/train.jsonl',
    'data/validation.jsonl',
    'tokenizer/tokenizer.json',
    'tokenizer/tokenizer_config.json',
    'initial_weights/config.json',
    'initial_weights/model.safetensors',
  ]) {
    assert.ok(names.includes(want), `${want} in the bundle (has ${names.join(', ')})`);
  }
  const file = (name: string) => strFromU8(files[`trainer-studio-run/${name}`]);
  const args = JSON.parse(file('args.json')) as Record<string, unknown>;
  assert.equal(args.max_steps, ARGS.max_steps);
  assert.equal(args.learning_rate, ARGS.learning_rate);
  assert.equal(args.max_length, TINY_MODEL.max_length);
  assert.deepEqual(args.label_list, ['ham', 'spam']);
  const rows = (name: string) => file(name).split('\n').filter(Boolean).length;
  assert.equal(rows('data/train.jsonl') + rows('data/validation.jsonl'), 200);
  const config = JSON.parse(file('initial_weights/config.json')) as Record<string, unknown>;
  assert.equal(config.hidden_size, TINY_MODEL.hidden_size);
  assert.match(await textOf(page.getByTestId('run-elsewhere-note')), /accelerate launch/);
  await page.screenshot({ path: path.join(ctx.outDir, 'run-elsewhere.png'), fullPage: true });

  const python = spawnSync('python3', ['-c', 'import torch, transformers'], { encoding: 'utf8' });
  if (python.status !== 0) {
    ctx.log('run-elsewhere: python3 lacks torch/transformers; the bundle was not run');
    return;
  }
  const dir = path.join(ctx.outDir, 'bundle');
  for (const [name, bytes] of Object.entries(files)) {
    const p = path.join(dir, name.replace(/^trainer-studio-run\//, ''));
    await mkdir(path.dirname(p), { recursive: true });
    await writeFile(p, bytes);
  }
  const run = spawnSync('python3', ['train.py', 'args.json', '--max_steps', '5'], {
    cwd: dir,
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr.slice(-2000));
  await page
    .getByLabel('Choose a trainer_state.json')
    .setInputFiles(path.join(dir, 'output/trainer_state.json'));
  const row = page.locator('tr[data-status="imported"]');
  await waitFor('the bundle run in the history', async () => (await row.count()) === 1, {
    timeoutMs: 30_000,
  });
  await row.getByRole('button', { name: 'Reopen', exact: true }).click();
  await waitFor(
    'the bundle run to be charted',
    async () => (await chartPoints(page, 'loss')) === 5,
    { timeoutMs: 30_000 },
    () => pageState(page),
  );
}

export const tests = [
  { name: 'run it elsewhere: the script bundle of a page run, run and charted', fn: runElsewhere },
];
