/**
 * HF `AutoModelForSequenceClassification` in TF.js: one class for every family. Parameters are
 * `tf.Variable`s keyed by HF names in PyTorch layout; the family (`family.ts`) knows their names,
 * shapes and initialisation, HF's checkpoint prefix rules and the forward pass. The same class
 * serves models trained from scratch (`create`: a small config, HF's init) and pretrained
 * checkpoints (`fromTensors`), so every model exports as an HF folder.
 */
import * as tf from '@tensorflow/tfjs';

import { headLoss, tokenClassificationLoss } from '../train/losses';
import { problemTypeFor, type ProblemType } from './config';
import type {
  ClassifierBatch,
  ClassifierOutput,
  CommonConfig,
  ForwardOptions,
  HeadKind,
  HostTensor,
  ModelFamily,
} from './family';

/** A checkpoint tensor whose shape differs from the model's (reinitialised, as HF's `ignore_mismatched_sizes`). */
export interface MismatchedParam {
  name: string;
  checkpointShape: number[];
  modelShape: number[];
}

/** Result of {@link SequenceClassifier.fromTensors}. */
export interface FromTensorsResult {
  model: SequenceClassifier;
  /** Model parameters absent from the checkpoint, newly initialised (HF's "newly initialized" list). */
  missing: string[];
  /** Checkpoint tensors the model does not use, in the checkpoint's spelling (e.g. `cls.predictions.bias`). */
  unexpected: string[];
  /** Classifier-head tensors of another shape (another num_labels), newly initialised. */
  mismatched: MismatchedParam[];
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * HF `<Family>ForSequenceClassification`, or with `head` 'token' `<Family>ForTokenClassification`
 * (see the module comment).
 */
export class SequenceClassifier {
  readonly family: ModelFamily;
  readonly config: CommonConfig;
  /** Which head sits on the encoder: one label per text ('sequence') or per token ('token'). */
  readonly head: HeadKind;
  /** Trainable parameters by HF name, PyTorch layout. Owned by the model. */
  readonly params: Map<string, tf.Variable>;
  /**
   * Training forwards recompute each encoder layer in the backward pass instead of keeping its
   * activations (HF's `gradient_checkpointing_enable()`; the Trainer sets it from
   * `gradient_checkpointing`). An explicit `ForwardOptions.gradientCheckpointing` wins.
   */
  gradientCheckpointing = false;
  private readonly architecture: string;
  private readonly getParam = (name: string): tf.Tensor => {
    const v = this.params.get(name);
    if (!v) throw new Error(`${this.architecture}: no parameter '${name}'`);
    return v;
  };

  /**
   * Wraps existing variables (owned by the model from now on). Throws when a parameter is missing
   * or has the wrong shape for `config`.
   */
  constructor(
    family: ModelFamily,
    config: CommonConfig,
    params: Map<string, tf.Variable>,
    head: HeadKind = 'sequence',
  ) {
    const architecture = family.architectureOf(config, head);
    if (head === 'token' && !architecture.endsWith('ForTokenClassification')) {
      throw new Error(`${family.displayName}: the token-classification head is not implemented`);
    }
    for (const spec of family.paramSpecs(config, head)) {
      const p = params.get(spec.name);
      if (!p) throw new Error(`${architecture}: parameter '${spec.name}' is missing`);
      if (!sameShape(p.shape, spec.shape)) {
        throw new Error(
          `${architecture}: parameter '${spec.name}' has shape [${p.shape}], ` +
            `config needs [${spec.shape}]`,
        );
      }
    }
    this.family = family;
    this.config = config;
    this.head = head;
    this.params = params;
    this.architecture = architecture;
  }

  /** A new model with `head` and HF's `_init_weights`, reproducible from `seed`. */
  static create<C extends CommonConfig>(
    family: ModelFamily<C>,
    config: C,
    seed: number,
    head: HeadKind = 'sequence',
  ): SequenceClassifier {
    const params = new Map<string, tf.Variable>();
    for (const spec of family.paramSpecs(config, head)) {
      const t = family.initParam(config, spec, seed);
      params.set(spec.name, tf.variable(t, true));
      t.dispose();
    }
    return new SequenceClassifier(family as ModelFamily, config, params, head);
  }

  /**
   * `from_pretrained` over already-decoded tensors (float; other dtypes are cast). Applies HF's
   * prefix rules (`family.checkpointName`): a base-model checkpoint (names without the family's
   * `basePrefix`) gets the prefix; heads the model lacks (`cls.*` of BertForPreTraining) are
   * `unexpected`; parameters the checkpoint lacks (usually the classifier) are newly initialised
   * from `seed` and listed as `missing`. A head parameter of another size is reinitialised
   * (`mismatched`); any other shape mismatch throws. The input tensors are not disposed. With
   * `head` 'token', a sequence-classification checkpoint's pooler and head (`bert.pooler.*`,
   * DistilBERT's `pre_classifier.*`) are `unexpected`, as `from_pretrained` reports them.
   */
  static fromTensors<C extends CommonConfig>(
    family: ModelFamily<C>,
    config: C,
    tensors: Map<string, tf.Tensor>,
    seed: number,
    head: HeadKind = 'sequence',
  ): FromTensorsResult {
    const specs = family.paramSpecs(config, head);
    const headNames = new Set<string>(family.headParamNames(config, head));
    const keys = [...tensors.keys()];
    const prefixed = keys.some((k) => k.startsWith(family.basePrefix));
    // model parameter name -> checkpoint key (HF spelling)
    const byName = new Map<string, string>();
    const unexpected: string[] = [];
    const expected = new Set(specs.map((s) => s.name));
    for (const key of keys) {
      const name = family.checkpointName(key, prefixed);
      if (name === null) continue;
      if (expected.has(name) && !byName.has(name)) byName.set(name, key);
      else unexpected.push(key);
    }
    const params = new Map<string, tf.Variable>();
    const missing: string[] = [];
    const mismatched: MismatchedParam[] = [];
    try {
      for (const spec of specs) {
        const key = byName.get(spec.name);
        const t = key === undefined ? undefined : tensors.get(key);
        if (t && !sameShape(t.shape, spec.shape)) {
          if (!headNames.has(spec.name)) {
            throw new Error(
              `Checkpoint tensor '${key}' has shape [${t.shape}] but the model (from config.json) ` +
                `needs [${spec.shape}] for '${spec.name}'`,
            );
          }
          mismatched.push({
            name: spec.name,
            checkpointShape: [...t.shape],
            modelShape: spec.shape,
          });
        }
        if (t && sameShape(t.shape, spec.shape)) {
          params.set(
            spec.name,
            tf.tidy(() => tf.variable(t.dtype === 'float32' ? t : tf.cast(t, 'float32'), true)),
          );
        } else {
          if (!t) missing.push(spec.name);
          const init = family.initParam(config, spec, seed);
          params.set(spec.name, tf.variable(init, true));
          init.dispose();
        }
      }
    } catch (e) {
      for (const v of params.values()) v.dispose();
      throw e;
    }
    return {
      model: new SequenceClassifier(family as ModelFamily, config, params, head),
      missing,
      unexpected,
      mismatched,
    };
  }

