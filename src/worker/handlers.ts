/**
 * The worker's request handlers: each protocol request translated into a call of the core
 * `RunService` (the one run, its records, checkpoints and exports, the data and its files) or
 * its session. The service holds every piece of state; the run's state, progress and log
 * stream back as `snapshot` events through `emit`. No handler stores anything itself
 * (eslint.config.js forbids the storage modules here).
 */
import { selectBackend, type BackendOptions } from '../core/backend';
import { watchDeviceLoss } from '../core/run/device';
import { RunService, type RunServiceDeps } from '../core/run/service';
import { modelFamilies } from '../core/session/pretrained';
import { textEntities } from '../core/session/taggedEntities';
import { taggedDetails } from '../core/session/taggedSession';
import { argsCatalog, checkArgs } from './argsCatalog';
import { createWebTokenizerPool } from './tokenizePool';
import { createTestHooks } from './testHooks';
import { pageGradients, pageWorkers, workersOf, type PageWorkers } from './replicas';
import { modelSources, tokenizerInfo } from './sources';
import type { Api, ReadProgress, RequestName, WorkerEvent } from './protocol';
import { bytesOf, fileOf, readOptions, transferOf } from './transfer';

type Handlers = {
  [K in RequestName]: (params: Api[K][0]) => Promise<Api[K][1]>;
};

export interface HandlerContext {
  emit: (event: WorkerEvent) => void;
  /** Resolves a path of the app's static files (bundled tokenizers) to a URL. */
  assetUrl: (path: string) => string;
  backendOptions: BackendOptions;
  /** Where runs and kept files are stored (the worker's: IndexedDB and Web Locks). */
  stores: Pick<RunServiceDeps, 'runs' | 'checkpoints' | 'kept' | 'locks'>;
}

/** The wasm backend's threads (1 on another backend). */
async function wasmThreads(backend: string): Promise<number> {
  if (backend !== 'wasm') return 1;
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  return Math.max(1, wasm.getThreadsCount());
}

export function createHandlers(
  ctx: HandlerContext,
): Handlers & { transferOf(result: unknown): Transferable[] } {
  const { emit } = ctx;
  const status = (message: string) => emit({ kind: 'status', message });
  /** Test hooks (e2e build only): simulated full quota, simulated WebGPU device loss. */
  const hooks = createTestHooks();
  const service = new RunService({
    ...ctx.stores,
    events: {
      warning: (message) => emit({ kind: 'warning', message }),
      run: (id) => emit({ kind: 'run', id }),
      snapshot: (snapshot) => emit({ kind: 'snapshot', snapshot }),
      status,
    },
    resumable: true,
    tokenizerPool: createWebTokenizerPool,
    hooks,
  });
  const session = service.session;
  const sources = modelSources(service, emit, ctx.assetUrl);
  const onRead = { onProgress: (progress: ReadProgress) => emit({ kind: 'read', progress }) };
  /** The workers a run can use on the backend chosen (one until `init`). */
  let workers: PageWorkers = pageWorkers('none');
  /** A run's gradient source: `requested` workers (null: one per core) where they can run. */
  const gradientsOf = (requested: number | null | undefined) =>
    pageGradients(workersOf(requested, workers));

  return {
    async init({ preferred }) {
      const info = await selectBackend(preferred, ctx.backendOptions);
      service.setBackend(info.name, info.maxBufferBytes);
      watchDeviceLoss((reason) => service.deviceLost(reason));
      workers = pageWorkers(info.name, globalThis, await wasmThreads(info.name));
      return { ...info, workers };
    },
    loadPretrained: sources.loadPretrained,
    async modelFamilies() {
      return modelFamilies();
    },
    restorePretrained: sources.restorePretrained,
    async forgetPretrained() {
      await service.forgetCheckpoint();
      return { forgotten: true };
    },
    async estimateMemory({ model, batchSize, gradientCheckpointing }) {
      return service.estimateMemory(model, batchSize, gradientCheckpointing);
    },
    async loadTable({ fileName, file, keep, read, fresh, tagging }) {
      if (tagging) session.setTagging(tagging);
      return service.loadTable(fileName, bytesOf(file), {
        keep,
        fresh,
        read: readOptions(read),
        ...onRead,
      });
    },
    async rereadTable({ read }) {
      return service.rereadTable({ read: readOptions(read), ...onRead });
    },
    async loadValidationTable({ fileName, file, read, keep, tagging }) {
      if (tagging) session.setTagging(tagging);
      return service.loadValidationTable(fileName, bytesOf(file), {
        keep,
        read: readOptions(read),
      });
    },
    async restoreValidationTable({ read }) {
      return service.restoreValidationTable(readOptions(read));
    },
    async clearValidationTable() {
      await service.clearValidationTable();
      return { cleared: true as const };
    },
    async restoreTable({ read }) {
      return service.restoreTable(readOptions(read));
    },
    async forgetTable() {
      await service.forgetTable();
      return { forgotten: true };
    },
    loadTokenizer: sources.loadTokenizer,
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
      return 'config' in options ? service.prepareConfig(options.config) : service.prepare(options);
    },
    async train({ config }) {
      const gradients = gradientsOf(config.compute?.num_replicas);
      return service.startRun(config, { yieldEachStep: true, gradients });
    },
    async stop() {
      return { stopping: service.stop() };
    },
    async pause() {
      return { paused: service.pause() };
    },
    async unpause() {
      return { paused: !service.unpause() && service.run.state === 'paused' };
    },
    async listRuns() {
      return service.listRuns();
    },
    async deleteRun({ id }) {
      await service.deleteRun(id);
      return { deleted: true };
    },
    async continueRun({ id, compute }) {
      const gradients = gradientsOf(compute?.num_replicas);
      return service.continueRun(id, { yieldEachStep: true, gradients });
    },
    async openRun({ id }) {
      return service.openRun(id);
    },
    async exportRun({ id }) {
      return fileOf(await service.exportRun(id));
    },
    async importRun({ fileName, text }) {
      return service.importRun(fileName, text);
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
    async importModel({ zip, fileName }) {
      return service.importModel(fileName ?? 'model.zip', new Uint8Array(zip));
    },
    async predict({ texts }) {
      return session.predict(texts);
    },
    async entities({ texts }) {
      return textEntities(session, texts);
    },
    async taggedDetails() {
      return taggedDetails(session);
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
      return checkArgs(args);
    },
    transferOf,
  };
}
