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
 */

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

/** f32x4 constant. */
const k = (v: number): string => `(v128.const f32x4 ${v} ${v} ${v} ${v})`;

/**
 * erf(z) on four lanes: z clamped to [-4, 4] (erf is +-1 to float precision there), then an
 * odd rational function z P(z^2) / Q(z^2) (the minimax fit float libraries use; max error a few
 * ulp, checked in tests against a float64 series).
 */
const ERF_P = [
  -2.72614225801306e-10, 2.77068142495902e-8, -2.10102402082508e-6, -5.69250639462346e-5,
  -7.34990630326855e-4, -2.95459980854025e-3, -1.60960333262415e-2,
];
const ERF_Q = [
  -1.45660718464996e-5, -2.13374055278905e-4, -1.68282697438203e-3, -7.37332916720468e-3,
  -1.42647390514189e-2,
];

function horner(coeffs: number[], x: string): string {
  let acc = k(coeffs[0]);
  for (const c of coeffs.slice(1)) acc = `(f32x4.add (f32x4.mul ${acc} ${x}) ${k(c)})`;
  return acc;
}

/**
 * exp(t) on four lanes for t <= 0 (the normal density's exp(-x^2/2)): t = n ln2 + r with the
 * two-part ln2, a degree-6 polynomial for e^r, and 2^n built in the exponent bits; t is clamped
 * at -87 (the result is then ~1e-38, under every use here).
 */
const EXP_P = [
  1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1,
  5.0000001201e-1,
];

function geluFunctions(): string {
  return `
(func $erf (param $z v128) (result v128) (local $z2 v128)
  (local.set $z (f32x4.min (f32x4.max (local.get $z) ${k(-4)}) ${k(4)}))
  (local.set $z2 (f32x4.mul (local.get $z) (local.get $z)))
  (f32x4.div
    (f32x4.mul (local.get $z) ${horner(ERF_P, '(local.get $z2)')})
    ${horner(ERF_Q, '(local.get $z2)')}))
(func $expneg (param $t v128) (result v128) (local $n v128) (local $r v128)
  (local.set $t (f32x4.max (local.get $t) ${k(-87)}))
  (local.set $n (f32x4.nearest (f32x4.mul (local.get $t) ${k(Math.LOG2E)})))
  (local.set $r (f32x4.sub (f32x4.sub (local.get $t) (f32x4.mul (local.get $n) ${k(0.693359375)}))
    (f32x4.mul (local.get $n) ${k(-2.1219444e-4)})))
  (f32x4.mul
    (f32x4.add (f32x4.add
      (f32x4.mul ${horner(EXP_P, '(local.get $r)')} (f32x4.mul (local.get $r) (local.get $r)))
      (local.get $r)) ${k(1)})
    (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (v128.const i32x4 127 127 127 127)) (i32.const 23))))
;; Phi(x) = 0.5 (1 + erf(x / sqrt 2))
(func $cdf (param $x v128) (result v128)
  (f32x4.mul (f32x4.add (call $erf (f32x4.mul (local.get $x) ${k(Math.SQRT1_2)})) ${k(1)}) ${k(0.5)}))
(func $geluf (param $x v128) (param $unused v128) (result v128)
  (f32x4.mul (local.get $x) (call $cdf (local.get $x))))
;; dy * (Phi(x) + x phi(x)), phi(x) = exp(-x^2 / 2) / sqrt(2 pi)
(func $gelub (param $x v128) (param $dy v128) (result v128)
  (f32x4.mul (local.get $dy) (f32x4.add (call $cdf (local.get $x))
    (f32x4.mul (local.get $x) (f32x4.mul
      (call $expneg (f32x4.mul (f32x4.mul (local.get $x) (local.get $x)) ${k(-0.5)}))
      ${k(1 / Math.sqrt(2 * Math.PI))})))))
${elementwise('geluForward', '$geluf')}
${elementwise('geluBackward', '$gelub')}`;
}