  /**
   * HF `forward`. Returns new tensors owned by the caller (intermediates are freed); run it inside
   * `tf.tidy` / `tf.variableGrads` as usual. When `labels` are given the loss is `opts.loss`, or
   * the plain loss of {@link problemTypeOf} the labels (token head: {@link
   * tokenClassificationLoss}, labels int32 [B, T] with -100 where no loss is taken).
   * `token_type_ids` reach the family only when it reads them. The config is not changed (HF
   * writes the problem type it decides back to the config; here the code that builds the model
   * sets it).
   *
   * @returns logits float32 [B, num_labels] (token head: [B, T, num_labels]), loss scalar
   */
  forward(batch: ClassifierBatch, opts: ForwardOptions = {}): ClassifierOutput {
    const ids = batch.input_ids;
    if (ids.rank !== 2) throw new Error(`forward: input_ids must be [B, T], got [${ids.shape}]`);
    for (const [k, t] of [
      ['attention_mask', batch.attention_mask],
      ['token_type_ids', batch.token_type_ids],
    ] as const) {
      if (t && !sameShape(t.shape, ids.shape)) {
        throw new Error(`forward: ${k} has shape [${t.shape}], input_ids has [${ids.shape}]`);
      }
    }
    const labels = batch.labels;
    if (labels && this.head === 'token' && !sameShape(labels.shape, ids.shape)) {
      throw new Error(
        `forward: token labels must be [B, T] like input_ids [${ids.shape}], got [${labels.shape}]`,
      );
    }
    const loss = labels ? (opts.loss ?? this.defaultLoss(labels)) : undefined;
    const fed: ClassifierBatch = this.family.takesTokenTypeIds(this.config)
      ? batch
      : { input_ids: ids, attention_mask: batch.attention_mask, labels };
    const gradientCheckpointing = opts.gradientCheckpointing ?? this.gradientCheckpointing;
    return this.family.forward(
      this.config,
      this.getParam,
      fed,
      { ...opts, loss, gradientCheckpointing },
      this.head,
    );
  }

  /** The head's plain loss for `labels` (HF's forward without a Trainer's label smoothing). */
  private defaultLoss(labels: tf.Tensor) {
    return this.head === 'token' ? tokenClassificationLoss() : headLoss(this.problemTypeOf(labels));
  }

  /**
   * The problem type of the head's loss for `labels`: `config.problem_type`, or where that is
   * unset what HF's forward decides from them (int32 -> single-label, float -> multi-label,
   * num_labels 1 -> regression). The config is not changed.
   */
  problemTypeOf(labels: tf.Tensor): ProblemType {
    return problemTypeFor(this.config, labels.dtype === 'int32' ? 'int' : 'float');
  }

  /** Whether the model reads `token_type_ids` (`family.takesTokenTypeIds`): batches hold them only then. */
  takesTokenTypeIds(): boolean {
    return this.family.takesTokenTypeIds(this.config);
  }

  /** The longest input (tokens, specials included) the model takes (`family.maxInputLength`). */
  maxInputLength(): number {
    return this.family.maxInputLength(this.config);
  }

  /**
   * The word embeddings' name (the embedding table of `vocab_size` rows that `input_ids` index),
   * or null: a batch reads only its token ids' rows of it, and its gradient is zero elsewhere.
   */
  wordEmbeddingsName(): string | null {
    const spec = this.family
      .paramSpecs(this.config, this.head)
      .find((s) => this.family.isEmbeddingParam(s.name) && s.shape[0] === this.config.vocab_size);
    return spec?.name ?? null;
  }

  /** Number of scalar parameters (HF `num_parameters()`). */
  parameterCount(): number {
    let n = 0;
    for (const v of this.params.values()) n += v.size;
    return n;
  }

  /** Copies every parameter to the host, by HF name (async read: safe on WebGPU). */
  async weights(): Promise<Map<string, HostTensor>> {
    const out = new Map<string, HostTensor>();
    for (const [name, v] of this.params) {
      out.set(name, { shape: [...v.shape], data: (await v.data()) as Float32Array });
    }
    return out;
  }

  /** Frees every parameter. The model is unusable afterwards. */
  dispose(): void {
    for (const v of this.params.values()) v.dispose();
  }
}
