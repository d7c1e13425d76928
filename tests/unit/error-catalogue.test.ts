/**
 * The error catalogue (src/core/util/errors.ts, re-exported by src/core/run/errors.ts): every
 * code has a remedy and is thrown somewhere in src; the core's error classes carry their code;
 * an error thrown by core code reaches the page (through the worker's serialisation,
 * src/worker/serve.ts, and the client's, src/worker/client.ts) and the CLI's stderr with its
 * code and remedy, whatever class threw it.
 */
import { readdirSync, readFileSync, statSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { readTableFile } from '../../src/core/data/read';
import { DataError } from '../../src/core/data/errors';
import { StorageQuotaError } from '../../src/core/io/idb';
import { readSafetensors, SafetensorsError } from '../../src/core/io/safetensors';
import {
  ERROR_CODES,
  REMEDIES,
  StudioError,
  errorCode,
  errorRemedy,
  serializeError,
} from '../../src/core/run/errors';
import { TokenizerFileError } from '../../src/core/tokenize/tokenizer';
import { tokenizerFilesFromFolder } from '../../src/core/tokenize/tokenizerFolder';
import { ArgumentsError } from '../../src/core/train/argsError';
import { FlagError, parseFlags } from '../../src/core/train/flags';
import { NonFiniteLossError, checkStep } from '../../src/core/train/nonFinite';
import { StudioClient, WorkerError, errorCodeOf, errorRemedyOf } from '../../src/worker/client';
import { serveRequests } from '../../src/worker/serve';
import { runCli } from './helpers/runCli';

/** Codes no throw site produces yet, each with why it is kept. */
const RESERVED: Partial<Record<(typeof ERROR_CODES)[number], string>> = {};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.includes('.generated.') ? [path] : [];
  });
}

/** Every code some construction in src passes: `new StudioError('x'`, `new DataError('x'`, `super('x'`. */
function thrownCodes(): Map<string, string[]> {
  const sites = new Map<string, string[]>();
  const pattern = /(?:new\s+(?:StudioError|DataError)|super)\(\s*'([a-z-]+)'/g;
  for (const file of sourceFiles('src')) {
    for (const m of readFileSync(file, 'utf8').matchAll(pattern)) {
      sites.set(m[1], [...(sites.get(m[1]) ?? []), file]);
    }
  }
  return sites;
}

describe('the error catalogue', () => {
  it('gives every code a remedy, and no remedy without a code', () => {
    expect(Object.keys(REMEDIES).sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) {
      expect(REMEDIES[code].length, code).toBeGreaterThan(20);
      expect(REMEDIES[code], code).toMatch(/\.$/);
    }
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });

  it('has a throw site in src for every code (or says why the code is reserved)', () => {
    const sites = thrownCodes();
    const unthrown = ERROR_CODES.filter((c) => !sites.has(c) && !(c in RESERVED));
    expect(unthrown).toEqual([]);
    // And nothing in src throws a code the catalogue lacks.
    const unknown = [...sites.keys()].filter(
      (c) => !(ERROR_CODES as readonly string[]).includes(c),
    );
    expect(unknown).toEqual([]);
    for (const code of Object.keys(RESERVED)) expect(sites.has(code), code).toBe(false);
  });

  it("carries each core error class's code on the error itself, never by its name", () => {
    const errors: [Error, string][] = [
      [new DataError('one-column', 'x'), 'one-column'],
      [new DataError('data', 'x'), 'data'],
      [new ArgumentsError('x', 'learning_rate'), 'arguments'],
      [new FlagError('x', 'learning_rate'), 'arguments'],
      [new TokenizerFileError('x'), 'tokenizer'],
      [new SafetensorsError('x'), 'model-files'],
      [new NonFiniteLossError(3, NaN), 'non-finite-loss'],
      [new StorageQuotaError('checkpoint-2'), 'quota-exceeded'],
    ];
    for (const [err, code] of errors) {
      expect(err, err.name).toBeInstanceOf(StudioError);
      expect([err.name, errorCode(err)]).toEqual([err.name, code]);
      expect(errorRemedy(err).length).toBeGreaterThan(20);
      // A class renamed (or minified) keeps its code.
      const renamed = Object.assign(err, { name: 'Renamed' });
      expect(errorCode(renamed)).toBe(code);
    }
    // A plain error with a known class name is not mistaken for one.
    expect(errorCode(Object.assign(new Error('x'), { name: 'DataError' }))).toBe('internal');
    expect(errorCode(new Error('x'))).toBe('internal');
    expect(errorCode('a string')).toBe('internal');
    // The browser's own quota error (a DOMException) is known by its name.
    expect(errorCode({ name: 'QuotaExceededError', message: 'x' })).toBe('quota-exceeded');
  });

  it('keeps a remedy given at the throw site, else the code’s', () => {
    const own = new StudioError('download', 'x', { remedy: 'Try the mirror.' });
    expect(own.remedy).toBe('Try the mirror.');
    expect(new StudioError('busy', 'x').remedy).toBe(REMEDIES.busy);
    // The constructor's old form (code, message, name) still works.
    const named = new StudioError('busy', 'x', 'RunInProgressError');
    expect([named.name, named.code, named.remedy]).toEqual([
      'RunInProgressError',
      'busy',
      REMEDIES.busy,
    ]);
    expect(serializeError(new DataError('no-rows', 'No rows.'))).toEqual({
      name: 'DataError',
      message: 'No rows.',
      code: 'no-rows',
      remedy: REMEDIES['no-rows'],
    });
  });
});

/**
 * `serveRequests` on one end of a real MessageChannel (structured clone, as between the page
 * and its worker), a StudioClient on the other; the handlers call core code that throws.
 */
function connected(handlers: Record<string, (params: never) => Promise<unknown>>) {
  const { port1, port2 } = new MessageChannel();
  const workerPort = port1 as unknown as Parameters<typeof serveRequests>[0];
  serveRequests(workerPort, {
    ...handlers,
    transferOf: () => [],
  } as unknown as Parameters<typeof serveRequests>[1]);
  port1.start();
  port2.start();
  const client = new StudioClient(port2 as unknown as Worker);
  return { client, close: () => (port1.close(), port2.close()) };
}

async function rejection(p: Promise<unknown>): Promise<WorkerError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkerError);
  return err as WorkerError;
}

