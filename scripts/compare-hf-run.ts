/**
 * `npm run compare:hf-run -- <folder> [--output_dir out]`: trains with the studio CLI on a run of
 * transformers' Trainer (a folder as tests/fixtures/hf-trainer-run) exactly as its README's
 * command does, predicts its validation rows, and prints the worst difference per logged key.
 * Exit code 1 when the run is not reproduced.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main';
import { compareRuns, formatComparison } from './hfTrainerRun';

/** Trains and predicts as a user would; returns the trainer state and the probabilities. */
export async function reproduceHfRun(
  fixture: string,
  outDir: string,
  run: (argv: string[]) => Promise<number> = main,
): Promise<{ state: { log_history: Record<string, number>[] }; probs: number[][] }> {
  const code = await run([
    'train',
    '--model_name_or_path',
    join(fixture, 'checkpoint'),
    '--train_file',
    join(fixture, 'train.csv'),
    '--validation_file',
    join(fixture, 'validation.csv'),
    '--args_json',
    join(fixture, 'training_args.json'),
    '--output_dir',
    outDir,
  ]);
  if (code !== 0) throw new Error(`studio train exited with ${code}`);
  const predictions = join(outDir, 'validation_predictions.jsonl');
  const pcode = await run([
    'predict',
    '--model_dir',
    outDir,
    '--input_file',
    join(fixture, 'validation.csv'),
    '--output_file',
    predictions,
  ]);
  if (pcode !== 0) throw new Error(`studio predict exited with ${pcode}`);
  const config = JSON.parse(readFileSync(join(fixture, 'checkpoint', 'config.json'), 'utf8')) as {
    id2label: Record<string, string>;
  };
  const labels = Object.keys(config.id2label)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => config.id2label[k]);
  const probs = readFileSync(predictions, 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const p = (JSON.parse(l) as { probs: Record<string, number> }).probs;
      return labels.map((name) => p[name]);
    });
  const state = JSON.parse(readFileSync(join(outDir, 'trainer_state.json'), 'utf8')) as {
    log_history: Record<string, number>[];
  };
  return { state, probs };
}

async function cli(): Promise<void> {
  const args = process.argv.slice(2);
  const fixture = args.find((a) => !a.startsWith('--'));
  if (!fixture) {
    process.stderr.write('usage: npm run compare:hf-run -- <folder> [--output_dir out]\n');
    process.exit(2);
  }
  const o = args.indexOf('--output_dir');
  const out = o >= 0 ? args[o + 1] : mkdtempSync(join(tmpdir(), 'hf-run-'));
  const { state, probs } = await reproduceHfRun(fixture, out);
  const c = compareRuns(fixture, state, probs);
  process.stdout.write(`${formatComparison(c)}\n(studio output in ${out})\n`);
  process.exit(c.ok ? 0 : 1);
}

if (process.argv[1]?.endsWith('compare-hf-run.ts')) void cli();
