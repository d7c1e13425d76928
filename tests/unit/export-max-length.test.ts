/**
 * What an exported folder records of the max_length a model was trained with: tokenizer_config's
 * model_max_length (never above max_position_embeddings), predictions cut there and saying so,
 * a pretrained checkpoint's limit lowering max_length, and the model card's base_model only for
 * a Hub id. Real sessions, tokenizers and zips; no mocks.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';

import { hubRepoId } from '../../src/core/io/modelSource';
import { modelCard } from '../../src/core/io/modelCard';
import { smallBertConfig } from '../../src/core/model/bert/config';
import { StudioSession } from '../../src/core/session';
import {
  checkpointLengthLimit,
  fitMaxLength,
  modelInputLength,
} from '../../src/core/session/maxLength';
import { exportedTokenizerConfig, tokenizerClassOf } from '../../src/core/tokenize/exportConfig';
import { loadTokenizerFromDir } from '../../src/core/tokenize/tokenizerNode';

const POS40 = 'tests/fixtures/bert-pos40';
const readDir = (dir: string, names: string[]): Record<string, Uint8Array> =>
  Object.fromEntries(names.map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]));
const pos40Files = () =>
  readDir(POS40, ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
const tinyCsv = () => new Uint8Array(readFileSync('tests/fixtures/e2e/tiny-sentiment.csv'));
/** ~600 words: far longer than any model here reads. */
const LONG = Array.from({ length: 120 }, () => 'this movie was really good').join(' ');
const ARGS = {
  learning_rate: 5e-3,
  per_device_train_batch_size: 4,
  max_steps: 2,
  logging_steps: 1,
  eval_strategy: 'no',
  save_strategy: 'no',
  seed: 42,
};
const json = (zip: Record<string, Uint8Array>, f: string) =>
  JSON.parse(strFromU8(zip[f])) as Record<string, unknown>;

/** A session with a tiny model trained from scratch on the bundled tokenizer at `maxLength`. */
async function trainedFromScratch(maxLength: number): Promise<StudioSession> {
  const s = new StudioSession();
  s.useTokenizer(await loadTokenizerFromDir('public/tokenizers/bert-base-uncased'));
  await s.loadTable('tiny.csv', tinyCsv());
  s.prepare({
    columns: { text: 'text', label: 'label' },
    validationFraction: 0.25,
    maxLength,
    seed: 1,
  });
  await s.train(
    {
      kind: 'scratch',
      hidden_size: 16,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      intermediate_size: 32,
      max_length: maxLength,
    },
    ARGS,
  );
  return s;
}

