/**
 * The run service on real file-system stores in a temp folder: a run recorded (record, data
 * file, checkpoints, final model zip, lock), stopped and resumed from its checkpoint on the same
 * record, exported (its zip, or a full trainer_state.json from the stored log), deleted; a lost
 * device and bad requests as coded errors; the data file kept for the next visit. IndexedDB's
 * stores are the same interfaces, exercised in Chromium by tests/e2e/persistence.e2e.ts
 * (fake-indexeddb is not installed).
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { StorageQuotaError } from '../../src/core/io/idb';
import { trainerStateFromLog, trainerStateJson } from '../../src/core/io/trainerState';
import {
  ERROR_CODES,
  StudioError,
  errorCode,
  runFailure,
  serializeError,
} from '../../src/core/run/errors';
import { FsRunOutput, FsRunStore, fsCheckpointStores } from '../../src/core/run/fsStores';
import { webLocks } from '../../src/core/run/idbStores';
import { RunService } from '../../src/core/run/service';
import type { KeptFiles, Locks } from '../../src/core/run/stores';
import type { RunSnapshot } from '../../src/core/run/runMachine';
import { ArgumentsError } from '../../src/core/train/argsError';
import { NonFiniteLossError } from '../../src/core/train/nonFinite';
import { DataError } from '../../src/core/data/errors';
import type { LogEntry } from '../../src/core/train/state';
import { loadTokenizerFromDir } from '../../src/core/tokenize/tokenizerNode';
import { RUN_CONFIG_VERSION, type RunConfig } from '../../src/core/config/runConfig';
import { runConfigOf } from '../../src/core/config/runFiles';
import { resolveRun } from '../../src/core/config/resolveRun';

const TINY = {
  kind: 'scratch' as const,
  hidden_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_length: 24,
};
const ARGS = {
  max_steps: 4,
  per_device_train_batch_size: 8,
  logging_steps: 1,
  eval_strategy: 'steps',
  eval_steps: 2,
  learning_rate: 1e-3,
  seed: 3,
};
const PREPARE = {
  columns: { text: 'sentence', label: 'label' },
  validationFraction: 0.2,
  maxLength: 24,
  seed: 3,
};

/** TINY, ARGS and PREPARE as the run config a page's train request carries. */
function configOf(
  args: Record<string, unknown> = ARGS,
  prepare: { columns: { text: string; label: string } } & typeof PREPARE = PREPARE,
): RunConfig {
  const { kind: _kind, max_length: _max, ...sizes } = TINY;
  return {
    version: RUN_CONFIG_VERSION,
    data: {
      text_column: prepare.columns.text,
      label_column: prepare.columns.label,
      validation_split: prepare.validationFraction,
      max_length: prepare.maxLength,
    },
    model: sizes,
    training: { ...args, seed: prepare.seed },
  };
}

/** The first 80 rows of SST-2's training sample, as bytes. */
const DATA = new TextEncoder().encode(
  readFileSync('tests/fixtures/data/sst2-train-300.tsv', 'utf8')
    .split('\n')
    .slice(0, 81)
    .join('\n'),
);

/** Kept files in memory (the browser keeps them in IndexedDB). */
function memoryKept(): KeptFiles & {
  data: { fileName: string; bytes: Uint8Array } | null;
  validation: { fileName: string; bytes: Uint8Array } | null;
} {
  let tokenizer: Record<string, string> | null = null;
  return {
    data: null,
    validation: null,
    async keepValidationFile(fileName, bytes) {
      this.validation = { fileName, bytes };
    },
    async keptValidationFile() {
      return this.validation;
    },
    async forgetValidationFile() {
      this.validation = null;
    },
    async keepDataFile(fileName, bytes) {
      this.data = { fileName, bytes };
    },
    async keptDataFile() {
      return this.data;
    },
    async forgetDataFile() {
      this.data = null;
    },
    async keepTokenizerFiles(files) {
      tokenizer = files;
    },
    async keptTokenizerFiles() {
      return tokenizer;
    },
  };
}

/** Locks in this process: which ids are held now, and every id ever held. */
function memoryLocks(): Locks & { now: Set<string>; ever: string[] } {
  const now = new Set<string>();
  const ever: string[] = [];
  return {
    now,
    ever,
    hold(id) {
      now.add(id);
      ever.push(id);
      return () => now.delete(id);
    },
    async held() {
      return new Set(now);
    },
  };
}

