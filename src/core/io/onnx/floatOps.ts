/**
 * The float32 form of the layers a family's graph writes through {@link GraphOps}: a Linear as
 * MatMul by the transposed weight and Add of the bias, the word-embedding lookup as Gather.
 * `onnx/model.onnx` uses it; the int8 file (`quantize.ts`) falls back to it for tiny tables.
 */
import type { GraphOps, HostTensor } from '../../model/family';

/** `[out, in]` -> `[in, out]`, the right operand of `x @ W^T` as ONNX's MatMul takes it. */
export function transposed(w: HostTensor): Float32Array {
  const [rows, cols] = w.shape;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = w.data[r * cols + c];
  }
  return out;
}

/** The float32 form: MatMul by the transposed weight, then Add the bias. */
export const FLOAT_OPS: GraphOps = {
  linear(g, x, name, weight, bias) {
    const [out, inDim] = weight.shape;
    const w = g.float(`${name}.weight`, [inDim, out], transposed(weight));
    const y = g.op('MatMul', [x, w], `${name}/MatMul`);
    if (!bias) return y;
    return g.op('Add', [y, g.float(`${name}.bias`, [out], bias.data)], `${name}/Add`);
  },
  embeddingRows(g, table, ids, name) {
    return g.op(
      'Gather',
      [g.float(`${name}.weight`, table.shape, table.data), ids],
      `${name}/Gather`,
    );
  },
};
