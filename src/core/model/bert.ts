/**
 * HF `BertForSequenceClassification` in TF.js, functional: parameters are `tf.Variable`s keyed by
 * HF names in PyTorch layout, and `forward` is the maths of `modeling_bert.py` (eager attention).
 * The same class serves models trained from scratch (a small config, HF's init) and pretrained
 * checkpoints (`fromTensors`), so every model exports as an HF folder.
 */
import * as tf from '@tensorflow/tfjs';

import { headLoss, type LossFunction } from '../train/losses';
import { problemTypeFor, type BertConfig, type ProblemType } from './config';
import { HEAD_PARAMS, bertParamSpecs, initParam } from './init';
import { embed } from './embeddings';
import { activation, addLayerNorm, attention, dropout, linear } from './layers';

/** torch.finfo(torch.float32).min: HF's additive attention-mask value. */
const FLOAT32_MIN = -3.4028234663852886e38;

/** A model input batch; all int32 `[B, T]` (labels: see {@link BertForSequenceClassification.forward}). */
export interface BertBatch {
  input_ids: tf.Tensor2D;
  /** 1 = attend, 0 = padding. Default: all ones (HF). */
  attention_mask?: tf.Tensor2D;
  /** Segment ids. Default: all zeros (HF). */
  token_type_ids?: tf.Tensor2D;
  /** int32 [B] (single-label), float32 [B, L] (multi-label) or float32 [B] / [B, 1] (regression). */
  labels?: tf.Tensor;
}

/** Options of {@link BertForSequenceClassification.forward}. */
export interface ForwardOptions {
  /** Dropout on (torch `model.train()`). Default false. */
  training?: boolean;
  /** Seeds every dropout mask; the same seed gives the same masks. Unseeded when absent. */
  seed?: number;
  /**
   * The loss of the labels: the run's (label smoothing, class weights; `headLoss` in
   * `train/losses.ts`). Default: the head's plain loss for {@link BertForSequenceClassification.problemTypeOf}.
   */
  loss?: LossFunction;
}

/** Output of forward: `logits` float32 `[B, num_labels]`, `loss` when labels were given. */
export interface BertOutput {
  logits: tf.Tensor2D;
  loss?: tf.Scalar;
}

/** A checkpoint tensor whose shape differs from the model's (reinitialised, as HF's `ignore_mismatched_sizes`). */
export interface MismatchedParam {
  name: string;
  checkpointShape: number[];
  modelShape: number[];
}

/** Result of {@link BertForSequenceClassification.fromTensors}. */
export interface FromTensorsResult {
  model: BertForSequenceClassification;
  /** Model parameters absent from the checkpoint, newly initialised (HF's "newly initialized" list). */
  missing: string[];
  /** Checkpoint tensors the model does not use, in the checkpoint's spelling (e.g. `cls.predictions.bias`). */
  unexpected: string[];
  /** Classifier-head tensors of another shape (another num_labels), newly initialised. */
  mismatched: MismatchedParam[];
}

/** Buffers HF ignores when loading (`_keys_to_ignore_on_load_unexpected`). */
const IGNORED_CHECKPOINT_KEYS = [/(^|\.)embeddings\.position_ids$/];

/**
 * HF's key fixes: old TF-converted checkpoints name LayerNorm parameters gamma/beta
 * (`PreTrainedModel._fix_state_dict_key_on_load`).
 */
