/**
 * The WebAssembly text of the studio's float32 matmul kernel for TF.js's wasm backend (see
 * `wasmKernels.ts`). TF.js 4.22's wasm BatchMatMul sends everything but a plain 2-D,
 * untransposed product to a scalar triple loop (~2 GFLOP/s here), and attention is all batched
 * products: its six matmuls per layer took half of a bert-tiny training step. This kernel is
 * SIMD (f32x4), packed and register-blocked 2 rows x 16 columns ({@link GEMM_TILING}), and
 * works in place on TF.js's own heap: the module imports the backend's `WebAssembly.Memory`, so
 * no tensor is copied. It is built twice: with f32x4 mul + add, and with relaxed SIMD's
 * `f32x4.relaxed_madd` (an FMA where the CPU has one), which runs where the runtime validates it.
 *
 * Exports (all pointers are byte offsets into the imported memory, matrices row-major, float32):
 * - `gemm(a, b, c, M, K, N, transA, transB, acc, scratch)`: `c[M x N] (+)= op(a) @ op(b)`, op
 *   a transpose where its flag is 1 (a stored `[K x M]`, b `[N x K]`), `acc` 1 adding to c
 *   instead of overwriting it; `scratch` holds {@link gemmScratchBytes} for the packed blocks.
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
 * The text is generated (the micro-kernel is unrolled); `scripts/build-wasm-kernels.ts`
 * assembles it with wabt into `gemmWasm.generated.ts`, and a unit test checks the two agree.
 * This file holds the matmul kernels (`gemm` and its packing, `gemv`) and {@link gemmWat}, which
 * composes the module; GELU, dropout and AdamW come from `elementwiseWat.ts`, `gatherRows` and
 * `transpose` from `copyWat.ts`.
 */

import { gatherRowsFunction, transposeFunction } from './copyWat';
import { adamwFunction, dropoutFunction, geluFunctions } from './elementwiseWat';

/** Shape of the register tile and of the cache blocks of {@link gemmFunctions}. */
export interface GemmTiling {
  /** Rows of the register tile (R). */
  rows: number;
  /** f32x4 vectors of columns of the register tile (V: the tile is R x 4V). */
  vecs: number;
  /** Depth of one packed block (k values per pass over c). */
  kc: number;
  /** Columns of one packed block of b (a multiple of 4V). */
  nc: number;
}

/**
 * 2 x 16: 8 f32x4 accumulators, 4 vectors of b and a broadcast of a (and the product, on the
 * plain path) stay in V8's x64 SIMD registers; 6 x 8, 5 x 8 and 3 x 12 tiles spill and run at
 * half the speed, and 4 x 8 at 0.8x on the plain path (`npm run bench:matmul`). A 128 x 1024
 * block of b (512 KiB) stays in L2.
 */
export const GEMM_TILING: GemmTiling = { rows: 2, vecs: 4, kc: 128, nc: 1024 };

/** Bytes of the scratch buffer `gemm` needs: the packed blocks of b and a, and an edge tile. */
export function gemmScratchBytes(t: GemmTiling = GEMM_TILING): number {
  return 4 * (t.kc * t.nc + t.rows * t.kc + t.rows * 4 * t.vecs);
}

const get = (name: string): string => `(local.get $${name})`;
const i32 = (n: number): string => `(i32.const ${n})`;
const add = (x: string, y: string): string => `(i32.add ${x} ${y})`;
const mul = (x: string, y: string): string => `(i32.mul ${x} ${y})`;
const bytes = (x: string): string => `(i32.shl ${x} (i32.const 2))`;
/** `for (name = 0; name < limit; name += step) body` (limit evaluated each time). */
const loop = (name: string, limit: string, body: string, step = 1): string =>
  `(local.set $${name} (i32.const 0))
(block $${name}_done (loop $${name}_loop
  (br_if $${name}_done (i32.ge_u ${get(name)} ${limit}))
${body}
  (local.set $${name} (i32.add ${get(name)} (i32.const ${step})))
  (br $${name}_loop)))`;

/**
 * `$micro(pa, pb, pc, ldc, kc, zero)`: the R x 4V register tile `c (+)= a_panel @ b_panel` over
 * kc steps, a_panel packed `[kc][R]`, b_panel `[kc][4V]`, c's rows ldc bytes apart; `zero` 1
 * starts from zeros instead of c. The loop body is R broadcasts, V loads and R*V mul+adds (one
 * relaxed_madd each with `relaxed`), with no address arithmetic but two pointer bumps.
 */
