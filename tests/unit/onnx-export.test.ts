/**
 * The ONNX files themselves: the fixture BERT (tests/fixtures/bert-tiny-random, PyTorch logits)
 * through onnxruntime-node and onnxruntime-web's wasm build (the one a page runs), fp32 and q8;
 * every hidden_act against the studio's own forward; the model's header, inputs and outputs as
 * decoded back; and the int8 rounding.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ONNX_FP32_FILE,
  ONNX_IR_VERSION,
  ONNX_OPSET,
  ONNX_Q8_FILE,
  familyOnnx,
  onnxFiles,
  type ModelWeights,
  type OnnxDtype,
} from '../../src/core/io/onnx/familyOnnx';
import type { onnx } from '../../src/core/io/onnx/onnxProto.generated.js';
import { decodeModel } from '../../src/core/io/onnx/proto';
import { quantizeRows } from '../../src/core/io/onnx/quantize';
import { readSafetensors } from '../../src/core/io/safetensors';
import { SequenceClassifier } from '../../src/core/model/classifier';
import { bertFamily } from '../../src/core/model/bert';
import {
  parseBertConfig,
  smallBertConfig,
  type BertConfig,
} from '../../src/core/model/bert/config';
import { BERT_ONNX_INPUTS as ONNX_INPUT_NAMES } from '../../src/core/model/bert/onnx';
import { BERT_ACTIVATIONS } from '../../src/core/model/config';

const bertOnnx = (c: BertConfig, w: ModelWeights, dtype: OnnxDtype = 'fp32'): Uint8Array =>
  familyOnnx(bertFamily, c, w, dtype);

const dir = 'tests/fixtures/bert-tiny-random/';
const ref = JSON.parse(readFileSync(`${dir}reference.json`, 'utf8')) as {
  input_ids: number[][];
  token_type_ids: number[][];
  attention_mask: number[][];
  logits: number[][];
};
const config = parseBertConfig(JSON.parse(readFileSync(`${dir}config.json`, 'utf8')));
const weights = new Map(
  [...readSafetensors(new Uint8Array(readFileSync(`${dir}model.safetensors`)))].map(([k, t]) => [
    k,
    { shape: t.shape, data: t.data },
  ]),
);

type Ort = typeof ortNode;
type Inputs = Record<(typeof ONNX_INPUT_NAMES)[number], number[][]>;

/** `model`'s logits on `inputs` in onnxruntime `ort` (node or web). */
async function run(ort: Ort, model: Uint8Array, inputs: Inputs): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model);
  const feeds: Record<string, ortNode.Tensor> = {};
  for (const name of ONNX_INPUT_NAMES) {
    const rows = inputs[name];
    feeds[name] = new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [
      rows.length,
      rows[0].length,
    ]);
  }
  const out = await session.run(feeds);
  await session.release();
  return out.logits.data as Float32Array;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const fixtureInputs: Inputs = {
  input_ids: ref.input_ids,
  attention_mask: ref.attention_mask,
  token_type_ids: ref.token_type_ids,
};

