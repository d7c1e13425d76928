/**
 * Every loader of hostile input, as one list: each names its inputs (fast-check arbitraries from
 * ./inputs.ts) and how one input is loaded. `npm run fuzz` (scripts/fuzz.ts) runs each with
 * 10,000 inputs; tests/unit/fuzz-loaders.test.ts checks that each runs. A new loader is one more
 * entry in FUZZ_LOADERS.
 *
 * The property: an input is accepted, or rejected with a specific error (the table readers: a
 * DataError with a message; the others: an Error with a message that is not one of the built-in
 * crash types such as TypeError or RangeError), within a bounded time and without leaking tensors.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { gzipSync, strToU8, zipSync } from 'fflate';
import { isDataError } from '../../src/core/data/errors';
import { readTableFile } from '../../src/core/data/read';
import { diffArgs, isInterrupted, keyMetrics, lastCheckpoint } from '../../src/core/io/runStore';
import type { RunRecord } from '../../src/core/io/runStore';
import { readSafetensors } from '../../src/core/io/safetensors';
import { parseModelConfig } from '../../src/core/model/families';
import { StudioSession } from '../../src/core/session';
import { loadTokenizer } from '../../src/core/tokenize/tokenizer';
import { parseVocabTxt, wordPieceTokenizerFiles } from '../../src/core/tokenize/wordpiece';
import { parseTrainingArguments } from '../../src/core/train/args';
import { shareLinkHash } from '../../src/core/config/shareLink';
import type { RunConfig } from '../../src/core/config/runConfig';
import { loadSettings } from '../../src/ui/persist';
import { applyShareLink, takeLinkNotice } from '../../src/ui/studio/shareLink';
import { appendLogs, downsampleMinMax, emptySeries, parseLogHistory } from '../../src/ui/series';
import { writeParquet } from '../unit/helpers/parquetWriter';
import {
  csvText,
  flippedBytes,
  hostileSafetensors,
  jsonRecord,
  mutatedBytes,
  mutatedObject,
  tableRecord,
} from './inputs';
import { MemoryStorage } from '../unit/helpers/memoryStorage';

/** null: the input was accepted; a string: it was rejected, with this (shortened) message. */
export type Outcome = string | null;

export interface FuzzLoader<T = unknown> {
  /** Printed, and matched by `npm run fuzz -- --only NAME`. */
  name: string;
  /** Built on first use (fixtures are read then). */
  inputs(): fc.Arbitrary<T>;
  /** Loads one input; throws when the loader crashed or broke the property. */
  load(input: T): Promise<Outcome>;
  /** Frees what the loader kept between inputs. */
  done?(): void;
}

/** Most time one input may take, ms. */
export const PER_INPUT_MS = 2000;

const here = path.dirname(fileURLToPath(import.meta.url));
const FIX = path.resolve(here, '../fixtures');
const fixture = (f: string) => new Uint8Array(readFileSync(path.join(FIX, f)));
const fixtureText = (f: string) => readFileSync(path.join(FIX, f), 'utf8');
const TINY = 'bert-tiny-random';

/** Errors that mean "crashed inside", not "rejected the input with a reason". */
const CRASHES = [TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError];

/** Runs a model/run loader: accepted, or rejected with a specific Error; anything else throws. */
export async function cleanOutcome(loader: string, run: () => unknown): Promise<Outcome> {
  try {
    await run();
    return null;
  } catch (err) {
    if (!(err instanceof Error) || CRASHES.some((C) => err.constructor === C) || !err.message) {
      throw new Error(
        `${loader}: crashed with ${err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err)}`,
      );
    }
    return `${err.name}: ${err.message.slice(0, 60)}`;
  }
}

/**
 * Reads a table file: a table of the right shape (null), or a DataError with a message (its
 * start); anything else throws.
 */
