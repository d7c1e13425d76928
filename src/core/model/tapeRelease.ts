/**
 * The backward pass frees what each op saved for it, and the gradient of its outputs, as soon as
 * that op's gradient is taken, as torch's autograd does, instead of at the end. TF.js's engine
 * keeps every tensor the tape saved (each op's inputs or outputs its gradient reads) and every
 * gradient it accumulates until the whole backward pass is done, so a pass peaked at every
 * activation plus every activation gradient (bert-base, 4 x 128 tokens, one thread: ~1 GB over
 * its weights, gradients and moments).
 *
 * TF.js's `Engine.gradients` walks its tape from the last op to the first, calling each node's
 * `gradient` with the accumulated gradients of its outputs (`dys`, final by then: every op that
 * read those outputs came later and was walked before) and then, at once, the closures it
 * returns, which read the node's saved tensors and give its inputs' gradients. When the next
 * node's `gradient` is called those have run, and the previous node's saved tensors and `dys`
 * are disposed then, except a `dy` that is the caller's (`dy`, the outer pass's for a
 * checkpointed block), the gradient of a tensor the caller asked for, one a closure handed on
 * as an input's gradient (the same object, still in the engine's map), or one closures gave to
 * several inputs. Only the outermost tape
 * is released so (a higher-order gradient reads the tape again); the engine's own clean-up at
 * the end disposes the rest, and disposing twice is a no-op. Installed once by `selectBackend`
 * (backend.ts), on every backend.
 */
import * as tf from '@tensorflow/tfjs';

/** A node of TF.js's tape (internal, stable across 4.x). */
interface TapeNode {
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
  outputs?: tf.Tensor[];
}

interface EngineTape {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
}

type Gradients = (
  this: EngineTape,
  f: () => tf.Tensor,
  xs: tf.Tensor[],
  dy?: tf.Tensor,
  allowNoGradients?: boolean,
) => unknown;

let installed = false;
let enabled = true;

/**
 * Patches TF.js's engine (once): see the module comment. `on` false keeps TF.js's own order
 * (every saved tensor and gradient freed at the end; tests compare the two).
 */
export function releaseSavedTensorsEarly(on = true): void {
  enabled = on;
  if (installed) return;
  installed = true;
  const proto = Object.getPrototypeOf(tf.engine()) as { gradients: Gradients };
  const original = proto.gradients;
  proto.gradients = function (this: EngineTape, f, xs, dy, allowNoGradients) {
    const taped = () => {
      const y = f();
      // The forward pass is done: the tape is whole, and about to be walked backward.
      const tape = this.state.activeTape;
      if (enabled && tape && this.state.gradientDepth === 1) releaseAsWalked(tape, xs, y, dy);
      return y;
    };
    return original.call(this, taped, xs, dy, allowNoGradients);
  };
}

/**
 * Wraps each node's `gradient` to free the previously walked node's saved tensors and `dys`
 * first (see the module comment); `xs`, `y` and `dy` are the `gradients` call's.
 */
function releaseAsWalked(
  tape: TapeNode[],
  xs: tf.Tensor[],
  y: tf.Tensor,
  dy: tf.Tensor | undefined,
): void {
  // Tensors whose gradient the caller gets back: the map's entries for them must stay.
  const asked = new Set(xs.map((x) => x.id));
  let walked: { node: TapeNode; dys: (tf.Tensor | null)[] } | null = null;
  // How many inputs each closure-made gradient went to (the engine's map holds it for each);
  // one given to two, or a node's own `dy` handed on to an input, must outlive its first use.
  const handedTo = new Map<tf.Tensor, number>();
  const handedOn = new Set<tf.Tensor>();
  const release = () => {
    if (!walked) return;
    // (A saved tensor a closure gave back as a gradient stays: the engine's map holds it.)
    for (const t of walked.node.saved ?? []) if (!handedTo.has(t)) t.dispose();
    walked.node.outputs?.forEach((o, k) => {
      const g = walked?.dys[k];
      if (!g || g === dy || asked.has(o.id) || o === y || handedOn.has(g)) return;
      if ((handedTo.get(g) ?? 0) > 1) return;
      g.dispose();
    });
    walked = null;
  };
  for (const node of tape) {
    const gradient = node.gradient;
    if (!gradient) continue;
    node.gradient = (dys) => {
      release();
      walked = { node, dys };
      const closures = gradient(dys);
      const out: Record<string, () => tf.Tensor> = {};
      for (const [name, c] of Object.entries(closures)) {
        out[name] = () => {
          const dx = c();
          if (dys.includes(dx)) handedOn.add(dx);
          handedTo.set(dx, (handedTo.get(dx) ?? 0) + 1);
          return dx;
        };
      }
      return out;
    };
  }
}
