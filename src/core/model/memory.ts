/**
 * How much memory a training run of a {@link SequenceClassifier} needs, before it starts: fp32
 * weights, gradients and AdamW's two moments (4 copies of the parameters) plus the activations
 * TF.js keeps for the backward pass at batch x sequence length (the family's `activationBytes`;
 * with gradient checkpointing, each layer's input and one layer's activations at a time),
 * compared with what the backend allows (the adapter's largest storage buffer and a
 * device-memory budget).
 */
import type { CommonConfig, HeadKind, ModelFamily } from './family';

/**
 * Device memory assumed when the backend cannot tell (browsers expose no GPU memory size):
 * 4 GiB, the smallest desktop GPU the studio targets, also wasm32's address space.
 */
export const DEFAULT_MEMORY_BUDGET_BYTES = 4 * 1024 ** 3;

/** WebGPU's default `maxStorageBufferBindingSize` (128 MiB) when the adapter reports none. */
export const DEFAULT_MAX_BUFFER_BYTES = 128 * 1024 ** 2;

const F32 = 4;

/** Trainable parameters of the family's classifier with `config` and `head` (HF `num_parameters()`). */
export function countParameters<C extends CommonConfig>(
  family: ModelFamily<C>,
  config: C,
  head: HeadKind = 'sequence',
): number {
  let n = 0;
  for (const spec of family.paramSpecs(config, head)) n += spec.shape.reduce((a, b) => a * b, 1);
  return n;
}

export type MemoryVerdict = 'fits' | 'tight' | 'too-large';

/** Result of {@link estimateTrainingMemory}; all sizes in bytes. */
export interface MemoryEstimate {
  parameters: number;
  weightsBytes: number;
  gradsBytes: number;
  /** AdamW's exp_avg and exp_avg_sq. */
  optimizerBytes: number;
  activationBytes: number;
  totalBytes: number;
  /** The largest single tensor (word embeddings, or an activation); must fit one GPU buffer. */
  largestTensorBytes: number;
  budgetBytes: number;
  maxBufferBytes: number | null;
  /**
   * fits: total within the budget. tight: up to 25% over (may still run; close other tabs).
   * too-large: clearly over, or a tensor larger than the adapter's largest buffer.
   */
  verdict: MemoryVerdict;
  /** One or two sentences for the user. */
  message: string;
  /** Settings that would fit (only when the verdict is not 'fits'); null if none does. */
  suggestion: { batchSize: number; maxLength: number } | null;
}

export interface MemoryLimits {
  /** The adapter's `limits.maxStorageBufferBindingSize` (WebGPU); unchecked when absent. */
  maxBufferBytes?: number;
  /** Device memory the run may use; default {@link DEFAULT_MEMORY_BUDGET_BYTES}. */
  budgetBytes?: number;
}

/** "1.2 GB" (decimal units, as GPU vendors count). */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

/** A model to size: its family, config and head (default 'sequence'). */
export interface SizedModel<C extends CommonConfig = CommonConfig> {
  family: ModelFamily<C>;
  config: C;
  head?: HeadKind;
}

/**
 * Activation bytes kept for the backward pass. With gradient checkpointing (`checkpoint.ts`) the
 * encoder keeps each layer's input [B*T, H] and, in the backward pass, one layer's activations
 * at a time (the family's figure over its layers).
 */
export function keptActivationBytes<C extends CommonConfig>(
  m: SizedModel<C>,
  B: number,
  T: number,
  gradientCheckpointing = false,
): number {
  const act = m.family.activationBytes(m.config, B, T, m.head);
  if (!gradientCheckpointing) return act;
  const d = m.family.dims(m.config);
  const layers = Math.max(1, d.numLayers);
  return Math.min(act, act / layers + layers * B * T * d.hiddenSize * F32);
}

function totals<C extends CommonConfig>(
  m: SizedModel<C>,
  parameters: number,
  B: number,
  T: number,
  gradientCheckpointing: boolean,
) {
  const d = m.family.dims(m.config);
  const weightsBytes = parameters * F32;
  const act = keptActivationBytes(m, B, T, gradientCheckpointing);
  const largestTensorBytes =
    F32 *
    Math.max(
      d.vocabSize * d.hiddenSize,
      d.hiddenSize * d.intermediateSize,
      B * T * d.intermediateSize,
      B * d.numHeads * T * T,
    );
  return {
    parameters,
    weightsBytes,
    act,
    total: 4 * weightsBytes + act,
    largestTensorBytes,
  };
}

