/**
 * A gradient replica: a worker holding a copy of the model on its own single-threaded TF.js
 * backend. Per step it loads the main thread's weights from the shared buffer (when they
 * changed), runs forward/backward over its shares of the step's micro-batches, and writes the
 * summed gradients into its shared gradient buffer. Per evaluation batch ('forward') it loads
 * them the same way and returns its share's logits (training false, no tape). Started by
 * `replicaHandle.ts` (for `workerGradients.ts`) on a worker_threads worker (`nodeReplica.ts`,
 * the CLI) or a Web Worker (src/worker/replica.worker.ts, the page).
 *
 * Browser-safe: {@link serveReplica}'s port (`transport.ts`) is all it knows of its host.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendOptions } from '../../backend';
import { errorToWire, StudioError } from '../../util/errors';
import { SequenceClassifier } from '../../model/classifier';
import { familyOf } from '../../model/families';
import { accumulateInto, batchGradients } from '../gradients';
import { ownedVariable, readInto, writeAll, writeRows } from './heap';
import { shareLogits, shareTensors } from './shares';
import type { ReplicaPort } from './transport';
import {
  readRows,
  rowsOf,
  type ForwardMessage,
  type FromReplica,
  type InitMessage,
  type StepMessage,
  type ToReplica,
} from './protocol';

interface Replica {
  init: InitMessage;
  model: SequenceClassifier;
  weights: Float32Array;
  control: Int32Array;
  grads: Float32Array;
  version: number;
  /**
   * Index of the word embeddings in the layout (-1: none), and off wasm their rows as this
   * replica has them (on wasm the variable itself is written in place, `heap.ts`).
   */
  embIndex: number;
  embRows: Float32Array | null;
  /** The weights version each row of `embRows` was copied at (-1: never). */
  embStamp: Int32Array | null;
}

let replica: Replica | null = null;

let backend: Promise<void> | null = null;
/** How this worker selects its backend ({@link serveReplica}'s `options`). */
let backendOptions: BackendOptions = {};

/** Selects the TF.js backend once (on 'warm', or else on 'init'). */
function useBackend(name: InitMessage['backend']): Promise<void> {
  backend ??= (async () => {
    tf.env().set('PROD', true);
    const b = await selectBackend(name, backendOptions);
    if (b.name !== name) {
      throw new StudioError(
        'arguments',
        `The ${name} backend is unavailable in a gradient replica.`,
        {
          remedy:
            'Train with --backend wasm or cpu (the backends of Node), or with --num_replicas 1.',
        },
      );
    }
  })();
  return backend;
}

async function start(init: InitMessage): Promise<Replica> {
  await useBackend(init.backend);
  const params = new Map<string, tf.Variable>();
  init.layout.names.forEach((name, j) => {
    params.set(name, ownedVariable(init.layout.shapes[j]));
  });
  const model = new SequenceClassifier(familyOf(init.config), init.config, params, init.head);
  model.gradientCheckpointing = init.gradientCheckpointing;
  return {
    init,
    model,
    weights: new Float32Array(init.weights),
    control: new Int32Array(init.control),
    grads: new Float32Array(init.grads),
    version: -1,
    embIndex:
      init.layout.wordEmbeddings === null
        ? -1
        : init.layout.names.indexOf(init.layout.wordEmbeddings),
    embRows: null,
    embStamp: null,
  };
}

/**
 * Copies the main thread's weights into the model when their version moved (on wasm straight
 * into the variables' memory: no copy in between, `heap.ts`); of the word embeddings, only the
 * rows this step reads (`rows`; the others do not enter its gradients) that were not copied at
 * this version yet.
 */