/** An exported elementwise loop out[i] = f(x[i], y[i]) over n floats (y unused by some f). */
function elementwise(name: string, f: string): string {
  return `(func (export "${name}") (param $x i32) (param $y i32) (param $out i32) (param $n i32)
(local $i i32) (local $n4 i32)
(local.set $n4 (i32.and (local.get $n) (i32.const -4)))
(local.set $i (i32.const 0))
(block $done (loop $loop
  (br_if $done (i32.ge_u (local.get $i) (local.get $n4)))
  (v128.store (local.get $out) (call ${f} (v128.load (local.get $x)) (v128.load (local.get $y))))
  (local.set $x (i32.add (local.get $x) (i32.const 16)))
  (local.set $y (i32.add (local.get $y) (i32.const 16)))
  (local.set $out (i32.add (local.get $out) (i32.const 16)))
  (local.set $i (i32.add (local.get $i) (i32.const 4)))
  (br $loop)))
(block $tdone (loop $tloop
  (br_if $tdone (i32.ge_u (local.get $i) (local.get $n)))
  (f32.store (local.get $out) (f32x4.extract_lane 0
    (call ${f} (f32x4.splat (f32.load (local.get $x))) (f32x4.splat (f32.load (local.get $y))))))
  (local.set $x (i32.add (local.get $x) (i32.const 4)))
  (local.set $y (i32.add (local.get $y) (i32.const 4)))
  (local.set $out (i32.add (local.get $out) (i32.const 4)))
  (local.set $i (i32.add (local.get $i) (i32.const 1)))
  (br $tloop)))
)`;
}

/**
 * The dropout mask on four lanes: keep element i where `lowbias32(i + seedHash) >> 8` over
 * 2^24 is at least `rate` (Wellons' 32-bit hash). `model/dropoutMask.ts` is the same function in
 * JavaScript, for the other backends: a seed gives the same mask everywhere.
 */
function dropoutFunction(): string {
  // h ^= h >> 16; h *= 0x7feb352d; h ^= h >> 15; h *= 0x846ca68b; h ^= h >> 16
  const step = (shift: number, mul?: number) =>
    `(local.set $h (v128.xor (local.get $h) (i32x4.shr_u (local.get $h) (i32.const ${shift}))))` +
    (mul === undefined
      ? ''
      : `\n  (local.set $h (i32x4.mul (local.get $h) (v128.const i32x4 ${mul} ${mul} ${mul} ${mul})))`);
  return `(func $keepmask (param $idx v128) (param $seed i32) (param $rate f32) (result v128) (local $h v128)
  (local.set $h (i32x4.add (local.get $idx) (i32x4.splat (local.get $seed))))
  ${step(16, 0x7feb352d | 0)}
  ${step(15, 0x846ca68b | 0)}
  ${step(16)}
  ;; u = (h >> 8) / 2^24 in [0, 1); keep where u >= rate
  (f32x4.ge
    (f32x4.mul (f32x4.convert_i32x4_u (i32x4.shr_u (local.get $h) (i32.const 8))) ${k(1 / 16777216)})
    (f32x4.splat (local.get $rate))))
(func (export "dropout") (param $x i32) (param $out i32) (param $n i32) (param $rate f32) (param $scale f32) (param $seed i32)
(local $i i32) (local $idx v128) (local $y v128) (local $m v128)
(local.set $idx (v128.const i32x4 0 1 2 3))
(local.set $i (i32.const 0))
(block $done (loop $loop
  (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
  (local.set $m (call $keepmask (local.get $idx) (local.get $seed) (local.get $rate)))
  (v128.store (local.get $out) (v128.and (local.get $m) (f32x4.mul (v128.load (local.get $x)) (f32x4.splat (local.get $scale)))))
  (local.set $x (i32.add (local.get $x) (i32.const 16)))
  (local.set $out (i32.add (local.get $out) (i32.const 16)))
  (local.set $idx (i32x4.add (local.get $idx) (v128.const i32x4 4 4 4 4)))
  (local.set $i (i32.add (local.get $i) (i32.const 4)))
  (br $loop)))
(block $tdone (loop $tloop
  (br_if $tdone (i32.ge_u (local.get $i) (local.get $n)))
  (local.set $m (call $keepmask (local.get $idx) (local.get $seed) (local.get $rate)))
  (f32.store (local.get $out) (f32x4.extract_lane 0
    (v128.and (local.get $m) (f32x4.mul (f32x4.splat (f32.load (local.get $x))) (f32x4.splat (local.get $scale))))))
  (local.set $x (i32.add (local.get $x) (i32.const 4)))
  (local.set $out (i32.add (local.get $out) (i32.const 4)))
  (local.set $idx (i32x4.add (local.get $idx) (v128.const i32x4 1 1 1 1)))
  (local.set $i (i32.add (local.get $i) (i32.const 1)))
  (br $tloop)))
)`;
}

/**
 * One AdamW update of n elements, in torch's order of float32 operations (so it matches the
 * chain of TF.js ops it replaces bit for bit): `m' = m + (g - m) (1 - b1)`,
 * `v' = v b2 + g g (1 - b2)`, `p' = p decayMul + (m' / (sqrt(v') / bc2 + eps)) negStep`.
 */
