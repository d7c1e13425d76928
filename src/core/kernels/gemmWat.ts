/**
 * The WebAssembly text of the studio's float32 matmul kernel for TF.js's wasm backend (see
 * `wasmKernels.ts`). TF.js 4.22's wasm BatchMatMul sends everything but a plain 2-D,
 * untransposed product to a scalar triple loop (~2 GFLOP/s here), and attention is all batched
 * products: its six matmuls per layer took half of a bert-tiny training step. This kernel is
 * SIMD (f32x4), register-blocked 4 rows x 8 columns, and works in place on TF.js's own heap: the
 * module imports the backend's `WebAssembly.Memory`, so no tensor is copied.
 *
 * Exports (all pointers are byte offsets into the imported memory, matrices row-major, float32):
 * - `gemm(a, b, c, M, K, N, lda, acc)`: `c[M x N] (+)= a[M x K] @ b[K x N]`, where a's rows are
 *   `lda` floats apart (a column block of a wider matrix) and `acc` 1 adds to c instead of
 *   overwriting it: the caller splits long K into cache-sized blocks.
 * - `gemmTN(a, b, c, M, K, N, lda, acc)`: the same with a stored transposed, `[K x lda]`, read
 *   in place (`c = a^T @ b`): the weight gradient `dy^T @ x` of a dense layer with no packing.
 * - `geluForward(x, _, y, n)`, `geluBackward(x, dy, dx, n)`: exact GELU `x Phi(x)` and its
 *   gradient `dy (Phi(x) + x phi(x))` in one pass each (TF.js's scalar erf and exp took 10 % of
 *   a bert-tiny step).
 * - `dropout(x, out, n, rate, scale, seedHash)`: inverted dropout, `out[i] = keep(i) ? x[i] *
 *   scale : 0`, the mask a hash of (seed, i) (`dropoutMask.ts`), so the backward pass is the
 *   same call on dy and no mask is stored.
 * - `adamw(p, g, m, v, pOut, mOut, vOut, n, decayMul, 1-b1, b2, 1-b2, bc2, eps, -step)`: one
 *   AdamW update of a flat bucket in one pass (torch's float32 order of operations).
 * - `gemv(a, b, c, K, N)`: `c[N] = a[K] @ b[K x N]`, one pass over b (a bias gradient's column
 *   sums, `ones @ dy`).
 * - `transpose(src, dst, rows, cols)`: `dst[cols x rows] = src[rows x cols]^T`.
 * - `gatherRows(table, rows, ids, n, out, rowBytes)`: `out[i] = table[ids[i]]` for int32 ids, a
 *   row of zeros for an id outside `[0, rows)`: an embedding lookup as one memory.copy per row
 *   (TF.js's wasm GatherV2 copies element by element, ~10x slower).
 *
 * The text is generated (the micro-kernels are unrolled); `scripts/build-wasm-kernels.ts`
 * assembles it with wabt into `gemmWasm.generated.ts`, and a unit test checks the two agree.
 * This file holds the matmul kernels (`gemm`, `gemmTN`, `gemv`) and {@link gemmWat}, which
 * composes the module; GELU, dropout and AdamW come from `elementwiseWat.ts`, `gatherRows` and
 * `transpose` from `copyWat.ts`.
 */

import { gatherRowsFunction, transposeFunction } from './copyWat';
import { adamwFunction, dropoutFunction, geluFunctions } from './elementwiseWat';

/** Accumulator locals of an R x V micro-tile (R rows, V f32x4 vectors of columns). */
function accNames(rows: number, vecs: number): string[] {
  const out: string[] = [];
  for (let r = 0; r < rows; r++) for (let v = 0; v < vecs; v++) out.push(`$c${r}_${v}`);
  return out;
}

/**
 * One micro-tile: rows i..i+R-1, columns j..j+4V-1, the full K loop, stored to c.
 * Expects locals $i $j $k $pa $pb $pc and the accumulators.
 */
