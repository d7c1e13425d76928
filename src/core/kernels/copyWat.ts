/**
 * The WebAssembly text of the module's data-movement kernels (composed into one module by
 * `gemmWat` in `gemmWat.ts`): `gatherRows`, an embedding lookup as one memory.copy per row, and
 * `transpose`, which packs a transposed matmul operand.
 */

/** `out[i] = table[ids[i]]` for int32 ids, a row of zeros for an id outside `[0, rows)`. */
export function gatherRowsFunction(): string {
  return `(func (export "gatherRows") (param $table i32) (param $rows i32) (param $ids i32) (param $n i32) (param $out i32) (param $rowBytes i32)
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
)`;
}

/** `dst[cols x rows] = src[rows x cols]^T`. */
export function transposeFunction(): string {
  return `(func (export "transpose") (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
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
  (br $rloop))))`;
}
