/**
 * A mistake on the command line (a flag out of range, a missing file, a missing flag) reaches
 * stderr with the catalogue's code for it and a remedy that says what to do, never as an
 * `internal` bug. The packaged CLI is spawned as a person runs it; the other mistakes run
 * through the same `main` in-process (each spawn loads TF.js again).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunConfigError } from '../../src/core/config/runConfig';
import { REMEDIES, StudioError } from '../../src/core/run/errors';
import { runCli } from './helpers/runCli';

function studio(args: string[]): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve) => {
    const p = execFile('node', ['packages/studio-cli/studio.mjs', ...args], { timeout: 60_000 });
    let err = '';
    p.stderr?.on('data', (d) => (err += String(d)));
    p.on('exit', (code) => resolve({ code, err }));
  });
}

/** The error line and the `(code) what to do: remedy` line under it. */
function errorOf(stderr: string): { message: string; code: string; remedy: string } {
  const m = /^error: (.*)\n {2}\(([a-z-]+)\) what to do: (.*)$/m.exec(stderr);
  if (!m) throw new Error(`no error and remedy on stderr:\n${stderr}`);
  return { message: m[1], code: m[2], remedy: m[3] };
}

describe('command-line mistakes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-errors-'));
  const csv = join(dir, 'train.csv');
  writeFileSync(csv, 'text,label\ngood,1\nbad,0\nfine,1\nawful,0\n');
  const out = ['--output_dir', join(dir, 'out')];

  it('the packaged CLI names the flag, its code and what to give it', async () => {
    const missing = join(dir, 'missing.csv');
    const [split, replicas, absent] = await Promise.all([
      studio(['train', '--train_file', csv, '--validation_split', '1.5', ...out]),
      studio(['train', '--train_file', csv, '--num_replicas', '0', ...out]),
      studio(['train', '--train_file', missing, ...out]),
    ]);
    expect(split.code).toBe(1);
    const e = errorOf(split.err);
    expect(e.message).toMatch(
      /^--validation_split must be a number from 0\.01 to 0\.9 \(got 1\.5\)/,
    );
    expect(e.code).toBe('arguments');
    expect(e.remedy).toBe(
      'Give --validation_split a number from 0.01 to 0.9, or leave it out for its default (`--help` lists the flags).',
    );
    expect(replicas.code).toBe(1);
    expect(errorOf(replicas.err)).toEqual({
      message: '--num_replicas must be a positive integer (got 0).',
      code: 'arguments',
      remedy:
        'Give --num_replicas a whole number from 1 (one thread), or leave it out for one per core.',
    });
    expect(absent.code).toBe(1);
    expect(errorOf(absent.err)).toEqual({
      message: `--train_file ${missing} does not exist.`,
      code: 'not-found',
      remedy: `Check the path given to --train_file (relative paths start from ${process.cwd()}).`,
    });
  });

  it.each([
    {
      argv: ['train', '--train_file', csv, '--delimiter', 'ab', ...out],
      code: 'arguments',
      message: /^--delimiter must be one character or "tab" \(got "ab"\)/,
      remedy: /^Give --delimiter one character or "tab"/,
    },
    {
      argv: ['train', ...out],
      code: 'arguments',
      message: /^--train_file is required/,
      remedy: /^Give --train_file a CSV, TSV, JSON Lines or Parquet file/,
    },
    {
      argv: ['train', '--train_file', csv, '--backend', 'webgpu', ...out],
      code: 'arguments',
      message: /^--backend must be wasm or cpu in Node \(got "webgpu"\)/,
      remedy: /^Give --backend wasm \(fast on CPU\) or cpu/,
    },
    {
      argv: ['predict', '--model_dir', dir],
      code: 'arguments',
      message: /^--model_dir and --input_file are required/,
      remedy: /^Give --model_dir .* and --input_file/,
    },
    {
      argv: ['evaluate', '--validation_file', csv],
      code: 'arguments',
      message: /^--model_dir and --validation_file are required/,
      remedy: /^Give --model_dir .* and --validation_file/,
    },
  ])('$argv.0 $argv.1 $argv.2 ...: ($code) and its remedy', async ({ argv, ...want }) => {
    const r = await runCli(argv);
    expect(r.code).toBe(1);
    const e = errorOf(r.err);
    expect(e.code).toBe(want.code);
    expect(e.message).toMatch(want.message);
    expect(e.remedy).toMatch(want.remedy);
    expect(e.remedy).not.toBe(REMEDIES.internal);
  });
});

describe('RunConfigError', () => {
  it('is an arguments error with its remedy', () => {
    const e = new RunConfigError('data.validation_split cannot be 1.5.');
    expect([e instanceof StudioError, e.code, e.name, e.remedy]).toEqual([
      true,
      'arguments',
      'RunConfigError',
      REMEDIES.arguments,
    ]);
  });
});