function adamwFunction(): string {
  const body = (vec: boolean): string => {
    const T = vec ? 'f32x4' : 'f32';
    const ld = (ptr: string) =>
      vec ? `(v128.load (local.get ${ptr}))` : `(f32.load (local.get ${ptr}))`;
    const st = (ptr: string, val: string) =>
      vec ? `(v128.store (local.get ${ptr}) ${val})` : `(f32.store (local.get ${ptr}) ${val})`;
    const c = (name: string) => (vec ? `(f32x4.splat (local.get ${name}))` : `(local.get ${name})`);
    const L = vec ? 'v' : 's';
    return [
      `(local.set $g${L} ${ld('$g')})`,
      `(local.set $m${L} (${T}.add ${ld('$m')} (${T}.mul (${T}.sub (local.get $g${L}) ${ld('$m')}) ${c('$omb1')})))`,
      `(local.set $v${L} (${T}.add (${T}.mul ${ld('$v')} ${c('$b2')}) (${T}.mul (${T}.mul (local.get $g${L}) (local.get $g${L})) ${c('$omb2')})))`,
      st(
        '$po',
        `(${T}.add (${T}.mul ${ld('$p')} ${c('$decayMul')}) (${T}.mul (${T}.div (local.get $m${L}) (${T}.add (${T}.div (${T}.sqrt (local.get $v${L})) ${c('$bc2')}) ${c('$eps')})) ${c('$negStep')}))`,
      ),
      st('$mo', `(local.get $m${L})`),
      st('$vo', `(local.get $v${L})`),
    ].join('\n  ');
  };
  const advance = (bytes: number) =>
    ['$p', '$g', '$m', '$v', '$po', '$mo', '$vo']
      .map((q) => `(local.set ${q} (i32.add (local.get ${q}) (i32.const ${bytes})))`)
      .join('\n  ');
  return `(func (export "adamw") (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $po i32) (param $mo i32) (param $vo i32) (param $n i32)
  (param $decayMul f32) (param $omb1 f32) (param $b2 f32) (param $omb2 f32) (param $bc2 f32) (param $eps f32) (param $negStep f32)
(local $i i32) (local $n4 i32) (local $gv v128) (local $mv v128) (local $vv v128) (local $gs f32) (local $ms f32) (local $vs f32)
(local.set $n4 (i32.and (local.get $n) (i32.const -4)))
(local.set $i (i32.const 0))
(block $done (loop $loop
  (br_if $done (i32.ge_u (local.get $i) (local.get $n4)))
  ${body(true)}
  ${advance(16)}
  (local.set $i (i32.add (local.get $i) (i32.const 4)))
  (br $loop)))
(block $tdone (loop $tloop
  (br_if $tdone (i32.ge_u (local.get $i) (local.get $n)))
  ${body(false)}
  ${advance(4)}
  (local.set $i (i32.add (local.get $i) (i32.const 1)))
  (br $tloop)))
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
(func (export "gemv") (param $a i32) (param $b i32) (param $c i32) (param $K i32) (param $N i32)
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
)
(func (export "gatherRows") (param $table i32) (param $rows i32) (param $ids i32) (param $n i32) (param $out i32) (param $rowBytes i32)
(local $i i32) (local $id i32) (local $dst i32)
(local.set $i (i32.const 0))
(local.set $dst (local.get $out))
(block $gdone (loop $gloop
  (br_if $gdone (i32.ge_u (local.get $i) (local.get $n)))
  (local.set $id (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))))
  (if (i32.lt_u (local.get $id) (local.get $rows))
    (then (memory.copy (local.get $dst) (i32.add (local.get $table) (i32.mul (local.get $id) (local.get $rowBytes))) (local.get $rowBytes)))
    (else (memory.fill (local.get $dst) (i32.const 0) (local.get $rowBytes))))
  (local.set $dst (i32.add (local.get $dst) (local.get $rowBytes)))
  (local.set $i (i32.add (local.get $i) (i32.const 1)))
  (br $gloop)))
)
(func (export "transpose") (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
(local $r i32) (local $q i32) (local $ps i32)
(local.set $r (i32.const 0))
(block $rdone (loop $rloop
  (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
  (local.set $ps (i32.add (local.get $src) (i32.shl (i32.mul (local.get $r) (local.get $cols)) (i32.const 2))))
  (local.set $q (i32.const 0))
  (block $qdone (loop $qloop
    (br_if $qdone (i32.ge_u (local.get $q) (local.get $cols)))
    (f32.store
      (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $q) (local.get $rows)) (local.get $r)) (i32.const 2)))
      (f32.load (local.get $ps)))
    (local.set $ps (i32.add (local.get $ps) (i32.const 4)))
    (local.set $q (i32.add (local.get $q) (i32.const 1)))
    (br $qloop)))
  (local.set $r (i32.add (local.get $r) (i32.const 1)))
  (br $rloop))))
)
`;
}
