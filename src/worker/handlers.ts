/**
 * The worker's request handlers: each protocol request translated into a call of the core
 * `RunService` (runs, their records, checkpoints and exports) or its `StudioSession`. The
 * service holds the state; progress and logs stream back as events through `emit`.
 */
import { selectBackend, type BackendOptions } from '../core/backend';
import { fetchModelFiles, hubRepoId } from '../core/io/modelSource';
import { fetchTokenizer } from '../core/io/tokenizerSource';
import { watchDeviceLoss } from '../core/run/device';
import { browserRunStores } from '../core/run/idbStores';
import { progressCallback } from '../core/run/progress';
import { RunService, type RunServiceDeps, type TrainOptions } from '../core/run/service';
import {
  allArgumentsToJson,
  parseTrainingArguments,
  studioArgumentsToJson,
  trainingArgumentsToJson,
} from '../core/train/args';
import { splitArgumentsJson } from '../core/config/argsFile';
import type { Tokenizer } from '../core/tokenize/tokenizer';
import type { TrainResult } from '../core/session';
import * as keptFile from '../core/io/keptFile';
import { summarizeTable } from '../core/session/table';
import { argsCatalog } from './argsCatalog';
import { createWebTokenizerPool } from './tokenizePool';
import { createTestHooks } from './testHooks';
import type { Api, RequestName, TableReadChoice, TokenizerInfo, WorkerEvent } from './protocol';

type Handlers = {
  [K in RequestName]: (params: Api[K][0]) => Promise<Api[K][1]>;
};

