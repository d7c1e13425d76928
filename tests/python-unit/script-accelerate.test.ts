/**
 * The bundle runs in transformers' Trainer and comes back (tests/fixtures/hf-trainer-run's
 * checkpoint: hidden 32, 2 layers, dropout 0; its 96 + 36 SMS rows; sequential sampling):
 * - one process: the first 10 logged losses equal `studio train`'s on the same run within 1e-3,
 *   from the checkpoint and from scratch (the studio's step-0 weights, dropout 0);
 * - two processes, data parallel on CPU (`accelerate launch --cpu --num_processes 2`): the
 *   output folder is read back by `studio evaluate --model_dir D` and its trainer_state.json by
 *   the page's reader ("Open trainer_state.json");
 * - continued: the bundle of a studio checkpoint-5 resumes at step 5, and its losses at steps
 *   6-10 follow the studio's run.
 * Skipped, saying why, where python3 cannot import torch, transformers and accelerate; under CI
 * that fails instead (helpers/python.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLogHistory } from '../../src/ui/series';
import { requirePython } from '../unit/helpers/python';
import { runCli } from '../unit/helpers/runCli';

const ready = requirePython(
  'script-accelerate',
  ['torch', 'transformers', 'accelerate'],
  ['accelerate'],
);

const F = 'tests/fixtures/hf-trainer-run';
/** The fixture's run, cut to 10 steps, evaluated and saved at step 5. */
const RUN = [
  '--model_name_or_path',
  `${F}/checkpoint`,
  '--train_file',
  `${F}/train.csv`,
  '--validation_file',
  `${F}/validation.csv`,
  '--args_json',
  `${F}/training_args.json`,
  '--max_steps',
  '10',
  '--eval_steps',
  '5',
  '--save_steps',
  '5',
  '--load_best_model_at_end',
  'false',
];

type Entry = { step: number; loss?: number };
const losses = (dir: string): Entry[] =>
  (
    JSON.parse(readFileSync(join(dir, 'trainer_state.json'), 'utf8')) as { log_history: Entry[] }
  ).log_history.filter((e) => e.loss !== undefined);