function newService(dir: string) {
  const warnings: string[] = [];
  const runIds: string[] = [];
  const locks = memoryLocks();
  const kept = memoryKept();
  const runs = new FsRunStore(join(dir, 'runs'));
  const service = new RunService({
    events: { warning: (m) => warnings.push(m), run: (id) => runIds.push(id) },
    runs,
    // One checkpoint folder per run, as the IndexedDB store keeps one per run.
    checkpoints: {
      forRun: (id, hooks) => fsCheckpointStores(join(dir, id ?? 'unrecorded')).forRun(id, hooks),
    },
    kept,
    locks,
    resumable: true,
  });
  return { service, warnings, runIds, locks, kept, runs };
}

async function prepared(dir: string) {
  const t = newService(dir);
  await t.service.loadTable('sst2.tsv', DATA, { keep: true });
  t.service.useTokenizer(
    await loadTokenizerFromDir('public/tokenizers/bert-base-uncased'),
    'bert-base-uncased',
  );
  await t.service.prepare(PREPARE);
  return t;
}

const tmp = () => mkdtempSync(join(tmpdir(), 'run-service-'));

describe('trainer_state.json (one writer)', () => {
  it('writes a run’s own state as it is', () => {
    const state = trainerStateFromLog({ logHistory: [], globalStep: 3, maxSteps: 9 });
    expect(JSON.parse(trainerStateJson(state))).toEqual(state);
    expect(trainerStateJson(state)).toBe(JSON.stringify(state, null, 2));
  });

  it('fills HF’s fields from a stored log and the arguments', () => {
    const log = [
      { loss: 0.7, grad_norm: 1, learning_rate: 1e-3, epoch: 0.5, step: 5 },
      { loss: 0.6, grad_norm: 1, learning_rate: 1e-3, epoch: 1, step: 10 },
    ] as LogEntry[];
    const s = trainerStateFromLog({
      logHistory: log,
      globalStep: 10,
      maxSteps: 20,
      args: {
        logging_steps: 5,
        eval_steps: null,
        save_steps: 0.5,
        per_device_train_batch_size: 4,
        num_train_epochs: 2,
        max_steps: -1,
      },
    });
    expect(s).toMatchObject({
      global_step: 10,
      max_steps: 20,
      epoch: 1,
      logging_steps: 5,
      eval_steps: 5,
      save_steps: 10,
      num_train_epochs: 2,
      train_batch_size: 4,
      best_metric: null,
      best_global_step: null,
      best_model_checkpoint: null,
      log_history: log,
      is_world_process_zero: true,
      stateful_callbacks: {},
    });
    // What only the log knows: the last entry's step; nothing at all still has every key.
    expect(trainerStateFromLog({ logHistory: log }).global_step).toBe(10);
    expect(Object.keys(trainerStateFromLog({ logHistory: [] })).sort()).toEqual(
      Object.keys(s).sort(),
    );
  });
});

describe('error codes', () => {
  it('maps the core’s error classes to codes and serialises them', () => {
    expect(errorCode(new DataError('no-rows', 'x'))).toBe('no-rows');
    expect(errorCode(new ArgumentsError('x', 'learning_rate'))).toBe('arguments');
    expect(errorCode(new StorageQuotaError('checkpoint-2'))).toBe('quota-exceeded');
    expect(errorCode(new NonFiniteLossError(2, NaN))).toBe('non-finite-loss');
    expect(errorCode(new StudioError('busy', 'x'))).toBe('busy');
    expect(errorCode(new Error('x'))).toBe('internal');
    expect(errorCode('a string')).toBe('internal');
    expect(serializeError(new DataError('no-rows', 'No rows.'))).toMatchObject({
      name: 'DataError',
      message: 'No rows.',
      code: 'no-rows',
    });
    expect(ERROR_CODES).toContain('device-lost');
  });

  it('classifies a failed run: a lost device, memory, else the error as it is', () => {
    const lost = runFailure(new Error('anything'), 'destroyed');
    expect([lost.name, errorCode(lost)]).toEqual(['DeviceLostError', 'device-lost']);
    expect(lost.message).toMatch(/GPU device was lost \(destroyed\).*resume it/);
    const oom = runFailure(new Error('Failed to allocate: out of memory'), null);
    expect([oom.name, errorCode(oom)]).toEqual(['OutOfMemoryError', 'out-of-memory']);
    const other = new ArgumentsError('bad', 'x');
    expect(runFailure(other, null)).toBe(other);
  });
});

