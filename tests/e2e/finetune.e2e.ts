/**
 * Fine-tuning a pretrained checkpoint on WebGPU through the UI: the fixture checkpoint
 * (tests/fixtures/bert-tiny-random: config.json, model.safetensors and its 120-token WordPiece
 * tokenizer) is chosen in the model picker's "Pretrained files" input, trained a few steps on a
 * tiny CSV inside that vocabulary, exported as a zip, and the zip's model.safetensors + config.json
 * reload in Node (cpu backend) with the probabilities the browser's Try it shows.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
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
  textOf,
  waitFor,
  trainToEnd,
  waitForBackend,
  waitForCheckpoint,
  waitForFileName,
  fixtureBytes,
} from './helpers';

const CKPT = path.join(FIXTURES, 'bert-tiny-random');
const LABELS = ['neg', 'pos'];

async function finetune(ctx: E2EContext): Promise<void> {
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
  const info = await waitForCheckpoint(page);
  ctx.log(info.slice(0, 160));
  assert.match(info, /bert-tiny-random/);
  assert.match(info, /Checkpoint: dropped files · BERT · /);
  assert.match(info, /2 layers, hidden 32/);
  assert.match(await textOf(page.getByTestId('model-families')), /these families: BERT/);
  const memory = await waitFor('the memory estimate', async () =>
    textOf(page.getByTestId('memory-estimate')),
  );
  assert.match(memory, /^Memory: fits/, memory);

  await trainToEnd(
    ctx,
    page,
    {
      max_length: 16,
      max_steps: 4,
      per_device_train_batch_size: 4,
      logging_steps: 1,
      learning_rate: 0.005,
    },
    {
      what: 'the dataset re-tokenized with the checkpoint tokenizer (2 labels)',
      summary: /2 labels: neg, pos/,
    },
  );
  assert.equal(await textOf(page.getByTestId('error')), '');

  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }),
    button(page, 'Export model').click(),
  ]);
  const zipPath = path.join(ctx.outDir, 'finetuned-model.zip');
  await download.saveAs(zipPath);
  // The zip unzips as the model's folder (named after the data set and the checkpoint).
  const inFolder = unzipSync(new Uint8Array(await readFile(zipPath)));
  const top = `${download.suggestedFilename().replace(/\.zip$/, '')}/`;
  const files = Object.fromEntries(
    Object.entries(inFolder).map(([k, v]) => [k.startsWith(top) ? k.slice(top.length) : k, v]),
  );
  for (const f of [
    'config.json',
    'model.safetensors',
    'tokenizer.json',
    'README.md',
    'training_args.json',
  ]) {
    assert.ok(files[f], `${f} in the zip (${Object.keys(files).join(', ')})`);
  }
  const config = JSON.parse(strFromU8(files['config.json'])) as Record<string, unknown>;
  assert.deepEqual(config.id2label, { '0': 'neg', '1': 'pos' });
  assert.equal(config.vocab_size, 120);
  // Dropped files carry no folder name: the card names them as such, with no base_model (a Hub
  // id only).
  assert.match(strFromU8(files['README.md']), /fine-tuned version of `dropped files`/);
  assert.doesNotMatch(strFromU8(files['README.md']), /base_model/);
  // The max_length trained with (16), not the checkpoint tokenizer's 64.
  const tokConfig = JSON.parse(strFromU8(files['tokenizer_config.json'])) as Record<
    string,
    unknown
  >;
  assert.equal(tokConfig.model_max_length, 16);
  assert.match(strFromU8(files['README.md']), /\| 1 \| pos \|/);

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
  const n = tf.memory().numTensors;
  const session = new StudioSession();
  await session.importZip(new Uint8Array(await readFile(zipPath)));
  const [node] = await session.predict([text]);
  session.model?.dispose();
  assert.equal(tf.memory().numTensors, n);
  ctx.log(`browser ${shown} · node ${node.probs.map((p) => p.toFixed(6)).join(', ')}`);
  // The UI rounds what it shows; the Node numbers must round to it.
  LABELS.forEach((l, i) => {
    const shownDigits = /\d+(?:\.(\d+))?/.exec(String(browserProbs[l]))?.[1]?.length ?? 0;
    const tol = Math.max(0.5 * 10 ** -Math.max(shownDigits, 2), 1e-4) + 1e-9;
    assert.ok(
      Math.abs(node.probs[i] - browserProbs[l]) <= tol,
      `${l}: node ${node.probs[i]} vs browser ${browserProbs[l]}`,
    );
  });
}

/**
 * A checkpoint of a family the studio cannot build (ALBERT: its config.json with BERT weights
 * beside it) is refused where it is dropped, with the families it can build and Run it elsewhere.
 */
async function refuseUnsupportedFamily(ctx: E2EContext): Promise<void> {
  const page = await openStudio(ctx, '?backend=wasm');
  await waitForBackend(page);
  await page.getByRole('radio', { name: 'Pretrained files' }).check();
  const families = await waitFor('the families the studio builds', async () => {
    const t = await textOf(page.getByTestId('model-families'));
    return /these families: /.test(t) ? t : undefined;
  });
  const albert = path.join(ctx.outDir, 'albert');
  await mkdir(albert, { recursive: true });
  await writeFile(
    path.join(albert, 'config.json'),
    JSON.stringify({
      model_type: 'albert',
      architectures: ['AlbertForMaskedLM'],
      vocab_size: 30000,
    }),
  );
  await page
    .getByLabel('Choose pretrained model files', { exact: true })
    .setInputFiles([path.join(albert, 'config.json'), path.join(CKPT, 'model.safetensors')]);
  const error = await waitFor(
    'the refusal',
    async () => {
      const t = await textOf(page.getByTestId('error'));
      return /albert/.test(t) ? t : undefined;
    },
    { timeoutMs: 60_000 },
    () => pageState(page),
  );
  ctx.log(error);
  assert.match(error, /model_type "albert" is not a family the studio can build/);
  const names = families
    .replace(/^.*these families: /, '')
    .split(';')[0]
    .split(', ');
  assert.ok(names.includes('BERT'), families);
  for (const name of names) {
    assert.ok(error.includes(name.trim()), `${name} in: ${error}`);
  }
  assert.match(await textOf(page.getByTestId('error-remedy')), /Run it elsewhere/);
  assert.equal(await page.getByTestId('pretrained-info').count(), 0);
}

export const tests: E2ETest[] = [
  { name: 'fine-tune the fixture checkpoint on WebGPU', fn: finetune, timeoutMs: 8 * 60_000 },
  {
    name: 'a checkpoint of a family the studio cannot build is refused with the next step',
    fn: refuseUnsupportedFamily,
    timeoutMs: 3 * 60_000,
  },
];