function launch(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1', TOKENIZERS_PARALLELISM: 'false' },
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr.slice(-3000)}`);
  return r.stdout;
}

function maxDiff(a: Entry[], b: Entry[]): { abs: number; rel: number } {
  let abs = 0;
  let rel = 0;
  a.forEach((e, i) => {
    const d = Math.abs((e.loss as number) - (b[i].loss as number));
    abs = Math.max(abs, d);
    rel = Math.max(rel, d / Math.abs(b[i].loss as number));
  });
  return { abs, rel };
}

describe.skipIf(!ready)('the script bundle in transformers Trainer', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'script-run-'));
  const studioOut = join(tmp, 'studio');
  const bundle = join(tmp, 'bundle');

  it("one process: the first 10 losses are the studio run's within 1e-3", async () => {
    const t = await runCli(['train', ...RUN, '--output_dir', studioOut, '--num_replicas', '1']);
    expect(t.code, t.err).toBe(0);
    const e = await runCli(['export-script', ...RUN, '--output_dir', bundle]);
    expect(e.code, e.err).toBe(0);
    const out = join(tmp, 'one');
    launch('python3', ['train.py', 'args.json', '--output_dir', out], bundle);
    const studio = losses(studioOut);
    const hf = losses(out);
    expect(hf.map((x) => x.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(studio.map((x) => x.step)).toEqual(hf.map((x) => x.step));
    const d = maxDiff(hf, studio);
    console.log(
      `10-step losses, bundle vs studio: max abs ${d.abs.toExponential(2)}, max rel ${d.rel.toExponential(2)}`,
    );
    expect(d.abs).toBeLessThan(1e-3);
  }, 120_000);

  it("from scratch: the studio's step-0 weights carried, dropout 0, the same 10 losses", async () => {
    // The fixture's data and arguments, with a model the studio builds (its own initialisation
    // and the bundled tokenizer) instead of the checkpoint.
    const [, , ...data] = RUN;
    const scratch = [
      ...data,
      '--hidden_size',
      '32',
      '--num_hidden_layers',
      '2',
      '--num_attention_heads',
      '2',
      '--intermediate_size',
      '64',
      '--hidden_dropout_prob',
      '0',
      '--attention_probs_dropout_prob',
      '0',
    ];
    const studioRun = join(tmp, 'scratch-studio');
    const t = await runCli(['train', ...scratch, '--output_dir', studioRun, '--num_replicas', '1']);
    expect(t.code, t.err).toBe(0);
    const scratchBundle = join(tmp, 'scratch-bundle');
    const e = await runCli(['export-script', ...scratch, '--output_dir', scratchBundle]);
    expect(e.code, e.err).toBe(0);
    const config = JSON.parse(
      readFileSync(join(scratchBundle, 'initial_weights/config.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(config).toMatchObject({ hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 });
    const out = join(tmp, 'scratch-one');
    launch('python3', ['train.py', 'args.json', '--output_dir', out], scratchBundle);
    const studio = losses(studioRun);
    const hf = losses(out);
    expect(hf.map((x) => x.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(studio.map((x) => x.step)).toEqual(hf.map((x) => x.step));
    const d = maxDiff(hf, studio);
    console.log(
      `from scratch, 10-step losses, bundle vs studio: max abs ${d.abs.toExponential(2)}, max rel ${d.rel.toExponential(2)}`,
    );
    expect(d.abs).toBeLessThan(1e-3);
  }, 120_000);

  it('two processes (accelerate --cpu): studio evaluate and the page read the output folder', async () => {
    const out = join(tmp, 'two');
    const t0 = performance.now();
    launch(
      'accelerate',
      [
        'launch',
        '--cpu',
        '--num_processes',
        '2',
        '--num_machines',
        '1',
        '--mixed_precision',
        'no',
        '--dynamo_backend',
        'no',
        'train.py',
        'args.json',
        '--output_dir',
        out,
        '--per_device_train_batch_size',
        '4',
      ],
      bundle,
    );
    console.log(`two-process run: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const state = JSON.parse(readFileSync(join(out, 'trainer_state.json'), 'utf8')) as {
      global_step: number;
      train_batch_size: number;
    };
    expect(state.global_step).toBe(10);
    // Each of the two processes took 4 rows: a step saw 8, as the studio's.
    expect(state.train_batch_size).toBe(4);
    const history = parseLogHistory(readFileSync(join(out, 'trainer_state.json'), 'utf8'), 'x');
    const evals = history.filter((h) => 'eval_accuracy' in h);
    expect(evals.map((h) => h.step)).toEqual([5, 10]);
    const ev = await runCli([
      'evaluate',
      '--model_dir',
      out,
      '--validation_file',
      join(bundle, 'data/validation.jsonl'),
    ]);
    expect(ev.code, ev.err).toBe(0);
    // The studio reads the model transformers saved at step 10 and evaluates it on the same
    // rows as transformers did at step 10: the same accuracy, the same loss (float rounding).
    const metrics = JSON.parse(ev.out) as Record<string, number>;
    const hf = evals[1] as unknown as { eval_accuracy: number; eval_loss: number };
    console.log(
      `two-process run, step 10: transformers eval_loss ${hf.eval_loss}, accuracy ${hf.eval_accuracy}; ` +
        `studio evaluate ${metrics.eval_loss}, ${metrics.eval_accuracy}`,
    );
    expect(metrics.eval_accuracy).toBeCloseTo(hf.eval_accuracy, 6);
    expect(Math.abs(metrics.eval_loss - hf.eval_loss)).toBeLessThan(1e-4);
  }, 180_000);

  it('continues from a studio checkpoint at its step, losses following the studio run', async () => {
    const resumed = join(tmp, 'resumed-bundle');
    const e = await runCli([
      'export-script',
      ...RUN,
      '--output_dir',
      resumed,
      '--resume_from_checkpoint',
      join(studioOut, 'checkpoint-5'),
    ]);
    expect(e.code, e.err).toBe(0);
    const out = join(tmp, 'resumed');
    const log = launch('python3', ['train.py', 'args.json', '--output_dir', out], resumed);
    expect(log).toContain("continuing the studio's run from step 5");
    const hf = losses(out);
    const studio = losses(studioOut);
    expect(hf.map((x) => x.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const d = maxDiff(hf.slice(5), studio.slice(5));
    console.log(`resumed at step 5: steps 6-10 max abs ${d.abs.toExponential(2)}`);
    expect(d.abs).toBeLessThan(1e-3);
  }, 120_000);
});
