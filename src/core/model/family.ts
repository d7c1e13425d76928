/**
 * The model-family interface: what one architecture (BERT, DistilBERT, RoBERTa, ...) provides so
 * the rest of the studio can build, train, load, save, size and export its
 * `<Family>ForSequenceClassification` without naming it. Each family lives in its own module
 * under `core/model/<family>/` and is listed once in `families.ts`; nothing above `core/model`
 * names a family.
 *
 * Conventions every family follows:
 * - Parameters are keyed by the names the checkpoint stores them under (HF's
 *   `named_parameters()` of the `...ForSequenceClassification` model, PyTorch layout: Linear
 *   weight `[out, in]`), so safetensors go in and out unchanged and `from_pretrained` of an
 *   export reports no missing or unexpected keys.
 * - `forward` is HF's eager forward of that model, op for op, built from TF.js ops that have
 *   gradients on the cpu, wasm and webgpu backends (`layers.ts` holds the shared ones with
 *   hand-written gradients: `linear`, `addLayerNorm`, `attention`, `activation`, `dropout`).
 * - Configs keep HF's key names and defaults (`configuration_<family>.py`); the fields in
 *   {@link CommonConfig} are the only ones code outside the family reads.
 */
import type * as tf from '@tensorflow/tfjs';

import type { LossFunction } from '../train/losses';
import type { ProblemType } from './config';

/**
 * Which head sits on the encoder: `'sequence'` is `<Family>ForSequenceClassification` (one
 * label per text, logits `[B, num_labels]`), `'token'` is `<Family>ForTokenClassification` (one
 * label per token: dropout and a Linear over every token's hidden state, logits
 * `[B, T, num_labels]`). Methods that depend on it take it last; absent means `'sequence'`.
 */
export type HeadKind = 'sequence' | 'token';

/** A model input batch; all int32 `[B, T]` except labels. */
export interface ClassifierBatch {
  input_ids: tf.Tensor2D;
  /** 1 = attend, 0 = padding. Default: all ones (HF). */
  attention_mask?: tf.Tensor2D;
  /** Segment ids; ignored by families without token types. Default: all zeros (HF). */
  token_type_ids?: tf.Tensor2D;
  /**
   * int32 [B] (single-label), float32 [B, L] (multi-label) or float32 [B] / [B, 1] (regression);
   * token head: int32 [B, T] with IGNORE_INDEX (-100) where no loss is taken.
   */
  labels?: tf.Tensor;
}

/** Options of a forward pass. */
export interface ForwardOptions {
  /** Dropout on (torch `model.train()`). Default false. */
  training?: boolean;
  /** Seeds every dropout mask; the same seed gives the same masks. Unseeded when absent. */
  seed?: number;
  /** The loss of the labels (the run's: label smoothing, class weights). Default: the head's plain loss. */
  loss?: LossFunction;
  /**
   * Gradient checkpointing (HF's `gradient_checkpointing`): in training, each encoder layer keeps
   * only its input for the backward pass and is recomputed there (`checkpoint.ts`). Default false.
   */
  gradientCheckpointing?: boolean;
}

/**
 * Output of forward: `logits` float32 `[B, num_labels]` (token head: `[B, T, num_labels]`),
 * `loss` when labels were given.
 */
export interface ClassifierOutput {
  logits: tf.Tensor2D | tf.Tensor3D;
  loss?: tf.Scalar;
}

/** How a parameter is initialised from scratch (HF `_init_weights`). */
export type ParamKind =
  | 'normal' // normal(0, initializer_range)
  | 'zeros'
  | 'ones'
  | 'word_embeddings' // normal(0, initializer_range), the padding_idx row zeroed
  | 'custom'; // the family's initParam decides (e.g. ModernBERT's truncated normals)

/** Name, shape (`[out, in]` for Linear) and initialisation of one parameter. */
export interface ParamSpec {
  name: string;
  shape: number[];
  kind: ParamKind;
}

