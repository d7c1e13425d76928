/** AdamW's options and serialisable state, and HF's rule for which parameters get weight decay. */

/** AdamW hyper-parameters; names follow `TrainingArguments` (adam_beta1, ...). */
export interface AdamWOptions {
  /** Default 0.9 (`adam_beta1`). */
  beta1?: number;
  /** Default 0.999 (`adam_beta2`). */
  beta2?: number;
  /** Default 1e-8 (`adam_epsilon`). */
  epsilon?: number;
  /** Decoupled weight decay coefficient, default 0 (`weight_decay`). */
  weightDecay?: number;
  /**
   * Whether a parameter gets weight decay. Default: `name => !hfNoDecay(name)` (HF's grouping:
   * no decay on biases and normalisation weights).
   */
  decay?: (name: string) => boolean;
  /**
   * Parameters of at least this many elements get a flat bucket of their own (updated in place,
   * no concatenation); default `ALONE_ELEMENTS` (2^20). Mostly a test hook.
   */
  aloneElements?: number;
}

/** Serialisable optimizer state: completed steps and first/second moments by parameter name. */
export interface AdamWState {
  step: number;
  m: Record<string, Float32Array>;
  v: Record<string, Float32Array>;
}

/**
 * HF's rule for parameters excluded from weight decay (`Trainer.get_decay_parameter_names`):
 * any name containing `bias`, or a normalisation layer's parameter (`LayerNorm`, `layer_norm`,
 * `layernorm`, `rmsnorm`, a `norm` or `*_norm` module). Case-insensitive.
 */
export function hfNoDecay(name: string): boolean {
  const n = name.toLowerCase();
  return (
    n.includes('bias') ||
    n.includes('layernorm') ||
    n.includes('layer_norm') ||
    n.includes('rmsnorm') ||
    /(^|\.)norm($|\.)/.test(n) ||
    /_norm($|\.)/.test(n)
  );
}
