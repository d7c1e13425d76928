/**
 * Pieces the families' modules share beyond `configCommon.ts`: a config.json object checked
 * against a family's schema, the checks of its sizes and activation, and HF's rules from a
 * checkpoint key to a parameter name.
 */
import { z } from 'zod';

import { BERT_ACTIVATIONS, type BertActivation } from './config';
import { invalidConfig, parseWithSchema, showValue } from './configCommon';
import type { ModelDims } from './family';

/**
 * `json` checked against `schema` (a zod object of the family's keys): the parsed keys, or a
 * 'model-files' error naming the first bad key, what was expected and what was found.
 */
export function parseConfigObject<S extends z.ZodType>(
  schema: S,
  json: unknown,
  displayName: string,
): z.infer<S> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalidConfig(displayName, `expected a JSON object, got ${showValue(json)}`);
  }
  return parseWithSchema(schema, json, displayName);
}

/** An activation name (`ACT2FN` key) the studio implements, or an error naming `key`. */
export function checkActivation(displayName: string, key: string, act: string): BertActivation {
  if (!(BERT_ACTIVATIONS as readonly string[]).includes(act)) {
    throw invalidConfig(
      displayName,
      `key "${key}": ${showValue(act)} is not implemented; use one of ` +
        `${BERT_ACTIVATIONS.map((a) => `"${a}"`).join(', ')}`,
    );
  }
  return act as BertActivation;
}

/**
 * The checks every encoder's config needs: the hidden size a multiple of the heads, the padding
 * id inside the vocabulary. `keys` names the family's keys for the messages.
 */
export function checkEncoderSizes(
  displayName: string,
  sizes: { hidden: number; heads: number; padTokenId: number; vocabSize: number },
  keys: { hidden: string; heads: string },
): void {
  if (sizes.hidden % sizes.heads !== 0) {
    throw invalidConfig(
      displayName,
      `key "${keys.hidden}": ${sizes.hidden} is not a multiple of ${keys.heads} (${sizes.heads})`,
    );
  }
  if (sizes.padTokenId >= sizes.vocabSize) {
    throw invalidConfig(
      displayName,
      `key "pad_token_id": ${sizes.padTokenId} is outside the vocabulary (${sizes.vocabSize})`,
    );
  }
}

/**
 * HF's loading rules for a checkpoint key (see `ModelFamily.checkpointName`): `ignored` buffers
 * give null; old gamma/beta LayerNorm names become weight/bias
 * (`PreTrainedModel._fix_state_dict_key_on_load`); a base-model checkpoint (no key with the
 * prefix) gets `basePrefix` on every name but the head's (`head` matches those).
 */
export function hfCheckpointName(
  key: string,
  prefixed: boolean,
  rules: { basePrefix: string; head: RegExp; ignored: RegExp },
): string | null {
  if (rules.ignored.test(key)) return null;
  const name = key.replace(/\.gamma$/, '.weight').replace(/\.beta$/, '.bias');
  return !prefixed && !rules.head.test(name) ? `${rules.basePrefix}${name}` : name;
}

/** The sizes a config with BERT's key names holds (BERT, ELECTRA, RoBERTa, ...). */
export interface BertKeySizes {
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
}

/** `ModelFamily.dims` of a config with BERT's key names. */
export function bertKeyDims(c: BertKeySizes): ModelDims {
  return {
    vocabSize: c.vocab_size,
    hiddenSize: c.hidden_size,
    numLayers: c.num_hidden_layers,
    numHeads: c.num_attention_heads,
    intermediateSize: c.intermediate_size,
  };
}

/** {@link checkEncoderSizes} of a config with BERT's key names. */
export function checkBertKeySizes(
  displayName: string,
  c: BertKeySizes & { pad_token_id: number },
): void {
  checkEncoderSizes(
    displayName,
    {
      hidden: c.hidden_size,
      heads: c.num_attention_heads,
      padTokenId: c.pad_token_id,
      vocabSize: c.vocab_size,
    },
    { hidden: 'hidden_size', heads: 'num_attention_heads' },
  );
}