describe('ONNX export', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    ortWeb.env.wasm.numThreads = 1;
  });

  it('gives PyTorch logits for the fixture BERT in onnxruntime-node and -web (wasm), fp32 and q8', async () => {
    const files = onnxFiles(bertFamily, config, weights);
    const want = ref.logits.flat();
    for (const [name, ort] of [
      ['node', ortNode],
      ['web', ortWeb as unknown as Ort],
    ] as const) {
      const fp32 = await run(ort, files[ONNX_FP32_FILE], fixtureInputs);
      expect(maxAbsDiff(fp32, want), name).toBeLessThan(1e-5);
      const q8 = await run(ort, files[ONNX_Q8_FILE], fixtureInputs);
      // A random model's logits are small (|logit| < 0.3): q8 must stay within a few hundredths.
      expect(maxAbsDiff(q8, want), name).toBeLessThan(0.03);
    }
  });

  it('matches the studio forward for every hidden_act, with padding and segment 1', async () => {
    const inputs: Inputs = {
      input_ids: [
        [2, 17, 33, 41, 5, 3, 0, 0],
        [2, 9, 8, 7, 3, 11, 12, 3],
      ],
      attention_mask: [
        [1, 1, 1, 1, 1, 1, 0, 0],
        [1, 1, 1, 1, 1, 1, 1, 1],
      ],
      token_type_ids: [
        [0, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 1, 1, 1],
      ],
    };
    for (const act of BERT_ACTIVATIONS) {
      const c: BertConfig = smallBertConfig({
        vocabSize: 50,
        numLabels: 3,
        maxLength: 16,
        hiddenSize: 16,
        numHeads: 2,
        intermediateSize: 32,
        hiddenAct: act,
        problemType: 'single_label_classification',
      });
      const before = tf.memory().numTensors;
      const model = SequenceClassifier.create(bertFamily, c, 5);
      const t = (rows: number[][]) => tf.tensor2d(rows, undefined, 'int32');
      const batch = {
        input_ids: t(inputs.input_ids),
        attention_mask: t(inputs.attention_mask),
        token_type_ids: t(inputs.token_type_ids),
      };
      const { logits } = model.forward(batch, { training: false });
      const want = (await logits.data()) as Float32Array;
      const got = await run(ortNode, bertOnnx(c, await model.weights()), inputs);
      expect(maxAbsDiff(got, want), act).toBeLessThan(1e-5);
      logits.dispose();
      Object.values(batch).forEach((x) => x.dispose());
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('declares opset 17, int64 inputs with dynamic axes and logits [batch_size, num_labels]', () => {
    for (const dtype of ['fp32', 'q8'] as const) {
      const m = decodeModel(bertOnnx(config, weights, dtype));
      expect(Number(m.ir_version)).toBe(ONNX_IR_VERSION);
      expect(m.opset_import.map((o) => [o.domain, Number(o.version)])).toEqual([['', ONNX_OPSET]]);
      expect(m.producer_name).toBe('trainer-studio');
      const g = m.graph as onnx.GraphProto; // decoded: class instances, arrays present
      const dims = (v: onnx.IValueInfoProto) =>
        v.type!.tensor_type!.shape!.dim!.map((d) => d.dim_param || Number(d.dim_value));
      expect(g.input.map((v) => v.name)).toEqual([...ONNX_INPUT_NAMES]);
      for (const v of g.input) {
        expect(v.type!.tensor_type!.elem_type).toBe(7); // INT64
        expect(dims(v)).toEqual(['batch_size', 'sequence_length']);
      }
      expect(g.output.map((v) => [v.name, dims(v)])).toEqual([
        ['logits', ['batch_size', config.num_labels]],
      ]);
      const ops = new Set(g.node.map((n) => n.op_type));
      const initializers = new Set(g.initializer.map((t) => t.name));
      // Every MatMul with a weight is int8 in q8; MatMuls left are attention's q k^T and p v.
      const weightMatMuls = g.node.filter(
        (n) => n.op_type === 'MatMul' && initializers.has(n.input![1]),
      );
      if (dtype === 'fp32') {
        expect(ops.has('MatMulInteger')).toBe(false);
        expect(weightMatMuls).toHaveLength(config.num_hidden_layers * 6 + 2);
      } else {
        expect(ops.has('DynamicQuantizeLinear') && ops.has('MatMulInteger')).toBe(true);
        expect(weightMatMuls).toHaveLength(0);
        const q = g.node.filter((n) => n.op_type === 'DynamicQuantizeLinear');
        // One per distinct input: h (q, k, v share it), context, h1, intermediate per layer;
        // the pooler's and the classifier's.
        expect(q).toHaveLength(config.num_hidden_layers * 4 + 2);
      }
    }
  });

  it('quantizes each row to int8 with max |w| / 127, rounding half to even', () => {
    const { values, scales } = quantizeRows(
      Float32Array.from([-1, 0.5, 0.25, 1 / 254, 0, 0, 0, 0]),
      2,
      4,
    );
    expect(scales[0]).toBeCloseTo(1 / 127, 9);
    // 0.5 * 127 = 63.5 -> 64 (even); 0.25 * 127 = 31.75 -> 32; (1/254) * 127 = 0.5 -> 0
    expect(Array.from(values.subarray(0, 4))).toEqual([-127, 64, 32, 0]);
    expect(scales[1]).toBe(1);
    expect(Array.from(values.subarray(4))).toEqual([0, 0, 0, 0]);
  });

  it('is about a quarter the size quantized, for the default model (bert-base-uncased vocabulary)', async () => {
    const c = smallBertConfig({ vocabSize: 30522, numLabels: 2, maxLength: 128 });
    const model = SequenceClassifier.create(bertFamily, c, 1);
    const files = onnxFiles(bertFamily, c, await model.weights());
    model.dispose();
    const fp32 = files[ONNX_FP32_FILE].length;
    const q8 = files[ONNX_Q8_FILE].length;
    // 4 bytes per weight -> 1, plus a scale per word-embedding row and per output column.
    expect(fp32).toBeGreaterThan(c.vocab_size * c.hidden_size * 4);
    expect(q8 / fp32).toBeGreaterThan(0.25);
    expect(q8 / fp32).toBeLessThan(0.3);
  });
});