export async function readerOutcome(name: string, bytes: Uint8Array): Promise<Outcome> {
  try {
    const t = await readTableFile(name, bytes, { maxBytes: 4_000_000, maxColumns: 2000 });
    if (t.columns.length < 2) throw new Error(`${name}: a table with ${t.columns.length} column`);
    for (const r of t.rows) {
      if (r.length !== t.columns.length) {
        throw new Error(`${name}: a row of ${r.length} cells under ${t.columns.length} columns`);
      }
    }
    return null;
  } catch (e) {
    if (!isDataError(e)) throw e;
    if (e.message.length <= 20) throw new Error(`${name}: a terse error: ${e.message}`);
    return `${e.code}: ${e.message.slice(0, 40)}`;
  }
}

type File = { name: string; bytes: Uint8Array };
const file = (name: string) => (bytes: Uint8Array) => ({ name, bytes });
const readerLoader = (name: string, inputs: () => fc.Arbitrary<File>): FuzzLoader<File> => ({
  name,
  inputs,
  load: (f) => readerOutcome(f.name, f.bytes),
});

const sms = () => fixture('data/SMSSpamCollection-300.tsv');

const csv = readerLoader('CSV', () => {
  const base = sms();
  return fc.oneof(
    csvText.map((s) => ({ name: 'f.csv', bytes: strToU8(s) })),
    fc.uint8Array({ maxLength: 2000 }).map(file('f.csv')),
    fc.nat(base.length).map((n) => ({ name: 'f.tsv', bytes: base.subarray(0, n) })),
    // Mis-encoded: UTF-8 text with bytes flipped (becomes Windows-1252 or binary).
    flippedBytes(base, { min: 0x80, max: 0xff }).map(file('f.tsv')),
  );
});

const jsonl = readerLoader('JSON Lines', () =>
  fc.oneof(
    fc
      .tuple(fc.array(fc.oneof(jsonRecord, tableRecord), { maxLength: 20 }), fc.option(fc.nat()))
      .map(([rows, cut]) => {
        const text = rows.map((r) => JSON.stringify(r)).join('\n');
        const end = cut === null ? text.length : cut % (text.length + 1);
        return { name: 'f.jsonl', bytes: strToU8(text.slice(0, end)) };
      }),
    fc.uint8Array({ maxLength: 500 }).map(file('f.jsonl')),
  ),
);

const json = readerLoader('JSON', () =>
  fc.oneof(
    fc
      .tuple(
        fc.array(fc.oneof(jsonRecord, tableRecord), { maxLength: 20 }),
        fc.option(fc.nat()),
        fc.boolean(),
      )
      .map(([rows, cut, wrap]) => {
        const text = JSON.stringify(wrap ? { train: rows } : rows);
        const end = cut === null ? text.length : cut % (text.length + 1);
        return { name: 'f.json', bytes: strToU8(text.slice(0, end)) };
      }),
    fc.uint8Array({ maxLength: 500 }).map(file('f.json')),
  ),
);

const parquet = readerLoader('Parquet', () => {
  const pq = writeParquet([
    { name: 'text', values: ['a', 'bb', 'ccc'] },
    { name: 'label', ints: [0, 1, 0] },
  ]);
  return fc
    .tuple(fc.nat(pq.length), flippedBytes(pq, { count: 4, from: 4 }))
    .map(([n, b]) => ({ name: 'f.parquet', bytes: b.slice(0, Math.max(4, n)) }));
});

const gzip = readerLoader('gzip', () => {
  const gz = gzipSync(sms());
  return fc.oneof(
    fc.nat(gz.length).map((n) => ({ name: 'f.tsv.gz', bytes: gz.subarray(0, Math.max(2, n)) })),
    flippedBytes(gz, { count: 4, from: 2 }).map(file('f.tsv.gz')),
    fc.uint8Array({ maxLength: 2000 }).map((b) => ({ name: 'f.csv.gz', bytes: gzipSync(b) })),
  );
});

const model = (name: string, inputs: () => fc.Arbitrary<unknown>, run: (x: never) => unknown) =>
  ({ name, inputs, load: (x: unknown) => cleanOutcome(name, () => run(x as never)) }) as FuzzLoader;

