/**
 * No source module over 400 lines: a longer one is split into modules named for what they hold.
 * (CSS and generated data are not modules here: only src/**\/*.ts and *.tsx are counted, and
 * generated code, `*.generated.*` such as the protobufjs declarations of onnx.proto, is not.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAX_LINES = 400;
const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

function lineCount(text: string): number {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

function modules(): { file: string; lines: number }[] {
  return readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.tsx?$/.test(f) && !/\.generated\./.test(f))
    .map((f) => f.split(path.sep).join('/'))
    .sort()
    .map((file) => ({ file, lines: lineCount(readFileSync(path.join(src, file), 'utf8')) }));
}

describe('module size', () => {
  it(`keeps every src module at ${MAX_LINES} lines or fewer`, () => {
    const all = modules();
    expect(all.length).toBeGreaterThan(50);
    const over = all
      .filter((m) => m.lines > MAX_LINES)
      .map((m) => `src/${m.file}: ${m.lines} lines`);
    expect(over).toEqual([]);
  });

  it('counts lines as wc -l does, plus a last line without a newline', () => {
    expect([lineCount(''), lineCount('a'), lineCount('a\n'), lineCount('a\nb')]).toEqual([
      0, 1, 1, 2,
    ]);
  });
});
