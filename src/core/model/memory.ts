/**
 * How much memory a training run of {@link BertForSequenceClassification} needs, before it starts:
 * fp32 weights, gradients and AdamW's two moments (4 copies of the parameters) plus the
 * activations TF.js keeps for the backward pass at batch x sequence length, compared with what
 * the backend allows (the adapter's largest storage buffer and a device-memory budget).
 */
import type { BertConfig } from './config';

/** The config keys the estimate needs. */
export type ModelShape = Pick<
  BertConfig,
  | 'vocab_size'
  | 'hidden_size'
  | 'num_hidden_layers'
  | 'num_attention_heads'
  | 'intermediate_size'
  | 'max_position_embeddings'
  | 'type_vocab_size'
  | 'num_labels'
>;

/**
 * Device memory assumed when the backend cannot tell (browsers expose no GPU memory size):
 * 4 GiB, the smallest desktop GPU the studio targets, also wasm32's address space.
 */
export const DEFAULT_MEMORY_BUDGET_BYTES = 4 * 1024 ** 3;

/** WebGPU's default `maxStorageBufferBindingSize` (128 MiB) when the adapter reports none. */
export const DEFAULT_MAX_BUFFER_BYTES = 128 * 1024 ** 2;

const F32 = 4;

/** Trainable parameters of BertForSequenceClassification (embeddings, encoder, pooler, head). */
export function countParameters(c: ModelShape): number {
  const H = c.hidden_size;
  const I = c.intermediate_size;
  const embeddings = (c.vocab_size + c.max_position_embeddings + c.type_vocab_size) * H + 2 * H; // + LayerNorm
  const attention = 4 * (H * H + H) + 2 * H; // q, k, v, output dense + LayerNorm
  const ffn = H * I + I + I * H + H + 2 * H; // intermediate, output + LayerNorm
  const pooler = H * H + H;
  const head = H * c.num_labels + c.num_labels;
  return embeddings + c.num_hidden_layers * (attention + ffn) + pooler + head;
}

/** Activation bytes kept for backward in one forward pass of batch `B` x length `T`. */
export function activationBytes(c: ModelShape, B: number, T: number): number {
  const H = c.hidden_size;
  const I = c.intermediate_size;
  const heads = c.num_attention_heads;
  const bth = B * T * H;
  const bti = B * T * I;
  const scores = B * heads * T * T;
  // Per layer, the tensors TF.js' tape holds: attention scores, the masked/softmaxed probs, the
  // dropout mask and the dropped probs (4 x scores); Q, K, V and their head-split transposes,
  // the context and its merge, the output dense, its dropout (mask + out), the residual sum and
  // LayerNorm's normalised input and output (~15 x B*T*H); the FFN's pre-activation, GELU's
  // erf intermediate and output, and the dropout-free product kept for the output dense
  // (~4 x B*T*I).
  const perLayer = 4 * scores + 15 * bth + 4 * bti;
  // Embeddings: three lookups, their sum, LayerNorm and dropout; pooler and head are tiny.
  const embeddings = 7 * bth;
  const head = 4 * B * H + 2 * B * c.num_labels;
  // While backward runs, one layer's gradient temporaries live on top of the saved activations.
  return F32 * (c.num_hidden_layers * perLayer + embeddings + head + perLayer);
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

function totals(c: ModelShape, B: number, T: number) {
  const parameters = countParameters(c);
  const weightsBytes = parameters * F32;
  const act = activationBytes(c, B, T);
  const largestTensorBytes =
    F32 *
    Math.max(
      c.vocab_size * c.hidden_size,
      c.hidden_size * c.intermediate_size,
      B * T * c.intermediate_size,
      B * c.num_attention_heads * T * T,
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
 * Estimates the memory of training `config` at `batchSize` x `seqLength` tokens with AdamW in
 * fp32 and compares it with `limits`. Pure arithmetic (no tensors).
 */
export function estimateTrainingMemory(
  config: ModelShape,
  run: { batchSize: number; seqLength: number },
  limits: MemoryLimits = {},
): MemoryEstimate {
  const B = Math.max(1, Math.floor(run.batchSize));
  const T = Math.max(1, Math.floor(run.seqLength));
  const budget = limits.budgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES;
  const maxBuffer = limits.maxBufferBytes ?? null;
  const t = totals(config, B, T);
  const fitsAt = (b: number, len: number) => {
    const x = totals(config, b, len);
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
  )}, activations ${formatBytes(t.act)} at batch ${B} x ${T} tokens)`;
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