const safetensors = model(
  'safetensors',
  () => fc.oneof(mutatedBytes(fixture(`${TINY}/model.safetensors`)), hostileSafetensors),
  (bytes: Uint8Array) => readSafetensors(bytes),
);

const configJson = model(
  'config.json',
  () => mutatedObject(JSON.parse(fixtureText(`${TINY}/config.json`)) as Record<string, unknown>),
  (j: unknown) => parseModelConfig(j),
);

/** A training_args.json with transformers 5 and 4 keys. */
export const TRAINING_ARGS = {
  learning_rate: 5e-4,
  num_train_epochs: 3,
  max_steps: -1,
  per_device_train_batch_size: 8,
  warmup_steps: 0,
  warmup_ratio: 0,
  logging_steps: 10,
  eval_strategy: 'steps',
  eval_steps: 10,
  save_strategy: 'steps',
  save_steps: 10,
  save_total_limit: 2,
  seed: 42,
  lr_scheduler_type: 'linear',
  nan_policy: 'stop',
  gradient_accumulation_steps: 1,
  evaluation_strategy: 'steps',
};

const trainingArgs = model(
  'training_args.json',
  () => mutatedObject(TRAINING_ARGS),
  (j: unknown) => parseTrainingArguments(j),
);

type TokenizerFiles = { tokenizerJson: object; tokenizerConfig: object };
const tokenizer = model(
  'tokenizer files',
  () => {
    const vocab = parseVocabTxt(fixtureText(`${TINY}/vocab.txt`)).slice(0, 200);
    const files = wordPieceTokenizerFiles(vocab, { doLowerCase: true, name: 'fuzz' });
    const tj = files.tokenizerJson as Record<string, unknown>;
    const tc = files.tokenizerConfig as Record<string, unknown>;
    const m = tj.model as Record<string, unknown>;
    return fc.oneof(
      mutatedObject(tj).map((j) => ({ tokenizerJson: j, tokenizerConfig: tc })),
      mutatedObject(tc).map((c) => ({ tokenizerJson: tj, tokenizerConfig: c })),
      mutatedObject(m).map((x) => ({ tokenizerJson: { ...tj, model: x }, tokenizerConfig: tc })),
    );
  },
  async (f: TokenizerFiles) => {
    const tok = await loadTokenizer(f);
    tok.encode('Hello world, fuzz!', undefined, 32); // a loaded tokenizer must also encode
  },
);

let zipSession: StudioSession | null = null;
const exportedZip: FuzzLoader = {
  ...model(
    'exported zip',
    () => {
      const files: Record<string, Uint8Array> = {};
      for (const f of [
        'config.json',
        'model.safetensors',
        'tokenizer.json',
        'tokenizer_config.json',
      ]) {
        files[f] = fixture(`${TINY}/${f}`);
      }
      const withEntry = fc
        .tuple(
          fc.constantFrom(...Object.keys(files)),
          fc.oneof(
            fc.uint8Array({ maxLength: 128 }),
            fc.jsonValue().map((j) => strToU8(JSON.stringify(j))),
          ),
        )
        .map(([name, bytes]) => zipSync({ ...files, [name]: bytes }, { level: 0 }));
      return fc.oneof(mutatedBytes(zipSync(files, { level: 0 })), withEntry);
    },
    async (zip: Uint8Array) => {
      zipSession ??= new StudioSession();
      await zipSession.importZip(zip);
    },
  ),
  done() {
    zipSession?.model?.dispose();
    zipSession = null;
  },
};