function microKernel(t: GemmTiling, relaxed: boolean): string {
  const acc: string[] = [];
  for (let r = 0; r < t.rows; r++) for (let v = 0; v < t.vecs; v++) acc.push(`$c${r}_${v}`);
  const rowPtr = (r: string): string => `(local.set $p ${r})`;
  const load: string[] = [];
  const store: string[] = [];
  for (let r = 0; r < t.rows; r++) {
    const ptr = rowPtr(r === 0 ? get('pc') : add(get('p'), get('ldc')));
    load.push(ptr);
    store.push(ptr);
    for (let v = 0; v < t.vecs; v++) {
      load.push(`(local.set $c${r}_${v} (v128.load offset=${16 * v} ${get('p')}))`);
      store.push(`(v128.store offset=${16 * v} ${get('p')} (local.get $c${r}_${v}))`);
    }
  }
  /** One k step, `u` steps past the pointers. */
  const step = (u: number): string => {
    const body: string[] = [];
    for (let v = 0; v < t.vecs; v++) {
      body.push(`(local.set $b${v} (v128.load offset=${16 * (t.vecs * u + v)} ${get('pb')}))`);
    }
    for (let r = 0; r < t.rows; r++) {
      body.push(`(local.set $s (v128.load32_splat offset=${4 * (t.rows * u + r)} ${get('pa')}))`);
      for (let v = 0; v < t.vecs; v++) {
        const c = `(local.get $c${r}_${v})`;
        const madd = relaxed
          ? `(f32x4.relaxed_madd (local.get $s) (local.get $b${v}) ${c})`
          : `(f32x4.add ${c} (f32x4.mul (local.get $s) (local.get $b${v})))`;
        body.push(`(local.set $c${r}_${v} ${madd})`);
      }
    }
    return body.join('\n');
  };
  const bump = (n: number): string =>
    `(local.set $pa (i32.add ${get('pa')} ${i32(4 * t.rows * n)}))
  (local.set $pb (i32.add ${get('pb')} ${i32(16 * t.vecs * n)}))
  (local.set $kc (i32.sub ${get('kc')} ${i32(n)}))`;
  const bs = Array.from({ length: t.vecs }, (_, v) => `(local $b${v} v128)`).join(' ');
  return `(func $micro (param $pa i32) (param $pb i32) (param $pc i32) (param $ldc i32) (param $kc i32) (param $zero i32)
${acc.map((c) => `(local ${c} v128)`).join(' ')} ${bs} (local $s v128) (local $p i32)
(if ${get('zero')}
  (then ${acc.map((c) => `(local.set ${c} (v128.const i32x4 0 0 0 0))`).join(' ')})
  (else ${load.join('\n')}))
(loop $k
${step(0)}
  ${bump(1)}
  (br_if $k ${get('kc')}))
${store.join('\n')})`;
}

/**
 * `$packB(b, bp, k0, kc, j0, nc, N, K, transB)`: b's block `[k0, k0+kc) x [j0, j0+nc)` into
 * panels of W = 4V columns, `bp[panel][k][W]`, the last panel padded with zeros. b is stored
 * `[K x N]`, or `[N x K]` with transB (then read down its rows: one gather per column).
 */
function packB(t: GemmTiling): string {
  const w = 4 * t.vecs;
  const copyRow = Array.from(
    { length: t.vecs },
    (_, v) =>
      `(v128.store offset=${16 * v} ${get('dst')} (v128.load offset=${16 * v} ${get('src')}))`,
  ).join(' ');
  // dst of (panel at column jp, row k): bp + 4 (jp kc + k W)
  const dstAt = (k: string): string =>
    `(local.set $dst ${add(get('bp'), bytes(add(mul(get('jp'), get('kc')), mul(k, i32(w)))))})`;
  const upright = loop(
    'k',
    get('kc'),
    `(local.set $row ${add(get('b'), bytes(add(mul(add(get('k0'), get('k')), get('N')), get('j0'))))})
${loop(
  'jp',
  get('nc'),
  `${dstAt(get('k'))}
  (local.set $src ${add(get('row'), bytes(get('jp')))})
  (if (i32.le_u ${add(get('jp'), i32(w))} ${get('nc')})
    (then ${copyRow})
    (else ${loop('q', i32(w), `(f32.store ${add(get('dst'), bytes(get('q')))} (if (result f32) (i32.lt_u ${add(get('jp'), get('q'))} ${get('nc')}) (then (f32.load ${add(get('src'), bytes(get('q')))})) (else (f32.const 0))))`)}))`,
  w,
)}`,
  );
  const transposed = loop(
    'jp',
    get('nc'),
    loop(
      'q',
      i32(w),
      `(local.set $dst ${add(get('bp'), bytes(add(mul(get('jp'), get('kc')), get('q'))))})
  (local.set $live (i32.lt_u ${add(get('jp'), get('q'))} ${get('nc')}))
  (local.set $src ${add(get('b'), bytes(add(mul(add(add(get('j0'), get('jp')), get('q')), get('K')), get('k0'))))})
  ${loop(
    'k',
    get('kc'),
    `(f32.store ${get('dst')} (if (result f32) ${get('live')} (then (f32.load ${get('src')})) (else (f32.const 0))))
  (local.set $dst ${add(get('dst'), i32(4 * w))})
  (local.set $src ${add(get('src'), i32(4))})`,
  )}`,
    ),
    w,
  );
  return `(func $packB (param $b i32) (param $bp i32) (param $k0 i32) (param $kc i32) (param $j0 i32) (param $nc i32) (param $N i32) (param $K i32) (param $transB i32)
(local $k i32) (local $jp i32) (local $q i32) (local $row i32) (local $src i32) (local $dst i32) (local $live i32)
(if ${get('transB')} (then ${transposed}) (else ${upright})))`;
}

