/**
 * A row-sparse table gradient (the word embeddings of a data-parallel step, `rowSparseGrad`)
 * through clipping and AdamW: every row of the table is updated (its moments decay where the
 * gradient is zero, as torch's dense update does), bit for bit as the dense gradient filled out
 * with zeros, on the cpu backend (filled out) and on wasm (the one-pass rows kernel).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../../src/core/backend';
import { wasmAdamWRows } from '../../src/core/kernels/wasmAdamWRows';
import { installWasmKernels } from '../../src/core/kernels/wasmKernels';
import { AdamW } from '../../src/core/train/adamw';
import { clipFlatGradsByGlobalNorm } from '../../src/core/train/clip';
import { denseRows, rowSparseGrad } from '../../src/core/train/flatParams';

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

// 13 wide: the kernel's 4-wide body and its tail both run on every row; 3,000 rows: three of
// the kernel's blocks (1,260 rows of 13), the last ones without any gradient in some steps.
const ROWS = 3000;
const WIDTH = 13;
const TABLE = 'embeddings.word_embeddings.weight';
/** Rows with a gradient per step: the first and last rows, runs of neighbours, lone rows. */
const STEP_ROWS = [
  [0, 1, 2, 7, 20, 21, 1259, 1260, 2999],
  [3, 1300],
  [0, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 2998, 2999],
  [25],
];

function params(): Map<string, tf.Variable> {
  const table = tf.tensor2d(values(ROWS * WIDTH, 1), [ROWS, WIDTH]);
  const bias = tf.tensor1d(values(7, 2));
  const out = new Map<string, tf.Variable>([
    [TABLE, tf.variable(table)],
    ['classifier.bias', tf.variable(bias)],
  ]);
  // The variables keep their own reference to the data.
  tf.dispose([table, bias]);
  return out;
}

/**
 * Trains a dense and a row-sparse copy side by side, `maxNorm` clipping both; returns the
 * largest relative difference of the pre-clip norms, and both final tables and moments.
 */
async function sideBySide(maxNorm: number) {
  const dense = params();
  const sparse = params();
  // The table alone in its bucket, the bias in a shared one.
  const hp = { weightDecay: 0.01, beta2: 0.98, aloneElements: 100 };
  const optDense = new AdamW(dense, hp);
  const optSparse = new AdamW(sparse, hp);
  let normDiff = 0;
  for (let s = 0; s < STEP_ROWS.length; s++) {
    const rows = Int32Array.from(STEP_ROWS[s]);
    const shape: [number, number] = [ROWS, WIDTH];
    const bias = tf.tensor1d(values(7, 10 + s));
    const compact = tf.tensor2d(values(rows.length * WIDTH, 20 + s), [rows.length, WIDTH]);
    const filled = tf.tidy(() => denseRows(compact, { rows, shape }));
    const flatDense = optDense.flattenGrads(
      new Map<string, tf.Tensor>([
        [TABLE, filled],
        ['classifier.bias', bias],
      ]),
    );
    const flatSparse = optSparse.flattenGrads(
      new Map<string, tf.Tensor>([
        [TABLE, rowSparseGrad(compact, rows, shape)],
        ['classifier.bias', bias],
      ]),
    );
    tf.dispose([filled, compact, bias]);
    const table = flatSparse.buckets.findIndex((b) => b.names.includes(TABLE));
    expect(flatSparse.sparse(table)?.rows).toEqual(rows);
    const [nd, ns] = [
      clipFlatGradsByGlobalNorm(flatDense, maxNorm),
      clipFlatGradsByGlobalNorm(flatSparse, maxNorm),
    ];
    const [a, b] = [(await nd.data())[0], (await ns.data())[0]];
    normDiff = Math.max(normDiff, Math.abs(a - b) / a);
    optDense.step(flatDense, 1e-2 * (s + 1));
    optSparse.step(flatSparse, 1e-2 * (s + 1));
    tf.dispose([flatDense, flatSparse, nd, ns] as unknown as tf.TensorContainer);
  }
  const out = {
    normDiff,
    dense: await (dense.get(TABLE) as tf.Variable).data(),
    sparse: await (sparse.get(TABLE) as tf.Variable).data(),
    denseState: await optDense.getState(),
    sparseState: await optSparse.getState(),
  };
  optDense.dispose();
  optSparse.dispose();
  tf.dispose([...dense.values(), ...sparse.values()]);
  return out;
}

describe('AdamW with a row-sparse table gradient', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(['cpu', 'wasm'])(
    'updates every row bit for bit as the zero-filled dense gradient (%s)',
    async (backend) => {
      expect((await selectBackend(backend as 'cpu' | 'wasm')).name).toBe(backend);
      if (backend === 'wasm') {
        expect(installWasmKernels()).toBe(true);
        expect(wasmAdamWRows()).not.toBeNull();
      }
      const before = tf.memory().numTensors;
      // No clipping (the coefficient is exactly 1): the updates must agree to the bit.
      const r = await sideBySide(1e9);
      expect(r.normDiff).toBeLessThan(1e-6);
      expect(r.sparse).toEqual(r.dense);
      expect(r.sparseState.m[TABLE]).toEqual(r.denseState.m[TABLE]);
      expect(r.sparseState.v[TABLE]).toEqual(r.denseState.v[TABLE]);
      // Rows that never had a gradient moved too: their moments decayed, their weights stepped.
      const untouched = 2000 * WIDTH;
      expect(r.sparse[untouched]).not.toBe(values(ROWS * WIDTH, 1)[untouched]);
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it.each(['cpu', 'wasm'])(
    'clips on the rows alone as on the dense table (%s)',
    async (backend) => {
      await selectBackend(backend as 'cpu' | 'wasm');
      // Clipping every step: the norms agree to rounding, so the tables to a few ulps.
      const r = await sideBySide(0.5);
      expect(r.normDiff).toBeLessThan(1e-6);
      let worst = 0;
      for (let i = 0; i < r.dense.length; i++) {
        worst = Math.max(worst, Math.abs(r.dense[i] - r.sparse[i]));
      }
      expect(worst).toBeLessThan(1e-6);
    },
  );
});
