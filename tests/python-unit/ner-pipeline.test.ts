/**
 * A token classifier trained by `studio train` on a WNUT 2017 slice, in Python: transformers'
 * AutoModelForTokenClassification loads the folder with no missing or unexpected keys, and
 * `pipeline("token-classification", model=DIR, aggregation_strategy="simple")` gives the same
 * entities (groups, spans, words; scores within 1e-4) as `studio predict` on a dozen texts
 * (tests/python/ner_pipeline_check.py). Skipped, saying why, where python3 lacks torch or
 * transformers; under CI that fails instead.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trainNerCli, wnutSlice } from '../unit/helpers/nerCli';
import { requirePython, runPythonCheck, type PythonCheck } from '../unit/helpers/python';
import { runCli } from '../unit/helpers/runCli';

const python = requirePython('ner-pipeline', ['torch', 'transformers']);

/** A dozen of the training slice's sentences with a gold entity, words joined by spaces. */
function textsWithEntities(): string[] {
  return wnutSlice('wnut17train.conll', 120)
    .split(/\n\n/)
    .map((block) => block.split('\n').map((line) => line.split('\t')))
    .filter((rows) => rows.some((r) => r[1]?.startsWith('B-')))
    .slice(0, 12)
    .map((rows) => rows.map((r) => r[0]).join(' '));
}

describe.skipIf(!python)('a studio-trained token classifier in transformers’ pipeline', () => {
  it('gives the entities studio predict gives, and loads with no missing keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-ner-pipeline-'));
    const trained = await trainNerCli(dir);
    expect(trained.code, trained.err).toBe(0);
    const texts = textsWithEntities();
    const input = join(dir, 'texts.txt');
    writeFileSync(input, `${texts.join('\n')}\n`);
    const output = join(dir, 'entities.jsonl');
    const p = await runCli([
      'predict',
      '--model_dir',
      trained.outDir,
      '--input_file',
      input,
      '--output_file',
      output,
    ]);
    expect(p.code, p.err).toBe(0);
    const rows = readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { text: string; entities: unknown[] });
    expect(rows.map((r) => r.text)).toEqual(texts);
    const check = await runPythonCheck<{ checks: PythonCheck[]; entities: number }>(
      'ner_pipeline_check',
      { dir: trained.outDir, texts, entities: rows.map((r) => r.entities) },
      dir,
    );
    expect(
      check.report.checks.filter((c) => !c.ok),
      check.stderr,
    ).toEqual([]);
    expect(check.report.entities).toBeGreaterThan(0);
  }, 300_000);
});
