/**
 * The studio's wasm BatchMatMul (src/core/kernels) against TF.js's cpu backend: plain, batched,
 * broadcast and transposed products of odd sizes (every micro-kernel tail), the zero-size edge
 * cases, gradients through it, and the committed binary against a fresh assembly of the text.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../../src/core/backend';
import { assembleGemmKernels, generatedModuleText } from '../../src/core/kernels/assemble';
import { setWasmKernelsEnabled, wasmGelu } from '../../src/core/kernels/wasmKernels';
import { dropoutKeepMask, dropoutSeed } from '../../src/core/model/dropoutMask';
import { activation, dropout } from '../../src/core/model/layers';

const generatedPath = fileURLToPath(
  new URL('../../src/core/kernels/gemmWasm.generated.ts', import.meta.url),
);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

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

interface Case {
  a: number[];
  b: number[];
  ta: boolean;
  tb: boolean;
}

const CASES: Case[] = [
  { a: [1, 1], b: [1, 1], ta: false, tb: false },
  { a: [1, 37], b: [37, 23], ta: false, tb: false },
  { a: [3, 37], b: [37, 23], ta: false, tb: false },
  { a: [150, 9], b: [150, 21], ta: true, tb: false },
  { a: [6, 600], b: [600, 10], ta: false, tb: false },
  { a: [5, 3], b: [3, 7], ta: false, tb: false },
  { a: [13, 17], b: [17, 29], ta: false, tb: false },
  { a: [13, 17], b: [29, 17], ta: false, tb: true },
  { a: [17, 13], b: [17, 29], ta: true, tb: false },
  { a: [17, 13], b: [29, 17], ta: true, tb: true },
  { a: [3, 2, 9, 12], b: [3, 2, 12, 8], ta: false, tb: false },
  { a: [6, 9, 12], b: [6, 8, 12], ta: false, tb: true },
  { a: [6, 12, 9], b: [6, 12, 8], ta: true, tb: false },
  { a: [6, 9, 12], b: [1, 12, 8], ta: false, tb: false },
  { a: [1, 9, 12], b: [6, 8, 12], ta: false, tb: true },
  { a: [4, 6], b: [0, 6], ta: false, tb: true },
  { a: [4, 0], b: [0, 6], ta: false, tb: false },
];

async function product(c: Case, backend: string): Promise<Float32Array> {
  await tf.setBackend(backend);
  const a = tf.tensor(
    values(
      c.a.reduce((p, d) => p * d, 1),
      1,
    ),
    c.a,
  );
  const b = tf.tensor(
    values(
      c.b.reduce((p, d) => p * d, 1),
      2,
    ),
    c.b,
  );
  const y = tf.matMul(a, b, c.ta, c.tb);
  const out = (await y.data()) as Float32Array;
  tf.dispose([a, b, y]);
  return out;
}

describe('wasm BatchMatMul kernel', () => {
  beforeAll(async () => {
    expect((await selectBackend('wasm')).name).toBe('wasm');
  });
  afterAll(() => setWasmKernelsEnabled(true));

  it.each(CASES)('a $a (T $ta) x b $b (T $tb) matches the cpu backend', async (c) => {
    const want = await product(c, 'cpu');
    const got = await product(c, 'wasm');
    expect(got.length).toBe(want.length);
    // float32 rounding grows with the size of the sums (K = 600 gives outputs near 10)
    const scale = Math.max(1, ...Array.from(want, Math.abs));
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-5 * scale);
  });

  it.each(CASES.filter((c) => c.a.length === 2 && c.b.length === 2 && c.a[0] >= 4))(
    'on the threaded build: a $a (T $ta) x b $b (T $tb) through XNNPACK matches the cpu backend',
    async (c) => {
      const want = await product(c, 'cpu');
      await tf.setBackend('wasm');
      const wasm = (tf.backend() as unknown as { wasm: { _get_threads_count?: () => number } })
        .wasm;
      const own = Object.getOwnPropertyDescriptor(wasm, '_get_threads_count');
      wasm._get_threads_count = () => 4; // the threaded build's answer in a cross-origin isolated page
      try {
        const got = await product(c, 'wasm');
        expect(maxAbsDiff(got, want)).toBeLessThan(
          1e-5 * Math.max(1, ...Array.from(want, Math.abs)),
        );
      } finally {
        if (own) Object.defineProperty(wasm, '_get_threads_count', own);
      }
    },
  );

  it('gives the gradients of TF.js own kernel, and leaks nothing', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const q = tf.tensor(values(2 * 3 * 10 * 8, 3), [2, 3, 10, 8]);
    const k = tf.tensor(values(2 * 3 * 10 * 8, 4), [2, 3, 10, 8]);
    const grads = async (): Promise<Float32Array[]> => {
      const g = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
        tf.sum(tf.square(tf.matMul(x, y, false, true))),
      );
      const [dq, dk] = g([q, k]);
      const out = [(await dq.data()) as Float32Array, (await dk.data()) as Float32Array];
      tf.dispose([dq, dk]);
      return out;
    };
    const ours = await grads();
    setWasmKernelsEnabled(false);
    const theirs = await grads();
    setWasmKernelsEnabled(true);
    expect(maxAbsDiff(ours[0], theirs[0])).toBeLessThan(1e-4);
    expect(maxAbsDiff(ours[1], theirs[1])).toBeLessThan(1e-4);
    tf.dispose([q, k]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the committed binary is the assembly of gemmWat.ts (run scripts/build-wasm-kernels.ts)', async () => {
    const text = generatedModuleText(await assembleGemmKernels());
    expect(readFileSync(generatedPath, 'utf8')).toBe(text);
  });
});

describe('wasm GatherV2 kernel', () => {
  it('gathers rows like the cpu backend, zeros for ids out of range, and leaks nothing', async () => {
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const table = tf.tensor(values(7 * 5, 9), [7, 5]);
      const ints = tf.tensor(
        Int32Array.from({ length: 12 }, (_, i) => i * 3),
        [4, 3],
        'int32',
      );
      const ids = tf.tensor2d(
        [
          [0, 6, 2],
          [2, 2, 5],
        ],
        [2, 3],
        'int32',
      );
      const rows = tf.gather(table, ids);
      const pick = tf.tensor1d([3, 0], 'int32');
      const intRows = tf.gather(ints, pick);
      const cols = tf.gather(table, pick, 1);
      const out = {
        rows: Array.from(await rows.data()),
        intRows: Array.from(await intRows.data()),
        cols: Array.from(await cols.data()),
        shape: rows.shape,
      };
      tf.dispose([table, ints, ids, pick, rows, intRows, cols]);
      expect(tf.memory().numTensors).toBe(before);
      return out;
    };
    const want = await run('cpu');
    const got = await run('wasm');
    expect(got.shape).toEqual([2, 3, 5]);
    expect(maxAbsDiff(got.rows, want.rows)).toBe(0);
    expect(got.intRows).toEqual(want.intRows);
    expect(maxAbsDiff(got.cols, want.cols)).toBe(0);
    await tf.setBackend('wasm');
    const table = tf.ones([3, 2]);
    const ids = tf.tensor1d([1, 3, -1], 'int32');
    const g = tf.gather(table, ids);
    expect(Array.from(await g.data())).toEqual([1, 1, 0, 0, 0, 0]);
    tf.dispose([table, ids, g]);
  });
});

describe('wasm Slice and SplitV kernels', () => {
  it('slice and split like the cpu backend at every rank, for float32 and int32', async () => {
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const x4 = tf.tensor(values(3 * 6 * 5 * 4, 11), [3, 6, 5, 4]);
      const i3 = tf.tensor(
        Int32Array.from({ length: 60 }, (_, i) => i - 30),
        [3, 4, 5],
        'int32',
      );
      const flat = tf.reshape(x4, [360]);
      const pieces = [
        tf.slice(x4, [1, 2, 0, 0], [2, 3, 5, 4]),
        tf.slice(x4, [0, 1, 2, 1], [3, 4, 2, 2]),
        tf.slice(x4, [2, 0, 0, 0], [1, -1, -1, -1]),
        tf.slice(flat, [7], [100]),
        tf.slice(i3, [0, 1, 1], [3, 2, 3]),
        ...tf.split(x4, 3, 1),
        ...tf.split(x4, [1, 3], 3),
        ...tf.split(i3, [2, 1], 0),
      ];
      const out = await Promise.all(pieces.map(async (p) => [p.shape, Array.from(await p.data())]));
      tf.dispose([x4, i3, flat, ...pieces]);
      expect(tf.memory().numTensors).toBe(before);
      return out;
    };
    const want = await run('cpu');
    const got = await run('wasm');
    expect(got).toEqual(want);
  });
});

describe('wasm GELU kernels', () => {
  it('give exact GELU and its gradient as the cpu backend does, to float precision', async () => {
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const x = tf.tensor(
        Float32Array.from({ length: 1003 }, (_, i) => -9 + (18 * i) / 1002),
        [17, 59],
      );
      const [y, dx] = tf.tidy(() => {
        const f = (t: tf.Tensor) => activation(t, 'gelu');
        const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), 1.5)));
        return [f(x), g(x)];
      });
      const out = [Array.from(await y.data()), Array.from(await dx.data())];
      tf.dispose([x, y, dx]);
      expect(tf.memory().numTensors).toBe(before);
      return out;
    };
    const want = await run('cpu');
    expect(wasmGelu()).toBeNull(); // cpu: TF.js ops
    const got = await run('wasm');
    expect(wasmGelu()).not.toBeNull();
    expect(maxAbsDiff(got[0], want[0])).toBeLessThan(2e-6);
    expect(maxAbsDiff(got[1], want[1])).toBeLessThan(2e-6);
  });
});

describe('dropout with hashed masks', () => {
  it('draws the same mask on wasm (one kernel) and cpu, forward and backward, at the rate asked', async () => {
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const x = tf.tensor(values(4099, 5), [4099]);
      const [y, dx] = tf.tidy(() => {
        const f = (t: tf.Tensor) => dropout(t, 0.25, true, '42:attn0');
        return [f(x), tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), x)))(x)];
      });
      const out = [Array.from(await y.data()), Array.from(await dx.data())];
      tf.dispose([x, y, dx]);
      expect(tf.memory().numTensors).toBe(before);
      return out;
    };
    const want = await run('cpu');
    const got = await run('wasm');
    expect(maxAbsDiff(got[0], want[0])).toBeLessThan(1e-6);
    expect(maxAbsDiff(got[1], want[1])).toBeLessThan(1e-6);
    const dropped = want[0].filter((v) => v === 0).length / want[0].length;
    expect(dropped).toBeGreaterThan(0.22);
    expect(dropped).toBeLessThan(0.28);
    const mask = dropoutKeepMask(100000, 0.1, dropoutSeed('7:emb'));
    const other = dropoutKeepMask(100000, 0.1, dropoutSeed('7:out0'));
    let same = 0;
    for (let i = 0; i < mask.length; i++) same += mask[i] === other[i] ? 1 : 0;
    expect(same / mask.length).toBeLessThan(0.85); // independent masks agree on ~82 %
  });
});
