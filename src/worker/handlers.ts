/**
 * The worker's request handlers: each protocol request mapped onto the core `StudioSession`.
 * Progress and logs stream back as events through `emit`.
 */
import { selectBackend, type BackendOptions } from '../core/backend';
import { fetchModelFiles, hubRepoId } from '../core/io/modelSource';
import { fetchTokenizer } from '../core/io/tokenizerSource';
import { StudioSession } from '../core/session';
import {
  allArgumentsToJson,
  parseTrainingArguments,
  studioArgumentsToJson,
  trainingArgumentsToJson,
} from '../core/train/args';
import { STUDIO_ARGS_FILE, splitArgumentsJson } from '../core/config/argsFile';
import type { TrainerCallback } from '../core/train/callbacks';
import { argsCatalog } from './argsCatalog';
import type { TokenizerPool } from '../core/tokenize/pool';
import { createWebTokenizerPool } from './tokenizePool';
import { createTestHooks } from './testHooks';
import * as tf from '@tensorflow/tfjs';
import { IdbCheckpointStore } from '../core/io/checkpointStoreIdb';
import { hasIndexedDb } from '../core/io/idb';
import {
  forgetDataFile,
  keepDataFile,
  keepTokenizerFiles,
  keptDataFile,
  keptTokenizerFiles,
} from '../core/io/keptFile';
import {
  RunRecorder,
  blobKey,
  deleteRun,
  getBlob,
  getRun,
  isInterrupted,
  lastCheckpoint,
  listRuns,
  putBlob,
  storageEstimate,
} from '../core/io/runStore';
import { strToU8, zipSync } from 'fflate';
import type { ModelSpec, PrepareOptions, TrainResult } from '../core/session';
import type { Api, BackendInfo, RequestName, WorkerEvent } from './protocol';

type Handlers = {
  [K in RequestName]: (params: Api[K][0]) => Promise<Api[K][1]>;
};

export interface HandlerContext {
  emit: (event: WorkerEvent) => void;
  /** Resolves a path of the app's static files (bundled tokenizers) to a URL. */
  assetUrl: (path: string) => string;
  backendOptions: BackendOptions;
}

/** Files with more rows than this are tokenized by the worker pool (tokenizePool.ts). */
const POOL_MIN_ROWS = 20_000;

/** Minimum time between two progress events, ms (keeps the UI thread quiet). */
const PROGRESS_INTERVAL_MS = 200;

/** Least time between two `read` progress events while a data file is read. */
const READ_EVENT_MS = 150;

/**
 * The bytes of a loaded data file a run stores for Resume: only what the reader used. One byte
 * more than that, so a file capped at the byte budget is capped again at the same place when
 * read back (its cut last line dropped again) and gives the same rows.
 */
async function storedBytes(file: { data: Blob | Uint8Array; bytesRead: number }) {
  if (file.data instanceof Uint8Array) return file.data;
  return new Uint8Array(await file.data.slice(0, file.bytesRead + 1).arrayBuffer());
}

async function fetchJson(url: string): Promise<object> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`Could not load ${url}: HTTP ${res.status}.`);
  return (await res.json()) as object;
}

/** Transfers a typed array's bytes as a standalone ArrayBuffer. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) {
    return bytes.buffer as ArrayBuffer;
  }
  return bytes.slice().buffer as ArrayBuffer;
}

/** A name for dropped checkpoint files: their common folder, else "dropped files". */
function pretrainedName(paths: string[]): string {
  const dirs = new Set(paths.map((p) => p.split('/').slice(0, -1).pop() ?? ''));
  const [only] = [...dirs];
  return dirs.size === 1 && only ? only : 'dropped files';
}

type RunRecorderModel = Record<string, unknown> & { kind: string; max_length: number };

