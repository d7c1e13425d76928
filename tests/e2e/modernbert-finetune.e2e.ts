/**
 * Fine-tuning a ModernBERT checkpoint through the UI: the fixture checkpoint
 * (tests/fixtures/auto/modernbert/checkpoint: config.json, model.safetensors and its byte-level
 * BPE tokenizer) is dropped in the model picker's "Pretrained files" input, which names the
 * family; a few steps train on a tiny CSV on WebGPU; the exported zip holds a ModernBERT
 * config.json and ONNX files, and reloads in Node (cpu backend) with the probabilities the
 * browser's Try it shows.
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

const CKPT = path.join(FIXTURES, 'auto/modernbert/checkpoint');
const LABELS = ['neg', 'pos'];

async function finetuneModernBert(ctx: E2EContext): Promise<void> {
  const page = await openStudio(ctx, '?backend=webgpu');
  const backend = await waitForBackend(page);
  assert.ok(backend.startsWith('webgpu'), `backend: ${backend}`);
  await waitForFileName(page, 'spam.csv', 120_000);
  await dropFile(page, {
    name: 'tiny.csv',
    bytes: await fixtureBytes('e2e/tiny-sentiment.csv'),
    type: 'text/csv',
  });
  await waitForFileName(page, 'tiny.csv');

  await page.getByRole('radio', { name: 'Pretrained files' }).check();
  await page
    .getByLabel('Choose pretrained model files', { exact: true })
    .setInputFiles(
      ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'].map((f) =>
        path.join(CKPT, f),
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
  ctx.log(info.slice(0, 200));
  assert.match(info, /Checkpoint: dropped files · ModernBERT · /);
  assert.match(info, /2 layers, hidden 32/);

  for (const [k, v] of Object.entries({
    max_length: 32,
    max_steps: 4,
    per_device_train_batch_size: 4,
    logging_steps: 1,
    learning_rate: 0.005,
  })) {
    await setField(page, k, v);
  }
  await page.getByRole('combobox', { name: 'eval_strategy', exact: true }).selectOption('no');
  await waitFor(
    'the dataset re-tokenized with the checkpoint tokenizer (2 labels)',
    async () => /2 labels: neg, pos/.test(await textOf(page.getByTestId('dataset-summary'))),
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
  const zipPath = path.join(ctx.outDir, 'modernbert-finetuned.zip');
  await download.saveAs(zipPath);
  const names = Object.keys(unzipSync(new Uint8Array(await readFile(zipPath))));
  for (const f of ['config.json', 'model.safetensors', 'onnx/model.onnx']) {
    assert.ok(
      names.some((n) => n.endsWith(`/${f}`) || n === f),
      `${f} in the zip (${names.join(', ')})`,
    );
  }
  const configName = names.find((n) => n.endsWith('config.json') && !n.includes('tokenizer'));
  const config = JSON.parse(
    strFromU8(unzipSync(new Uint8Array(await readFile(zipPath)))[configName as string]),
  ) as Record<string, unknown>;
  assert.equal(config.model_type, 'modernbert');
  assert.deepEqual(config.architectures, ['ModernBertForSequenceClassification']);
  assert.deepEqual(config.id2label, { '0': 'neg', '1': 'pos' });

  // Try it in the browser (WebGPU), then the same text in Node from the exported files.
  const text = 'i love this great movie';
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
    name: 'fine-tune the ModernBERT fixture checkpoint from dropped files on WebGPU',
    fn: finetuneModernBert,
    timeoutMs: 8 * 60_000,
  },
];