export interface HandlerContext {
  emit: (event: WorkerEvent) => void;
  /** Resolves a path of the app's static files (bundled tokenizers) to a URL. */
  assetUrl: (path: string) => string;
  backendOptions: BackendOptions;
  /** Where runs and kept files are stored (default: IndexedDB and Web Locks where present). */
  stores?: Pick<RunServiceDeps, 'runs' | 'checkpoints' | 'kept' | 'locks'>;
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

const tokenizerInfo = (tok: Tokenizer, name = tok.name): TokenizerInfo => ({
  name,
  vocabSize: tok.vocabSize,
  model: tok.modelType,
});

const fileOf = ({ fileName, zip }: { fileName: string; zip: Uint8Array }) => ({
  fileName,
  zip: ownBuffer(zip),
});

export function createHandlers(
  ctx: HandlerContext,
): Handlers & { transferOf(result: unknown): Transferable[] } {
  const { emit } = ctx;
  const status = (message: string) => emit({ kind: 'status', message });
  /** Test hooks (e2e build only): simulated full quota, simulated WebGPU device loss. */
  const hooks = createTestHooks();
  const stores = ctx.stores ?? browserRunStores();
  const service = new RunService({
    ...stores,
    events: {
      warning: (message) => emit({ kind: 'warning', message }),
      run: (id) => emit({ kind: 'run', id }),
      status,
    },
    resumable: true,
    tokenizerPool: createWebTokenizerPool,
    hooks,
  });
  const session = service.session;
  /** The validation file is kept in IndexedDB (the browser's stores, not a test's). */
  const keepsFiles = !ctx.stores && typeof indexedDB !== 'undefined';
  const blobBytes = async (b: Blob) => new Uint8Array(await b.arrayBuffer());
  /** The data file last read (a Blob is a reference, not a copy), to read again on request. */
  let lastTable: { fileName: string; data: Blob | Uint8Array } | null = null;
  const readOptions = (read: TableReadChoice | undefined) => ({
    ...(read?.delimiter !== undefined && { delimiter: read.delimiter }),
    ...(read?.hasHeader !== undefined && { hasHeader: read.hasHeader }),
  });
  const runOptions = (): TrainOptions => ({
    callbacks: [
      progressCallback(
        (progress) => emit({ kind: 'progress', progress }),
        (entry) => emit({ kind: 'log', entry }),
      ),
    ],
    yieldEachStep: true,
  });
  const ended = (result: TrainResult) => {
    status(result.stopped ? `Stopped at step ${result.globalStep}` : 'Finished');
    return result;
  };

  return {
    async init({ preferred }) {
      const info = await selectBackend(preferred, ctx.backendOptions);
      service.setBackend(info.name, info.maxBufferBytes);
      watchDeviceLoss((reason) => service.deviceLost(reason));
      return info;
    },
    async loadPretrained(source) {
      service.assertIdle('A run is in progress: stop it first.');
      if ('url' in source) {
        status(`Downloading ${source.url}…`);
        const fetched = await fetchModelFiles(source.url, {
          refresh: source.refresh,
          onProgress: (progress) => emit({ kind: 'download', progress }),
        });
        const info = await session.loadPretrained(
          fetched.files,
          fetched.name,
          hubRepoId(source.url),
        );
        service.keepCheckpoint({ url: source.url });
        return info;
      }
      const files: Record<string, Uint8Array> = {};
      for (const [k, v] of Object.entries(source.files)) files[k] = new Uint8Array(v);
      const info = await session.loadPretrained(files, pretrainedName(Object.keys(files)));
      service.keepCheckpoint({ files });
      return info;
    },
    async restorePretrained() {
      const kept = await service.keptCheckpoint();
      if (!kept) return null;
      if ('files' in kept) {
        const info = await session.loadPretrained(
          kept.files,
          pretrainedName(Object.keys(kept.files)),
        );
        return { source: 'files' as const, info };
      }
      status(`Loading ${kept.url}…`);
      const fetched = await fetchModelFiles(kept.url, {
        onProgress: (progress) => emit({ kind: 'download', progress }),
      });
      const info = await session.loadPretrained(fetched.files, fetched.name, hubRepoId(kept.url));
      return { source: 'url' as const, url: kept.url, info };
    },
    async forgetPretrained() {
      await service.forgetCheckpoint();
      return { forgotten: true };
    },
    async estimateMemory({ model, batchSize }) {
      return service.estimateMemory(model, batchSize);
    },
    async loadTable({ fileName, file, keep, read }) {
      const data = file instanceof ArrayBuffer ? new Uint8Array(file) : file;
      const summary = await service.loadTable(fileName, data, {
        keep,
        read: readOptions(read),
        onProgress: (progress) => emit({ kind: 'read', progress }),
      });
      lastTable = { fileName, data };
      return summary;
    },
    async rereadTable({ read }) {
      // The file read last, else the one kept from the last visit (what restoreTable opened).
      const kept = lastTable ? null : await stores.kept?.keptDataFile();
      const file = lastTable ?? (kept ? { fileName: kept.fileName, data: kept.bytes } : null);
      if (!file) throw new Error('No data file is open to read again.');
      return service.loadTable(file.fileName, file.data, {
        read: readOptions(read),
        onProgress: (progress) => emit({ kind: 'read', progress }),
      });
    },
    async loadValidationTable({ fileName, file, read, keep }) {
      const data = file instanceof ArrayBuffer ? new Uint8Array(file) : file;
      await session.loadValidationTable(fileName, data, readOptions(read));
      if (!session.validationTable) throw new Error(`${fileName} was not read.`);
      if (keep && keepsFiles) {
        // Kept after the reply; a failure (a full quota) is a warning, the file stays in use.
        void (data instanceof Uint8Array ? Promise.resolve(data) : blobBytes(data))
          .then((bytes) => keptFile.keepDataFile(fileName, bytes, 'validation'))
          .catch((err: unknown) => emit({ kind: 'warning', message: String(err) }));
      }
      return summarizeTable(session.validationTable);
    },
    async restoreValidationTable({ read }) {
      const kept = keepsFiles ? await keptFile.keptDataFile('validation') : null;
      if (!kept) return null;
      try {
        await session.loadValidationTable(kept.fileName, kept.bytes, readOptions(read));
      } catch {
        await keptFile.forgetDataFile('validation').catch(() => undefined);
        return null;
      }
      return session.validationTable ? summarizeTable(session.validationTable) : null;
    },
    async clearValidationTable() {
      session.validationTable = null;
      session.prepared = null;
      if (keepsFiles) await keptFile.forgetDataFile('validation');
      return { cleared: true as const };
    },
    async restoreTable({ read }) {
      lastTable = null;
      return service.restoreTable(readOptions(read));
    },
    async forgetTable() {
      await service.forgetTable();
      return { forgotten: true };
    },
    async loadTokenizer(source) {
      if (source.kind === 'hub') {
        status(`Downloading the tokenizer ${source.id}…`);
        const fetched = await fetchTokenizer(source.id, {
          refresh: source.refresh,
          onProgress: (progress) => emit({ kind: 'download', progress }),
        });
        return tokenizerInfo(service.useTokenizer(fetched.tokenizer, fetched.name), fetched.name);
      }
      const base = `tokenizers/${source.name}/`;
      const [tokenizerJson, tokenizerConfig] = await Promise.all([
        fetchJson(ctx.assetUrl(`${base}tokenizer.json`)),
        fetchJson(ctx.assetUrl(`${base}tokenizer_config.json`)),
      ]);
      const tok = await service.setTokenizerFiles({ tokenizerJson, tokenizerConfig }, source.name);
      return tokenizerInfo(tok, source.name);
    },
    async trainTokenizer({ textColumn, vocabSize, pairColumn, model = 'wordpiece' }) {
      const what = model === 'bpe' ? 'byte-level BPE' : 'WordPiece';
      status(`Training a ${vocabSize}-token ${what} tokenizer…`);
      return tokenizerInfo(
        await service.trainTokenizer(textColumn, vocabSize, { pairColumn, model }),
      );
    },
    async loadTokenizerFiles({ files, keep }) {
      return tokenizerInfo(await service.loadTokenizerFiles(files, keep));
    },
    async restoreTokenizerFiles() {
      return tokenizerInfo(await service.restoreTokenizerFiles());
    },
    async prepare(options) {
      status('Tokenizing…');
      return service.prepare(options);
    },
    async train({ model, args }) {
      service.assertIdle();
      status('Training…');
      return ended(await service.train(model, args, runOptions()));
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
      return service.listRuns();
    },
    async deleteRun({ id }) {
      await service.deleteRun(id);
      return { deleted: true };
    },
    async resumeRun({ id }) {
      return ended(await service.resume(id, runOptions()));
    },
    async openRun({ id }) {
      return service.openRun(id);
    },
    async exportRun({ id }) {
      return fileOf(await service.exportRun(id));
    },
    async testHooks(request) {
      hooks.set(request);
      return { ok: true };
    },
    async exportModel() {
      return fileOf(await service.exportModel());
    },
    async exportScript({ model, args }) {
      const { leftOut, ...file } = await service.exportScript(
        model ? { model, args: args ?? {} } : undefined,
      );
      return { ...fileOf(file), leftOut };
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