export function createHandlers(
  ctx: HandlerContext,
): Handlers & { transferOf(result: unknown): Transferable[] } {
  const session = new StudioSession();
  let backendInfo: BackendInfo | null = null;
  /**
   * The loaded data file (kept so a run can store it and be resumed after a reload): a Blob is
   * a reference to the user's file, read again (up to the bytes the reader used) only when a
   * run starts.
   */
  let tableFile: { fileName: string; data: Blob | Uint8Array; bytesRead: number } | null = null;
  let lastPrepare: PrepareOptions | null = null;
  let tokenizerName = '';
  /** The run in progress' record id (live: not "interrupted"). */
  let liveRunId: string | null = null;
  /** Test hooks (e2e build only): simulated full quota, simulated WebGPU device loss. */
  const hooks = createTestHooks();
  /** Set when the WebGPU device is lost: the reason, shown instead of the raw failure. */
  let deviceLost: string | null = null;
  const warn = (message: string) => ctx.emit({ kind: 'warning', message });

  /** Counts loadTable/forgetTable calls: a pending write of an older file is skipped. */
  let keepSeq = 0;

  /** Reads a data file into the session, with `read` progress events, and remembers it. */
  const readTable = async (fileName: string, data: Blob | Uint8Array) => {
    let last = 0;
    const summary = await session.loadTable(fileName, data, {}, (progress) => {
      // At most a few events a second: each one re-renders the file line.
      const now = Date.now();
      if (progress.phase === 'reading' && now - last < READ_EVENT_MS) return;
      last = now;
      ctx.emit({ kind: 'read', progress });
    });
    tableFile = { fileName, data, bytesRead: summary.bytesRead ?? 0 };
    return summary;
  };
  /** The Web Worker tokenizer pool, started by the first large prepare (null: not started). */
  let tokenizePool: TokenizerPool | null = null;

  /**
   * Trains with persistence: a run record (created or continued), checkpoints in IndexedDB
   * (saved at each evaluation by default, at most 2 kept), status at the end. Without IndexedDB
   * (Node) it trains as before.
   */
  const trainRecorded = async (
    model: ModelSpec,
    rawArgs: Record<string, unknown>,
    resumeId: string | null,
  ): Promise<TrainResult> => {
    const args: Record<string, unknown> = { ...rawArgs };
    // Save at each evaluation unless the user chose otherwise, so a reload can resume.
    args.save_steps ??= args.eval_steps ?? args.logging_steps ?? 500;
    args.save_total_limit ??= 2;
    let recorder: RunRecorder | null = null;
    if (hasIndexedDb() && tableFile && lastPrepare) {
      if (resumeId) {
        const rec = await getRun(resumeId);
        if (!rec) throw new Error(`There is no stored run ${resumeId}.`);
        recorder = new RunRecorder(rec, warn);
        await recorder.update({
          status: 'running',
          reason: null,
          backend: backendInfo?.name ?? '?',
        });
      } else {
        recorder = await RunRecorder.start(
          {
            fileName: tableFile.fileName,
            tokenizer: { name: tokenizerName, vocabSize: session.tokenizer?.vocabSize ?? 0 },
            model: model as RunRecorderModel,
            prepare: lastPrepare as unknown as Record<string, unknown>,
            args,
            backend: backendInfo?.name ?? '?',
            maxSteps: 0,
          },
          await storedBytes(tableFile),
          warn,
        );
      }
    }
    const rec = recorder;
    const store = rec
      ? new IdbCheckpointStore(rec.record.id, {
          onQuota: (e) => warn(e.message),
          simulateQuota: hooks.checkpointQuota(),
        })
      : undefined;
    if (rec) {
      liveRunId = rec.record.id;
      ctx.emit({ kind: 'run', id: rec.record.id });
      if (navigator.locks) {
        // Held while this worker trains: another tab (or this one after a reload) sees it live.
        void navigator.locks.request(
          `trainer-studio-run-${rec.record.id}`,
          () =>
            new Promise<void>((r) => {
              const t = setInterval(() => {
                if (liveRunId !== rec.record.id) {
                  clearInterval(t);
                  r();
                }
              }, 200);
            }),
        );
      }
    }
    const recordCallback: TrainerCallback = {
      on_log(_a, state, _c, entry) {
        rec?.log(entry, state.global_step);
        if (rec && rec.record.maxSteps !== state.max_steps) rec.record.maxSteps = state.max_steps;
      },
      on_step_end(_a, state) {
        hooks.afterStep(state.global_step);
      },
      on_save() {
        if (rec && store) {
          void store.list().then((names) => {
            rec.record.checkpoints = names.sort(
              (a, b) => Number(a.split('-')[1]) - Number(b.split('-')[1]),
            );
            return rec.update({});
          });
        }
      },
    };
    if (resumeId && rec) {
      const last = lastCheckpoint(await store!.list());
      if (!last) throw new Error('This run has no stored checkpoint to resume from.');
      args.resume_from_checkpoint = last;
      // The log history continues from the checkpoint's (restored by the trainer).
      rec.record.logHistory = rec.record.logHistory.filter(
        (e) => e.step <= Number(last.split('-')[1]),
      );
    }
    try {
      const result = await session.train(model, args, {
        callbacks: [progressCallback(), recordCallback],
        yieldEachStep: true,
        checkpoints: store,
      });
      // A lost device stops the trainer (init's `lost` handler) rather than failing a step:
      // that is still a fault, reported as one, and the run stays resumable.
      if (deviceLost !== null) throw new Error(`GPU device lost: ${deviceLost}`);
      if (rec) {
        let hasModelZip = false;
        try {
          await putBlob(blobKey.modelZip(rec.record.id), await session.exportZip());
          hasModelZip = true;
        } catch (e) {
          warn(e instanceof Error ? e.message : String(e));
        }
        await rec.update({
          status: result.stopped ? 'stopped' : 'finished',
          logHistory: result.logHistory,
          metrics: result.metrics,
          globalStep: result.globalStep,
          modelConfig: session.model
            ? (JSON.parse(JSON.stringify(session.model.config)) as Record<string, unknown>)
            : null,
          checkpoints: (await store!.list()).sort(
            (a, b) => Number(a.split('-')[1]) - Number(b.split('-')[1]),
          ),
          hasModelZip,
        });
      }
      return result;
    } catch (err) {
      let e = err instanceof Error ? err : new Error(String(err));
      if (deviceLost !== null) {
        e = new Error(
          `The GPU device was lost (${deviceLost}). The run stopped; resume it from its last ` +
            `checkpoint in Run history, on WebGPU (a fresh device) or on wasm.`,
        );
        e.name = 'DeviceLostError';
      } else if (/out of memory|OOM|allocation failed/i.test(e.message)) {
        const m = new Error(
          `The backend ran out of memory (${e.message}). Resume from the last checkpoint with a ` +
            `smaller batch size or max_length, or on another backend.`,
        );
        m.name = 'OutOfMemoryError';
        e = m;
      }
      if (rec) {
        const resumable = e.name === 'DeviceLostError' || e.name === 'OutOfMemoryError';
        await rec.update({ status: resumable ? 'interrupted' : 'failed', reason: e.message });
      }
      throw e;
    } finally {
      liveRunId = null;
    }
  };

  const progressCallback = (): TrainerCallback => {
    let last = 0;
    return {
      on_step_end(_args, state) {
        const t = performance.now();
        if (t - last < PROGRESS_INTERVAL_MS && state.global_step < state.max_steps) return;
        last = t;
        const rate = state.elapsed > 0 ? state.global_step / state.elapsed : 0;
        ctx.emit({
          kind: 'progress',
          progress: {
            step: state.global_step,
            maxSteps: state.max_steps,
            epoch: state.epoch,
            samplesPerSecond: state.elapsed > 0 ? state.samples_seen / state.elapsed : 0,
            etaSeconds: rate > 0 ? (state.max_steps - state.global_step) / rate : null,
            phase: 'training',
          },
        });
      },
      on_log(_args, _state, _control, entry) {
        ctx.emit({ kind: 'log', entry });
      },
    };
  };

  /** Loads tokenizer files (file name -> text): tokenizer.json, optionally tokenizer_config.json. */
  const loadTokenizerTexts = async (files: Record<string, string>) => {
    const byBase = new Map<string, string>();
    for (const [k, v] of Object.entries(files)) byBase.set(k.split('/').pop() as string, v);
    const parse = (name: string): object | undefined => {
      const text = byBase.get(name);
      if (text === undefined) return undefined;
      try {
        return JSON.parse(text) as object;
      } catch {
        throw new Error(`${name} is not valid JSON.`);
      }
    };
    const tokenizerJson = parse('tokenizer.json');
    if (!tokenizerJson) {
      throw new Error(
        `Tokenizer files need a tokenizer.json (and optionally tokenizer_config.json); got ${[...byBase.keys()].join(', ') || 'none'}.`,
      );
    }
    const tokenizerConfig = parse('tokenizer_config.json') ?? {};
    const tok = await session.setTokenizerFiles({ tokenizerJson, tokenizerConfig });
    tokenizerName = tok.name;
    return { name: tok.name, vocabSize: tok.vocabSize, model: tok.modelType };
  };

  return {
    async init({ preferred }) {
      backendInfo = await selectBackend(preferred, ctx.backendOptions);
      const dev = (
        tf.backend() as unknown as {
          device?: { lost?: Promise<{ message: string; reason: string }> };
        }
      ).device;
      void dev?.lost?.then((info) => {
        deviceLost = `${info.reason || 'unknown'}${info.message ? `: ${info.message}` : ''}`;
        session.stop();
        warn(`The GPU device was lost (${deviceLost}).`);
      });
      return backendInfo;
    },
    async loadPretrained(source) {
      if (session.training) throw new Error('A run is in progress: stop it first.');
      if ('url' in source) {
        ctx.emit({ kind: 'status', message: `Downloading ${source.url}…` });
        const fetched = await fetchModelFiles(source.url, {
          onProgress: (progress) => ctx.emit({ kind: 'download', progress }),
        });
        return session.loadPretrained(fetched.files, fetched.name, hubRepoId(source.url));
      }
      const files: Record<string, Uint8Array> = {};
      for (const [k, v] of Object.entries(source.files)) files[k] = new Uint8Array(v);
      return session.loadPretrained(files, pretrainedName(Object.keys(files)));
    },
    async estimateMemory({ model, batchSize }) {
      return session.estimateMemory(model, batchSize, {
        maxBufferBytes: backendInfo?.maxBufferBytes,
      });
    },
    async loadTable({ fileName, file, keep }) {
      const data = file instanceof ArrayBuffer ? new Uint8Array(file) : file;
      const summary = await readTable(fileName, data);
      const seq = ++keepSeq;
      if (keep && hasIndexedDb() && tableFile) {
        // Kept for the next visit after the reply: the user sees the table without waiting
        // for the write (up to the byte budget). A file loaded (or the kept one forgotten)
        // meanwhile wins: this write is skipped.
        const kept = tableFile;
        void storedBytes(kept)
          .then((bytes) => (seq === keepSeq ? keepDataFile(kept.fileName, bytes) : undefined))
          .catch((err: unknown) => warn(err instanceof Error ? err.message : String(err)));
      }
      return summary;
    },
    async restoreTable() {
      if (!hasIndexedDb()) return null;
      const kept = await keptDataFile();
      if (!kept) return null;
      try {
        return await readTable(kept.fileName, kept.bytes);
      } catch {
        // Read before, so this is unexpected (a newer reader, a damaged record): forget it and
        // let the page open the demo.
        await forgetDataFile().catch(() => undefined);
        return null;
      }
    },
    async forgetTable() {
      keepSeq++;
      if (hasIndexedDb()) await forgetDataFile();
      return { forgotten: true };
    },
    async loadTokenizer(source) {
      if (source.kind === 'hub') {
        ctx.emit({ kind: 'status', message: `Downloading the tokenizer ${source.id}…` });
        const fetched = await fetchTokenizer(source.id, {
          onProgress: (progress) => ctx.emit({ kind: 'download', progress }),
        });
        const tok = session.useTokenizer(fetched.tokenizer);
        tokenizerName = fetched.name;
        return { name: fetched.name, vocabSize: tok.vocabSize, model: tok.modelType };
      }
      const base = `tokenizers/${source.name}/`;
      const [tokenizerJson, tokenizerConfig] = await Promise.all([
        fetchJson(ctx.assetUrl(`${base}tokenizer.json`)),
        fetchJson(ctx.assetUrl(`${base}tokenizer_config.json`)),
      ]);
      const tok = await session.setTokenizerFiles({ tokenizerJson, tokenizerConfig });
      tokenizerName = source.name;
      return { name: source.name, vocabSize: tok.vocabSize, model: tok.modelType };
    },
    async trainTokenizer({ textColumn, vocabSize, pairColumn, model = 'wordpiece' }) {
      const what = model === 'bpe' ? 'byte-level BPE' : 'WordPiece';
      ctx.emit({ kind: 'status', message: `Training a ${vocabSize}-token ${what} tokenizer…` });
      const tok = await session.trainTokenizer(textColumn, vocabSize, { pairColumn, model });
      tokenizerName = tok.name;
      return { name: tok.name, vocabSize: tok.vocabSize, model: tok.modelType };
    },
    async loadTokenizerFiles({ files, keep }) {
      const info = await loadTokenizerTexts(files);
      if (keep && hasIndexedDb()) {
        void keepTokenizerFiles(files).catch((err: unknown) =>
          warn(err instanceof Error ? err.message : String(err)),
        );
      }
      return info;
    },
    async restoreTokenizerFiles() {
      const files = hasIndexedDb() ? await keptTokenizerFiles() : null;
      if (!files) {
        throw new Error(
          'The tokenizer files you chose last time are no longer in this browser: drop them again.',
        );
      }
      return loadTokenizerTexts(files);
    },
    async prepare(options) {
      ctx.emit({ kind: 'status', message: 'Tokenizing…' });
      const rows = session.table?.rows.length ?? 0;
      // Large files are tokenized by a pool of workers (one per core, up to 4); small ones here.
      if (rows > POOL_MIN_ROWS && session.tokenizer) {
        tokenizePool ??= createWebTokenizerPool();
      }
      const pool = rows > POOL_MIN_ROWS ? tokenizePool : null;
      const summary = pool
        ? await session.preparePooled(options, (texts, pairs, maxLength) =>
            pool.encode((session.tokenizer as NonNullable<typeof session.tokenizer>).files, texts, {
              pairs,
              maxLength,
              onProgress: (done, total) =>
                ctx.emit({
                  kind: 'status',
                  message: `Tokenizing in ${pool.size} workers… ${Math.round((100 * done) / total)}%`,
                }),
            }),
          )
        : session.prepare(options);
      lastPrepare = options;
      return summary;
    },
    async train({ model, args }) {
      if (session.training) throw new Error('A run is already in progress: stop it first.');
      ctx.emit({ kind: 'status', message: 'Training…' });
      const result = await trainRecorded(model, args as unknown as Record<string, unknown>, null);
      ctx.emit({
        kind: 'status',
        message: result.stopped ? `Stopped at step ${result.globalStep}` : 'Finished',
      });
      return result;
    },
    async stop() {
      return { stopping: session.stop() };
    },
    async pause() {
      return { paused: session.pause() };
    },
    async resumeTraining() {
      session.resume();
      return { paused: false };
    },
    async listRuns() {
      if (!hasIndexedDb())
        return { runs: [], interrupted: [], storage: { usage: null, quota: null } };
      const runs = await listRuns();
      const live = new Set<string>();
      if (liveRunId) live.add(liveRunId);
      if (navigator.locks) {
        const q = await navigator.locks.query();
        for (const l of q.held ?? []) {
          const m = /^trainer-studio-run-(.+)$/.exec(l.name ?? '');
          if (m) live.add(m[1]);
        }
      }
      const interrupted = runs
        .filter((r) => isInterrupted(r, live) && r.checkpoints.length > 0)
        .map((r) => r.id);
      return { runs, interrupted, storage: await storageEstimate() };
    },
    async deleteRun({ id }) {
      if (id === liveRunId) throw new Error('This run is in progress: stop it before deleting it.');
      await deleteRun(id);
      return { deleted: true };
    },
    async resumeRun({ id }) {
      if (session.training) throw new Error('A run is already in progress: stop it first.');
      const rec = await getRun(id);
      if (!rec) throw new Error(`There is no stored run ${id}.`);
      if (rec.model.kind !== 'scratch') {
        throw new Error('Only runs of models trained from scratch can be resumed after a reload.');
      }
      const bytes = await getBlob(blobKey.data(id));
      if (!bytes) throw new Error(`The data file of this run (${rec.fileName}) was not stored.`);
      ctx.emit({ kind: 'status', message: `Resuming ${rec.fileName}…` });
      await session.loadTable(rec.fileName, bytes);
      tableFile = { fileName: rec.fileName, data: bytes, bytesRead: bytes.length };
      const prep = rec.prepare as unknown as PrepareOptions;
      session.prepare(prep);
      lastPrepare = prep;
      ctx.emit({ kind: 'status', message: 'Training…' });
      const result = await trainRecorded(rec.model as unknown as ModelSpec, rec.args, id);
      ctx.emit({
        kind: 'status',
        message: result.stopped ? `Stopped at step ${result.globalStep}` : 'Finished',
      });
      return result;
    },
    async exportRun({ id }) {
      const rec = await getRun(id);
      if (!rec) throw new Error(`There is no stored run ${id}.`);
      const zip = rec.hasModelZip ? await getBlob(blobKey.modelZip(id)) : null;
      if (zip) return { fileName: `${id}.zip`, zip: ownBuffer(zip) };
      const state = strToU8(
        JSON.stringify({ log_history: rec.logHistory, global_step: rec.globalStep }, null, 2),
      );
      const parsed = parseTrainingArguments(rec.args).args;
      const json = (x: unknown) => strToU8(JSON.stringify(x, null, 2));
      return {
        fileName: `${id}-state.zip`,
        zip: ownBuffer(
          zipSync({
            'trainer_state.json': state,
            'training_args.json': json(trainingArgumentsToJson(parsed)),
            [STUDIO_ARGS_FILE]: json(studioArgumentsToJson(parsed)),
          }),
        ),
      };
    },
    async testHooks(request) {
      hooks.set(request);
      return { ok: true };
    },
    async exportModel() {
      const zip = await session.exportZip();
      return { fileName: 'trainer-studio-model.zip', zip: ownBuffer(zip) };
    },
    async importModel({ zip }) {
      return session.importZip(new Uint8Array(zip));
    },
    async predict({ texts }) {
      return session.predict(texts);
    },
    async dataReport({ columns, maxLength }) {
      return session.dataReport(columns, maxLength);
    },
    async evalRows() {
      return session.evalRows();
    },
    async argsCatalog() {
      return argsCatalog();
    },
    async checkArgs({ args }) {
      const split = splitArgumentsJson(args);
      const parsed = parseTrainingArguments(split.training);
      return {
        args: allArgumentsToJson(parsed.args),
        trainingArgs: trainingArgumentsToJson(parsed.args),
        studioArgs: studioArgumentsToJson(parsed.args),
        data: split.data,
        model: split.model,
        notices: [...split.notices, ...parsed.notices],
      };
    },
    transferOf(result: unknown): Transferable[] {
      if (result && typeof result === 'object' && 'zip' in result) {
        const z = (result as { zip: unknown }).zip;
        if (z instanceof ArrayBuffer) return [z];
      }
      return [];
    },
  };
}
