/**
 * Fine-tuning checkpoints of other families than BERT through the page, as a user brings them:
 * the files of transformers' own small random RoBERTa, XLM-RoBERTa and ModernBERT
 * (tests/fixtures/auto/<model_type>/checkpoint: config.json, model.safetensors, tokenizer.json and
 * tokenizer_config.json, no vocab.txt; byte-level BPE and Unigram tokenizers) dropped together on
 * the model picker, which names the family; the fixture's train.csv dropped as data; a few steps
 * on WebGPU; the zip exported (the family's config.json and ONNX) and reloaded in Node, where the
 * same text gets the probabilities the page's Try it shows.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
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

const LABELS = ['ham', 'spam'];

/** Drops several files at once on `data-testid=zoneTestId`, as dragging a folder's files does. */
async function dropFiles(page: Page, paths: string[], zoneTestId: string): Promise<void> {
  const files = await Promise.all(
    paths.map(async (p) => ({
      name: path.basename(p),
      b64: Buffer.from(await readFile(p)).toString('base64'),
    })),
  );
  const dataTransfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const { name, b64 } of list) {
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], name));
    }
    return dt;
  }, files);
  const zone = page.getByTestId(zoneTestId);
  for (const type of ['dragenter', 'dragover', 'drop']) {
    await zone.dispatchEvent(type, { dataTransfer });
  }
  await dataTransfer.dispose();
}

interface FamilyCase {
  /** Folder under tests/fixtures/auto. */
  dir: string;
  /** How the picker names the family. */
  displayName: string;
  architecture: string;
  modelType: string;
}

function fineTuneFamily(c: FamilyCase) {
  return async (ctx: E2EContext): Promise<void> => {
    const fixture = path.join(FIXTURES, 'auto', c.dir);
    const page = await openStudio(ctx, '?backend=webgpu');
    const backend = await waitForBackend(page);
    assert.ok(backend.startsWith('webgpu'), `backend: ${backend}`);
    await waitForFileName(page, 'spam.csv', 120_000);
    await dropFile(page, {
      name: `${c.dir}-train.csv`,
      bytes: await fixtureBytes(`auto/${c.dir}/train.csv`),
      type: 'text/csv',
    });
    await waitForFileName(page, `${c.dir}-train.csv`);

    await page.getByRole('radio', { name: 'Pretrained files' }).check();
    await dropFiles(
      page,
      ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'].map((f) =>
        path.join(fixture, 'checkpoint', f),
      ),
      'pretrained-dropzone',
    );
    const info = await waitForCheckpoint(page);
    ctx.log(info.slice(0, 200));
    assert.match(info, new RegExp(`Checkpoint: dropped files · ${c.displayName} · `));
    assert.match(info, /2 layers, hidden 32/);
    const memory = await waitFor('the memory estimate', async () =>
      textOf(page.getByTestId('memory-estimate')),
    );
    assert.match(memory, /^Memory: fits/, memory);

    const status = await trainToEnd(
      ctx,
      page,
      {
        max_length: 32,
        max_steps: 4,
        per_device_train_batch_size: 8,
        logging_steps: 1,
        learning_rate: 0.001,
      },
      {
        what: 'the dataset tokenized with the checkpoint tokenizer (2 labels)',
        summary: /2 labels: ham, spam/,
      },
    );
    assert.match(status, /^Finished/);
    assert.equal(await textOf(page.getByTestId('error')), '');

    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      button(page, 'Export model').click(),
    ]);
    const zipPath = path.join(ctx.outDir, `finetuned-${c.dir}.zip`);
    await download.saveAs(zipPath);
    const inFolder = unzipSync(new Uint8Array(await readFile(zipPath)));
    const top = `${download.suggestedFilename().replace(/\.zip$/, '')}/`;
    const files = Object.fromEntries(
      Object.entries(inFolder).map(([k, v]) => [k.startsWith(top) ? k.slice(top.length) : k, v]),
    );
    const config = JSON.parse(strFromU8(files['config.json'])) as Record<string, unknown>;
    assert.deepEqual(config.architectures, [c.architecture]);
    assert.equal(config.model_type, c.modelType);
    assert.deepEqual(config.id2label, { '0': 'ham', '1': 'spam' });
    for (const f of ['model.safetensors', 'tokenizer.json', 'onnx/model.onnx']) {
      assert.ok(files[f], `${f} in the zip (${Object.keys(files).join(', ')})`);
    }

    const text = 'WINNER!! You have won a prize, call now to claim';
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
  };
}

const CASES: FamilyCase[] = [
  {
    dir: 'roberta',
    displayName: 'RoBERTa',
    architecture: 'RobertaForSequenceClassification',
    modelType: 'roberta',
  },
  {
    dir: 'xlm-roberta',
    displayName: 'XLM-RoBERTa',
    architecture: 'XLMRobertaForSequenceClassification',
    modelType: 'xlm-roberta',
  },
  {
    dir: 'modernbert',
    displayName: 'ModernBERT',
    architecture: 'ModernBertForSequenceClassification',
    modelType: 'modernbert',
  },
];

export const tests: E2ETest[] = CASES.map((c) => ({
  name: `fine-tune a dropped ${c.displayName} checkpoint on WebGPU`,
  fn: fineTuneFamily(c),
  timeoutMs: 8 * 60_000,
}));
