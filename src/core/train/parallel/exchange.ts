/**
 * The exchange of `workerGradients.ts` with its workers through the staging buffer
 * (`staging.ts`): this thread's weights out to every worker before a step or an evaluation, and
 * each worker's gradients back after a step, summed in share order with this thread's own.
 *
 * Browser-safe.
 */
import * as tf from '@tensorflow/tfjs';
import type { StepGradients } from '../gradients';
import { heapView } from './heap';
import { canSumInPlace, readShare, sumInPlace } from './inPlaceSum';
import type { FromReplica, ParamLayout } from './protocol';
import type { ReplicaHandle } from './replicaHandle';
import { sumParts, type Part } from './shares';
import { chunkPlan, fillChunk, readChunk, type Piece, type PlanItem } from './staging';

/** A worker's finished step: its reply, and its shares' word-embedding rows (`rowsOf`). */
export interface WorkerDone {
  h: ReplicaHandle;
  m: Extract<FromReplica, { type: 'done' }>;
  rows: Int32Array;
}

/** See the module comment. One per set of workers; the buffer is theirs too. */
export class StagingExchange {
  private nextId = 0;
  private readonly capacity: number;

  constructor(
    private readonly layout: ParamLayout,
    /** The staging buffer's floats (a SharedArrayBuffer every worker was given). */
    private readonly staging: Float32Array,
  ) {
    this.capacity = staging.length;
  }

  /**
   * Sends `params` (this thread's weights) to every worker, a chunk at a time (of the word
   * embeddings, only the rows `rows` the workers' shares read; all of them when null). Each chunk
   * is written once and read by all workers before the next is written.
   */
  async broadcast(
    handles: ReplicaHandle[],
    params: Map<string, tf.Tensor>,
    rows: Int32Array | null,
  ): Promise<void> {
    const { names } = this.layout;
    const items: PlanItem[] = names.map((name, j) => ({
      j,
      rows: name === this.layout.wordEmbeddings ? rows : null,
    }));
    const chunks = chunkPlan(this.layout, items, this.capacity);
    for (let c = 0; c < chunks.length; c++) {
      fillChunk(this.layout, chunks[c], (j) => params.get(names[j]), this.staging);
      const id = this.nextId++;
      const last = c === chunks.length - 1;
      await Promise.all(
        handles.map((h) => h.request({ type: 'weights', id, pieces: chunks[c], last })),
      );
    }
  }

  /**
   * Takes a worker's gradients of the last step, a chunk at a time, into `into` (which
   * parameters it has: `has`; of the word embeddings, its rows `rows`).
   */
  private async gather(
    h: ReplicaHandle,
    has: Uint8Array,
    rows: Int32Array,
    into: (pieces: Piece[], staging: Float32Array) => void,
  ): Promise<void> {
    const items: PlanItem[] = [];
    this.layout.names.forEach((name, j) => {
      if (has[j]) items.push({ j, rows: name === this.layout.wordEmbeddings ? rows : null });
    });
    const chunks = chunkPlan(this.layout, items, this.capacity);
    for (let c = 0; c < chunks.length; c++) {
      const id = this.nextId++;
      await h.request({ type: 'grads', id, pieces: chunks[c], last: c === chunks.length - 1 });
      into(chunks[c], this.staging);
    }
  }

  /**
   * The step's gradients: the workers' (`done`, in share order) summed, after this thread's
   * share (`main`, its rows `rows`) when it computed one. On wasm they are added to its gradients
   * where they are, chunk by chunk as they come; otherwise each worker's come into an array of
   * their own and `sumParts` adds them.
   */
  async sum(
    main: { loss: number; grads: Map<string, tf.Tensor> } | null,
    done: WorkerDone[],
    rows: Int32Array,
    tokens: number,
  ): Promise<StepGradients> {
    const { names, shapes } = this.layout;
    if (main && canSumInPlace(main.grads)) {
      const grads = main.grads;
      const target = (j: number) => {
        if (!grads.has(names[j])) grads.set(names[j], tf.zeros(shapes[j]));
        // A fresh view per piece: nothing here allocates in the heap while it is used.
        const values = heapView(grads.get(names[j]) as tf.Tensor) as Float32Array;
        return { values, at: 0, compact: false };
      };
      for (const d of done) {
        await this.gather(d.h, d.m.has, d.rows, (pieces, staging) =>
          readChunk(this.layout, pieces, staging, target, true),
        );
      }
      return sumInPlace(
        main,
        done.map((d) => d.m.loss),
        tokens,
      );
    }
    const parts: Part[] = [];
    for (const d of done) {
      const flat = new Float32Array(this.layout.total);
      const target = (j: number) => ({ values: flat, at: this.layout.offsets[j], compact: true });
      await this.gather(d.h, d.m.has, d.rows, (pieces, staging) =>
        readChunk(this.layout, pieces, staging, target, false),
      );
      parts.push({
        loss: d.m.loss,
        rows: d.rows,
        grad: (j) => (d.m.has[j] ? { src: flat, at: this.layout.offsets[j] } : null),
      });
    }
    if (!main) return sumParts(this.layout, parts, tokens);
    const own = await readShare(this.layout, main.grads, rows);
    tf.dispose([...main.grads.values()]);
    const m = main;
    parts.unshift({
      loss: m.loss,
      rows,
      grad: (j) => {
        const src = own.get(this.layout.names[j]);
        return src ? { src, at: 0 } : null;
      },
    });
    return sumParts(this.layout, parts, tokens);
  }
}
