/**
 * Token-classification exports for the export tests: each family's fixture checkpoint loaded as
 * `<Family>ForTokenClassification` with the WNUT 2017 tags and the seeded head of
 * tests/fixtures/token-head (so its logits vary from token to token), exported as the studio
 * exports a model (config.json, model.safetensors, onnx/), with the checkpoint's tokenizer files
 * beside it; and the studio's own logits on texts, for Python and transformers.js to match.
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { exportModelFiles, loadHfModel } from '../../../src/core/io/hfModel';
import { readSafetensors } from '../../../src/core/io/safetensors';
import { familyOf } from '../../../src/core/model/families';
import { loadTokenizerFromDir } from '../../../src/core/tokenize/tokenizerNode';

/** WNUT 2017's tags in run_ner.py's order (sorted by code point). */
export const WNUT_TAGS = [
  'B-corporation',
  'B-creative-work',
  'B-group',
  'B-location',
  'B-person',
  'B-product',
  'I-corporation',
  'I-creative-work',
  'I-group',
  'I-location',
  'I-person',
  'I-product',
  'O',
];

/** The longest input of the fixtures' exports. */
export const TOKEN_EXPORT_MAX_LENGTH = 48;

/** The checkpoint folder the token-head reference of `modelType` was made from. */
export function tokenCheckpointDir(modelType: string): string {
  return modelType === 'bert'
    ? 'tests/fixtures/bert-tiny-random'
    : `tests/fixtures/auto/${modelType}/checkpoint`;
}

/** The WNUT sentences of the reference (tests/fixtures/token-head/<type>.json) as texts. */
export function tokenExportTexts(modelType: string): string[] {
  const ref = JSON.parse(readFileSync(`tests/fixtures/token-head/${modelType}.json`, 'utf8')) as {
    sentences: { words: string[] }[];
  };
  return [
    ...ref.sentences.map((s) => s.words.join(' ')),
    'Empire State Building = ESB . Pretty bad storm here last evening .',
    'Café naïve £100 prize!!! 日本 résumé',
    'ok',
  ];
}

/**
 * The fixture of `modelType` as a token classifier (id2label: the WNUT tags, the seeded head),
 * exported into `tmp/<modelType>-token` with the checkpoint's tokenizer files; returns the folder.
 */
export async function tokenExportFolder(modelType: string, tmp: string): Promise<string> {
  const ckpt = tokenCheckpointDir(modelType);
  const { model } = loadHfModel(
    {
      config: readFileSync(join(ckpt, 'config.json'), 'utf8'),
      weights: new Uint8Array(readFileSync(join(ckpt, 'model.safetensors'))),
    },
    { head: 'token', id2label: Object.fromEntries(WNUT_TAGS.map((t, i) => [String(i), t])) },
  );
  const head = readSafetensors(
    new Uint8Array(readFileSync(`tests/fixtures/token-head/${modelType}.head.safetensors`)),
  );
  for (const [name, t] of head) {
    const v = tf.tensor(t.data, t.shape);
    model.params.get(name)!.assign(v);
    v.dispose();
  }
  const dir = join(tmp, `${modelType}-token`);
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(ckpt)) {
    if (f !== 'config.json' && !f.endsWith('.safetensors'))
      copyFileSync(join(ckpt, f), join(dir, f));
  }
  for (const [name, bytes] of Object.entries(await exportModelFiles(model))) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), bytes);
  }
  model.dispose();
  return dir;
}

/**
 * The studio's logits [B][T][C] of `texts` with the exported folder `dir` (loaded as a token
 * model from its config.json's architectures), each text tokenized alone and padded to the
 * longest; and the inputs the family's ONNX graph declares.
 */
export async function studioTokenLogits(dir: string, texts: string[]) {
  const tok = await loadTokenizerFromDir(dir);
  const ids = texts.map((t) => tok.encode(t, undefined, TOKEN_EXPORT_MAX_LENGTH).ids);
  const T = Math.max(...ids.map((r) => r.length));
  const rows = (f: (i: number, t: number) => number) =>
    ids.map((r, i) => Array.from({ length: T }, (_, t) => f(i, t)));
  const { model } = loadHfModel({
    config: readFileSync(join(dir, 'config.json'), 'utf8'),
    weights: new Uint8Array(readFileSync(join(dir, 'model.safetensors'))),
  });
  if (model.head !== 'token') throw new Error(`${dir} did not load as a token classifier`);
  const inputs: Record<string, number[][]> = {
    input_ids: rows((i, t) => (t < ids[i].length ? ids[i][t] : tok.padId)),
    attention_mask: rows((i, t) => (t < ids[i].length ? 1 : 0)),
  };
  if (familyOf(model.config).onnxInputs(model.config).includes('token_type_ids')) {
    inputs.token_type_ids = rows(() => 0);
  }
  const logits = tf.tidy(() => {
    const t = (r: number[][]) => tf.tensor2d(r, undefined, 'int32');
    return model.forward({
      input_ids: t(inputs.input_ids),
      attention_mask: t(inputs.attention_mask),
    }).logits;
  });
  const out = (await logits.array()) as number[][][];
  logits.dispose();
  model.dispose();
  return { ids, inputs, logits: out };
}

/** softmax of one row of logits. */
export function softmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}
