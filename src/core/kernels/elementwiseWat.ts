/**
 * The WebAssembly text of the module's non-matmul float32 kernels (composed into one module by
 * `gemmWat` in `gemmWat.ts`): the exact GELU and its gradient (with SIMD erf and exp), the
 * hashed-mask dropout and the one-pass AdamW update. All work in place on the imported memory,
 * pointers being byte offsets.
 */

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

export function geluFunctions(): string {
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
export function dropoutFunction(): string {
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
export function adamwFunction(): string {
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
