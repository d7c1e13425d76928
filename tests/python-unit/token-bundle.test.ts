/**
 * The "Run it elsewhere" bundle of a token-classification run: a short `studio train` of a tiny
 * BERT from scratch on a WNUT 2017 slice (dropout 0, rows in file order, 2 accumulation steps), exported with `studio export-script`,
 * trains in transformers' Trainer (`python3 train.py args.json`: AutoModelForTokenClassification
 * from the studio's step-0 weights, the guide's label alignment, DataCollatorForTokenClassification)
 * with the studio's first 6 losses within 1e-3, and logs eval_precision, eval_recall, eval_f1 and
 * eval_accuracy equal to the studio's evaluation of its final model. Skipped, saying why, where python3 lacks torch, transformers or accelerate; under
 * CI that fails instead.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NER_TRAIN_FLAGS, writeSlice } from '../unit/helpers/nerCli';
import { requirePython } from '../unit/helpers/python';
import { runCli } from '../unit/helpers/runCli';

const python = requirePython('token-bundle', ['torch', 'transformers', 'accelerate']);

type Entry = { step: number; loss?: number } & Record<string, number | undefined>;
const history = (dir: string): Entry[] =>
  (JSON.parse(readFileSync(join(dir, 'trainer_state.json'), 'utf8')) as { log_history: Entry[] })
    .log_history;
const losses = (dir: string): Entry[] => history(dir).filter((e) => e.loss !== undefined);

const METRICS = ['eval_precision', 'eval_recall', 'eval_f1', 'eval_accuracy'];

describe.skipIf(!python)("a token-classification run's bundle in transformers' Trainer", () => {
  it("trains with the studio's first 6 losses and logs seqeval's four metrics", async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'studio-token-bundle-'));
    const train = writeSlice(tmp, 'train.conll', 'wnut17train.conll', 120);
    const run = [
      '--train_file',
      train,
      '--validation_split',
      '0.2',
      ...NER_TRAIN_FLAGS,
      '--hidden_dropout_prob',
      '0',
      '--attention_probs_dropout_prob',
      '0',
      '--max_steps',
      '6',
      '--logging_steps',
      '1',
      '--gradient_accumulation_steps',
      '2',
      '--load_best_model_at_end',
      'false',
      // The studio's shuffle is its own generator's, not torch's: file order on both sides.
      '--train_sampling_strategy',
      'sequential',
    ];
    const studioOut = join(tmp, 'studio');
    const t = await runCli(['train', ...run, '--output_dir', studioOut, '--num_replicas', '1']);
    expect(t.code, t.err).toBe(0);
    const bundle = join(tmp, 'bundle');
    const e = await runCli(['export-script', ...run, '--output_dir', bundle]);
    expect(e.code, e.err).toBe(0);
    const args = JSON.parse(readFileSync(join(bundle, 'args.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(args.task).toBe('token-classification');
    const readme = readFileSync(join(bundle, 'README.md'), 'utf8');
    expect(readme).toContain('## What it trains');
    expect(readme).toContain('DataCollatorForTokenClassification');
    const firstRow = JSON.parse(
      readFileSync(join(bundle, 'data/train.jsonl'), 'utf8').split('\n')[0],
    ) as { tokens: string[]; ner_tags: string[] };
    expect(firstRow.tokens.length).toBe(firstRow.ner_tags.length);
    const hfOut = join(tmp, 'hf');
    const r = spawnSync('python3', ['train.py', 'args.json', '--output_dir', hfOut], {
      cwd: bundle,
      encoding: 'utf8',
      env: { ...process.env, TOKENIZERS_PARALLELISM: 'false' },
    });
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    const studio = losses(studioOut);
    const hf = losses(hfOut);
    expect(hf.map((x) => x.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(studio.map((x) => x.step)).toEqual(hf.map((x) => x.step));
    const worst = Math.max(
      ...hf.map((x, i) => Math.abs((x.loss as number) - (studio[i].loss as number))),
    );
    console.info(`token-bundle: bundle vs studio losses, max |diff| ${worst}`);
    expect(worst).toBeLessThan(1e-3);
    // The final model's metrics, logged by the Trainer, equal the studio's evaluation of its own.
    const evaluation = history(hfOut).findLast((x) => x.eval_loss !== undefined);
    const studioEval = JSON.parse(
      readFileSync(join(studioOut, 'eval_results.json'), 'utf8'),
    ) as Record<string, number>;
    expect(evaluation?.step).toBe(6);
    for (const name of [...METRICS, 'eval_loss']) {
      expect(typeof evaluation?.[name], name).toBe('number');
      expect(Math.abs((evaluation?.[name] as number) - studioEval[name]), name).toBeLessThan(1e-3);
    }
  }, 240_000);
});