describe('tokenizer_config.json of an export', () => {
  it('sets model_max_length to the trained max_length within the positions, and drops local paths', () => {
    const base = { model_max_length: 512, tokenizer_class: 'BertTokenizer', name_or_path: 'x' };
    expect(exportedTokenizerConfig(base, null, 64, 512)).toEqual({ ...base, model_max_length: 64 });
    expect(exportedTokenizerConfig(base, null, 64, 40).model_max_length).toBe(40);
    for (const local of ['/home/me/ckpt', './ckpt', '~/ckpt', 'C:\\models\\bert']) {
      expect(exportedTokenizerConfig({ name_or_path: local }, null, 8, 8)).not.toHaveProperty(
        'name_or_path',
      );
    }
    expect(exportedTokenizerConfig({ name_or_path: 'google/bert' }, null, 8, 8).name_or_path).toBe(
      'google/bert',
    );
  });

  it.each([
    ['distilbert', 'BertTokenizer'],
    ['electra', 'BertTokenizer'],
    ['roberta', 'RobertaTokenizer'],
    ['xlm-roberta', 'XLMRobertaTokenizer'],
    ['deberta-v2', 'DebertaV2Tokenizer'],
    ['modernbert', 'PreTrainedTokenizerFast'],
  ])(
    'names the class of the tokenizer.json where the config names none (%s: %s)',
    (family, cls) => {
      const dir = fileURLToPath(new URL(`../fixtures/auto/${family}/checkpoint/`, import.meta.url));
      const tokenizerJson = JSON.parse(readFileSync(`${dir}tokenizer.json`, 'utf8')) as unknown;
      expect(exportedTokenizerConfig({}, tokenizerJson, 8, 8).tokenizer_class).toBe(cls);
      const named = { tokenizer_class: 'RobertaTokenizer' };
      expect(exportedTokenizerConfig(named, tokenizerJson, 8, 8).tokenizer_class).toBe(
        'RobertaTokenizer',
      );
    },
  );

  it('names GPT2Tokenizer for a byte-level BPE that adds no specials, and none it cannot tell', () => {
    const gpt2 = {
      model: { type: 'BPE' },
      pre_tokenizer: { type: 'ByteLevel' },
      post_processor: { type: 'ByteLevel' },
    };
    expect(tokenizerClassOf(gpt2)).toBe('GPT2Tokenizer');
    expect(tokenizerClassOf({ model: { type: 'WordLevel' } })).toBeNull();
    // An older tokenizer.json (the bundled bert-base-uncased's) names no model type.
    const bundled = JSON.parse(
      readFileSync('public/tokenizers/bert-base-uncased/tokenizer.json', 'utf8'),
    ) as unknown;
    expect(tokenizerClassOf(bundled)).toBe('BertTokenizer');
    expect(exportedTokenizerConfig({}, { model: { type: 'WordLevel' } }, 8, 8)).not.toHaveProperty(
      'tokenizer_class',
    );
  });

  it('a model trained at max_length 16 exports model_max_length 16, predicts cut there and says so', async () => {
    const s = await trainedFromScratch(16);
    const zip = unzipSync(await s.exportZip());
    const tc = json(zip, 'tokenizer_config.json');
    expect(tc.model_max_length).toBe(16); // the bundled file says 512
    expect(tc.do_lower_case).toBe(true); // the rest of the tokenizer's file kept
    expect(json(zip, 'config.json')).toMatchObject({
      max_position_embeddings: 16,
      transformers_version: '5.18.0',
    });
    const card = strFromU8(zip['README.md']);
    expect(card).toMatch(/cut to its first 16 tokens/);
    expect(card).not.toMatch(/base_model/);

    const [short, long] = await s.predict(['good film', LONG]);
    expect(short.truncation).toBeNull();
    expect(long.truncation).toEqual({ tokens: 602, kept: 16 });

    // The export loaded elsewhere reads 16 tokens as well, with the same probabilities.
    const back = new StudioSession();
    await back.importZip(zipSync(zip));
    expect(back.inputLength).toBe(16);
    const [, again] = await back.predict(['good film', LONG]);
    expect(again.truncation).toEqual({ tokens: 602, kept: 16 });
    expect(again.probs[0]).toBeCloseTo(long.probs[0], 6);
    s.model?.dispose();
    back.model?.dispose();
  });

  it('an older export declaring model_max_length above its positions still predicts, cut at the positions', async () => {
    const s = await trainedFromScratch(16);
    const zip = unzipSync(await s.exportZip());
    zip['tokenizer_config.json'] = strToU8(
      JSON.stringify({ ...json(zip, 'tokenizer_config.json'), model_max_length: 512 }),
    );
    const old = new StudioSession();
    await old.importZip(zipSync(zip));
    expect(old.inputLength).toBe(16);
    const [p] = await old.predict([LONG]);
    expect(p.truncation).toEqual({ tokens: 602, kept: 16 });
    // Exported again, the folder now says what the model reads.
    expect(json(unzipSync(await old.exportZip()), 'tokenizer_config.json').model_max_length).toBe(
      16,
    );
    s.model?.dispose();
    old.model?.dispose();
  });
});