function microTile(rows: number, vecs: number, transA: boolean): string {
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    lines.push(
      `(local.set $pc (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (i32.add (local.get $i) (i32.const ${r})) (local.get $N)) (local.get $j)) (i32.const 2))))`,
    );
    for (let v = 0; v < vecs; v++) {
      lines.push(
        `(local.set $c${r}_${v} (if (result v128) (local.get $acc) (then (v128.load offset=${16 * v} (local.get $pc))) (else (v128.const f32x4 0 0 0 0))))`,
      );
    }
  }
  // $pa: &a[i, 0] (a^T: &a[0, i]); $pb: &b[0, j]
  lines.push(
    transA
      ? '(local.set $pa (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2))))'
      : '(local.set $pa (i32.add (local.get $a) (i32.shl (i32.mul (local.get $i) (local.get $lda)) (i32.const 2))))',
    '(local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))',
    '(local.set $k (i32.const 0))',
    '(block $kdone (loop $kloop',
    '  (br_if $kdone (i32.ge_u (local.get $k) (local.get $K)))',
  );
  for (let v = 0; v < vecs; v++) {
    lines.push(`  (local.set $b${v} (v128.load offset=${16 * v} (local.get $pb)))`);
  }
  for (let r = 0; r < rows; r++) {
    // a[i + r, k] = pa + r * lda * 4 (a^T: pa + r * 4)
    const load = transA
      ? `(f32.load offset=${4 * r} (local.get $pa))`
      : r === 0
        ? '(f32.load (local.get $pa))'
        : `(f32.load (i32.add (local.get $pa) (i32.shl (i32.mul (local.get $lda) (i32.const ${r})) (i32.const 2))))`;
    lines.push(`  (local.set $s (f32x4.splat ${load}))`);
    for (let v = 0; v < vecs; v++) {
      const c = `$c${r}_${v}`;
      lines.push(
        `  (local.set ${c} (f32x4.add (local.get ${c}) (f32x4.mul (local.get $s) (local.get $b${v}))))`,
      );
    }
  }
  lines.push(
    `  (local.set $pa (i32.add (local.get $pa) ${aStep(transA)}))`,
    '  (local.set $pb (i32.add (local.get $pb) (i32.shl (local.get $N) (i32.const 2))))',
    '  (local.set $k (i32.add (local.get $k) (i32.const 1)))',
    '  (br $kloop)))',
  );
  for (let r = 0; r < rows; r++) {
    // &c[i + r, j]
    lines.push(
      `(local.set $pc (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (i32.add (local.get $i) (i32.const ${r})) (local.get $N)) (local.get $j)) (i32.const 2))))`,
    );
    for (let v = 0; v < vecs; v++) {
      lines.push(`(v128.store offset=${16 * v} (local.get $pc) (local.get $c${r}_${v}))`);
    }
  }
  return lines.join('\n');
}

/** Byte step of a's pointer from k to k + 1. */
function aStep(transA: boolean): string {
  return transA ? '(i32.shl (local.get $lda) (i32.const 2))' : '(i32.const 4)';
}

/** Scalar columns j..N-1 of rows i..i+R-1 (the N % 4 tail). */
function scalarTail(rows: number, transA: boolean): string {
  const lines: string[] = [];
  lines.push(
    '(block $jdone (loop $jloop',
    '  (br_if $jdone (i32.ge_u (local.get $j) (local.get $N)))',
  );
  for (let r = 0; r < rows; r++) {
    lines.push(
      `  (local.set $pc (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (i32.add (local.get $i) (i32.const ${r})) (local.get $N)) (local.get $j)) (i32.const 2))))`,
      '  (local.set $t (if (result f32) (local.get $acc) (then (f32.load (local.get $pc))) (else (f32.const 0))))',
      transA
        ? `  (local.set $pa (i32.add (local.get $a) (i32.shl (i32.add (local.get $i) (i32.const ${r})) (i32.const 2))))`
        : `  (local.set $pa (i32.add (local.get $a) (i32.shl (i32.mul (i32.add (local.get $i) (i32.const ${r})) (local.get $lda)) (i32.const 2))))`,
      '  (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))',
      '  (local.set $k (i32.const 0))',
      '  (block $sdone (loop $sloop',
      '    (br_if $sdone (i32.ge_u (local.get $k) (local.get $K)))',
      '    (local.set $t (f32.add (local.get $t) (f32.mul (f32.load (local.get $pa)) (f32.load (local.get $pb)))))',
      `    (local.set $pa (i32.add (local.get $pa) ${aStep(transA)}))`,
      '    (local.set $pb (i32.add (local.get $pb) (i32.shl (local.get $N) (i32.const 2))))',
      '    (local.set $k (i32.add (local.get $k) (i32.const 1)))',
      '    (br $sloop)))',
      '  (f32.store (local.get $pc) (local.get $t))',
    );
  }
  lines.push('  (local.set $j (i32.add (local.get $j) (i32.const 1)))', '  (br $jloop)))');
  return lines.join('\n');
}