const posInt = z.number().int().positive();
const prob = z.number().min(0).max(1);

/**
 * The layer keys of a config with BERT's key names (BERT, RoBERTa, ELECTRA, DeBERTa-v2), as their
 * schemas check them; spread where the keys stand in the family's schema (a family overrides a
 * key in place).
 */
export const BERT_LAYER_KEYS = {
  hidden_size: posInt.optional(),
  num_hidden_layers: posInt.optional(),
  num_attention_heads: posInt.optional(),
  intermediate_size: posInt.optional(),
  hidden_act: z.enum(BERT_ACTIVATIONS).optional(),
  hidden_dropout_prob: prob.optional(),
  attention_probs_dropout_prob: prob.optional(),
};

/** The position, token-type, init and LayerNorm keys of a config with BERT's key names. */
export const BERT_TABLE_KEYS = {
  max_position_embeddings: posInt.optional(),
  type_vocab_size: posInt.optional(),
  initializer_range: z.number().nonnegative().optional(),
  layer_norm_eps: z.number().positive().optional(),
};

/** The keys {@link BERT_LAYER_KEYS} gives, as a parsed config holds them. */
export interface BertLayerFields {
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  hidden_act: BertActivation;
  hidden_dropout_prob: number;
  attention_probs_dropout_prob: number;
}

/** The keys {@link BERT_TABLE_KEYS} gives, as a parsed config holds them. */
export interface BertTableFields {
  max_position_embeddings: number;
  type_vocab_size: number;
  initializer_range: number;
  layer_norm_eps: number;
}

/** The keys {@link BERT_LAYER_KEYS} and {@link BERT_TABLE_KEYS} give. */
export interface BertKeyFields extends BertLayerFields, BertTableFields {}

/** Each key given, or left out. */
type Given<T> = { [K in keyof T]?: T[K] | undefined };

/** The {@link BertLayerFields} of a parsed config, `d` (the family's HF defaults) where unset. */
export function bertLayerValues(c: Given<BertLayerFields>, d: BertLayerFields): BertLayerFields {
  return {
    hidden_size: c.hidden_size ?? d.hidden_size,
    num_hidden_layers: c.num_hidden_layers ?? d.num_hidden_layers,
    num_attention_heads: c.num_attention_heads ?? d.num_attention_heads,
    intermediate_size: c.intermediate_size ?? d.intermediate_size,
    hidden_act: c.hidden_act ?? d.hidden_act,
    hidden_dropout_prob: c.hidden_dropout_prob ?? d.hidden_dropout_prob,
    attention_probs_dropout_prob: c.attention_probs_dropout_prob ?? d.attention_probs_dropout_prob,
  };
}

/** The {@link BertTableFields} of a parsed config, `d` (the family's HF defaults) where unset. */
export function bertTableValues(c: Given<BertTableFields>, d: BertTableFields): BertTableFields {
  return {
    max_position_embeddings: c.max_position_embeddings ?? d.max_position_embeddings,
    type_vocab_size: c.type_vocab_size ?? d.type_vocab_size,
    initializer_range: c.initializer_range ?? d.initializer_range,
    layer_norm_eps: c.layer_norm_eps ?? d.layer_norm_eps,
  };
}

/** The {@link BertKeyFields} of a config, as its config.json writes them (`configJsonText` sorts). */
export function bertKeyJson(c: BertKeyFields): BertKeyFields {
  return Object.fromEntries(BERT_KEY_NAMES.map((k) => [k, c[k]])) as unknown as BertKeyFields;
}

const BERT_KEY_NAMES = [
  ...Object.keys(BERT_LAYER_KEYS),
  ...Object.keys(BERT_TABLE_KEYS),
] as (keyof BertKeyFields)[];
