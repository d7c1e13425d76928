/**
 * ONNX forms of the shared layers (`layers.ts`), for the families' graph writers: the same
 * formulas op for op, written to an {@link OnnxGraph}.
 */
import type { BertActivation } from './config';
import type { HostTensor, OnnxGraph } from './family';

/** The weight `name` of an export, or an error naming it. */
export function hostParam(weights: ReadonlyMap<string, HostTensor>, name: string): HostTensor {
  const t = weights.get(name);
  if (!t) throw new Error(`ONNX export: the weights have no '${name}'`);
  return t;
}

/** HF `ACT2FN[act]` as ONNX ops, the same formulas as `layers.ts` `activation`. */
export function onnxActivation(g: OnnxGraph, x: string, act: BertActivation, name: string): string {
  switch (act) {
    case 'gelu':
    case 'gelu_python': {
      // x * 0.5 (1 + erf(x / sqrt 2)), the exact GELU
      const erf = g.op(
        'Erf',
        [g.op('Mul', [x, g.scalar(Math.SQRT1_2)], `${name}/Scale`)],
        `${name}/Erf`,
      );
      const cdf = g.op(
        'Mul',
        [g.op('Add', [erf, g.scalar(1)], `${name}/Add`), g.scalar(0.5)],
        `${name}/Half`,
      );
      return g.op('Mul', [x, cdf], `${name}/Mul`);
    }
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
    case 'gelu_fast': {
      // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
      const cube = g.op('Mul', [g.op('Mul', [x, x], `${name}/Sq`), x], `${name}/Cube`);
      const sum = g.op(
        'Add',
        [x, g.op('Mul', [cube, g.scalar(0.044715)], `${name}/C`)],
        `${name}/Sum`,
      );
      const inner = g.op('Mul', [sum, g.scalar(Math.sqrt(2 / Math.PI))], `${name}/Inner`);
      const t = g.op('Add', [g.op('Tanh', [inner], `${name}/Tanh`), g.scalar(1)], `${name}/Add`);
      return g.op('Mul', [g.op('Mul', [x, g.scalar(0.5)], `${name}/Half`), t], `${name}/Mul`);
    }
    case 'relu':
      return g.op('Relu', [x], `${name}/Relu`);
    case 'silu':
    case 'swish':
      return g.op('Mul', [x, g.op('Sigmoid', [x], `${name}/Sigmoid`)], `${name}/Mul`);
    default: {
      const never: never = act;
      throw new Error(`ONNX export: unsupported activation ${String(never)}`);
    }
  }
}

/**
 * LayerNorm over the last axis (opset 17's LayerNormalization) with the weights
 * `<prefix>.weight` and, unless `bias` is false (ModernBERT's `norm_bias`), `<prefix>.bias`.
 */
export function onnxLayerNorm(
  g: OnnxGraph,
  x: string,
  weights: ReadonlyMap<string, HostTensor>,
  prefix: string,
  eps: number,
  bias = true,
): string {
  const gamma = hostParam(weights, `${prefix}.weight`);
  const inputs = [x, g.float(`${prefix}.weight`, gamma.shape, gamma.data)];
  if (bias) {
    const beta = hostParam(weights, `${prefix}.bias`);
    inputs.push(g.float(`${prefix}.bias`, beta.shape, beta.data));
  }
  return g.op('LayerNormalization', inputs, `${prefix}/LayerNormalization`, {
    axis: { int: -1 },
    epsilon: eps,
  });
}