function fixKey(name: string): string {
  return name.replace(/\.gamma$/, '.weight').replace(/\.beta$/, '.bias');
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** HF `BertForSequenceClassification` (see the module comment). */
export class BertForSequenceClassification {
  readonly config: BertConfig;
  /** Trainable parameters by HF name, PyTorch layout. Owned by the model. */
  readonly params: Map<string, tf.Variable>;

  /**
   * Wraps existing variables (owned by the model from now on). Throws when a parameter is missing
   * or has the wrong shape for `config`.
   */
  constructor(config: BertConfig, params: Map<string, tf.Variable>) {
    for (const spec of bertParamSpecs(config)) {
      const p = params.get(spec.name);
      if (!p) throw new Error(`BertForSequenceClassification: parameter '${spec.name}' is missing`);
      if (!sameShape(p.shape, spec.shape)) {
        throw new Error(
          `BertForSequenceClassification: parameter '${spec.name}' has shape [${p.shape}], ` +
            `config needs [${spec.shape}]`,
        );
      }
    }
    this.config = config;
    this.params = params;
  }

  /** A new model with HF's `_init_weights`, reproducible from `seed`. */
  static create(config: BertConfig, seed: number): BertForSequenceClassification {
    const params = new Map<string, tf.Variable>();
    for (const spec of bertParamSpecs(config)) {
      const t = initParam(config, spec, seed);
      params.set(spec.name, tf.variable(t, true));
      t.dispose();
    }
    return new BertForSequenceClassification(config, params);
  }

  /**
   * `from_pretrained` over already-decoded tensors (float; other dtypes are cast). Applies HF's
   * prefix rules: a base-model checkpoint (`BertModel`, names without `bert.`) gets the `bert.`
   * prefix; heads the model lacks (`cls.*` of BertForPreTraining/MaskedLM) are `unexpected`;
   * parameters the checkpoint lacks (usually the classifier) are newly initialised from `seed`
   * and listed as `missing`. A classifier of another size is reinitialised (`mismatched`); any
   * other shape mismatch throws. The input tensors are not disposed.
   */
  static fromTensors(
    config: BertConfig,
    tensors: Map<string, tf.Tensor>,
    seed: number,
  ): FromTensorsResult {
    const specs = bertParamSpecs(config);
    const keys = [...tensors.keys()];
    const hasPrefix = keys.some((k) => k.startsWith('bert.'));
    // checkpoint name (HF spelling) -> original name
    const byName = new Map<string, string>();
    const unexpected: string[] = [];
    const expected = new Set(specs.map((s) => s.name));
    for (const key of keys) {
      if (IGNORED_CHECKPOINT_KEYS.some((re) => re.test(key))) continue;
      let name = fixKey(key);
      if (!hasPrefix && !name.startsWith('classifier.')) name = `bert.${name}`;
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
          if (!(HEAD_PARAMS as readonly string[]).includes(spec.name)) {
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
          const init = initParam(config, spec, seed);
          params.set(spec.name, tf.variable(init, true));
          init.dispose();
        }
      }
    } catch (e) {
      for (const v of params.values()) v.dispose();
      throw e;
    }
    return {
      model: new BertForSequenceClassification(config, params),
      missing,
      unexpected,
      mismatched,
    };
  }

  private p(name: string): tf.Variable {
    const v = this.params.get(name);
    if (!v) throw new Error(`BertForSequenceClassification: no parameter '${name}'`);
    return v;
  }

  /**
   * HF `forward`. Returns new tensors owned by the caller (intermediates are freed); run it inside
   * `tf.tidy` / `tf.variableGrads` as usual. When `labels` are given the loss is `opts.loss`, or
   * the plain loss of {@link problemTypeOf} the labels. The config is not changed (HF writes the
   * problem type it decides back to the config; here the code that builds the model sets it).
   *
   * @returns logits float32 [B, num_labels], loss scalar
   */
  forward(batch: BertBatch, opts: ForwardOptions = {}): BertOutput {
    const c = this.config;
    const training = opts.training ?? false;
    const ids = batch.input_ids;
    if (ids.rank !== 2) throw new Error(`forward: input_ids must be [B, T], got [${ids.shape}]`);
    const [B, T] = ids.shape;
    if (T > c.max_position_embeddings) {
      throw new Error(
        `forward: sequence length ${T} exceeds max_position_embeddings ${c.max_position_embeddings}`,
      );
    }
    for (const [k, t] of [
      ['attention_mask', batch.attention_mask],
      ['token_type_ids', batch.token_type_ids],
    ] as const) {
      if (t && !sameShape(t.shape, ids.shape)) {
        throw new Error(`forward: ${k} has shape [${t.shape}], input_ids has [${ids.shape}]`);
      }
    }
    const labels = batch.labels;
    const lossOf = labels ? (opts.loss ?? headLoss(this.problemTypeOf(labels))) : null;
    const seedFor = (site: string): string | undefined =>
      opts.seed === undefined ? undefined : `${opts.seed}:${site}`;
    const H = c.hidden_size;
    const eps = c.layer_norm_eps;
    const hp = c.hidden_dropout_prob;

    return tf.tidy(() => {
      // Embeddings: (word + token_type) + position, LayerNorm, dropout; [B*T, H] throughout the
      // encoder, so every dense layer is one 2-D matmul.
      let h: tf.Tensor = embed(
        {
          word: this.p('bert.embeddings.word_embeddings.weight') as tf.Tensor2D,
          position: this.p('bert.embeddings.position_embeddings.weight') as tf.Tensor2D,
          tokenType: this.p('bert.embeddings.token_type_embeddings.weight') as tf.Tensor2D,
          gamma: this.p('bert.embeddings.LayerNorm.weight') as tf.Tensor1D,
          beta: this.p('bert.embeddings.LayerNorm.bias') as tf.Tensor1D,
        },
        ids,
        batch.token_type_ids ?? null,
        eps,
        hp,
        training,
        seedFor('emb'),
      );

      // Additive mask [B, 1, 1, T]: 0 where attended, float32.min where padded (HF).
      const maskAdd = batch.attention_mask
        ? tf.reshape(tf.mul(tf.sub(1, tf.cast(batch.attention_mask, 'float32')), FLOAT32_MIN), [
            B,
            1,
            1,
            T,
          ])
        : null;

      for (let i = 0; i < c.num_hidden_layers; i++) {
        // One tidy per layer: what the backward pass does not keep is freed as the layer ends,
        // not when the whole forward pass does (a lower peak, and a wasm heap that grows less).
        h = tf.tidy(() => this.layer(i, h, maskAdd, B, T, training, seedFor));
      }

      // Pooler: tanh(dense(h[:, 0])).
      const first = tf.reshape(tf.slice(tf.reshape(h, [B, T, H]), [0, 0, 0], [B, 1, H]), [B, H]);
      let pooled = tf.tanh(
        linear(first, this.p('bert.pooler.dense.weight'), this.p('bert.pooler.dense.bias')),
      );
      pooled = dropout(pooled, c.classifier_dropout ?? hp, training, seedFor('cls'));
      const logits = linear(
        pooled,
        this.p('classifier.weight'),
        this.p('classifier.bias'),
      ) as tf.Tensor2D;
      if (!labels || !lossOf) return { logits };
      return { logits, loss: lossOf(logits, labels) };
    });
  }

  /**
   * The problem type of the head's loss for `labels`: `config.problem_type`, or where that is
   * unset what HF's forward decides from them (int32 -> single-label, float -> multi-label,
   * num_labels 1 -> regression). The config is not changed.
   */
  problemTypeOf(labels: tf.Tensor): ProblemType {
    return problemTypeFor(this.config, labels.dtype === 'int32' ? 'int' : 'float');
  }

  /** Encoder layer i: attention, residual + LayerNorm, feed-forward, residual + LayerNorm. */
  private layer(
    i: number,
    h: tf.Tensor,
    maskAdd: tf.Tensor | null,
    B: number,
    T: number,
    training: boolean,
    seedFor: (site: string) => string | undefined,
  ): tf.Tensor {
    const c = this.config;
    const H = c.hidden_size;
    const nH = c.num_attention_heads;
    const dH = H / nH;
    const eps = c.layer_norm_eps;
    const hp = c.hidden_dropout_prob;
    const scale = 1 / Math.sqrt(dH);
    const pre = `bert.encoder.layer.${i}`;
    const att = `${pre}.attention.self`;
    // One projection for query, key and value: [B*T, 3H] -> [B, 3 nH, T, dH] -> q, k, v.
    const qkv = linear(
      h,
      tf.concat([
        this.p(`${att}.query.weight`),
        this.p(`${att}.key.weight`),
        this.p(`${att}.value.weight`),
      ]),
      tf.concat([
        this.p(`${att}.query.bias`),
        this.p(`${att}.key.bias`),
        this.p(`${att}.value.bias`),
      ]),
    );
    const ctx = attention(
      qkv as tf.Tensor2D,
      { batch: B, seqLen: T, heads: nH },
      maskAdd,
      scale,
      c.attention_probs_dropout_prob,
      training,
      seedFor(`attn${i}`),
    ); // [B*T, H]
    let attnOut = linear(
      ctx,
      this.p(`${pre}.attention.output.dense.weight`),
      this.p(`${pre}.attention.output.dense.bias`),
    );
    attnOut = dropout(attnOut, hp, training, seedFor(`attnout${i}`));
    const h1 = addLayerNorm(
      attnOut,
      h,
      this.p(`${pre}.attention.output.LayerNorm.weight`),
      this.p(`${pre}.attention.output.LayerNorm.bias`),
      eps,
    );
    const inter = activation(
      linear(
        h1,
        this.p(`${pre}.intermediate.dense.weight`),
        this.p(`${pre}.intermediate.dense.bias`),
      ),
      c.hidden_act,
    );
    let out = linear(
      inter,
      this.p(`${pre}.output.dense.weight`),
      this.p(`${pre}.output.dense.bias`),
    );
    out = dropout(out, hp, training, seedFor(`out${i}`));
    return addLayerNorm(
      out,
      h1,
      this.p(`${pre}.output.LayerNorm.weight`),
      this.p(`${pre}.output.LayerNorm.bias`),
      eps,
    );
  }

  /** Number of scalar parameters (HF `num_parameters()`). */
  parameterCount(): number {
    let n = 0;
    for (const v of this.params.values()) n += v.size;
    return n;
  }

  /** Copies every parameter to the host, by HF name (async read: safe on WebGPU). */
  async weights(): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
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