describe('RunService on the file system', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('records a run, resumes it after a stop, exports and deletes it', async () => {
    const dir = tmp();
    const t = await prepared(dir);
    const { service, runs, locks } = t;
    // Stopped after step 2, once checkpoint-2 is written (saved at each evaluation).
    const stopAt2 = {
      on_save: () => service.session.stop(),
    };
    const first = await service.train(TINY, ARGS, { callbacks: [stopAt2] });
    expect(first.stopped).toBe(true);
    expect(first.globalStep).toBe(2);
    const [id] = t.runIds;
    expect(locks.ever).toEqual([id]);
    expect(locks.now.size).toBe(0);
    let rec = await runs.get(id);
    expect(rec).toMatchObject({
      status: 'stopped',
      fileName: 'sst2.tsv',
      tokenizer: { name: 'bert-base-uncased' },
      model: TINY,
      prepare: PREPARE,
      checkpoints: ['checkpoint-2'],
      globalStep: 2,
      hasModelZip: true,
    });
    expect(rec?.args).toMatchObject({ save_steps: 2, save_total_limit: 2 });
    // Stored at version 2 with the run config (its arguments under transformers' names).
    expect(rec?.version).toBe(2);
    expect((rec?.config as { training: object }).training).toMatchObject({
      save_steps: 2,
      save_total_limit: 2,
    });
    expect(readdirSync(join(dir, id))).toEqual(['checkpoint-2']);
    expect(await runs.getBlob(`${id}/data`)).toEqual(DATA);

    // Run it elsewhere with the page's settings: the stopped run's own carry its checkpoint to
    // continue from; other settings are a new run (no checkpoint).
    const bundled = async (args: object) =>
      Object.keys(unzipSync((await service.exportScript({ model: TINY, args })).zip));
    const same = await bundled(ARGS);
    expect(same.some((n) => n.includes('/checkpoint-2/'))).toBe(true);
    const other = await bundled({ ...ARGS, learning_rate: 5e-4 });
    expect(other.some((n) => n.includes('checkpoint-'))).toBe(false);
    expect(other).toContain('trainer-studio-run/initial_weights/model.safetensors');

    // A stopped run with a checkpoint is listed, not interrupted (it ended).
    const listed = await service.listRuns();
    expect(listed.runs.map((r) => r.id)).toEqual([id]);
    expect(listed.interrupted).toEqual([]);

    // Resume: the same record goes on from checkpoint-2 to the end, its log continuing.
    const resumed = await service.continueRun(id);
    expect(resumed.stopped).toBe(false);
    expect(resumed.globalStep).toBe(4);
    expect(t.runIds).toEqual([id, id]);
    rec = await runs.get(id);
    expect(rec?.status).toBe('finished');
    expect(rec?.checkpoints).toEqual(['checkpoint-2', 'checkpoint-4']);
    const steps = rec?.logHistory.filter((e) => 'loss' in e && 'grad_norm' in e).map((e) => e.step);
    expect(steps).toEqual([1, 2, 3, 4]);

    // Its export is the final model's zip, with the trainer's own state.
    const zip = await service.exportRun(id);
    expect(zip.fileName).toBe(`${id}.zip`);
    const files = unzipSync(zip.zip);
    const state = JSON.parse(strFromU8(files['trainer_state.json']));
    expect(state).toMatchObject({ global_step: 4, max_steps: 4, eval_steps: 2, logging_steps: 1 });
    expect(state.log_history.length).toBe(rec?.logHistory.length);

    // Without its model zip: trainer_state.json (full shape) and the arguments.
    await runs.put({ ...(rec as NonNullable<typeof rec>), hasModelZip: false });
    const stateZip = unzipSync((await service.exportRun(id)).zip);
    expect(Object.keys(stateZip).sort()).toEqual([
      'studio_args.json',
      'trainer_state.json',
      'training_args.json',
    ]);
    const filled = JSON.parse(strFromU8(stateZip['trainer_state.json']));
    expect(filled).toMatchObject({ global_step: 4, max_steps: 4, logging_steps: 1, eval_steps: 2 });
    expect(filled.best_metric).toBeNull();
    expect(Object.keys(filled).sort()).toEqual(Object.keys(state).sort());

    await service.deleteRun(id);
    expect(await runs.get(id)).toBeNull();
    expect((await service.listRuns()).runs).toEqual([]);
  });

  it('opens a stored run again after a reload: its model, and its rows on its data', async () => {
    const dir = tmp();
    const t = await prepared(dir);
    const result = await t.service.train(TINY, ARGS);
    const [id] = t.runIds;
    const before = await t.service.session.evalRows();
    // A new service on the same folder (the page reloaded), with the page's data prepared
    // again but no model.
    const fresh = await prepared(dir);
    const s = fresh.service.session;
    const pageData = { table: s.table, prepared: s.prepared };
    await expect(s.evalRows()).rejects.toThrow(/no model/);
    const opened = await fresh.service.openRun(id);
    expect(opened.notices).toEqual([]);
    expect(opened.record).toMatchObject({ id, status: 'finished', globalStep: result.globalStep });
    expect(opened.model?.labels).toEqual(['0', '1']);
    expect(opened.dataset?.validationRows).toBe(before.texts.length);
    // The same model on the same validation rows: the same logits.
    const rows = opened.evalRows;
    expect(rows?.texts).toEqual(before.texts);
    expect(Array.from(rows?.labels ?? [])).toEqual(Array.from(before.labels));
    const close = Array.from(rows?.logits ?? []).every(
      (v, i) => Math.abs(v - before.logits[i]) < 1e-4,
    );
    expect(close).toBe(true);
    // The page's own data stays the session's; the model predicts.
    expect(s.table).toBe(pageData.table);
    expect(s.prepared).toBe(pageData.prepared);
    const [p] = await s.predict(['a wonderful film']);
    expect(['0', '1']).toContain(p.label);
    // Without its model zip: the notice says what is missing.
    const rec = await t.runs.get(id);
    await t.runs.put({ ...(rec as NonNullable<typeof rec>), hasModelZip: false });
    const bare = await newService(dir).service.openRun(id);
    expect(bare).toMatchObject({ model: null, dataset: null, evalRows: null });
    expect(bare.notices).toEqual(['The final model of this run was not stored.']);
    await expect(fresh.service.openRun('run-none')).rejects.toThrow(/no stored run/);
  });

  it('resumes a run that fine-tuned a checkpoint once that checkpoint is loaded again', async () => {
    const dir = tmp();
    const ckpt = (f: string) =>
      new Uint8Array(readFileSync(join('tests/fixtures/bert-tiny-random', f)));
    const files = () => ({
      'config.json': ckpt('config.json'),
      'model.safetensors': ckpt('model.safetensors'),
      'tokenizer.json': ckpt('tokenizer.json'),
      'tokenizer_config.json': ckpt('tokenizer_config.json'),
    });
    const prepare = { ...PREPARE, maxLength: 16 };
    const page = async () => {
      const t = newService(dir);
      await t.service.loadTable('sst2.tsv', DATA);
      return t;
    };
    const t = await page();
    await t.service.session.loadPretrained(files(), 'bert-tiny-random');
    await t.service.prepare(prepare);
    const spec = { kind: 'pretrained' as const, max_length: 16 };
    const stopAt2 = { on_save: () => t.service.session.stop() };
    const first = await t.service.train(spec, ARGS, { callbacks: [stopAt2] });
    expect(first.globalStep).toBe(2);
    const [id] = t.runIds;
    const rec = await t.runs.get(id);
    // Interrupted (the tab closed) before its end: the config is there from its first save.
    await t.runs.put({ ...(rec as NonNullable<typeof rec>), status: 'interrupted' });
    expect(rec?.modelConfig).toMatchObject({ hidden_size: 32, num_hidden_layers: 2 });

    // After a reload without the checkpoint: not resumable, and the message says what to do.
    const bare = await page();
    await expect(bare.service.continueRun(id)).rejects.toMatchObject({
      code: 'not-resumable',
      message: expect.stringMatching(/load that checkpoint/),
    });
    // With the checkpoint loaded again: resumed from checkpoint-2 to the end.
    const again = await page();
    await again.service.session.loadPretrained(files(), 'bert-tiny-random');
    const resumed = await again.service.continueRun(id);
    expect(resumed.stopped).toBe(false);
    expect(resumed.globalStep).toBe(4);
    expect((await again.runs.get(id))?.status).toBe('finished');
  });

  it('stores a run stopped by a lost device as interrupted, with a device-lost error', async () => {
    const dir = tmp();
    const t = await prepared(dir);
    const loseAt2 = {
      on_step_end: (_a: unknown, s: { global_step: number }) => {
        if (s.global_step === 2) t.service.deviceLost('destroyed: test');
      },
    };
    const err = await t.service
      .train(TINY, ARGS, { callbacks: [loseAt2] })
      .catch((e: unknown) => e);
    expect(errorCode(err)).toBe('device-lost');
    expect(t.warnings).toContain('The GPU device was lost (destroyed: test).');
    const rec = await t.runs.get(t.runIds[0]);
    expect(rec?.status).toBe('interrupted');
    expect(rec?.reason).toMatch(/GPU device was lost/);
    expect(t.locks.now.size).toBe(0);
    // The checkpoint of step 2 was saved: the run is offered for Resume.
    expect(rec?.checkpoints).toEqual(['checkpoint-2']);
    expect((await t.service.listRuns()).interrupted).toEqual([rec?.id]);
  });

  it('answers bad requests with codes', async () => {
    const dir = tmp();
    const t = await prepared(dir);
    await expect(t.service.continueRun('run-nope')).rejects.toMatchObject({ code: 'not-found' });
    await expect(t.service.exportRun('run-nope')).rejects.toMatchObject({ code: 'not-found' });
    await expect(t.service.restoreTokenizerFiles()).rejects.toMatchObject({ code: 'not-found' });
    await expect(t.service.loadTokenizerFiles({ 'vocab.txt': 'a' })).rejects.toMatchObject({
      code: 'tokenizer',
    });
    const running = t.service.train(TINY, { ...ARGS, max_steps: 2 });
    await expect(t.service.train(TINY, ARGS)).rejects.toMatchObject({ code: 'busy' });
    await running;
  });

  it('keeps the open data file for the next visit, and forgets it', async () => {
    const dir = tmp();
    const t = await prepared(dir);
    await new Promise((r) => setTimeout(r, 0));
    expect(t.kept.data?.fileName).toBe('sst2.tsv');
    expect(t.kept.data?.bytes).toEqual(DATA);
    const next = new RunService({ events: { warning: () => {} }, kept: t.kept });
    expect((await next.restoreTable())?.rowCount).toBe(80);
    // Read with the delimiter and header chosen for it; a choice that no longer reads it gives
    // way to detection rather than losing the file.
    const noHeader = await next.restoreTable({ hasHeader: false });
    expect(noHeader).toMatchObject({ hasHeader: false, rowCount: 81 });
    const detected = await next.restoreTable({ delimiter: '|' });
    expect(detected).toMatchObject({ delimiter: '\t', rowCount: 80 });
    expect(t.kept.data?.fileName).toBe('sst2.tsv');
    await next.forgetTable();
    expect(await next.restoreTable()).toBeNull();
  });

  it('writes the command line’s output folder without recording a run', async () => {
    const dir = tmp();
    const out = join(dir, 'out');
    const service = new RunService({
      events: { warning: () => {} },
      checkpoints: fsCheckpointStores(out),
    });
    await service.loadTable('sst2.tsv', DATA);
    service.useTokenizer(await loadTokenizerFromDir('public/tokenizers/bert-base-uncased'), 'b');
    await service.prepare(PREPARE);
    const result = await service.train(TINY, { ...ARGS, save_steps: 4 });
    await service.saveOutput(new FsRunOutput(out), {
      tokenizerFiles: { 'tokenizer.json': '{}' },
      studioArgs: { max_length: 24, text_column: 'sentence', label_column: 'label' },
      datasetName: 'sst2.tsv',
    });
    expect(readdirSync(out).sort()).toEqual([
      'README.md',
      'all_results.json',
      'checkpoint-4',
      'config.json',
      'eval_results.json',
      'model.safetensors',
      'onnx',
      'studio_args.json',
      'tokenizer.json',
      'train_results.json',
      'trainer_state.json',
      'training_args.json',
    ]);
    expect(readdirSync(join(out, 'onnx')).sort()).toEqual(['model.onnx', 'model_quantized.onnx']);
    expect(readFileSync(join(out, 'trainer_state.json'), 'utf8')).toBe(
      JSON.stringify(result.state, null, 2),
    );
    expect((await service.listRuns()).runs).toEqual([]);
  });
});