/**
 * `$packA(a, ap, i0, rows, k0, kc, M, K, transA)`: rows `[i0, i0+rows)` of a, depth
 * `[k0, k0+kc)`, into `ap[k][R]`, rows past `rows` zero. a is stored `[M x K]`, or `[K x M]`
 * with transA.
 */
function packA(t: GemmTiling): string {
  const perRow = loop(
    'r',
    i32(t.rows),
    `(local.set $dst ${add(get('ap'), bytes(get('r')))})
  (local.set $live (i32.lt_u ${get('r')} ${get('rows')}))
  (local.set $src ${add(get('a'), bytes(add(mul(add(get('i0'), get('r')), get('K')), get('k0'))))})
  ${loop(
    'k',
    get('kc'),
    `(f32.store ${get('dst')} (if (result f32) ${get('live')} (then (f32.load ${get('src')})) (else (f32.const 0))))
  (local.set $dst ${add(get('dst'), i32(4 * t.rows))})
  (local.set $src ${add(get('src'), i32(4))})`,
  )}`,
  );
  const perDepth = loop(
    'k',
    get('kc'),
    `(local.set $dst ${add(get('ap'), bytes(mul(get('k'), i32(t.rows))))})
  (local.set $src ${add(get('a'), bytes(add(mul(add(get('k0'), get('k')), get('M')), get('i0'))))})
  ${loop('r', i32(t.rows), `(f32.store ${add(get('dst'), bytes(get('r')))} (if (result f32) (i32.lt_u ${get('r')} ${get('rows')}) (then (f32.load ${add(get('src'), bytes(get('r')))})) (else (f32.const 0))))`)}`,
  );
  // A full panel (rows = R): R loads and stores per k, no selects; a's rows are `stride` bytes
  // apart (K floats), or its R values of one k adjacent (transA, the next k M floats on).
  const fullRow = (r: number, trans: boolean): string =>
    trans
      ? `(f32.store offset=${4 * r} ${get('dst')} (f32.load offset=${4 * r} ${get('src')}))`
      : `(f32.store offset=${4 * r} ${get('dst')} (f32.load ${r === 0 ? get('src') : add(get('src'), mul(get('stride'), i32(r)))}))`;
  const full = (trans: boolean): string =>
    `(local.set $src ${add(get('a'), bytes(trans ? add(mul(get('k0'), get('M')), get('i0')) : add(mul(get('i0'), get('K')), get('k0'))))})
(local.set $stride ${bytes(trans ? get('M') : get('K'))})
(local.set $dst ${get('ap')})
${loop(
  'k',
  get('kc'),
  `${Array.from({ length: t.rows }, (_, r) => fullRow(r, trans)).join('\n')}
  (local.set $dst ${add(get('dst'), i32(4 * t.rows))})
  (local.set $src ${add(get('src'), trans ? get('stride') : i32(4))})`,
)}`;
  return `(func $packA (param $a i32) (param $ap i32) (param $i0 i32) (param $rows i32) (param $k0 i32) (param $kc i32) (param $M i32) (param $K i32) (param $transA i32)
(local $k i32) (local $r i32) (local $src i32) (local $dst i32) (local $live i32) (local $stride i32)
(if (i32.eq ${get('rows')} ${i32(t.rows)})
  (then (if ${get('transA')} (then ${full(true)}) (else ${full(false)})))
  (else (if ${get('transA')} (then ${perDepth}) (else ${perRow})))))`;
}

/** `min(cap, total - from)`. */
const span = (cap: number, total: string, from: string): string =>
  `(select ${i32(cap)} (i32.sub ${total} ${from}) (i32.lt_u ${i32(cap)} (i32.sub ${total} ${from})))`;

/**
 * The exported `gemm(a, b, c, M, K, N, transA, transB, acc, scratch)`: `c[M x N] (+)= op(a) @
 * op(b)`, op a transpose where its flag is 1 (a stored `[K x M]`, b `[N x K]`), `acc` 1 adding
 * to c. Blocked as BLIS does: for each block of nc columns and kc depth, b's block is packed into
 * `scratch` once, then for each R rows a's panel is packed and every R x 4V tile of the block
 * runs {@link microKernel} on the packed panels; the edge tiles (rows or columns short of the
 * tile) run into a small tile in scratch and are copied out. Needs `gemmScratchBytes()` of
 * scratch and K > 0.
 */