describe('a coded error thrown in core', () => {
  it('reaches the page with its name, code and remedy, whatever class threw it', async () => {
    const { client, close } = connected({
      // The data reader on a one-column file: a DataError.
      loadTable: async () =>
        readTableFile('notes.csv', new TextEncoder().encode('just one column\nrow one\nrow two\n')),
      // A broken weights file: a SafetensorsError.
      loadModelFiles: async () => readSafetensors(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 123])),
      // A tokenizer folder with a broken tokenizer.json: a TokenizerFileError.
      restoreTokenizerFiles: async () =>
        tokenizerFilesFromFolder(new Map([['tokenizer.json', new TextEncoder().encode('{oops')]]), {
          name: 'broken',
        }),
      // A non-finite loss under nan_policy 'stop': a NonFiniteLossError.
      train: async () => checkStep('stop', 4, NaN, 1),
      // A bad flag: a FlagError.
      evaluate: async () =>
        parseFlags(['--learning_rate', 'fast'], { learning_rate: { type: 'number', help: '' } }),
      // Anything else: internal, with the bug remedy.
      prepare: async () => JSON.parse('{oops') as unknown,
    });
    try {
      const call = (name: string) =>
        rejection((client.call as (n: string, p: unknown) => Promise<unknown>)(name, {}));
      const table = await call('loadTable');
      expect([table.name, table.code, table.remedy]).toEqual([
        'DataError',
        'one-column',
        REMEDIES['one-column'],
      ]);
      expect(table.message).toMatch(/notes\.csv/);
      expect(errorCodeOf(table)).toBe('one-column');
      expect(errorRemedyOf(table)).toBe(REMEDIES['one-column']);
      const model = await call('loadModelFiles');
      expect([model.name, model.code]).toEqual(['SafetensorsError', 'model-files']);
      const tok = await call('restoreTokenizerFiles');
      expect([tok.name, tok.code]).toEqual(['TokenizerFileError', 'tokenizer']);
      const nan = await call('train');
      expect([nan.name, nan.code]).toEqual(['NonFiniteLossError', 'non-finite-loss']);
      const flag = await call('evaluate');
      expect([flag.name, flag.code, flag.remedy]).toEqual([
        'FlagError',
        'arguments',
        expect.stringMatching(/--help/),
      ]);
      const bug = await call('prepare');
      expect([bug.name, bug.code, bug.remedy]).toEqual([
        'SyntaxError',
        'internal',
        REMEDIES.internal,
      ]);
      const unknown = await call('noSuchRequest');
      expect([unknown.name, unknown.code]).toEqual(['ProtocolError', 'protocol']);
    } finally {
      close();
    }
  });
});

describe("the CLI's stderr", () => {
  it('prints the message, the code and the remedy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'error-codes-'));
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, '');
    const r = await runCli(['train', '--train_file', empty, '--output_dir', join(dir, 'out')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: .*empty\.csv/m);
    expect(r.err).toContain(`(empty-file) what to do: ${REMEDIES['empty-file']}`);
    const flag = await runCli(['train', '--learning_rate', 'fast']);
    expect(flag.code).toBe(1);
    expect(flag.err).toMatch(/^error: .*learning_rate/m);
    expect(flag.err).toMatch(/\(arguments\) what to do: .*--help/);
  });
});
