/** `studio train --num_replicas`: data-parallel training from the command line. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TINY_MODEL_FLAGS, smallSmsCsv } from './helpers/cliFixtures';
import { runCli } from './helpers/runCli';

const TINY = TINY_MODEL_FLAGS;
const smallCsv = (dir: string): string => smallSmsCsv(dir, 60);

describe('studio train --num_replicas', () => {
  afterEach(() => vi.restoreAllMocks());

  it('trains on 3 replicas (batch 5: uneven shares) and exits cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-par-'));
    const out = join(dir, 'out');
    const r = await runCli([
      'train',
      '--train_file',
      smallCsv(dir),
      '--output_dir',
      out,
      ...TINY,
      '--per_device_train_batch_size',
      '5',
      '--max_steps',
      '3',
      '--logging_steps',
      '1',
      '--save_strategy',
      'no',
      '--num_replicas',
      '3',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/data parallel: 3 replicas/);
    const state = JSON.parse(readFileSync(join(out, 'trainer_state.json'), 'utf8'));
    const logged = state.log_history.filter((e: { loss?: number }) => e.loss !== undefined);
    expect(logged).toHaveLength(3);
    for (const e of logged)
      expect(Number.isFinite(e.loss) && Number.isFinite(e.grad_norm)).toBe(true);
  });

  it('the packaged CLI trains on 2 replicas and exits, also when it fails before training', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-par-'));
    const studio = (args: string[]) =>
      new Promise<{ code: number | null; err: string }>((resolve) => {
        const p = execFile('node', ['packages/studio-cli/studio.mjs', ...args], {
          timeout: 60_000,
        });
        let err = '';
        p.stderr?.on('data', (d) => (err += String(d)));
        p.on('exit', (code) => resolve({ code, err }));
      });
    const ok = await studio([
      'train',
      '--train_file',
      smallCsv(dir),
      '--output_dir',
      join(dir, 'out'),
      ...TINY,
      '--max_steps',
      '2',
      '--save_strategy',
      'no',
      '--num_replicas',
      '2',
    ]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.err).toMatch(/data parallel: 2 replicas/);
    // The workers were started before the data was read: a missing file must not leave them.
    const missing = await studio([
      'train',
      '--train_file',
      join(dir, 'none.csv'),
      '--num_replicas',
      '2',
    ]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/does not exist/);
  });

  /** `studio evaluate` of `out` on `csv` at `replicas` threads: its metrics and its log. */
  const evaluate = async (out: string, csv: string, replicas: string, batch: string) => {
    const r = await runCli([
      'evaluate',
      '--model_dir',
      out,
      '--validation_file',
      csv,
      '--per_device_eval_batch_size',
      batch,
      '--num_replicas',
      replicas,
    ]);
    expect(r.code, r.err).toBe(0);
    return { metrics: JSON.parse(r.out) as Record<string, number>, err: r.err };
  };
  const timing = /runtime|per_second/;

  it('studio evaluate --num_replicas 3 splits a model big enough and gives the metrics of one thread (batch 14: uneven shares)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-par-'));
    // bert-tiny's widths and rows of 128 tokens (9 SMS texts each): a batch of 14 rows is
    // 1.4 GFLOP of forward work, over the ~1 GFLOP worth splitting; the last (4 rows) is not.
    const sms = readFileSync(smallSmsCsv(dir, 270), 'utf8').trim().split('\n').slice(1);
    const rows = [];
    for (let i = 0; i + 9 <= sms.length; i += 9) {
      const texts = sms.slice(i, i + 9).map((l) => l.slice(l.indexOf(',') + 2, -1));
      rows.push(`${sms[i].split(',')[0]},"${texts.join(' ')}"`);
    }
    const csv = join(dir, 'long.csv');
    writeFileSync(csv, `label,text\n${rows.join('\n')}\n`);
    const out = join(dir, 'out');
    const trained = await runCli([
      'train',
      '--train_file',
      csv,
      '--output_dir',
      out,
      ...['--hidden_size', '128', '--num_hidden_layers', '2', '--num_attention_heads', '2'],
      ...['--intermediate_size', '512', '--max_length', '128'],
      ...['--max_steps', '1', '--save_strategy', 'no', '--num_replicas', '1'],
    ]);
    expect(trained.code, trained.err).toBe(0);
    const one = await evaluate(out, csv, '1', '14');
    const three = await evaluate(out, csv, '3', '14');
    expect(one.err).not.toMatch(/data parallel/);
    expect(three.err).toMatch(/data parallel: 3 replicas/);
    for (const k of Object.keys(one.metrics).filter((k) => !timing.test(k))) {
      expect(Math.abs(three.metrics[k] - one.metrics[k]), k).toBeLessThan(1e-5);
    }
    expect(one.metrics.eval_loss).toBeGreaterThan(0);
  }, 60_000);

  it('studio evaluate --num_replicas 2 keeps a small model on this thread: no worker, the same metrics', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-par-'));
    const csv = smallCsv(dir);
    const out = join(dir, 'out');
    const trained = await runCli([
      'train',
      '--train_file',
      csv,
      '--output_dir',
      out,
      ...TINY,
      ...['--max_steps', '2', '--save_strategy', 'no', '--num_replicas', '1'],
    ]);
    expect(trained.code, trained.err).toBe(0);
    const one = await evaluate(out, csv, '1', '7');
    const two = await evaluate(out, csv, '2', '7');
    expect(two.err).not.toMatch(/data parallel/);
    expect(two.err).toMatch(/evaluating on this thread: a batch of 7 x 24 tokens is under/);
    for (const k of Object.keys(one.metrics).filter((k) => !timing.test(k))) {
      expect(two.metrics[k], k).toBe(one.metrics[k]);
    }
  });

  it('rejects a bad count and documents the flag', async () => {
    const bad = await runCli(['train', '--train_file', 'x.csv', '--num_replicas', '0']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/--num_replicas must be a positive integer/);
    const help = await runCli(['train', '--help']);
    expect(help.out).toMatch(/--num_replicas/);
  });
});