function syncWeights(r: Replica, rows: Int32Array): void {
  // Atomics.load orders the main thread's plain writes of `weights` before this read.
  const version = Atomics.load(r.control, 0);
  const moved = version !== r.version;
  const { names, shapes, offsets, sizes } = r.init.layout;
  names.forEach((name, j) => {
    const v = r.model.params.get(name) as tf.Variable;
    if (j === r.embIndex) {
      // Rows this replica has not read at this version may be read now (a training step bumps
      // the version each time; an evaluation's batches share one).
      const stamp = (r.embStamp ??= new Int32Array(shapes[j][0]).fill(-1));
      const fresh = rows.filter((row) => stamp[row] !== version);
      if (fresh.length === 0) return;
      for (const row of fresh) stamp[row] = version;
      const mirror = () => (r.embRows ??= new Float32Array(sizes[j]));
      writeRows(v, r.weights, offsets[j], fresh, shapes[j][1], mirror);
    } else if (moved) {
      writeAll(v, r.weights.subarray(offsets[j], offsets[j] + sizes[j]));
    }
  });
  r.version = version;
}

async function step(r: Replica, m: StepMessage): Promise<FromReplica> {
  const started = performance.now();
  const rows = rowsOf(m.shares);
  syncWeights(r, rows);
  const { problemType, loss, layout } = r.init;
  let acc: { loss: tf.Scalar; grads: Map<string, tf.Tensor> } | null = null;
  for (const s of m.shares) {
    const batch = shareTensors(s, problemType, r.model.head, r.model.takesTokenTypeIds());
    const out = batchGradients(
      r.model,
      problemType,
      batch,
      { ...loss, denominator: s.denominator },
      s.seed,
      m.microBatches,
      r.model.head === 'token',
    );
    tf.dispose(Object.values(batch));
    if (acc === null) acc = out;
    else accumulateInto(acc, out);
  }
  if (acc === null) throw new Error('replica: a step without shares');
  const has = new Uint8Array(layout.names.length);
  for (let j = 0; j < layout.names.length; j++) {
    const g = acc.grads.get(layout.names[j]);
    if (!g) continue;
    // On wasm straight from the backend's memory (heap.ts), no copy of the gradients in between.
    if (j === r.embIndex) r.grads.set(await readRows(g, rows), layout.offsets[j]);
    else await readInto(g, r.grads, layout.offsets[j]);
    has[j] = 1;
  }
  const lossValue = (await acc.loss.data())[0];
  tf.dispose([acc.loss, ...acc.grads.values()]);
  return { type: 'done', id: m.id, loss: lossValue, has, ms: performance.now() - started };
}

/** Logits of an evaluation share at the main thread's current weights. */
function forward(r: Replica, m: ForwardMessage): Promise<Float32Array> {
  syncWeights(r, rowsOf([m.share]));
  return shareLogits(r.model, m.share);
}

/**
 * Serves the main thread's requests on `port` (one replica per worker), one message at a time:
 * the main thread sends the next step only after this one's reply. `options`: how the backend is
 * selected (the page's wasm binaries and one thread).
 */
export function serveReplica(port: ReplicaPort, options: BackendOptions = {}): void {
  backendOptions = options;
  const post = (m: FromReplica) => port.post(m);
  let queue: Promise<void> = Promise.resolve();
  port.onMessage((m: ToReplica) => {
    queue = queue.then(async () => {
      try {
        if (m.type === 'warm') {
          await useBackend(m.backend);
        } else if (m.type === 'init') {
          replica = await start(m);
          post({ type: 'ready' });
        } else if (m.type === 'step') {
          if (!replica) throw new Error('replica: step before init');
          post(await step(replica, m));
        } else if (m.type === 'forward') {
          if (!replica) throw new Error('replica: forward before init');
          const logits = await forward(replica, m);
          // A few floats per row: copied, not transferred (the array may be the backend's own).
          post({ type: 'logits', id: m.id, logits });
        } else if (m.type === 'close') {
          port.close();
        }
      } catch (e) {
        const error = errorToWire(e);
        post({ type: 'error', message: error.message, error, stack: (e as Error).stack });
      }
    });
  });
}
