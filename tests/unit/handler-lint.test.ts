/**
 * The lint rule that keeps the worker's handlers to translating requests (eslint.config.js): a
 * handler module that imports a storage module or writes a session field fails lint; the
 * handlers as they are pass.
 */
import { readFileSync } from 'node:fs';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();
const lint = async (text: string) => {
  const [result] = await eslint.lintText(text, { filePath: 'src/worker/handlers.ts' });
  return result.messages.map((m) => m.message);
};

describe('handlers only translate requests (lint)', () => {
  it('passes the handlers as they are', async () => {
    expect(await lint(readFileSync('src/worker/handlers.ts', 'utf8'))).toEqual([]);
  }, 30_000);

  it('refuses a storage import and a session field written in a handler', async () => {
    const messages = await lint(
      [
        "import * as keptFile from '../core/io/keptFile';",
        "import { putRun } from '../core/io/runStore';",
        'export function handler(service: { session: { validationTable: unknown } }) {',
        '  const session = service.session;',
        '  session.validationTable = null;',
        '  service.session.validationTable = null;',
        '  return [keptFile, putRun];',
        '}',
        '',
      ].join('\n'),
    );
    expect(messages.filter((m) => /must not import from src\/core\/io/.test(m))).toHaveLength(2);
    expect(messages.filter((m) => /must not write a session field/.test(m))).toHaveLength(2);
  }, 30_000);
});