/**
 * Estimates the memory of training `model` at `batchSize` x `seqLength` tokens with AdamW in
 * fp32 and compares it with `limits`. Pure arithmetic (no tensors).
 */
export function estimateTrainingMemory<C extends CommonConfig>(
  model: SizedModel<C>,
  run: { batchSize: number; seqLength: number; gradientCheckpointing?: boolean },
  limits: MemoryLimits = {},
): MemoryEstimate {
  const B = Math.max(1, Math.floor(run.batchSize));
  const T = Math.max(1, Math.floor(run.seqLength));
  const budget = limits.budgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES;
  const maxBuffer = limits.maxBufferBytes ?? null;
  const parameters = countParameters(model.family, model.config, model.head);
  const ckpt = run.gradientCheckpointing ?? false;
  const t = totals(model, parameters, B, T, ckpt);
  const fitsAt = (b: number, len: number) => {
    const x = totals(model, parameters, b, len, ckpt);
    return x.total <= budget && (maxBuffer === null || x.largestTensorBytes <= maxBuffer);
  };
  const bufferTooSmall = maxBuffer !== null && t.largestTensorBytes > maxBuffer;
  let verdict: MemoryVerdict;
  if (bufferTooSmall || t.total > 1.25 * budget) verdict = 'too-large';
  else if (t.total > budget) verdict = 'tight';
  else verdict = 'fits';

  let suggestion: MemoryEstimate['suggestion'] = null;
  if (verdict !== 'fits') {
    // Halve the batch first (same results with gradient accumulation), then the length.
    outer: for (let len = T; len >= 8; len = Math.floor(len / 2)) {
      for (let b = B; b >= 1; b = Math.floor(b / 2)) {
        if (fitsAt(b, len)) {
          suggestion = { batchSize: b, maxLength: len };
          break outer;
        }
        if (b === 1) break;
      }
    }
  }
  const need = `Training needs about ${formatBytes(t.total)} (weights, gradients and AdamW moments ${formatBytes(
    4 * t.weightsBytes,
  )}, activations ${formatBytes(t.act)} at batch ${B} x ${T} tokens${
    ckpt ? ' with gradient checkpointing' : ''
  })`;
  let message: string;
  if (bufferTooSmall) {
    message =
      `${need}; its largest tensor (${formatBytes(t.largestTensorBytes)}) exceeds the largest ` +
      `buffer this GPU allows (${formatBytes(maxBuffer as number)}).`;
  } else if (verdict === 'fits') {
    message = `${need}, within the ${formatBytes(budget)} budget.`;
  } else {
    message = `${need}, ${verdict === 'tight' ? 'slightly ' : ''}more than the ${formatBytes(
      budget,
    )} budget.`;
  }
  const withCheckpointing = totals(model, parameters, B, T, true);
  if (!ckpt && verdict !== 'fits' && !bufferTooSmall && withCheckpointing.total <= budget) {
    message += ` With gradient_checkpointing it needs about ${formatBytes(
      withCheckpointing.total,
    )} at this batch and length.`;
  }
  if (suggestion) {
    message +=
      ` Try per_device_train_batch_size ${suggestion.batchSize} and max_length ${suggestion.maxLength}` +
      (suggestion.batchSize < B
        ? ` (gradient_accumulation_steps ${Math.ceil(B / suggestion.batchSize)} keeps the effective batch).`
        : '.');
  } else if (verdict !== 'fits') {
    message += ' Even batch 1 at 8 tokens does not fit: choose a smaller model.';
  }
  return {
    parameters: t.parameters,
    weightsBytes: t.weightsBytes,
    gradsBytes: t.weightsBytes,
    optimizerBytes: 2 * t.weightsBytes,
    activationBytes: t.act,
    totalBytes: t.total,
    largestTensorBytes: t.largestTensorBytes,
    budgetBytes: budget,
    maxBufferBytes: maxBuffer,
    verdict,
    message,
    suggestion,
  };
}