/** The config keys (HF names) every family has and code outside the family may read. */
export interface CommonConfig {
  /** config.json's `model_type`, e.g. "bert", "distilbert", "xlm-roberta". */
  model_type: string;
  /** As found in the file; exports write the family's `architecture`. */
  architectures: string[];
  vocab_size: number;
  pad_token_id: number;
  /** Always `Object.keys(id2label).length`. */
  num_labels: number;
  /** Keys are the decimal strings "0".."num_labels-1" (as in config.json). */
  id2label: Record<string, string>;
  label2id: Record<string, number>;
  /** null: decided from the labels at the first loss (HF). */
  problem_type: ProblemType | null;
  transformers_version?: string;
}

/** A family-neutral view of a model's size, for memory and FLOPs estimates and the picker. */
export interface ModelDims {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  /** The feed-forward's inner width (ModernBERT: the GeGLU's half, `intermediate_size`). */
  intermediateSize: number;
}

/** Settings of a model trained from scratch, before the family's defaults fill in the rest. */
export interface ScratchOptions {
  /** Tokenizer vocabulary size (rows of the word embeddings). */
  vocabSize: number;
  id2label: Record<string, string>;
  problemType: ProblemType | null;
  /** Longest tokenized sequence the model will see. */
  maxLength: number;
  padTokenId: number;
  /** Config keys (HF names) set as they are; they win over the family's small defaults. */
  settings?: Record<string, unknown>;
}

/** A parameter getter by HF name (throws for an unknown name). */
export type ParamGetter = (name: string) => tf.Tensor;

/**
 * One architecture. `C` is the family's parsed config (HF keys and defaults filled in).
 */
export interface ModelFamily<C extends CommonConfig = CommonConfig> {
  /** config.json's `model_type` values this family reads (e.g. ['roberta']). */
  readonly modelTypes: readonly string[];
  /** The name people know it by: "BERT", "DistilBERT", "DeBERTa-v2", ... */
  readonly displayName: string;
  /**
   * config.json's `architectures` entry of an export, e.g. "RobertaForSequenceClassification",
   * "RobertaForTokenClassification" for the token head.
   */
  architectureOf(config: C, head?: HeadKind): string;

  /**
   * config.json (parsed JSON) -> config with HF's defaults. Throws a `StudioError('bad-config')`
   * naming the key for bad values and for settings the family does not implement.
   * `num_labels` follows `id2label` as `PretrainedConfig` does (`parseLabelFields`).
   */
  parseConfig(json: unknown): C;
  /**
   * config.json as `save_pretrained` writes it (keys sorted, indent 2, trailing newline), with
   * `architectures: [architectureOf(config, head)]`.
   */
  configToJson(config: C, head?: HeadKind): string;
  /** A from-scratch config: the family's small defaults, HF's for every other key. */
  scratchConfig(opts: ScratchOptions): C;

  /** Sizes for estimates and the picker. */
  dims(config: C): ModelDims;
  /** The longest input (tokens, specials included) the model takes. */
  maxInputLength(config: C): number;
  /** Whether the model reads `token_type_ids` (BERT, ELECTRA: yes; DistilBERT, RoBERTa: no). */
  takesTokenTypeIds(config: C): boolean;

  /**
   * Every parameter of the model with `head`, in HF's `named_parameters()` order (the token
   * models build the base model without a pooler where HF does: `add_pooling_layer=False`).
   */
  paramSpecs(config: C, head?: HeadKind): ParamSpec[];
  /** The classification head's parameter names (reinitialised on a num_labels change). */
  headParamNames(config: C, head?: HeadKind): readonly string[];
  /** A fresh tensor for `spec` as HF's `_init_weights` makes it, seeded by (seed, name). Caller owns it. */
  initParam(config: C, spec: ParamSpec, seed: number): tf.Tensor;
  /**
   * A checkpoint key -> the model's parameter name it loads into (HF's prefix rules: a base-model
   * checkpoint lacks the `<base>.` prefix; old gamma/beta names), or null for keys HF ignores
   * (buffers such as `position_ids`). `prefixed`: whether any key of the checkpoint carries
   * the base-model prefix.
   */
  checkpointName(key: string, prefixed: boolean): string | null;
  /** The base model's prefix in parameter names, e.g. "bert.", "roberta.", "model.". */
  readonly basePrefix: string;

