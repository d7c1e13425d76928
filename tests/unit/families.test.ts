/**
 * The registry of model families (src/core/model/families.ts): a config.json picks its family by
 * `model_type`, and a checkpoint of a family the studio cannot build is refused with the families
 * it can build and "Run it elsewhere" as the next step, in the CLI as on the page.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { StudioSession } from '../../src/core/session';
import { bertFamily } from '../../src/core/model/bert';
import {
  FAMILIES,
  familyForModelType,
  familyOf,
  parseModelConfig,
} from '../../src/core/model/families';
import { StudioError } from '../../src/core/util/errors';
import { TINY_SIZE_FLAGS } from './helpers/cliFixtures';
import { runCli } from './helpers/runCli';

const BERT_FIXTURE = join(__dirname, '..', 'fixtures', 'bert-tiny-random');

/** An ALBERT checkpoint's config.json as transformers 5.18 writes it (AlbertConfig defaults). */
const ALBERT = {
  architectures: ['AlbertForSequenceClassification'],
  attention_probs_dropout_prob: 0,
  bos_token_id: 2,
  classifier_dropout_prob: 0.1,
  embedding_size: 128,
  eos_token_id: 3,
  hidden_act: 'gelu_new',
  hidden_dropout_prob: 0,
  hidden_size: 4096,
  initializer_range: 0.02,
  inner_group_num: 1,
  intermediate_size: 16384,
  layer_norm_eps: 1e-12,
  max_position_embeddings: 512,
  model_type: 'albert',
  num_attention_heads: 64,
  num_hidden_groups: 1,
  num_hidden_layers: 12,
  pad_token_id: 0,
  tie_word_embeddings: true,
  transformers_version: '5.18.0',
  type_vocab_size: 2,
  vocab_size: 30000,
};

/** GPT-2's config.json (a decoder), as transformers 5.18 writes GPT2Config's defaults. */
const GPT2 = {
  activation_function: 'gelu_new',
  architectures: ['GPT2LMHeadModel'],
  attn_pdrop: 0.1,
  bos_token_id: 50256,
  embd_pdrop: 0.1,
  eos_token_id: 50256,
  initializer_range: 0.02,
  layer_norm_epsilon: 1e-5,
  model_type: 'gpt2',
  n_embd: 768,
  n_head: 12,
  n_layer: 12,
  n_positions: 1024,
  resid_pdrop: 0.1,
  transformers_version: '5.18.0',
  vocab_size: 50257,
};

/** The refusal every unsupported family gets: its model_type, the families, the next step. */
function expectRefusal(e: unknown, modelType: string): void {
  expect(e).toBeInstanceOf(StudioError);
  const err = e as StudioError;
  expect(err.code).toBe('unsupported-model');
  expect(err.message).toContain(`"${modelType}"`);
  for (const f of FAMILIES) {
    expect(err.message).toContain(f.displayName);
    for (const t of f.modelTypes) expect(err.remedy).toContain(t);
  }
  expect(err.remedy).toMatch(/Run it elsewhere/);
  expect(err.remedy).toMatch(/AutoModelForSequenceClassification/);
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('model families', () => {
  it('reads config.json through the family its model_type names (none: BERT)', () => {
    expect(FAMILIES[0]).toBe(bertFamily);
    const c = parseModelConfig({ model_type: 'bert', hidden_size: 64, num_attention_heads: 4 });
    expect(familyOf(c)).toBe(bertFamily);
    expect(familyOf(parseModelConfig({}))).toBe(bertFamily);
    for (const f of FAMILIES) for (const t of f.modelTypes) expect(familyForModelType(t)).toBe(f);
  });

  it.each([
    ['albert', ALBERT],
    ['gpt2', GPT2],
  ])('refuses a %s config with the families it builds and "Run it elsewhere"', (type, json) => {
    expectRefusal(
      thrown(() => parseModelConfig(json)),
      type,
    );
  });

  it('refuses an ALBERT checkpoint in the session before building anything', async () => {
    const s = new StudioSession();
    const weights = new Uint8Array(readFileSync(join(BERT_FIXTURE, 'model.safetensors')));
    const config = new TextEncoder().encode(JSON.stringify(ALBERT));
    const e = await s
      .loadPretrained({ 'config.json': config, 'model.safetensors': weights }, 'albert-base-v2')
      .then(
        () => null,
        (x: unknown) => x,
      );
    expectRefusal(e, 'albert');
    expect(s.pretrained).toBeNull();
  });

  it('refuses it in the CLI too, with the message and the remedy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'albert-'));
    const ckpt = join(dir, 'checkpoint');
    mkdirSync(ckpt);
    writeFileSync(join(ckpt, 'config.json'), JSON.stringify(ALBERT));
    copyFileSync(join(BERT_FIXTURE, 'model.safetensors'), join(ckpt, 'model.safetensors'));
    const train = join(dir, 'train.csv');
    writeFileSync(train, `text,label\n${'good film,pos\nbad film,neg\n'.repeat(4)}`);
    const r = await runCli([
      'train',
      '--model_name_or_path',
      ckpt,
      '--train_file',
      train,
      '--output_dir',
      join(dir, 'out'),
      '--num_train_epochs',
      '1',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('model_type "albert" is not a family the studio can build');
    for (const f of FAMILIES) expect(r.err).toContain(f.displayName);
    expect(r.err).toMatch(/Run it elsewhere/);
  }, 60_000);

  it('trains from scratch the family --model_type names (BERT by default), and refuses others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scratch-family-'));
    const train = join(dir, 'train.csv');
    writeFileSync(train, `text,label\n${'good film,pos\nbad film,neg\n'.repeat(4)}`);
    const run = (out: string, ...extra: string[]) =>
      runCli([
        'train',
        '--train_file',
        train,
        '--output_dir',
        join(dir, out),
        '--max_steps',
        '1',
        '--eval_strategy',
        'no',
        '--save_strategy',
        'no',
        ...TINY_SIZE_FLAGS,
        ...extra,
      ]);
    for (const [out, extra] of [
      ['default', []],
      ['bert', ['--model_type', 'bert']],
    ] as const) {
      const r = await run(out, ...extra);
      expect(r.code, r.err).toBe(0);
      const config = JSON.parse(readFileSync(join(dir, out, 'config.json'), 'utf8')) as {
        model_type: string;
        architectures: string[];
      };
      expect(config.model_type).toBe('bert');
      expect(config.architectures).toEqual(['BertForSequenceClassification']);
    }
    const r = await run('albert', '--model_type', 'albert');
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('model_type "albert" is not a family the studio can build');
    expect(r.err).toMatch(/Run it elsewhere/);
  }, 120_000);
});