describe('Web Locks', () => {
  /** The lock manager's contract as far as webLocks uses it: a held lock until its promise ends. */
  function fakeLockManager() {
    const held = new Set<string>();
    return {
      held,
      async request(name: string, callback: () => Promise<void>) {
        held.add(name);
        await callback();
        held.delete(name);
      },
      async query() {
        return { held: [...held].map((name) => ({ name })) };
      },
    };
  }

  it('holds a run’s lock until it is released, without polling', async () => {
    const manager = fakeLockManager();
    const locks = webLocks(manager);
    const release = locks.hold('run-a');
    expect(await locks.held()).toEqual(new Set(['run-a']));
    manager.held.add('another-app-lock');
    expect(await locks.held()).toEqual(new Set(['run-a']));
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(await locks.held()).toEqual(new Set());
  });
});

describe('run records: version and run config', () => {
  it('stores new records at version 2 with their run config, and migrates version 1 records', async () => {
    const dir = tmp();
    const runs = new FsRunStore(join(dir, 'runs'));
    const v1 = {
      id: 'run-old',
      created: 1,
      updated: 1,
      status: 'finished',
      reason: null,
      fileName: 'sms.csv',
      dataFingerprint: 'x',
      tokenizer: { name: 'bert-base-uncased', vocabSize: 30522 },
      model: {
        kind: 'scratch',
        hidden_size: 32,
        num_hidden_layers: 1,
        num_attention_heads: 2,
        intermediate_size: 64,
        max_length: 24,
      },
      modelConfig: null,
      prepare: {
        columns: { text: 'text', label: 'label' },
        validationFraction: 0.2,
        maxLength: 24,
        seed: 42,
      },
      args: { learning_rate: 5e-4, warmup_ratio: 0.1, logging_steps: 5 },
      backend: 'wasm',
      logHistory: [],
      metrics: null,
      globalStep: 0,
      maxSteps: 10,
      checkpoints: [],
      hasModelZip: false,
    } as unknown as Parameters<typeof runs.put>[0];
    await runs.put(v1);
    const read = await runs.get('run-old');
    expect(read?.version).toBe(2);
    expect(read?.config).toEqual({
      version: 1,
      data: { text_column: 'text', label_column: 'label', validation_split: 0.2, max_length: 24 },
      model: {
        hidden_size: 32,
        num_hidden_layers: 1,
        num_attention_heads: 2,
        intermediate_size: 64,
      },
      training: { learning_rate: 5e-4, warmup_steps: 0.1, logging_steps: 5 },
    });
    expect((await runs.list())[0].config).toEqual(read?.config);
  });
});

