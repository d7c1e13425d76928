/**
 * `studio train | evaluate | predict` on CoNLL files (slices of WNUT 2017), run as a user runs
 * them: the task detected from the file and reported (sentences, tokens, tags, scheme), the
 * guide's metrics, a BertForTokenClassification folder, evaluate's metrics, predict's tokens,
 * tags and entities per sentence (entities alone for plain text), and --task refusing a CoNLL
 * file as text classification.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { trainNerCli, writeSlice } from './helpers/nerCli';
import { runCli } from './helpers/runCli';

const METRICS = ['eval_precision', 'eval_recall', 'eval_f1', 'eval_accuracy'];

describe('studio CLI: token classification', () => {
  afterEach(() => vi.restoreAllMocks());
  let dir = '';
  let trained: Awaited<ReturnType<typeof trainNerCli>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'studio-cli-ner-'));
    trained = await trainNerCli(dir, [
      '--eval_strategy',
      'steps',
      '--eval_steps',
      '40',
      '--num_replicas',
      '2',
    ]);
  }, 240_000);

  it('train detects the CoNLL file, says what it found, logs the metrics and writes a token classifier', () => {
    const r = trained;
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(
      /CoNLL, token classification: 120 sentences, 2325 tokens, 12 tags \[B-corporation, .*, O\], scheme IOB2/,
    );
    expect(r.err).toMatch(/train 96 sentences, validation 24 sentences/);
    expect(r.err).toMatch(/entities per type: person \d+/);
    expect(r.err).not.toMatch(/columns \[column_1, column_2\]/);
    // A tagged file trains data parallel too (the replicas take the token head and labels).
    expect(r.err).toMatch(/data parallel: 2 replicas/);
    expect(r.err).not.toMatch(/trains on this thread/);
    const metrics = JSON.parse(r.out) as Record<string, number>;
    for (const k of METRICS) expect(metrics[k]).toBeGreaterThanOrEqual(0);
    const state = JSON.parse(readFileSync(join(trained.outDir, 'trainer_state.json'), 'utf8'));
    const evals = state.log_history.filter((e: object) => 'eval_f1' in e);
    expect(evals).toHaveLength(2);
    const config = JSON.parse(readFileSync(join(trained.outDir, 'config.json'), 'utf8'));
    expect(config.architectures).toEqual(['BertForTokenClassification']);
    expect(Object.values(config.id2label)).toContain('B-person');
  });

  it('evaluate prints the metrics of the folder on a tagged file', async () => {
    const val = writeSlice(dir, 'val.conll', 'wnut17train.conll', 120);
    const r = await runCli(['evaluate', '--model_dir', trained.outDir, '--validation_file', val]);
    expect(r.code, r.err).toBe(0);
    const m = JSON.parse(r.out) as Record<string, number>;
    for (const k of ['eval_loss', ...METRICS]) expect(typeof m[k]).toBe('number');
    // Trained hard on these sentences: it finds entities in them.
    expect(m.eval_f1).toBeGreaterThan(0);
  });

  it('evaluate --num_replicas decides as for a table and gives the same metrics', async () => {
    const val = writeSlice(dir, 'val2.conll', 'wnut17train.conll', 120);
    const one = await runCli(['evaluate', '--model_dir', trained.outDir, '--validation_file', val]);
    const args = ['evaluate', '--model_dir', trained.outDir, '--validation_file', val];
    // A batch of 32 x 48 tokens of this model is far under what is worth splitting.
    const small = await runCli([...args, '--num_replicas', '2']);
    expect(small.code, small.err).toBe(0);
    expect(small.err).toMatch(/evaluating on this thread: a batch of 32 x 48 tokens/);
    // 1,300 x 48 tokens would be worth it: the replicas start (each batch is still split only
    // when it is worth it, and these 120 sentences are one small batch).
    const large = await runCli([
      ...args,
      '--num_replicas',
      '2',
      '--per_device_eval_batch_size',
      '1300',
    ]);
    expect(large.code, large.err).toBe(0);
    expect(large.err).toMatch(/data parallel: 2 replicas/);
    const ref = JSON.parse(one.out) as Record<string, number>;
    const same = JSON.parse(small.out) as Record<string, number>;
    for (const k of ['eval_loss', ...METRICS]) expect(same[k]).toBeCloseTo(ref[k], 6);
    // Another batch size: the same tags, so the same seqeval metrics. (eval_loss is not: as
    // transformers', it is made of each batch's mean over its labelled tokens.)
    const other = JSON.parse(large.out) as Record<string, number>;
    for (const k of METRICS) expect(other[k]).toBeCloseTo(ref[k], 6);
  });

  it('predict writes tokens, a tag per word and entities per sentence; plain text gives entities', async () => {
    const out = join(dir, 'p.jsonl');
    const r = await runCli([
      'predict',
      '--model_dir',
      trained.outDir,
      '--input_file',
      trained.train,
      '--output_file',
      out,
    ]);
    expect(r.code, r.err).toBe(0);
    const rows = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(120);
    expect(rows[0].tokens.slice(0, 3)).toEqual(['@paulwalk', 'It', "'s"]);
    for (const row of rows) expect(row.tags).toHaveLength(row.tokens.length);
    const withEntities = rows.filter((x) => x.entities.length > 0);
    expect(withEntities.length).toBeGreaterThan(0);
    for (const row of withEntities) {
      const text = row.tokens.join(' ');
      for (const e of row.entities) {
        expect(Object.keys(e).sort()).toEqual(['end', 'entity_group', 'score', 'start', 'word']);
        expect(e.start).toBeLessThan(e.end);
        expect(e.end).toBeLessThanOrEqual(text.length);
      }
    }
    const texts = join(dir, 'texts.txt');
    writeFileSync(texts, `${withEntities[0].tokens.join(' ')}\n\nsee you at lunch\n`);
    const p = await runCli(['predict', '--model_dir', trained.outDir, '--input_file', texts]);
    expect(p.code, p.err).toBe(0);
    const plain = p.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(plain.map((x) => Object.keys(x).sort())).toEqual([
      ['entities', 'text'],
      ['entities', 'text'],
    ]);
    expect(plain[0].entities).toEqual(withEntities[0].entities);
  });

  it('--task text-classification refuses a CoNLL file, saying why', async () => {
    const r = await runCli([
      'train',
      '--train_file',
      trained.train,
      '--output_dir',
      join(dir, 'refused'),
      '--task',
      'text-classification',
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/train\.conll is a tagged CoNLL file .* word classifier, not a tagger/);
  });
});
