/**
 * Fine-tuning pretrained checkpoints: memory estimate, downloading a folder (local http server
 * on 127.0.0.1, never the real Hub), loading into a session, fine-tuning, export (with README)
 * and re-import with identical logits, and `studio predict` on pre-tokenized batches.
 */
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { main } from '../../src/cli/main';
import { loadHfModel } from '../../src/core/io/hfModel';
import {
  fetchModelFiles,
  modelBaseUrl,
  type DownloadProgress,
} from '../../src/core/io/modelSource';
import { SequenceClassifier } from '../../src/core/model/classifier';
import { bertFamily } from '../../src/core/model/bert';
import { parseBertConfig } from '../../src/core/model/bert/config';
import { countParameters, estimateTrainingMemory } from '../../src/core/model/memory';
import { StudioSession } from '../../src/core/session';
import { memoryCache } from './helpers/memoryCache';

const dir = fileURLToPath(new URL('../fixtures/bert-tiny-random/', import.meta.url));
const read = (f: string) => new Uint8Array(readFileSync(join(dir, f)));
const ref = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  logits: number[][];
};
const fixtureFiles = () => ({
  'config.json': read('config.json'),
  'model.safetensors': read('model.safetensors'),
  'tokenizer.json': read('tokenizer.json'),
  'tokenizer_config.json': read('tokenizer_config.json'),
});

const BERT_BASE = parseBertConfig({}); // HF defaults are bert-base's sizes

/** A tiny CSV inside the fixture tokenizer's vocabulary (also dropped by the finetune e2e test). */
const tinyCsv = () =>
  new Uint8Array(
    readFileSync(fileURLToPath(new URL('../fixtures/e2e/tiny-sentiment.csv', import.meta.url))),
  );