describe('a pretrained checkpoint lowers max_length to what it takes', () => {
  it('the limit is max_position_embeddings, or the tokenizer model_max_length when lower', () => {
    expect(modelInputLength(40, Infinity)).toBe(40);
    expect(modelInputLength(512, 32)).toBe(32);
    const byPositions = checkpointLengthLimit(40, 512);
    expect(fitMaxLength(64, byPositions)).toEqual({
      maxLength: 40,
      notice: "max_length lowered from 64 to 40: the checkpoint's max_position_embeddings",
    });
    expect(fitMaxLength(32, byPositions)).toEqual({ maxLength: 32, notice: null });
    expect(fitMaxLength(64, checkpointLengthLimit(512, 48)).notice).toBe(
      "max_length lowered from 64 to 48: its tokenizer's model_max_length",
    );
  });

  it('loading a checkpoint with 40 positions reports a limit of 40; its tokenizer may lower it', async () => {
    const s = new StudioSession();
    const info = await s.loadPretrained(pos40Files(), 'bert-pos40');
    expect(info.lengthLimit).toEqual({
      maxLength: 40,
      reason: "the checkpoint's max_position_embeddings",
    });
    const files = pos40Files();
    const tc = JSON.parse(strFromU8(files['tokenizer_config.json'])) as object;
    files['tokenizer_config.json'] = strToU8(JSON.stringify({ ...tc, model_max_length: 36 }));
    const lower = await new StudioSession().loadPretrained(files, 'bert-pos40');
    expect(lower.lengthLimit).toEqual({
      maxLength: 36,
      reason: "its tokenizer's model_max_length",
    });
    // At the lowered max_length, fine-tuning runs and exports what it was trained with.
    const { maxLength } = fitMaxLength(64, info.lengthLimit);
    await s.loadTable('tiny.csv', tinyCsv());
    s.prepare({
      columns: { text: 'text', label: 'label' },
      validationFraction: 0.25,
      maxLength,
      seed: 1,
    });
    await s.train({ kind: 'pretrained', max_length: maxLength }, ARGS);
    const zip = unzipSync(await s.exportZip());
    expect(json(zip, 'tokenizer_config.json').model_max_length).toBe(40);
    s.model?.dispose();
  });
});

describe('base_model in the model card', () => {
  it('is written for a Hub id only, never a local path, files or a URL', () => {
    expect(hubRepoId('google/bert_uncased_L-2_H-128_A-2@main')).toBe(
      'google/bert_uncased_L-2_H-128_A-2',
    );
    expect(hubRepoId('owner/name')).toBe('owner/name');
    for (const not of ['bert-base-uncased', 'https://x.org/a/b', '/home/me/ckpt', '../a/b']) {
      expect(hubRepoId(not), not).toBeNull();
    }
    const config = smallBertConfig({ vocabSize: 10, numLabels: 2, maxLength: 8 });
    const card = (baseModel: string | null, baseModelHubId: string | null) =>
      modelCard({
        config,
        baseModel,
        baseModelHubId,
        maxLength: 8,
        metrics: {},
        trainingArgs: null,
        logHistory: [],
        parameters: 1,
      });
    expect(card('google/bert@v1', 'google/bert')).toMatch(/^base_model: "google\/bert"$/m);
    expect(card('ckpt', null)).not.toMatch(/base_model/);
    expect(card('ckpt', '/home/me/ckpt')).not.toMatch(/base_model|\/home/);
  });

  it('a checkpoint loaded as a Hub id names it as base_model in the export', async () => {
    const s = new StudioSession();
    await s.loadPretrained(pos40Files(), 'someone/bert-pos40@main', 'someone/bert-pos40');
    await s.loadTable('tiny.csv', tinyCsv());
    s.prepare({
      columns: { text: 'text', label: 'label' },
      validationFraction: 0.25,
      maxLength: 32,
      seed: 1,
    });
    await s.train({ kind: 'pretrained', max_length: 32 }, ARGS);
    expect(s.modelCard()).toMatch(/^base_model: "someone\/bert-pos40"$/m);
    s.model?.dispose();
  });
});
