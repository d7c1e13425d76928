/**
 * Fine-tuning a RoBERTa and an XLM-RoBERTa checkpoint on WebGPU through the UI: the fixture
 * checkpoint (tests/fixtures/auto/<model_type>/checkpoint: config.json, model.safetensors and its
 * tokenizer.json + tokenizer_config.json, no vocab.txt) is chosen in the model picker's
 * "Pretrained files" input, which names its family; a few steps are trained on the fixture's
 * train.csv, the model is exported as a zip, and the zip reloads in Node (cpu backend) with the
 * probabilities the browser's Try it shows.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync } from 'fflate';
import { StudioSession } from '../../src/core/session';
import type { E2EContext, E2ETest } from './harness';
import {
  button,
  FIXTURES,
  dropFile,
  openStudio,
  pageState,
  parseProbabilities,
  setField,
  textOf,
  waitFor,
  waitForBackend,
  waitForFileName,
  fixtureBytes,
} from './helpers';

const LABELS = ['ham', 'spam'];

async function finetune(
  ctx: E2EContext,
  modelType: string,
  familyName: string,
  architecture: string,
): Promise<void> {
  const fixture = path.join(FIXTURES, 'auto', modelType);
  const page = await openStudio(ctx, '?backend=webgpu');
  const backend = await waitForBackend(page);
  assert.ok(backend.startsWith('webgpu'), `backend: ${backend}`);
  await waitForFileName(page, 'spam.csv', 120_000);
  await dropFile(page, {
    name: 'train.csv',
    bytes: await fixtureBytes(`auto/${modelType}/train.csv`),
    type: 'text/csv',
  });
  await waitForFileName(page, 'train.csv');

  await page.getByRole('radio', { name: 'Pretrained files' }).check();
  await page
    .getByLabel('Choose pretrained model files', { exact: true })
    .setInputFiles(
      ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'].map((f) =>
        path.join(fixture, 'checkpoint', f),
      ),
    );
  const info = await waitFor(
    'the checkpoint to load',
    async () => {
      const t = await textOf(page.getByTestId('pretrained-info'));
      return /Checkpoint:/.test(t) ? t : undefined;
    },
    { timeoutMs: 60_000 },
    () => pageState(page),
  );
  ctx.log(info.slice(0, 160));
  assert.match(info, new RegExp(`Checkpoint: dropped files · ${familyName} · `));
  assert.match(info, /2 layers, hidden 32/);

  for (const [k, v] of Object.entries({
    max_length: 48,
    max_steps: 4,
    per_device_train_batch_size: 8,
    logging_steps: 1,
    learning_rate: 0.005,
  })) {
    await setField(page, k, v);
  }
  await page.getByRole('combobox', { name: 'eval_strategy', exact: true }).selectOption('no');
  await waitFor(
    'the dataset tokenized with the checkpoint tokenizer (2 labels)',
    async () => /2 labels: ham, spam/.test(await textOf(page.getByTestId('dataset-summary'))),
    { timeoutMs: 60_000 },
    () => pageState(page),
  );
  await waitFor(
    'Train to be enabled',
    () => button(page, 'Train').isEnabled(),
    { timeoutMs: 60_000 },
    () => pageState(page),
  );
  const t0 = Date.now();
  await button(page, 'Train').click();
  const status = await waitFor(
    'the run to finish',
    async () => {
      const s = await textOf(page.getByTestId('status'));
      return /^(Finished|Stopped)/.test(s) ? s : undefined;
    },
    { timeoutMs: 300_000, intervalMs: 300 },
    () => pageState(page),
  );
  ctx.log(`${status} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  assert.equal(await textOf(page.getByTestId('error')), '');

  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }),
    button(page, 'Export model').click(),
  ]);
  const zipPath = path.join(ctx.outDir, `finetuned-${modelType}.zip`);
  await download.saveAs(zipPath);
  const inFolder = unzipSync(new Uint8Array(await readFile(zipPath)));
  const configFile = Object.keys(inFolder).find(
    (k) => k.endsWith('config.json') && !/tokenizer/.test(k),
  );
  assert.ok(configFile, `config.json in the zip (${Object.keys(inFolder).join(', ')})`);
  const config = JSON.parse(strFromU8(inFolder[configFile])) as Record<string, unknown>;
  assert.equal(config.model_type, modelType);
  assert.deepEqual(config.architectures, [architecture]);

  // Try it in the browser (WebGPU), then the same text in Node from the exported files.
  const text = 'Congratulations! You have won a free prize, call now';
  await page.getByRole('textbox', { name: 'Text to classify' }).fill(text);
  const shown = await waitFor(
    'a prediction',
    async () => {
      const t = await textOf(page.getByTestId('prediction'));
      return Object.keys(parseProbabilities(t, LABELS)).length === 2 ? t : undefined;
    },
    { timeoutMs: 60_000 },
    () => pageState(page),
  );
  const browserProbs = parseProbabilities(shown, LABELS);

  await tf.setBackend('cpu');
  const session = new StudioSession();
  await session.importZip(new Uint8Array(await readFile(zipPath)));
  const [node] = await session.predict([text]);
  session.model?.dispose();
  ctx.log(`browser ${shown} · node ${node.probs.map((p) => p.toFixed(6)).join(', ')}`);
  LABELS.forEach((l, i) => {
    const shownDigits = /\d+(?:\.(\d+))?/.exec(String(browserProbs[l]))?.[1]?.length ?? 0;
    const tol = Math.max(0.5 * 10 ** -Math.max(shownDigits, 2), 1e-4) + 1e-9;
    assert.ok(
      Math.abs(node.probs[i] - browserProbs[l]) <= tol,
      `${l}: node ${node.probs[i]} vs browser ${browserProbs[l]}`,
    );
  });
}

export const tests: E2ETest[] = [
  {
    name: 'fine-tune a RoBERTa checkpoint from dropped files on WebGPU',
    fn: (ctx) => finetune(ctx, 'roberta', 'RoBERTa', 'RobertaForSequenceClassification'),
    timeoutMs: 8 * 60_000,
  },
  {
    name: 'fine-tune an XLM-RoBERTa checkpoint from dropped files on WebGPU',
    fn: (ctx) => finetune(ctx, 'xlm-roberta', 'XLM-RoBERTa', 'XLMRobertaForSequenceClassification'),
    timeoutMs: 8 * 60_000,
  },
];
