/** `studio train --num_replicas`: data-parallel training from the command line. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
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

  it('studio evaluate --num_replicas 3 gives the metrics of one thread (batch 7: uneven shares)', async () => {
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
      '--max_steps',
      '2',
      '--save_strategy',
      'no',
      '--num_replicas',
      '1',
    ]);
    expect(trained.code, trained.err).toBe(0);
    const evaluate = async (replicas: string) => {
      const r = await runCli([
        'evaluate',
        '--model_dir',
        out,
        '--validation_file',
        csv,
        '--per_device_eval_batch_size',
        '7',
        '--num_replicas',
        replicas,
      ]);
      expect(r.code, r.err).toBe(0);
      return { metrics: JSON.parse(r.out) as Record<string, number>, err: r.err };
    };
    const one = await evaluate('1');
    const three = await evaluate('3');
    expect(one.err).not.toMatch(/data parallel/);
    expect(three.err).toMatch(/data parallel: 3 replicas/);
    for (const k of Object.keys(one.metrics).filter((k) => !/runtime|per_second/.test(k))) {
      expect(Math.abs(three.metrics[k] - one.metrics[k]), k).toBeLessThan(1e-5);
    }
    expect(one.metrics.eval_loss).toBeGreaterThan(0);
  });

  it('rejects a bad count and documents the flag', async () => {
    const bad = await runCli(['train', '--train_file', 'x.csv', '--num_replicas', '0']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/--num_replicas must be a positive integer/);
    const help = await runCli(['train', '--help']);
    expect(help.out).toMatch(/--num_replicas/);
  });
});