/** Rows 81-140 of SST-2's training sample (a separate validation file), as bytes. */
const VALIDATION = new TextEncoder().encode(
  readFileSync('tests/fixtures/data/sst2-train-300.tsv', 'utf8')
    .split('\n')
    .filter((_l, i) => i === 0 || (i > 80 && i <= 140))
    .join('\n'),
);

describe('the one Run of a service', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('records its validation file; Reopen evaluates on it, not on a split of the data', async () => {
    const dir = tmp();
    const t = newService(dir);
    await t.service.loadTable('sst2.tsv', DATA, { keep: true });
    const val = await t.service.loadValidationTable('sst2-val.tsv', VALIDATION, { keep: true });
    expect(val.rowCount).toBe(60);
    t.service.useTokenizer(
      await loadTokenizerFromDir('public/tokenizers/bert-base-uncased'),
      'bert-base-uncased',
    );
    const result = await t.service.startRun(configOf());
    const [id] = t.runIds;
    const rec = await t.runs.get(id);
    expect(rec?.validationFileName).toBe('sst2-val.tsv');
    // The record's config is the serializer's of the run it resolved to (checkpoint defaults
    // included), naming its files; resolved again, it is the same run.
    const run = t.service.resolve({
      ...configOf(),
      training: { ...ARGS, seed: 3, save_steps: 2, save_total_limit: 2 },
    });
    expect(rec?.config).toEqual(runConfigOf(run));
    expect(rec?.config).toMatchObject({
      data: { train_file: 'sst2.tsv', validation_file: 'sst2-val.tsv', text_column: 'sentence' },
      model: { hidden_size: 16, num_hidden_layers: 1 },
      training: { max_steps: 4, seed: 3, save_total_limit: 2 },
    });
    const again = resolveRun(rec!.config as unknown as RunConfig);
    expect(again.model).toEqual(run.model);
    expect(again.training).toEqual(run.training);
    // (A run with a validation file records no split of the training file.)
    expect({ ...again.data, validation_split: run.data.validation_split }).toEqual(run.data);
    expect(await t.runs.getBlob(`${id}/validation`)).toEqual(VALIDATION);
    // After a reload, the page holds another file (no validation file): Reopen evaluates the
    // run's model on the run's validation file, and finds the metrics the run recorded.
    const page = await prepared(dir);
    const opened = await page.service.openRun(id);
    expect(opened.notices).toEqual([]);
    expect(opened.dataset?.validationRows).toBe(60);
    expect(opened.evalRows?.texts).toHaveLength(60);
    const rows = opened.evalRows!;
    const k = rows.labelNames.length;
    let right = 0;
    for (let i = 0; i < rows.texts.length; i++) {
      const row = Array.from(rows.logits.subarray(i * k, i * k + k));
      if (row.indexOf(Math.max(...row)) === rows.labels[i]) right++;
    }
    expect(right / rows.texts.length).toBeCloseTo(result.metrics.eval_accuracy, 6);
    // The page's own data was not touched (no validation file there).
    expect(page.service.session.validationTable).toBeNull();
    expect(page.service.session.table?.fileName).toBe('sst2.tsv');
  });

  it('a new training file drops the old one’s validation file (and the kept one)', async () => {
    const t = newService(tmp());
    await t.service.loadTable('sst2.tsv', DATA, { keep: true });
    await t.service.loadValidationTable('sst2-val.tsv', VALIDATION, { keep: true });
    await new Promise((r) => setTimeout(r, 10)); // kept after the reply
    expect(t.kept.validation?.fileName).toBe('sst2-val.tsv');
    // The same file read again (another delimiter) keeps it.
    await t.service.loadTable('sst2.tsv', DATA, {});
    expect(t.service.session.validationTable?.fileName).toBe('sst2-val.tsv');
    await t.service.loadTable('other.tsv', DATA, { keep: true, fresh: true });
    expect(t.service.session.validationTable).toBeNull();
    expect(t.kept.validation).toBeNull();
  });

  it('publishes each run’s own log: no entry of the last run, each entry once', async () => {
    const snaps: RunSnapshot[] = [];
    const dir = tmp();
    const t = await prepared(dir);
    const service = new RunService({
      events: { warning: () => {}, snapshot: (s) => snaps.push(s) },
      session: t.service.session,
    });
    await service.startRun(configOf());
    snaps.length = 0;
    await service.startRun(configOf({ ...ARGS, logging_steps: 2 }));
    // The log as the page builds it from the deltas, before the end's whole history.
    const live = snaps.slice(0, -1);
    // The last run logged step 1; this one logs every 2 steps.
    expect(live.flatMap((s) => s.log.entries.map((e) => e.step))).not.toContain(1);
    const built: number[] = [];
    for (const s of live) {
      if (s.log.start === 0) built.length = 0;
      expect(s.log.start).toBe(built.length);
      built.push(...s.log.entries.map((e) => e.step));
    }
    const whole = snaps.at(-1)!.log.entries.map((e) => e.step);
    expect(built).toEqual(whole.slice(0, built.length));
    expect(whole.filter((step, i) => whole.indexOf(step) === i)[0]).toBe(2);
  });

  it('a run stored before the run config (version 1) still resumes and reopens', async () => {
    const dir = tmp();
    const t = await prepared(dir);
    const stopAt2 = { on_save: () => t.service.session.stop() };
    await t.service.startRun(configOf(), { callbacks: [stopAt2] });
    const [id] = t.runIds;
    // The record as an earlier version stored it: no version, no config.
    const path = join(dir, 'runs', `${id}.json`);
    const { version: _v, config: _c, ...v1 } = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify(v1));
    // After a reload: the record reads back with a config, resumes to the end and reopens.
    const page = await prepared(dir);
    const read = await page.runs.get(id);
    expect(read?.version).toBe(2);
    expect(read?.config).toMatchObject({
      data: { text_column: 'sentence', label_column: 'label', max_length: 24 },
      model: { hidden_size: 16 },
    });
    const resumed = await page.service.continueRun(id);
    expect(resumed.globalStep).toBe(ARGS.max_steps);
    expect((await page.runs.get(id))?.status).toBe('finished');
    const opened = await page.service.openRun(id);
    expect(opened.record.globalStep).toBe(ARGS.max_steps);
    expect(opened.evalRows?.texts.length).toBe(opened.dataset?.validationRows);
  });

  it('prepares again only when the resolved run’s fingerprint changed', async () => {
    // The data with a second text column, so a train request can name another column.
    const lines = new TextDecoder().decode(DATA).trim().split('\n');
    const three = new TextEncoder().encode(
      [`${lines[0]}\tcopy`, ...lines.slice(1).map((l) => `${l}\t${l.split('\t')[0]}`)].join('\n'),
    );
    const t = newService(tmp());
    await t.service.loadTable('sst2.tsv', three);
    t.service.useTokenizer(
      await loadTokenizerFromDir('public/tokenizers/bert-base-uncased'),
      'bert-base-uncased',
    );
    const one = { ...ARGS, max_steps: 1 };
    await t.service.startRun(configOf(one));
    const first = t.service.session.prepared;
    expect(first?.options.columns.text).toBe('sentence');
    // The same config, and one that changes only what training does: the same preparation.
    await t.service.startRun(configOf(one));
    await t.service.startRun(configOf({ ...one, learning_rate: 5e-4 }));
    expect(t.service.session.prepared).toBe(first);
    // Another text column: prepared again, from that column.
    const copy = { ...PREPARE, columns: { text: 'copy', label: 'label' } };
    await t.service.startRun(configOf(one, copy));
    const second = t.service.session.prepared;
    expect(second).not.toBe(first);
    expect(second?.options.columns.text).toBe('copy');
    await t.service.startRun(configOf(one, copy));
    expect(t.service.session.prepared).toBe(second);
    // Another seed, and the same file read again under its name: prepared again.
    await t.service.startRun(configOf(one, { ...copy, seed: 4 }));
    expect(t.service.session.prepared?.options.seed).toBe(4);
    const third = t.service.session.prepared;
    await t.service.loadTable('sst2.tsv', three);
    await t.service.startRun(configOf(one, { ...copy, seed: 4 }));
    expect(t.service.session.prepared).not.toBe(third);
  });

  it('a paused run has a model: predictions, evaluation and export work on it', async () => {
    const t = await prepared(tmp());
    const snaps: string[] = [];
    let pausedAt = -1;
    const checks: Promise<void>[] = [];
    const s = t.service;
    const pauseAt2 = {
      on_step_end: (_a: unknown, state: { global_step: number }) => {
        if (state.global_step !== 2) return;
        expect(s.pause()).toBe(true);
        pausedAt = state.global_step;
        checks.push(
          (async () => {
            expect(s.run.state).toBe('paused');
            const [p] = await s.session.predict(['a wonderful film']);
            expect(['0', '1']).toContain(p.label);
            const rows = await s.session.evalRows();
            expect(rows.texts.length).toBeGreaterThan(0);
            const zip = await s.exportModel();
            expect(Object.keys(unzipSync(zip.zip)).some((n) => n.endsWith('config.json'))).toBe(
              true,
            );
            snaps.push(s.run.state);
            expect(s.unpause()).toBe(true);
          })(),
        );
      },
    };
    const result = await s.startRun(configOf(), { callbacks: [pauseAt2] });
    await Promise.all(checks);
    expect(pausedAt).toBe(2);
    expect(snaps).toEqual(['paused']);
    expect(result.globalStep).toBe(ARGS.max_steps);
    expect(s.run.state).toBe('finished');
  });

  it('an imported trainer_state.json is its own entry in the history', async () => {
    const t = newService(tmp());
    const state = JSON.stringify({
      global_step: 2,
      max_steps: 2,
      train_batch_size: 16,
      logging_steps: 1,
      log_history: [
        { loss: 0.7, step: 1, epoch: 0.5 },
        { eval_loss: 0.5, eval_accuracy: 0.9, step: 2, epoch: 1 },
      ],
    });
    const rec = await t.service.importRun('trainer_state.json', state);
    expect(rec).toMatchObject({
      status: 'imported',
      fileName: 'trainer_state.json',
      globalStep: 2,
      metrics: { eval_loss: 0.5, eval_accuracy: 0.9 },
      // Compared with the page's runs by the arguments its state names.
      args: { per_device_train_batch_size: 16, logging_steps: 1 },
    });
    expect((await t.service.listRuns()).runs.map((r) => r.id)).toEqual([rec.id]);
    await expect(t.service.importRun('x.json', '{"a": 1}')).rejects.toMatchObject({
      code: 'data',
    });
    const opened = await t.service.openRun(rec.id);
    expect(opened.notices).toEqual([]);
    expect(opened.record.logHistory).toHaveLength(2);
  });
});
