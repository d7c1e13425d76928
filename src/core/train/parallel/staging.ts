/**
 * Weights and gradients moved between the training thread and its replicas through one small
 * shared staging buffer, a chunk at a time, instead of model-sized shared buffers: bert-base's
 * weights and gradients are 432 MB each, and two such buffers beside each replica's own copies
 * were what kept its peak memory far above PyTorch's.
 *
 * A transfer is a plan, the parameters in layout order (of the word embeddings only some rows,
 * when given), cut into chunks of at most the buffer's floats ({@link chunkPlan}). A chunk is a
 * list of {@link Piece}s laid out one after another from the buffer's start. The writer fills the
 * buffer with a chunk, the reader takes it, and only then the next one is written (the
 * request/reply of `workerGradients.ts` and `replica.ts` orders them).
 *
 * On wasm, values are copied straight between the buffer and the backend's heap (`heap.ts`);
 * elsewhere (the cpu backend of tests) through the tensor's values and a mirror per parameter.
 */
import * as tf from '@tensorflow/tfjs';
import { heapView } from './heap';
import type { ParamLayout } from './protocol';

/** Default staging floats: 16 MiB (bert-base's weights pass in 27 chunks). */
export const STAGING_FLOATS = 4 * 1024 * 1024;

/**
 * Floats of parameter `j` in a chunk: its values [start, start + count) (`rows` null), or the
 * table rows `rows` (each of the layout's width), which are rows [first, first + rows.length) of
 * the transfer's row list for that parameter.
 */
export type Piece =
  | { j: number; rows: null; start: number; count: number }
  | { j: number; rows: Int32Array; first: number };

/** One parameter of a transfer: all of it (`rows` null), or the rows `rows` of a 2-D table. */
export interface PlanItem {
  j: number;
  rows: Int32Array | null;
}

/** The floats a piece takes in the buffer. */
export function pieceFloats(layout: ParamLayout, p: Piece): number {
  return p.rows === null ? p.count : p.rows.length * layout.shapes[p.j][1];
}

/**
 * `items` cut into chunks of at most `capacity` floats, in order (a table row is never cut; a
 * capacity under a row's width is raised to it).
 */
export function chunkPlan(layout: ParamLayout, items: PlanItem[], capacity: number): Piece[][] {
  const chunks: Piece[][] = [];
  let chunk: Piece[] = [];
  let free = capacity;
  const flush = () => {
    if (chunk.length > 0) chunks.push(chunk);
    chunk = [];
    free = capacity;
  };
  for (const { j, rows } of items) {
    if (rows === null) {
      let start = 0;
      const size = layout.sizes[j];
      while (start < size) {
        if (free === 0) flush();
        const count = Math.min(free, size - start);
        chunk.push({ j, rows: null, start, count });
        start += count;
        free -= count;
      }
      continue;
    }
    const width = layout.shapes[j][1];
    let first = 0;
    while (first < rows.length) {
      if (free < width && chunk.length > 0) flush();
      const n = Math.min(rows.length - first, Math.max(1, Math.floor(free / width)));
      chunk.push({ j, rows: rows.subarray(first, first + n), first });
      first += n;
      free = Math.max(0, free - n * width);
    }
  }
  flush();
  return chunks;
}

/** Floats the largest chunk of a plan over `layout` can take: the staging buffer's size. */
export function stagingFloats(layout: ParamLayout, capacity: number): number {
  const widest = layout.shapes.reduce((m, s) => Math.max(m, s.length === 2 ? s[1] : 0), 0);
  return Math.max(1, Math.min(layout.total, Math.max(capacity, widest)));
}

/** `t`'s values without a copy where the backend allows (wasm's heap, the cpu backend's array). */
function valuesOf(t: tf.Tensor): Float32Array {
  return heapView(t) ?? (t.dataSync() as Float32Array);
}

/** Writes `pieces` of the tensors `source(j)` into `staging` (a piece without a tensor: zeros). */
export function fillChunk(
  layout: ParamLayout,
  pieces: Piece[],
  source: (j: number) => tf.Tensor | undefined,
  staging: Float32Array,
): void {
  let at = 0;
  for (const p of pieces) {
    const n = pieceFloats(layout, p);
    const t = source(p.j);
    if (!t) {
      staging.fill(0, at, at + n);
    } else if (p.rows === null) {
      staging.set(valuesOf(t).subarray(p.start, p.start + p.count), at);
    } else {
      const width = layout.shapes[p.j][1];
      const values = valuesOf(t);
      for (let k = 0; k < p.rows.length; k++) {
        const r = p.rows[k];
        staging.set(values.subarray(r * width, (r + 1) * width), at + k * width);
      }
    }
    at += n;
  }
}

/** `out[o..o+n) += src[s..s+n)` (float32 additions, in index order). */
export function addInto(
  out: Float32Array,
  o: number,
  src: Float32Array,
  s: number,
  n: number,
): void {
  for (let e = 0; e < n; e++) out[o + e] += src[s + e];
}

/**
 * Reads a chunk of `staging` into `target(j)`'s floats: copied, or with `add` added (float32
 * additions in index order). Rows go to their row of the table; with `compact`, row k of the
 * transfer's list goes to row k instead (a buffer holding only the transfer's rows).
 */
export function readChunk(
  layout: ParamLayout,
  pieces: Piece[],
  staging: Float32Array,
  target: (j: number) => { values: Float32Array; at: number; compact: boolean },
  add: boolean,
): void {
  let at = 0;
  for (const p of pieces) {
    const n = pieceFloats(layout, p);
    const { values, at: base, compact } = target(p.j);
    if (p.rows === null) {
      if (add) addInto(values, base + p.start, staging, at, p.count);
      else values.set(staging.subarray(at, at + p.count), base + p.start);
    } else {
      const width = layout.shapes[p.j][1];
      for (let k = 0; k < p.rows.length; k++) {
        const o = base + (compact ? p.first + k : p.rows[k]) * width;
        if (add) addInto(values, o, staging, at + k * width, width);
        else values.set(staging.subarray(at + k * width, at + (k + 1) * width), o);
      }
    }
    at += n;
  }
}