/** A stored run record with hostile values in its fields (as an older version may have left). */
const hostileRecord: fc.Arbitrary<RunRecord> = fc
  .record({
    id: fc.string(),
    status: fc.constantFrom('running', 'paused', 'finished', 'stopped', 'failed', 'interrupted'),
    logHistory: fc.array(
      fc.dictionary(
        fc.constantFrom('step', 'loss', 'eval_loss', 'eval_accuracy', 'epoch', 'learning_rate'),
        fc.oneof(fc.double(), fc.integer(), fc.constantFrom(NaN, Infinity, -0)),
      ),
      { maxLength: 20 },
    ),
    metrics: fc.option(fc.dictionary(fc.string(), fc.double())),
    globalStep: fc.oneof(fc.nat(), fc.double()),
    checkpoints: fc.array(
      fc.oneof(
        fc.string(),
        fc.nat().map((n) => `checkpoint-${n}`),
        fc.constant('checkpoint-1e400'),
      ),
      { maxLength: 6 },
    ),
    args: mutatedObject(TRAINING_ARGS).map((a) =>
      a && typeof a === 'object' && !Array.isArray(a) ? (a as Record<string, unknown>) : {},
    ),
  })
  .map((r) => r as unknown as RunRecord);

const runRecords = model(
  'run records',
  () => {
    const state = JSON.parse(fixtureText('hf-trainer-run/trainer_state.json')) as Record<
      string,
      unknown
    >;
    const text = fixtureText('hf-trainer-run/trainer_state.json');
    return fc.oneof(
      // A trainer_state.json opened in the page (Open trainer_state.json).
      mutatedObject(state).map((s) => ({ text: JSON.stringify(s) ?? '' })),
      fc.nat(text.length).map((n) => ({ text: text.slice(0, n) })),
      // Stored records, as the run history, compare view and resume read them.
      fc.array(hostileRecord, { minLength: 1, maxLength: 3 }).map((records) => ({ records })),
    );
  },
  (x: { text: string } | { records: RunRecord[] }) => {
    if ('text' in x) {
      const entries = parseLogHistory(x.text, 'trainer_state.json');
      const series = appendLogs(emptySeries(), entries);
      for (const points of Object.values(series)) downsampleMinMax(points, 8);
      keyMetrics({ logHistory: entries, metrics: null, globalStep: 0 });
      return;
    }
    for (const r of x.records) {
      keyMetrics(r);
      lastCheckpoint(r.checkpoints);
      isInterrupted(r, new Set([x.records[0].id]));
      parseTrainingArguments(r.args);
    }
    diffArgs(x.records.map((r) => r.args));
  },
);

/** A share link's run config as the page writes one. */
const SHARED_CONFIG = {
  version: 1,
  data: { text_column: 'sms', label_column: 'category', max_length: 48, validation_split: 0.2 },
  model: { hidden_size: 64, num_attention_heads: 4, tokenizer_name_or_path: 'bert-base-uncased' },
  training: { ...TRAINING_ARGS, warmup_steps: 0.1 },
};

/**
 * The share link as the page opens one: mutated configs and cut or garbled hashes. The settings
 * it leaves must load; a link it cannot read must say so in the notice.
 */
const shareLink = model(
  'share link',
  () =>
    fc.oneof(
      mutatedObject(SHARED_CONFIG).map((c) => shareLinkHash(c as unknown as RunConfig)),
      fc
        .tuple(mutatedObject(SHARED_CONFIG), fc.nat(400))
        .map(([c, n]) => shareLinkHash(c as unknown as RunConfig).slice(0, 8 + n)),
      fc.string({ maxLength: 300 }).map((t) => `#config=${t}`),
    ),
  (hash: string) => {
    const local = new MemoryStorage();
    const session = new MemoryStorage();
    if (applyShareLink(hash, local, session) === null) return;
    loadSettings(local);
    if (takeLinkNotice(session).length === 0) throw new Error('share link: no notice');
  },
);

/** Every loader `npm run fuzz` runs, in order. */
export const FUZZ_LOADERS: readonly FuzzLoader[] = [
  csv,
  jsonl,
  json,
  parquet,
  gzip,
  safetensors,
  configJson,
  trainingArgs,
  tokenizer,
  exportedZip,
  runRecords,
  shareLink,
] as FuzzLoader[];
