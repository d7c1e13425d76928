/**
 * Dynamic int8 quantization, the form of onnxruntime's `quantize_dynamic` (weight type QInt8,
 * symmetric) that transformers.js's default `q8` dtype loads as `onnx/model_quantized.onnx`:
 *
 * - each Linear: `DynamicQuantizeLinear(x)` (uint8 activation, its scale and zero point computed
 *   per call), `MatMulInteger` with int8 weights, `Cast` to float, `Mul` by activation scale x
 *   weight scales, then the float bias. Weight scales are per output column (`max |w| / 127`,
 *   zero point 0; quantize_dynamic's `per_channel=True`), which costs one float per column.
 *   One DynamicQuantizeLinear serves every Linear that reads the same tensor (query, key, value).
 * - the word embeddings (most of a small model's bytes): int8 rows, one scale per row, looked up
 *   with Gather and scaled back (`Cast`, `Mul`). quantize_dynamic writes Gather + a per-tensor
 *   DequantizeLinear; a scale per row keeps rare tokens' rows as exact as common ones'.
 *
 * Position and token-type embeddings, LayerNorms and biases stay float32 (a few KB).
 */
import type { GraphOps, HostTensor, OnnxGraph } from '../../model/family';
import { FLOAT_OPS } from './floatOps';
import { DataType } from './proto';

/** Symmetric int8 values of `rows` rows of `cols` each, with one scale per row. */
export interface RowQuantized {
  values: Int8Array;
  scales: Float32Array;
}

/** Round half to even, as numpy's `rint` (and so onnxruntime's quantizer) rounds. */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Quantizes each row of a row-major `[rows, cols]` float matrix to int8 in [-127, 127] with
 * scale `max |row| / 127` (1 for an all-zero row): `row ~= values * scale`.
 */
export function quantizeRows(data: Float32Array, rows: number, cols: number): RowQuantized {
  const values = new Int8Array(rows * cols);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let c = 0; c < cols; c++) max = Math.max(max, Math.abs(data[r * cols + c]));
    const scale = max > 0 ? Math.fround(max / 127) : 1;
    scales[r] = scale;
    for (let c = 0; c < cols; c++) {
      values[r * cols + c] = Math.max(-127, Math.min(127, rint(data[r * cols + c] / scale)));
    }
  }
  return { values, scales };
}

/** The transpose of a row-major int8 `[rows, cols]` matrix. */
function transposeInt8(a: Int8Array, rows: number, cols: number): Int8Array {
  const out = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  }
  return out;
}

/**
 * The q8 graph ops. Holds which activations are already quantized, so use one instance per
 * graph ({@link q8Ops} makes a new one).
 */
export function q8Ops(): GraphOps {
  const quantized = new Map<string, [string, string, string]>();
  const quantize = (g: OnnxGraph, x: string): [string, string, string] => {
    const known = quantized.get(x);
    if (known) return known;
    const outs = g.node('DynamicQuantizeLinear', [x], `${x}/DynamicQuantizeLinear`, {}, 3);
    const q: [string, string, string] = [outs[0], outs[1], outs[2]];
    quantized.set(x, q);
    return q;
  };
  return {
    linear(g, x, name, weight: HostTensor, bias?: HostTensor) {
      const [out, inDim] = weight.shape;
      // Rows of the PyTorch weight [out, in] are the MatMul's output columns.
      const { values, scales } = quantizeRows(weight.data, out, inDim);
      const w = g.int8(`${name}.weight_quantized`, [inDim, out], transposeInt8(values, out, inDim));
      const wZero = g.int8(`${name}.weight_zero_point`, [], Int8Array.of(0));
      const wScale = g.float(`${name}.weight_scale`, [out], scales);
      const [xq, xScale, xZero] = quantize(g, x);
      const acc = g.op('MatMulInteger', [xq, w, xZero, wZero], `${name}/MatMulInteger`);
      const f = g.op('Cast', [acc], `${name}/Cast`, { to: { int: DataType.FLOAT } });
      const scale = g.op('Mul', [xScale, wScale], `${name}/Scale`);
      const y = g.op('Mul', [f, scale], `${name}/Dequantize`);
      if (!bias) return y;
      return g.op('Add', [y, g.float(`${name}.bias`, [out], bias.data)], `${name}/Add`);
    },
    embeddingRows(g, table, ids, name) {
      const [vocab, H] = table.shape;
      if (vocab * H < 4096) return FLOAT_OPS.embeddingRows(g, table, ids, name);
      const { values, scales } = quantizeRows(table.data, vocab, H);
      const rows = g.op(
        'Gather',
        [g.int8(`${name}.weight_quantized`, [vocab, H], values), ids],
        `${name}/Gather`,
      );
      const rowScales = g.op(
        'Gather',
        [g.float(`${name}.weight_scale`, [vocab], scales), ids],
        `${name}/GatherScale`,
      );
      const f = g.op('Cast', [rows], `${name}/Cast`, { to: { int: DataType.FLOAT } });
      return g.op(
        'Mul',
        [f, g.op('Unsqueeze', [rowScales, g.ints([-1])], `${name}/Unsqueeze`)],
        `${name}/Dequantize`,
      );
    },
  };
}