async function logitsOf(model: SequenceClassifier): Promise<Float32Array> {
  const batch = {
    input_ids: tf.tensor2d(ref.input_ids, undefined, 'int32'),
    attention_mask: tf.tensor2d(ref.attention_mask, undefined, 'int32'),
    token_type_ids: tf.tensor2d(ref.token_type_ids, undefined, 'int32'),
  };
  const logits = tf.tidy(() => model.forward(batch, { training: false }).logits);
  const out = (await logits.data()) as Float32Array;
  tf.dispose([logits, batch.input_ids, batch.attention_mask, batch.token_type_ids]);
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

beforeEach(async () => {
  await tf.setBackend('cpu');
});

describe('memory estimate', () => {
  it('counts bert-base parameters as PyTorch does (num_labels 2)', () => {
    // sum(p.numel() for p in BertForSequenceClassification(BertConfig()).parameters())
    expect(countParameters(bertFamily, BERT_BASE)).toBe(109_483_778);
  });

  it('fits bert-base fine-tuning at batch 8 x 128 in 4 GB', () => {
    const e = estimateTrainingMemory(
      { family: bertFamily, config: BERT_BASE },
      { batchSize: 8, seqLength: 128 },
      { budgetBytes: 4e9, maxBufferBytes: 128 * 1024 ** 2 },
    );
    expect(e.verdict).toBe('fits');
    expect(e.weightsBytes).toBe(109_483_778 * 4);
    expect(e.gradsBytes + e.optimizerBytes).toBe(3 * e.weightsBytes);
    expect(e.activationBytes).toBeGreaterThan(0.5e9); // 12 layers of B*T*(H, I) and B*h*T*T
    expect(e.totalBytes).toBeLessThan(4e9);
    expect(e.suggestion).toBeNull();
  });

  it('refuses clearly oversized runs and suggests a smaller batch / length that fits', () => {
    const e = estimateTrainingMemory(
      { family: bertFamily, config: BERT_BASE },
      { batchSize: 64, seqLength: 512 },
      { budgetBytes: 4e9 },
    );
    expect(e.verdict).toBe('too-large');
    expect(e.suggestion).not.toBeNull();
    const s = e.suggestion as { batchSize: number; maxLength: number };
    expect(
      estimateTrainingMemory(
        { family: bertFamily, config: BERT_BASE },
        { batchSize: s.batchSize, seqLength: s.maxLength },
        { budgetBytes: 4e9 },
      ).verdict,
    ).toBe('fits');
    expect(e.message).toMatch(/per_device_train_batch_size \d+ and max_length \d+/);
  });

  it('flags a tensor larger than the adapter allows in one buffer', () => {
    const e = estimateTrainingMemory(
      { family: bertFamily, config: BERT_BASE },
      { batchSize: 1, seqLength: 16 },
      { maxBufferBytes: 64 * 1024 ** 2 },
    );
    expect(e.verdict).toBe('too-large');
    expect(e.message).toMatch(/largest buffer/);
  });
});

describe('downloading a checkpoint', () => {
  let server: Server;
  let base = '';
  const hits: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = req.url ?? '/';
      hits.push(url);
      const m = /^\/(good|bad|albert)\/([\w.]+)$/.exec(url);
      if (!m) return void res.writeHead(404).end();
      let body: Uint8Array;
      try {
        body = read(m[2]);
      } catch {
        return void res.writeHead(404).end();
      }
      if (m[1] === 'bad' && m[2] === 'model.safetensors') {
        body = body.slice();
        new DataView(body.buffer).setUint32(0, 0x7fffffff, true); // header length past the end
      }
      if (m[1] === 'albert' && m[2] === 'config.json') {
        body = new TextEncoder().encode(JSON.stringify({ model_type: 'albert' }));
      }
      res.writeHead(200, { 'content-length': String(body.length) }).end(Buffer.from(body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address() as { port: number };
    base = `http://127.0.0.1:${addr.port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('maps Hub ids and folder URLs', () => {
    expect(modelBaseUrl('google/bert_uncased_L-4_H-256_A-4').baseUrl).toBe(
      'https://huggingface.co/google/bert_uncased_L-4_H-256_A-4/resolve/main',
    );
    expect(modelBaseUrl('bert-base-uncased').baseUrl).toBe(
      'https://huggingface.co/bert-base-uncased/resolve/main',
    );
    expect(modelBaseUrl('http://x/y/m/').baseUrl).toBe('http://x/y/m');
    expect(modelBaseUrl('http://x/y/m/config.json').name).toBe('m');
    expect(() => modelBaseUrl('not a model')).toThrow(/neither a URL/);
  });

  it('downloads with progress, caches, and the second load does not touch the network', async () => {
    // The Cache API is a browser global: a stand-in that keeps bytes as Cache does.
    const cache = memoryCache();
    const events: DownloadProgress[] = [];
    hits.length = 0;
    const first = await fetchModelFiles(`${base}/good/`, {
      cache,
      onProgress: (p) => events.push(p),
    });
    expect(Object.keys(first.files).sort()).toEqual([
      'config.json',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    expect(first.files['model.safetensors']).toEqual(read('model.safetensors'));
    const last = events.filter((e) => e.file === 'model.safetensors').at(-1) as DownloadProgress;
    expect(last.loaded).toBe(read('model.safetensors').length);
    expect(last.total).toBe(last.loaded);
    expect(last.fromCache).toBe(false);
    expect(hits.length).toBe(4);
    events.length = 0;
    const second = await fetchModelFiles(`${base}/good`, {
      cache,
      onProgress: (p) => events.push(p),
    });
    expect(hits.length).toBe(4); // all from the cache
    expect(second.files['model.safetensors']).toEqual(first.files['model.safetensors']);
    expect(events.every((e) => e.fromCache)).toBe(true);
  });

  it('rejects a family the studio cannot build before downloading the weights', async () => {
    hits.length = 0;
    await expect(fetchModelFiles(`${base}/albert`, { cache: null })).rejects.toThrow(
      /model_type "albert" is not a family the studio can build/,
    );
    expect(hits).toEqual(['/albert/config.json']);
  });

  it('reports a missing folder with the URL and status', async () => {
    await expect(fetchModelFiles(`${base}/nothing`, { cache: null })).rejects.toThrow(
      /HTTP 404.*check the URL/,
    );
  });

  it('rejects a bad safetensors header with a specific message, without hanging', async () => {
    const fetched = await fetchModelFiles(`${base}/bad`, { cache: null });
    const n = tf.memory().numTensors;
    await expect(new StudioSession().loadPretrained(fetched.files, 'bad')).rejects.toThrow(
      /safetensors: .*header/i,
    );
    expect(tf.memory().numTensors).toBe(n);
  });
});

describe('fine-tuning a pretrained checkpoint in a session', () => {
  it('loads the fixture with its tokenizer and reports the new head as HF does', async () => {
    const n = tf.memory().numTensors;
    const s = new StudioSession();
    const info = await s.loadPretrained(fixtureFiles(), 'bert-tiny-random');
    expect(info.parameters).toBe(
      countParameters(bertFamily, parseBertConfig(JSON.parse(strFromU8(read('config.json'))))),
    );
    expect(info.tokenizer).toBe('bert-tiny-random');
    expect(info.tokenizerVocabSize).toBe(120);
    expect(info.dtypes).toEqual(['F32']);
    expect(info.checkpointLabels).toEqual(['LABEL_0', 'LABEL_1', 'LABEL_2']);
    expect(s.tokenizer?.vocabSize).toBe(120);
    expect(tf.memory().numTensors).toBe(n);
  });

  it('rejects files without weights and configs of other architectures', async () => {
    const s = new StudioSession();
    await expect(s.loadPretrained({ 'config.json': read('config.json') })).rejects.toThrow(
      /model\.safetensors is missing/,
    );
    const bad = new TextEncoder().encode(JSON.stringify({ model_type: 'gpt2' }));
    await expect(
      s.loadPretrained({ 'config.json': bad, 'model.safetensors': read('model.safetensors') }),
    ).rejects.toThrow(/gpt2/);
    // A config whose sizes disagree with the weights.
    const cfg = JSON.parse(strFromU8(read('config.json'))) as Record<string, unknown>;
    cfg.hidden_size = 64;
    const wrong = new TextEncoder().encode(JSON.stringify(cfg));
    await expect(
      s.loadPretrained({ 'config.json': wrong, 'model.safetensors': read('model.safetensors') }),
    ).rejects.toThrow(/shape/);
  });

  it('fine-tunes, exports an HF folder with a README, and the export reloads with identical logits', async () => {
    const n = tf.memory().numTensors;
    const s = new StudioSession();
    await s.loadPretrained(fixtureFiles(), 'bert-tiny-random');
    await s.loadTable('tiny.csv', tinyCsv());
    s.prepare({
      columns: { text: 'text', label: 'label' },
      validationFraction: 0.25,
      maxLength: 16,
      seed: 42,
    });
    const result = await s.train(
      { kind: 'pretrained', max_length: 16 },
      {
        learning_rate: 5e-3,
        per_device_train_batch_size: 4,
        max_steps: 4,
        logging_steps: 1,
        eval_strategy: 'no',
        seed: 42,
      },
    );
    expect(result.globalStep).toBe(4);
    expect(result.notices?.join(' ')).toMatch(/classifier\.weight.*newly initialized/);
    const model = s.model as SequenceClassifier;
    expect(model.config.id2label).toEqual({ '0': 'neg', '1': 'pos' });
    expect(model.config.problem_type).toBe('single_label_classification');
    // The encoder started from the checkpoint: it moved a little, not from a random init.
    const before = loadHfModel({
      config: strFromU8(read('config.json')),
      weights: read('model.safetensors'),
    });
    const w0 = (await before.model.params
      .get('bert.encoder.layer.0.attention.self.query.weight')
      ?.data()) as Float32Array;
    const w1 = (await model.params
      .get('bert.encoder.layer.0.attention.self.query.weight')
      ?.data()) as Float32Array;
    const moved = maxAbsDiff(w0, w1);
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThan(0.05);
    before.model.dispose();

    const zip = unzipSync(await s.exportZip());
    const config = JSON.parse(strFromU8(zip['config.json'])) as Record<string, unknown>;
    expect(config.architectures).toEqual(['BertForSequenceClassification']);
    expect(config.label2id).toEqual({ neg: 0, pos: 1 });
    expect(config.problem_type).toBe('single_label_classification');
    const readme = strFromU8(zip['README.md']);
    // Loaded from files, not the Hub: named in the text, no base_model (a Hub repo id).
    expect(readme).toMatch(/fine-tuned version of `bert-tiny-random`/);
    expect(readme).not.toMatch(/base_model/);
    expect(readme).toMatch(/AutoModelForSequenceClassification\.from_pretrained/);
    expect(readme).toMatch(/\| 1 \| pos \|/);
    expect(readme).toMatch(/eval_accuracy/);
    expect(readme).toMatch(/learning_rate: 0\.005/);

    const texts = ['good film', 'awful service', 'i love this movie'];
    const p1 = await s.predict(texts);
    const s2 = new StudioSession();
    const zipped = await s.exportZip();
    await s2.importZip(zipped);
    const p2 = await s2.predict(texts);
    for (let i = 0; i < texts.length; i++)
      expect(maxAbsDiff(p1[i].probs, p2[i].probs)).toBeLessThan(1e-6);
    expect(maxAbsDiff(await logitsOf(model), await logitsOf(s2.model as SequenceClassifier))).toBe(
      0,
    );
    // And as a pretrained checkpoint again (fine-tune the fine-tuned model).
    const s3 = new StudioSession();
    const info = await s3.loadPretrained(zip, 'exported');
    expect(info.checkpointLabels).toEqual(['neg', 'pos']);
    expect(info.notices).toEqual([]);
    s.model?.dispose();
    s2.model?.dispose();
    expect(tf.memory().numTensors).toBe(n);
  });
});

describe('studio predict on pre-tokenized batches', () => {
  it('prints the fixture logits of reference.json to 1e-4', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'studio-predict-'));
    try {
      const input = join(tmp, 'inputs.json');
      const output = join(tmp, 'out.jsonl');
      writeFileSync(
        input,
        JSON.stringify({
          input_ids: ref.input_ids,
          token_type_ids: ref.token_type_ids,
          attention_mask: ref.attention_mask,
        }),
      );
      const code = await main([
        'predict',
        '--model_dir',
        dir,
        '--input_file',
        input,
        '--output_file',
        output,
        '--backend',
        'cpu',
      ]);
      expect(code).toBe(0);
      const out = JSON.parse(readFileSync(output, 'utf8').trim()) as { logits: number[][] };
      expect(out.logits.length).toBe(ref.logits.length);
      const err = maxAbsDiff(out.logits.flat(), ref.logits.flat());
      expect(err).toBeLessThan(1e-4);
      console.log(`studio predict: max |logit - PyTorch| = ${err.toExponential(2)}`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
