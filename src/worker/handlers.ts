/**
 * The worker's request handlers: each protocol request mapped onto the core `StudioSession`.
 * Progress and logs stream back as events through `emit`.
 */
import { selectBackend, type BackendOptions } from '../core/backend';
import { StudioSession } from '../core/session';
import type { TrainerCallback } from '../core/train/callbacks';
import type { Api, RequestName, WorkerEvent } from './protocol';

type Handlers = {
  [K in RequestName]: (params: Api[K][0]) => Promise<Api[K][1]>;
};

export interface HandlerContext {
  emit: (event: WorkerEvent) => void;
  /** Resolves a path of the app's static files (bundled tokenizers) to a URL. */
  assetUrl: (path: string) => string;
  backendOptions: BackendOptions;
}

/** Minimum time between two progress events, ms (keeps the UI thread quiet). */
const PROGRESS_INTERVAL_MS = 200;

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

export function createHandlers(ctx: HandlerContext): Handlers & { transferOf(result: unknown): Transferable[] } {
  const session = new StudioSession();

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

  return {
    async init({ preferred }) {
      return selectBackend(preferred, ctx.backendOptions);
    },
    async loadTable({ fileName, bytes }) {
      return session.loadTable(fileName, new Uint8Array(bytes));
    },
    async loadTokenizer(source) {
      const base = `tokenizers/${source.name}/`;
      const [tokenizerJson, tokenizerConfig] = await Promise.all([
        fetchJson(ctx.assetUrl(`${base}tokenizer.json`)),
        fetchJson(ctx.assetUrl(`${base}tokenizer_config.json`)),
      ]);
      const tok = await session.setTokenizerFiles({ tokenizerJson, tokenizerConfig });
      return { name: source.name, vocabSize: tok.vocabSize };
    },
    async prepare(options) {
      ctx.emit({ kind: 'status', message: 'Tokenizing…' });
      return session.prepare(options);
    },
    async train({ model, args }) {
      if (session.training) throw new Error('A run is already in progress: stop it first.');
      ctx.emit({ kind: 'status', message: 'Training…' });
      const result = await session.train(model, args, {
        callbacks: [progressCallback()],
        yieldEachStep: true,
      });
      ctx.emit({
        kind: 'status',
        message: result.stopped ? `Stopped at step ${result.globalStep}` : 'Finished',
      });
      return result;
    },
    async stop() {
      return { stopping: session.stop() };
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
    transferOf(result: unknown): Transferable[] {
      if (result && typeof result === 'object' && 'zip' in result) {
        const z = (result as { zip: unknown }).zip;
        if (z instanceof ArrayBuffer) return [z];
      }
      return [];
    },
  };
}
