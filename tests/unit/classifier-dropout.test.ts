/**
 * `classifier_dropout`, one field of the model table: BertConfig's dropout before the classifier
 * (null: `hidden_dropout_prob`, as transformers). Given to `studio train`, it reaches the model
 * (its losses change), config.json, studio_args.json (read back by --args_json) and a stored
 * run's spec for a resume.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/core/io/runStore';
import { storedModelSpec } from '../../src/core/run/storedRun';
import { TINY_MODEL_FLAGS, smallSmsCsv } from './helpers/cliFixtures';
import { runCli } from './helpers/runCli';

const NO_OTHER_DROPOUT = ['--hidden_dropout_prob', '0', '--attention_probs_dropout_prob', '0'];
const STEPS = [
  '--max_steps',
  '3',
  '--logging_steps',
  '1',
  '--seed',
  '5',
  '--learning_rate',
  '0.01',
];

async function train(dir: string, name: string, extra: string[]) {
  const out = join(dir, name);
  const r = await runCli([
    'train',
    '--train_file',
    smallSmsCsv(dir, 80),
    '--output_dir',
    out,
    '--backend',
    'cpu',
    '--num_replicas',
    '1',
    ...TINY_MODEL_FLAGS,
    ...STEPS,
    ...extra,
  ]);
  expect(r.code, r.err).toBe(0);
  const json = (f: string) => JSON.parse(readFileSync(join(out, f), 'utf8'));
  const losses = (json('trainer_state.json').log_history as { loss?: number }[])
    .map((e) => e.loss)
    .filter((x) => x !== undefined);
  return { out, config: json('config.json'), studio: json('studio_args.json'), losses };
}

describe('classifier_dropout', () => {
  it('is the dropout before the classifier, recorded where the run is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'classifier-dropout-'));
    const half = await train(dir, 'half', [...NO_OTHER_DROPOUT, '--classifier_dropout', '0.5']);
    expect(half.config.classifier_dropout).toBe(0.5);
    expect(half.studio.classifier_dropout).toBe(0.5);
    // Left out: null in config.json, hidden_dropout_prob (here 0) used: the same as 0.
    const unset = await train(dir, 'unset', NO_OTHER_DROPOUT);
    expect(unset.config.classifier_dropout).toBeNull();
    expect(unset.studio).not.toHaveProperty('classifier_dropout');
    const zero = await train(dir, 'zero', [...NO_OTHER_DROPOUT, '--classifier_dropout', '0']);
    expect(zero.losses).toEqual(unset.losses);
    expect(half.losses).toHaveLength(3);
    expect(half.losses[1]).not.toBe(zero.losses[1]);
    // studio_args.json re-creates the run: the same losses again.
    const again = await train(dir, 'again', [
      '--args_json',
      join(half.out, 'training_args.json'),
      '--train_file',
      smallSmsCsv(dir, 80),
    ]);
    expect(again.config.classifier_dropout).toBe(0.5);
    expect(again.losses).toEqual(half.losses);
    const bad = await runCli(['train', '--train_file', 'x.csv', '--classifier_dropout', '2']);
    expect(bad.err).toMatch(/--classifier_dropout must be a number from 0 to 0.9/);
  }, 60_000);

  it('is kept by a stored run for its resume', () => {
    const model = {
      kind: 'scratch',
      hidden_size: 16,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      intermediate_size: 32,
      max_length: 24,
      classifier_dropout: 0.3,
    };
    const rec = { model } as unknown as RunRecord;
    expect(storedModelSpec(rec)).toEqual(model);
  });
});
