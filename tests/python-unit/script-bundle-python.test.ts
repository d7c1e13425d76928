/**
 * The "Run it elsewhere" bundle in Python: train.py compiles (py_compile), args.json parses with
 * HfArgumentParser into ModelArguments, DataArguments, StudioArguments and TrainingArguments
 * (flags after it override it), and train.py's port of the studio's split gives the studio's
 * rows. Skipped, saying why, where python3 cannot import torch and transformers; under CI that
 * fails instead (helpers/python.ts). The bundle's files themselves: tests/unit/script-bundle.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleFlags, smallSmsCsv } from '../unit/helpers/cliFixtures';
import { requirePython } from '../unit/helpers/python';
import { runCli } from '../unit/helpers/runCli';

const ready = requirePython('script-bundle-python', ['torch', 'transformers']);

const py = (code: string, cwd: string) => {
  const r = spawnSync('python3', ['-c', code], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return r.stdout;
};

describe.skipIf(!ready)('script bundle in Python', () => {
  it("compiles, parses with HfArgumentParser and splits the file into the studio's rows", async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'script-bundle-py-'));
    const csv = smallSmsCsv(tmp, 120);
    const out = join(tmp, 'bundle');
    const r = await runCli(bundleFlags(csv, out));
    expect(r.code, r.err).toBe(0);
    const rows = (f: string) =>
      readFileSync(join(out, f), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { text: string; label: string });
    const train = rows('data/train.jsonl');
    const val = rows('data/validation.jsonl');
    expect(train.length + val.length).toBe(120);
    py(`import py_compile; py_compile.compile('train.py', doraise=True)`, out);
    // HfArgumentParser takes args.json, flags after it override it, and the Python split
    // of the original file is the studio's.
    const parsed = JSON.parse(
      py(
        [
          'import json, sys',
          "sys.path.insert(0, '.')",
          'import train',
          "m, d, s, t, base = train.parse_arguments(['args.json', '--max_steps', '3'])",
          'tr, va, coder = train.load_splits(d, t.seed, base)',
          `d.train_file, d.validation_file = ${JSON.stringify(csv)}, None`,
          'tr2, va2, _ = train.load_splits(d, t.seed, base)',
          'print(json.dumps({"max_steps": t.max_steps, "lr": t.learning_rate, "cw": s.class_weights,',
          '  "patience": s.early_stopping_patience, "labels": coder.names, "train": tr[0], "val": va[0],',
          '  "split_train": tr2[0], "split_val": va2[0]}))',
        ].join('\n'),
        out,
      ),
    ) as Record<string, unknown>;
    expect(parsed).toMatchObject({
      max_steps: 3,
      lr: 1e-3,
      cw: 'balanced',
      patience: 2,
      labels: ['ham', 'spam'],
    });
    expect(parsed.train).toEqual(train.map((x) => x.text));
    expect(parsed.val).toEqual(val.map((x) => x.text));
    expect(parsed.split_train).toEqual(parsed.train);
    expect(parsed.split_val).toEqual(parsed.val);
  }, 60_000);
});