/** All column tiles of one row block of height R: 8-wide, then 4-wide, then scalar. */
function rowBlock(rows: number, transA: boolean): string {
  return [
    '(local.set $j (i32.const 0))',
    '(block $j8done (loop $j8loop',
    '  (br_if $j8done (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $N)))',
    microTile(rows, 2, transA),
    '  (local.set $j (i32.add (local.get $j) (i32.const 8)))',
    '  (br $j8loop)))',
    '(if (i32.le_u (i32.add (local.get $j) (i32.const 4)) (local.get $N)) (then',
    microTile(rows, 1, transA),
    '  (local.set $j (i32.add (local.get $j) (i32.const 4)))))',
    scalarTail(rows, transA),
  ].join('\n');
}

/** One exported gemm: 4-row blocks, then single rows. */
function gemmFunc(name: string, transA: boolean, locals: string): string {
  return `(func (export "${name}") (param $a i32) (param $b i32) (param $c i32) (param $M i32) (param $K i32) (param $N i32) (param $lda i32) (param $acc i32)
${locals}
(local.set $i (i32.const 0))
(block $i4done (loop $i4loop
  (br_if $i4done (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $M)))
${rowBlock(4, transA)}
  (local.set $i (i32.add (local.get $i) (i32.const 4)))
  (br $i4loop)))
(block $i1done (loop $i1loop
  (br_if $i1done (i32.ge_u (local.get $i) (local.get $M)))
${rowBlock(1, transA)}
  (local.set $i (i32.add (local.get $i) (i32.const 1)))
  (br $i1loop))))`;
}

/** `c[N] = a[K] @ b[K x N]`, one pass over b (a bias gradient's column sums, `ones @ dy`). */
function gemvFunction(): string {
  return `(func (export "gemv") (param $a i32) (param $b i32) (param $c i32) (param $K i32) (param $N i32)
(local $k i32) (local $j i32) (local $pb i32) (local $pc i32) (local $s v128) (local $x f32) (local $n4 i32)
(memory.fill (local.get $c) (i32.const 0) (i32.shl (local.get $N) (i32.const 2)))
(local.set $n4 (i32.and (local.get $N) (i32.const -4)))
(local.set $pb (local.get $b))
(local.set $k (i32.const 0))
(block $kdone (loop $kloop
  (br_if $kdone (i32.ge_u (local.get $k) (local.get $K)))
  (local.set $x (f32.load (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 2)))))
  (local.set $s (f32x4.splat (local.get $x)))
  (local.set $pc (local.get $c))
  (local.set $j (i32.const 0))
  (block $vdone (loop $vloop
    (br_if $vdone (i32.ge_u (local.get $j) (local.get $n4)))
    (v128.store (local.get $pc) (f32x4.add (v128.load (local.get $pc)) (f32x4.mul (local.get $s) (v128.load (local.get $pb)))))
    (local.set $pc (i32.add (local.get $pc) (i32.const 16)))
    (local.set $pb (i32.add (local.get $pb) (i32.const 16)))
    (local.set $j (i32.add (local.get $j) (i32.const 4)))
    (br $vloop)))
  (block $tdone (loop $tloop
    (br_if $tdone (i32.ge_u (local.get $j) (local.get $N)))
    (f32.store (local.get $pc) (f32.add (f32.load (local.get $pc)) (f32.mul (local.get $x) (f32.load (local.get $pb)))))
    (local.set $pc (i32.add (local.get $pc) (i32.const 4)))
    (local.set $pb (i32.add (local.get $pb) (i32.const 4)))
    (local.set $j (i32.add (local.get $j) (i32.const 1)))
    (br $tloop)))
  (local.set $k (i32.add (local.get $k) (i32.const 1)))
  (br $kloop)))
)`;
}

/**
 * The module text. `shared` imports a shared memory (TF.js's threaded build, in a cross-origin
 * isolated page); otherwise a plain one (Node, and pages without threads).
 */
export function gemmWat(shared: boolean): string {
  const memory = shared ? '(memory 1 65536 shared)' : '(memory 1)';
  const locals = [
    ...accNames(4, 2).map((n) => `(local ${n} v128)`),
    '(local $b0 v128) (local $b1 v128) (local $s v128)',
    '(local $i i32) (local $j i32) (local $k i32) (local $pa i32) (local $pb i32) (local $pc i32)',
    '(local $t f32)',
  ].join(' ');
  return `(module
(import "env" "memory" ${memory})
${gemmFunc('gemm', false, locals)}
${gemmFunc('gemmTN', true, locals)}
${geluFunctions()}
${dropoutFunction()}
${adamwFunction()}
${gemvFunction()}
${gatherRowsFunction()}
${transposeFunction()}
)
`;
}
