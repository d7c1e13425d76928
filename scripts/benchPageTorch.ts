/**
 * scripts/bench-page.ts's PyTorch side (transformers' Trainer through
 * scripts/bench_torch_trainer.py) and its `--user` mode: the built studio driven as a user drives
 * it (scripts/bench-torch-page.ts) with Workers 1 and one per core, beside the Trainer on the same
 * short-text CSV.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Papa from 'papaparse';
import { benchPage } from './bench-torch-page';
import type { BenchShape } from './bench-page/protocol';

const repoRoot = path.resolve(import.meta.dirname, '..');
const scratch = path.join(tmpdir(), 'trainer-studio-bench-page');

/** What both sides share: the Python to run, the batch and the tokens per row. */
export interface TorchSide {
  python: string;
  batch: number;
  seqLen: number;
}

/** The output of scripts/bench_torch_trainer.py (its `BENCH_JSON` line), or its error. */
function torchRun(python: string, args: string[]): Promise<{ sps: number | null; error?: string }> {
  return new Promise((resolve) => {
    const child = spawn(python, ['scripts/bench_torch_trainer.py', ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (d) => (log += String(d)));
    child.stderr.on('data', (d) => (log += String(d)));
    child.on('close', () => {
      const line = log.split('\n').find((l) => l.startsWith('BENCH_JSON '));
      const json = line ? (JSON.parse(line.slice(11)) as Record<string, unknown>) : null;
      const sps = json?.train_samples_per_second;
      resolve(
        typeof sps === 'number'
          ? { sps }
          : { sps: null, error: log.trim().split('\n').slice(-5).join('\n') },
      );
    });
  });
}

/**
 * PyTorch's Trainer on `train` (its evaluations, which are not timed here, on `validation`),
 * `steps` steps, the first `skip` left out.
 */
export function torchOn(
  side: TorchSide,
  train: string,
  validation: string,
  shape: BenchShape,
  steps: number,
  skip: number,
): Promise<{ sps: number | null; error?: string }> {
  return torchRun(side.python, [
    '--train',
    train,
    '--validation',
    validation,
    '--hidden',
    String(shape.hidden),
    '--layers',
    String(shape.layers),
    '--heads',
    String(shape.heads),
    '--intermediate',
    String(shape.intermediate),
    '--max-length',
    String(side.seqLen),
    '--batch',
    String(side.batch),
    '--eval-batch',
    String(side.batch),
    '--steps',
    String(steps),
    '--skip',
    String(skip),
  ]);
}

/** Best (highest) of the rounds' samples/s. */
export const best = (xs: (number | null | undefined)[]) => {
  const ok = xs.filter((x): x is number => typeof x === 'number' && x > 0);
  return ok.length ? Math.max(...ok) : null;
};
export const times = (a: number | null, b: number | null) =>
  a !== null && b !== null && b > 0 ? `${(a / b).toFixed(2)}x` : '–';
const fixed = (x: number | null, d: number) => (x === null ? '–' : x.toFixed(d));

/** The user's CSV (text and label columns), or the demo's SMS file rewritten with those names. */
function shortTextCsv(userCsv: string): string {
  if (userCsv) return path.resolve(userCsv);
  mkdirSync(scratch, { recursive: true });
  const parsed = Papa.parse<string[]>(
    readFileSync(path.join(repoRoot, 'public/demo/spam.csv'), 'utf8'),
    { skipEmptyLines: true },
  );
  const out = path.join(scratch, 'sms-short.csv');
  writeFileSync(out, Papa.unparse(parsed.data.slice(1).map(([label, text]) => ({ text, label }))));
  return out;
}

/** The first 64 rows of `csv` beside it: PyTorch's side evaluates (untimed) on these. */
function smallValidation(csv: string): string {
  const parsed = Papa.parse<Record<string, string>>(readFileSync(csv, 'utf8'), {
    header: true,
    skipEmptyLines: true,
  });
  mkdirSync(scratch, { recursive: true });
  const out = path.join(scratch, 'validation-64.csv');
  writeFileSync(out, Papa.unparse(parsed.data.slice(0, 64)));
  return out;
}

export interface UserRow {
  shape: string;
  round: number;
  one: number | null;
  many: number | null;
  torch: number | null;
}

/**
 * The `--user` mode: per round and shape, the studio (dist/) trained with Workers 1, then one per
 * core, then PyTorch (unless `skipPython`), on `userCsv` (default: the demo's SMS file); prints the
 * best of the rounds and returns every run.
 */
export async function userDriven(o: {
  side: TorchSide;
  shapes: { name: string; shape: BenchShape }[];
  rounds: number;
  steps: number;
  skip: number;
  userCsv: string;
  skipPython: boolean;
}): Promise<UserRow[]> {
  const { side } = o;
  const csv = shortTextCsv(o.userCsv);
  const rows: UserRow[] = [];
  console.log(
    `\nAs a user drives it: dist/ (npm run build), ${path.basename(csv)} dropped, batch ${side.batch}, ` +
      `max_length ${side.seqLen} (padded per batch to its longest row), ${o.steps} steps, wasm`,
  );
  for (let round = 1; round <= o.rounds; round++) {
    for (const { name, shape } of o.shapes) {
      const run = async (workers: '1' | 'auto') => {
        const out = await benchPage({
          shapes: [{ name: `${name} (${workers === '1' ? '1 worker' : 'one per core'})`, shape }],
          trainFile: csv,
          steps: o.steps,
          skip: o.skip,
          batch: side.batch,
          maxLength: side.seqLen,
          backends: ['wasm'],
          workers,
        });
        return [...out.values()][0]?.[0]?.samplesPerSecond ?? null;
      };
      const one = await run('1');
      const many = await run('auto');
      let torch: number | null = null;
      if (!o.skipPython) {
        process.stdout.write(`  ${name}: PyTorch on ${path.basename(csv)}… `);
        const t = await torchOn(side, csv, smallValidation(csv), shape, o.steps, o.skip);
        torch = t.sps;
        console.log(t.sps !== null ? `${t.sps.toFixed(1)} samples/s` : `failed: ${t.error}`);
      }
      rows.push({ shape: name, round, one, many, torch });
    }
  }
  const lines = [
    `\nAs a user drives it, best of ${o.rounds} rounds, samples/s (run bar; ${path.basename(csv)}):`,
    '| shape | page, 1 worker | page, one per core | per core vs 1 | PyTorch | page (per core) / PyTorch |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const { name } of o.shapes) {
    const mine = rows.filter((r) => r.shape === name);
    const one = best(mine.map((r) => r.one));
    const many = best(mine.map((r) => r.many));
    const torch = best(mine.map((r) => r.torch));
    lines.push(
      `| ${name} | ${fixed(one, 1)} | ${fixed(many, 1)} | ${times(many, one)} | ${fixed(torch, 1)} | ${times(many, torch)} |`,
    );
  }
  console.log(lines.join('\n'));
  return rows;
}
