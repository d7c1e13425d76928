/** `studio train --num_replicas`: data-parallel training from the command line. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from './helpers/runCli';

const TINY = [
  '--hidden_size',
  '16',
  '--num_hidden_layers',
  '1',
  '--num_attention_heads',
  '2',
  '--intermediate_size',
  '32',
  '--max_length',
  '24',
];

function smallCsv(dir: string): string {
  const lines = readFileSync('tests/fixtures/data/SMSSpamCollection-300.tsv', 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(0, 60)
    .map((l) => {
      const [label, text] = l.split('\t');
      return `${label},"${text.replace(/"/g, '""')}"`;
    });
  const path = join(dir, 'sms.csv');
  writeFileSync(path, `label,text\n${lines.join('\n')}\n`);
  return path;
}

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

  it('rejects a bad count and documents the flag', async () => {
    const bad = await runCli(['train', '--train_file', 'x.csv', '--num_replicas', '0']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/--num_replicas must be a positive integer/);
    const help = await runCli(['train', '--help']);
    expect(help.out).toMatch(/--num_replicas/);
  });
});
