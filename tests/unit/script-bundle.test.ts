/**
 * The "Run it elsewhere" bundle (src/core/script): `studio export-script` writes train.py,
 * args.json, the launch files, the data splits (the studio's rows in its order), the tokenizer
 * and the step-0 weights; data over the limit is named instead of held. The bundle in Python
 * (py_compile, HfArgumentParser, the split's port) is tests/python-unit/script-bundle-python.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildScriptBundle } from '../../src/core/script/bundle';
import * as tf from '@tensorflow/tfjs';
import { scriptBundleFromSession, scriptBundleInput } from '../../src/core/script/fromSession';
import { TRAIN_PY } from '../../src/core/script/trainPy.generated';
import { trainPyModuleText } from '../../src/core/script/trainPyModule';
import { StudioSession } from '../../src/core/session';
import { parseTrainingArguments } from '../../src/core/train/args';
import { loadTokenizerFromDir } from '../../src/core/tokenize/tokenizerNode';
import { bundleFlags, smallSmsCsv } from './helpers/cliFixtures';
import { runCli } from './helpers/runCli';

describe('script bundle', () => {
  it('trainPy.generated.ts holds train.py as it is (node --import tsx scripts/build-train-script.ts)', () => {
    const source = readFileSync('src/core/script/train.py', 'utf8');
    expect(readFileSync('src/core/script/trainPy.generated.ts', 'utf8')).toBe(
      trainPyModuleText(source),
    );
    expect(TRAIN_PY).toBe(source);
  });

  it('studio export-script writes the bundle: script, arguments, launch files, data, tokenizer, step-0 weights', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'script-bundle-'));
    const csv = smallSmsCsv(tmp, 120);
    const out = join(tmp, 'bundle');
    const r = await runCli(bundleFlags(csv, out));
    expect(r.code, r.err).toBe(0);
    const listed = (JSON.parse(r.out) as { files: string[] }).files;
    expect(listed).toEqual(
      expect.arrayContaining([
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
      ]),
    );
    const args = JSON.parse(readFileSync(join(out, 'args.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(args).toMatchObject({
      train_file: 'data/train.jsonl',
      validation_file: 'data/validation.jsonl',
      text_column: 'text',
      label_column: 'label',
      max_length: 24,
      problem_type: 'single_label_classification',
      label_list: ['ham', 'spam'],
      class_weights: 'balanced',
      early_stopping_patience: 2,
      learning_rate: 1e-3,
      max_steps: 7,
      output_dir: 'output',
      initial_weights: 'initial_weights',
      model_config: 'initial_weights',
      tokenizer_name_or_path: 'tokenizer',
    });
    // The transformers half is TrainingArguments as the studio reads them.
    expect(() =>
      parseTrainingArguments({ max_steps: args.max_steps, seed: args.seed }),
    ).not.toThrow();
    // The splits are the studio's: 10 % of 120 rows held out, stratified.
    const rows = (f: string) =>
      readFileSync(join(out, f), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { text: string; label: string });
    const train = rows('data/train.jsonl');
    const val = rows('data/validation.jsonl');
    expect(train.length + val.length).toBe(120);
    expect(val.length).toBe(12);
    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    expect(readme).toContain('accelerate launch --multi_gpu --num_processes 8 train.py args.json');
    expect(readme).toContain('studio evaluate --model_dir output');
    expect(readFileSync(join(out, 'accelerate_config.yaml'), 'utf8')).toContain('num_processes: 1');
    expect(readFileSync(join(out, 'requirements.txt'), 'utf8')).toMatch(/transformers>=5/);
  }, 60_000);

  it('names the data and weights over the limits instead of holding them', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'script-limits-'));
    const session = new StudioSession();
    const csv = smallSmsCsv(tmp, 60);
    await session.loadTable('sms.csv', new Uint8Array(readFileSync(csv)));
    session.useTokenizer(await loadTokenizerFromDir('public/tokenizers/bert-base-uncased'));
    await session.prepare({
      columns: { text: 'text', label: 'label' },
      validationFraction: 0.2,
      maxLength: 16,
      seed: 3,
    });
    const spec = {
      kind: 'scratch' as const,
      hidden_size: 16,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      intermediate_size: 32,
      max_length: 16,
    };
    const input = await scriptBundleInput(session, {
      spec,
      args: parseTrainingArguments({ seed: 3 }).args,
    });
    const { files, leftOut } = buildScriptBundle(input, { dataBytes: 100, weightsBytes: 100 });
    expect(files['data/train.jsonl']).toBeUndefined();
    expect(files['initial_weights/model.safetensors']).toBeUndefined();
    expect(files['initial_weights/config.json']).toBeDefined();
    expect(leftOut.join(' ')).toMatch(/put sms\.csv beside args\.json/);
    const args = JSON.parse(files['args.json'] as string) as Record<string, unknown>;
    expect(args).toMatchObject({ train_file: 'sms.csv', validation_split: 0.2, header: true });
    expect(args.initial_weights).toBeUndefined();
    expect(files['README.md']).toContain('## Left out');

    // A model over the weight limit is never built (no tensor is made): the case of a model too
    // large for the tab. Its config.json is the one the built model would have.
    const big = {
      ...spec,
      hidden_size: 1024,
      num_hidden_layers: 24,
      num_attention_heads: 16,
      intermediate_size: 4096,
    };
    const tensors = tf.memory().numTensors;
    const large = await scriptBundleFromSession(session, {
      spec: big,
      args: parseTrainingArguments({ seed: 3 }).args,
      limits: { dataBytes: 1e9, weightsBytes: 1e6 },
    });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(large.files['initial_weights/model.safetensors']).toBeUndefined();
    const bigConfig = JSON.parse(large.files['initial_weights/config.json'] as string);
    expect(bigConfig).toMatchObject({
      hidden_size: 1024,
      num_hidden_layers: 24,
      id2label: { '0': 'ham', '1': 'spam' },
    });
    expect(large.leftOut.join(' ')).toMatch(/step-0 weights \(1[, ]?\d{3}(\.\d)? MB\)/);
    const built = await scriptBundleInput(session, {
      spec,
      args: parseTrainingArguments({ seed: 3 }).args,
    });
    const unbuilt = await scriptBundleInput(session, {
      spec,
      args: parseTrainingArguments({ seed: 3 }).args,
      limits: { dataBytes: 1e9, weightsBytes: 1 },
    });
    expect(JSON.parse(unbuilt.model.config)).toEqual(JSON.parse(built.model.config));
    expect(unbuilt.model.initialWeights).toBeNull();
  });
});
