/**
 * The run of transformers 5.18's own Trainer in tests/fixtures/hf-trainer-run (see its README),
 * reproduced with the README's command: `studio train --model_name_or_path F/checkpoint
 * --train_file F/train.csv --validation_file F/validation.csv --args_json F/training_args.json`.
 * The same comparison prints as a table with `npm run compare:hf-run -- <folder>`.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reproduceHfRun } from '../../scripts/compare-hf-run';
import { compareRuns, formatComparison } from '../../scripts/hfTrainerRun';
import { runCli } from './helpers/runCli';

const FIXTURES = join(__dirname, '..', 'fixtures');
const FIXTURE = join(FIXTURES, 'hf-trainer-run');
/** hf-trainer-run and the runs made like it by scripts/make_hf_trainer_run.py. */
const OTHER_RUNS = readdirSync(FIXTURES).filter((d) => d.startsWith('hf-trainer-run-'));

async function reproduce(fixture: string) {
  const out = mkdtempSync(join(tmpdir(), 'hf-run-'));
  const run = await reproduceHfRun(fixture, out, async (argv) => {
    const r = await runCli(argv);
    if (r.code !== 0) throw new Error(r.err);
    return r.code;
  });
  return { ...run, out };
}

describe("transformers' Trainer run, reproduced", () => {
  it('gives the same log_history, best step and final probabilities', async () => {
    const { state, probs, out } = await reproduce(FIXTURE);
    const c = compareRuns(FIXTURE, state, probs);
    expect(c.ok, formatComparison(c)).toBe(true);
    // Every key the comparison covers was compared on this fixture.
    expect(c.keys.map((k) => k.key).sort()).toEqual(
      [
        'epoch',
        'eval_accuracy',
        'eval_loss',
        'grad_norm',
        'learning_rate',
        'loss',
        'total_flos',
        'train_loss',
      ].sort(),
    );
    expect(c.probabilities?.rows).toBe(36);
    // save_total_limit 2 with the best kept; the final model is the best checkpoint's.
    const written = JSON.parse(readFileSync(join(out, 'trainer_state.json'), 'utf8')) as {
      best_model_checkpoint: string;
    };
    expect(written.best_model_checkpoint).toBe(`${out}/checkpoint-48`);
  }, 120_000);

  it.each(OTHER_RUNS)(
    'reproduces %s too',
    async (name) => {
      const fixture = join(FIXTURES, name);
      const { state, probs } = await reproduce(fixture);
      const c = compareRuns(fixture, state, probs);
      expect(c.ok, formatComparison(c)).toBe(true);
    },
    120_000,
  );

  it('fails the comparison when a number is off (the check can fail)', () => {
    const hf = JSON.parse(readFileSync(join(FIXTURE, 'trainer_state.json'), 'utf8')) as {
      log_history: Record<string, number>[];
    };
    const tampered = structuredClone(hf);
    tampered.log_history[3].loss *= 1.01;
    tampered.log_history[5].learning_rate += 1e-12;
    const c = compareRuns(FIXTURE, tampered, null);
    expect(c.ok).toBe(false);
    expect(c.keys.find((k) => k.key === 'loss')?.ok).toBe(false);
    expect(c.keys.find((k) => k.key === 'learning_rate')?.ok).toBe(false);
    expect(compareRuns(FIXTURE, hf, null).ok).toBe(true);
  });
});