function gemmDriver(t: GemmTiling): string {
  const w = 4 * t.vecs;
  const edgeCopy = (toTile: boolean): string =>
    loop(
      'r',
      get('rows'),
      loop(
        'q',
        get('cols'),
        (() => {
          const tile = add(get('tile'), bytes(add(mul(get('r'), i32(w)), get('q'))));
          const cAt = add(get('pc'), bytes(add(mul(get('r'), get('N')), get('q'))));
          return toTile
            ? `(f32.store ${tile} (f32.load ${cAt}))`
            : `(f32.store ${cAt} (f32.load ${tile}))`;
        })(),
      ),
    );
  const tiles = loop(
    'jp',
    get('nc'),
    `(local.set $cols ${span(w, get('nc'), get('jp'))})
  (local.set $pc ${add(get('c'), bytes(add(mul(get('i0'), get('N')), add(get('j0'), get('jp')))))})
  (local.set $pbp ${add(get('bp'), bytes(mul(get('jp'), get('kc'))))})
  (if (i32.and (i32.eq ${get('rows')} ${i32(t.rows)}) (i32.eq ${get('cols')} ${i32(w)}))
    (then (call $micro ${get('ap')} ${get('pbp')} ${get('pc')} ${bytes(get('N'))} ${get('kc')} ${get('zero')}))
    (else
      (if (i32.eqz ${get('zero')}) (then ${edgeCopy(true)}))
      (call $micro ${get('ap')} ${get('pbp')} ${get('tile')} ${i32(4 * w)} ${get('kc')} ${get('zero')})
      ${edgeCopy(false)}))`,
    w,
  );
  const rowsLoop = loop(
    'i0',
    get('M'),
    `(local.set $rows ${span(t.rows, get('M'), get('i0'))})
  (call $packA ${get('a')} ${get('ap')} ${get('i0')} ${get('rows')} ${get('k0')} ${get('kc')} ${get('M')} ${get('K')} ${get('transA')})
  ${tiles}`,
    t.rows,
  );
  const depthLoop = loop(
    'k0',
    get('K'),
    `(local.set $kc ${span(t.kc, get('K'), get('k0'))})
  (local.set $zero (i32.and (i32.eqz ${get('k0')}) (i32.eqz ${get('acc')})))
  (call $packB ${get('b')} ${get('bp')} ${get('k0')} ${get('kc')} ${get('j0')} ${get('nc')} ${get('N')} ${get('K')} ${get('transB')})
  ${rowsLoop}`,
    t.kc,
  );
  const columnLoop = loop(
    'j0',
    get('N'),
    `(local.set $nc ${span(t.nc, get('N'), get('j0'))})
  ${depthLoop}`,
    t.nc,
  );
  return `(func (export "gemm") (param $a i32) (param $b i32) (param $c i32) (param $M i32) (param $K i32) (param $N i32) (param $transA i32) (param $transB i32) (param $acc i32) (param $scratch i32)
(local $bp i32) (local $ap i32) (local $tile i32) (local $j0 i32) (local $nc i32) (local $k0 i32) (local $kc i32) (local $zero i32)
(local $i0 i32) (local $rows i32) (local $jp i32) (local $cols i32) (local $pc i32) (local $pbp i32) (local $r i32) (local $q i32)
(local.set $bp ${get('scratch')})
(local.set $ap ${add(get('scratch'), i32(4 * t.kc * t.nc))})
(local.set $tile ${add(get('ap'), i32(4 * t.rows * t.kc))})
${columnLoop})`;
}

/** The packed, register-blocked matmul: `gemm` and its helpers. */
export function gemmFunctions(t: GemmTiling = GEMM_TILING, relaxed = false): string {
  return [microKernel(t, relaxed), packB(t), packA(t), gemmDriver(t)].join('\n');
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
 * isolated page); otherwise a plain one (Node, and pages without threads). `relaxed` builds the
 * matmul with `f32x4.relaxed_madd` (the module then needs relaxed SIMD); `tiling` is for
 * experiments (the committed builds use {@link GEMM_TILING}).
 */
export function gemmWat(
  shared: boolean,
  relaxed = false,
  tiling: GemmTiling = GEMM_TILING,
): string {
  const memory = shared ? '(memory 1 65536 shared)' : '(memory 1)';
  return `(module
(import "env" "memory" ${memory})
${gemmFunctions(tiling, relaxed)}
${geluFunctions()}
${dropoutFunction()}
${adamwFunction()}
${gemvFunction()}
${gatherRowsFunction()}
${transposeFunction()}
)
`;
}