  /**
   * HF's forward of `<Family>ForSequenceClassification` (eager attention), or with head 'token'
   * of `<Family>ForTokenClassification` (logits [B, T, num_labels]). Returns new tensors owned by
   * the caller; `loss` is `opts.loss(logits, labels)` when labels and a loss are given.
   */
  forward(
    config: C,
    param: ParamGetter,
    batch: ClassifierBatch,
    opts: ForwardOptions,
    head?: HeadKind,
  ): ClassifierOutput;

  /** Whether `name` is an `nn.Embedding` weight (left out of `total_flos`, as HF does). */
  isEmbeddingParam(name: string): boolean;
  /** Activation bytes kept for the backward pass at batch `B` x length `T` (fp32). */
  activationBytes(config: C, B: number, T: number, head?: HeadKind): number;

  /** The ONNX graph's input names (int64 [batch_size, sequence_length] each), in order. */
  onnxInputs(config: C): readonly string[];
  /**
   * Adds the inference graph (dropout left out) to `g`, reading the declared inputs
   * (`inputs[name]` is the node name of input `name`), and returns the node name of the logits
   * (float32 [batch_size, num_labels]; token head: [batch_size, sequence_length, num_labels]).
   * Linear layers and the word-embedding lookup go through `ops` (float or int8).
   */
  addOnnxGraph(
    g: OnnxGraph,
    config: C,
    weights: ReadonlyMap<string, HostTensor>,
    ops: GraphOps,
    inputs: Readonly<Record<string, string>>,
    head?: HeadKind,
  ): string;
}

/** A parameter as the host holds it: HF name, PyTorch layout, row-major. */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

/** An ONNX attribute value: an int (`{ int: n }`), a float, ints, a string. */
export type OnnxAttribute = number | { int: number } | number[] | string;

/** ONNX's element type of float32 tensors (`TensorProto.FLOAT`), e.g. for `Cast`'s `to`. */
export const ONNX_FLOAT = 1;
/** ONNX's element type of int64 tensors (`TensorProto.INT64`). */
export const ONNX_INT64 = 7;

/** What a family's graph writer calls on the ONNX graph being built (io/onnx's GraphBuilder). */
export interface OnnxGraph {
  /** A node or initializer name not used yet, from `base`. */
  unique(base: string): string;
  /** A float32 initializer (row-major `dims`); returns its name. */
  float(name: string, dims: number[], data: Float32Array): string;
  /** An int8 initializer (row-major `dims`); returns its name. */
  int8(name: string, dims: number[], data: Int8Array): string;
  /** An int64 initializer; returns its name. */
  int64(name: string, dims: number[], values: number[]): string;
  /** A float32 scalar constant (shared between uses); returns its name. */
  scalar(value: number): string;
  /** A 1-D int64 constant (shapes, axes); returns its name. */
  ints(values: number[]): string;
  /** A node `type(inputs)` with `outputCount` outputs; returns their names. */
  node(
    type: string,
    inputs: string[],
    name: string,
    attrs?: Record<string, OnnxAttribute>,
    outputCount?: number,
  ): string[];
  /** A node `type(inputs)` with one output, named from `name`; returns the output's name. */
  op(type: string, inputs: string[], name: string, attrs?: Record<string, OnnxAttribute>): string;
}

/** How the graph writes the layers whose weights dominate the file (float or int8). */
export interface GraphOps {
  /** `x @ weight^T (+ bias)` for `weight` [out, in] (PyTorch layout); returns the output's name. */
  linear(g: OnnxGraph, x: string, name: string, weight: HostTensor, bias?: HostTensor): string;
  /** Rows of the word embeddings [vocab, H] at `ids` (int64 [B, T]): float [B, T, H]. */
  embeddingRows(g: OnnxGraph, table: HostTensor, ids: string, name: string): string;
}
