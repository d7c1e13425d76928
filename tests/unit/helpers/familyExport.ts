/**
 * A family's fixture checkpoint (tests/fixtures/auto/<model_type>) fine-tuned a few steps through
 * the CLI, for the export tests (Python interop, ONNX in onnxruntime and transformers.js), and the
 * texts they compare on: the fixture's validation rows, hard strings and a text longer than
 * max_length.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { FAMILIES } from '../../../src/core/model/families';
import { FIT_FLAGS } from './cliFixtures';
import { runCli } from './runCli';

/** The max_length the fixtures were run with (training_args.json). */
export const FIXTURE_MAX_LENGTH = 48;

/** The fixture's folder. */
export function fixtureDir(modelType: string): string {
  return join('tests', 'fixtures', 'auto', modelType);
}

/**
 * Every registered model_type with a transformers fixture checkpoint: a family that registers is
 * covered by the export tests with no edit.
 */
export function fixtureModelTypes(): string[] {
  return FAMILIES.flatMap((f) => f.modelTypes).filter((t) =>
    existsSync(join(fixtureDir(t), 'checkpoint', 'config.json')),
  );
}

/** `studio train` from the fixture checkpoint on its train.csv, 20 steps; returns output_dir. */
export async function fineTunedFixture(modelType: string, tmp: string): Promise<string> {
  const fx = fixtureDir(modelType);
  const dir = join(tmp, modelType);
  const r = await runCli([
    'train',
    '--model_name_or_path',
    join(fx, 'checkpoint'),
    '--train_file',
    join(fx, 'train.csv'),
    '--output_dir',
    dir,
    '--max_length',
    String(FIXTURE_MAX_LENGTH),
    '--max_steps',
    '20',
    ...FIT_FLAGS,
  ]);
  expect(r.code, r.err).toBe(0);
  return dir;
}

/** The fixture's validation texts, hard strings, and a 300-word text (cut at max_length). */
export function exportTexts(modelType: string): string[] {
  const csv = readFileSync(join(fixtureDir(modelType), 'validation.csv'), 'utf8');
  // The fixtures' texts hold no line breaks: a row is a line; a quoted text is unquoted.
  const texts = csv
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.slice(0, line.lastIndexOf(',')))
    .map((t) => (t.startsWith('"') ? t.slice(1, -1).replace(/""/g, '"') : t));
  const words = texts.join(' ').split(/\s+/);
  return [
    ...texts,
    'Café naïve £100 prize!!! Call 0800-123 now 😀 日本 résumé',
    'ﬁ ligature ① Ａｂｃ fullwidth, Cre\u0300me',
    '  two leading spaces and   repeated   ones',
    'ok',
    Array.from({ length: 300 }, (_, i) => words[i % words.length]).join(' '),
  ];
}
