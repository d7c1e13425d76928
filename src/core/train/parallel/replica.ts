/**
 * A gradient replica: a worker holding a copy of the model on its own single-threaded TF.js
 * backend. Before a step (or an evaluation) the main thread's weights arrive in chunks through
 * the shared staging buffer ('weights', `staging.ts`); per step it runs forward/backward over its
 * shares of the step's micro-batches and keeps the summed gradients until the main thread takes
 * them, chunk by chunk, through the same buffer ('grads'). Per evaluation batch ('forward') it
 * returns its share's logits (training false, no tape). Started by `replicaHandle.ts` (for
 * `workerGradients.ts`) on a worker_threads worker (`nodeReplica.ts`, the CLI) or a Web Worker
 * (src/worker/replica.worker.ts, the page).
 *
 * Browser-safe: {@link serveReplica}'s port (`transport.ts`) is all it knows of its host.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendOptions } from '../../backend';
import { errorToWire, StudioError } from '../../util/errors';
import { SequenceClassifier } from '../../model/classifier';
import { familyOf } from '../../model/families';
import { accumulateInto, batchGradients } from '../gradients';
import { heapView, ownedVariable } from './heap';
import { shareLogits, shareTensors } from './shares';
import { fillChunk, readChunk } from './staging';
import type { ReplicaPort } from './transport';
import type {
  ForwardMessage,
  FromReplica,
  GradsMessage,
  InitMessage,
  StepMessage,
  ToReplica,
  WeightsMessage,
} from './protocol';

interface Replica {
  init: InitMessage;
  model: SequenceClassifier;
  variables: tf.Variable[];
  staging: Float32Array;
  /** Off wasm: each parameter's values as last written, assigned at a transfer's end. */
  mirrors: Map<number, Float32Array>;
  /** The last step's gradients, until the main thread has taken them ('grads'). */
  grads: Map<string, tf.Tensor> | null;
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
  const variables = init.layout.names.map((name, j) => {
    const v = ownedVariable(init.layout.shapes[j]);
    params.set(name, v);
    return v;
  });
  const model = new SequenceClassifier(familyOf(init.config), init.config, params, init.head);
  model.gradientCheckpointing = init.gradientCheckpointing;
  return {
    init,
    model,
    variables,
    staging: new Float32Array(init.staging),
    mirrors: new Map(),
    grads: null,
  };
}

/** Drops gradients the main thread did not take (its step failed before it asked). */
function dropGrads(r: Replica): void {
  if (r.grads) tf.dispose([...r.grads.values()]);
  r.grads = null;
}

/**
 * Copies a chunk of the main thread's weights from the staging buffer into the model: on wasm
 * straight into the variables' memory (`heap.ts`); elsewhere into a mirror of each parameter,
 * assigned when the transfer's last chunk is in.
 */
function takeWeights(r: Replica, m: WeightsMessage): void {
  dropGrads(r);
  const { layout } = r.init;
  readChunk(
    layout,
    m.pieces,
    r.staging,
    (j) => {
      const v = r.variables[j];
      const view = heapView(v);
      if (view) return { values: view, at: 0, compact: false };
      let mirror = r.mirrors.get(j);
      if (!mirror) r.mirrors.set(j, (mirror = (v.dataSync() as Float32Array).slice()));
      return { values: mirror, at: 0, compact: false };
    },
    false,
  );
  if (!m.last) return;
  for (const [j, mirror] of r.mirrors) {
    const t = tf.tensor(mirror, layout.shapes[j], 'float32');
    r.variables[j].assign(t);
    t.dispose();
  }
  r.mirrors.clear();
}

/** Writes a chunk of the last step's gradients into the staging buffer. */
function giveGrads(r: Replica, m: GradsMessage): void {
  const grads = r.grads;
  if (!grads) throw new Error('replica: gradients asked for before a step');
  const { names } = r.init.layout;
  fillChunk(r.init.layout, m.pieces, (j) => grads.get(names[j]), r.staging);
  if (m.last) dropGrads(r);
}

async function step(r: Replica, m: StepMessage): Promise<FromReplica> {
  const started = performance.now();
  dropGrads(r);
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
  layout.names.forEach((name, j) => {
    if (acc.grads.has(name)) has[j] = 1;
  });
  const lossValue = (await acc.loss.data())[0];
  acc.loss.dispose();
  r.grads = acc.grads;
  return { type: 'done', id: m.id, loss: lossValue, has, ms: performance.now() - started };
}

/** Logits of an evaluation share at the weights last sent (an evaluation's 'weights' first). */
function forward(r: Replica, m: ForwardMessage): Promise<Float32Array> {
  dropGrads(r);
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
        } else if (m.type === 'weights') {
          if (!replica) throw new Error('replica: weights before init');
          takeWeights(replica, m);
          post({ type: 'ack', id: m.id });
        } else if (m.type === 'grads') {
          if (!replica) throw new Error('replica: gradients asked for before init');
          giveGrads(replica, m);
          post({ type: 'ack', id: m.id });
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
