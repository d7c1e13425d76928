/**
 * Gradient checkpointing (TrainingArguments' `gradient_checkpointing`, torch's
 * `torch.utils.checkpoint`): a block's activations are not kept for the backward pass; only its
 * inputs are, and the backward pass runs the block's forward again under a tape of its own, then
 * differentiates that. Memory: one block's activations at a time instead of every block's, for
 * one more forward pass per block.
 *
 * The recomputed forward must be the same function of the same inputs: dropout masks are seeded
 * by (seed, site) (`dropoutMask.ts`), so a seeded forward draws the same masks again. An unseeded
 * forward with dropout would not: callers keep the activations then ({@link canCheckpoint}).
 */
import * as tf from '@tensorflow/tfjs';

import type { ParamGetter } from './family';

/** The parts of TF.js's engine the recompute touches (internal, stable across 4.x). */
interface EngineTape {
  state: { activeTape: unknown };
  gradients(
    f: () => tf.Tensor,
    xs: tf.Tensor[],
    dy?: tf.Tensor,
    allowNoGradients?: boolean,
  ): { value: tf.Tensor; grads: (tf.Tensor | undefined)[] };
}

/** One input of a checkpointed block. */
export interface CheckpointInput {
  tensor: tf.Tensor;
  /** Whether gradients flow to it (a weight, the hidden state); false: a constant (a mask). */
  differentiable: boolean;
}

/**
 * Whether a forward with these settings can be checkpointed exactly: in training, with every
 * dropout site seeded (or no dropout). Outside training there is no backward pass to save for.
 */
export function canCheckpoint(
  training: boolean,
  dropoutRates: readonly number[],
  seedOf: (site: string) => string | undefined,
  site: string,
): boolean {
  if (!training) return false;
  return dropoutRates.every((r) => r === 0) || seedOf(site) !== undefined;
}

/**
 * `block(inputs)`, its activations recomputed in the backward pass. `block` must read no tensor
 * that needs a gradient except through `inputs` (it receives them, or their saved copies in the
 * backward pass) and must be deterministic (seeded dropout). Returns a new tensor.
 */
export function checkpointed(
  block: (inputs: tf.Tensor[]) => tf.Tensor,
  inputs: readonly CheckpointInput[],
): tf.Tensor {
  // Variables (the block's weights) outlive the backward pass as they are: only the other inputs
  // (the hidden state, masks) are saved. A saved tensor is a clone, and on wasm a clone is a
  // copy: saving the weights too copied every layer's (bert-base: 28 MB a layer, 340 MB a pass).
  const kept = inputs.map((i) => i.tensor instanceof tf.Variable);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const xs = args.slice(0, -1) as tf.Tensor[];
    // Inside a custom gradient's forward nothing is taped: the block's intermediates are freed
    // as it returns.
    save(xs.filter((_, i) => !kept[i]));
    return {
      value: block(xs),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        let k = 0;
        const all = inputs.map((input, i) => (kept[i] ? input.tensor : saved[k++]));
        return recompute(block, inputs, all, dy as tf.Tensor);
      },
    };
  });
  return op(...inputs.map((i) => i.tensor));
}

/**
 * The backward pass of {@link checkpointed}: the block's forward again over its saved inputs,
 * under a tape, and its gradients for `dy`. TF.js's engine has one tape: a backward pass that
 * records a new one would leave the outer pass without its own (it frees it when done), so the
 * outer tape is put back after.
 */
function recompute(
  block: (inputs: tf.Tensor[]) => tf.Tensor,
  inputs: readonly CheckpointInput[],
  saved: tf.Tensor[],
  dy: tf.Tensor,
): tf.Tensor[] {
  const engine = tf.engine() as unknown as EngineTape;
  const wanted = saved.filter((_, i) => inputs[i].differentiable);
  const outer = engine.state.activeTape;
  let grads: (tf.Tensor | undefined)[];
  try {
    const res = engine.gradients(() => block(saved), wanted, dy, true);
    res.value.dispose();
    grads = res.grads;
  } finally {
    engine.state.activeTape = outer;
  }
  let k = 0;
  return saved.map((x, i) => {
    const g = inputs[i].differentiable ? grads[k++] : undefined;
    return g ?? tf.zerosLike(x);
  });
}

/**
 * An encoder layer `block(get, h, extras)` checkpointed: its input `h` and the parameters
 * `paramNames` (every parameter it reads: the block's getter throws for any other) get
 * gradients; `extras` (masks, position tables, shared tensors; null allowed) are passed on, with
 * gradients where they are `differentiable`.
 */
export function checkpointedLayer(
  p: ParamGetter,
  paramNames: readonly string[],
  h: tf.Tensor,
  extras: readonly (CheckpointInput | null)[],
  block: (get: ParamGetter, h: tf.Tensor, extras: (tf.Tensor | null)[]) => tf.Tensor,
): tf.Tensor {
  const present = extras.filter((x): x is CheckpointInput => x !== null);
  const first = 1 + present.length;
  const at = new Map(paramNames.map((n, k) => [n, first + k]));
  return checkpointed(
    (xs) => {
      const get = (name: string) => {
        const k = at.get(name);
        if (k === undefined) throw new Error(`checkpointed layer: ${name} is not among its inputs`);
        return xs[k];
      };
      let c = 1;
      return block(
        get,
        xs[0],
        extras.map((x) => (x === null ? null : xs[c++])),
      );
    },
    [
      { tensor: h, differentiable: true },
      ...present,
      ...paramNames.map((n) => ({ tensor: p(n), differentiable: true })),
    ],
  );
}
