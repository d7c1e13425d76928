/**
 * What every family's config shares, whatever its architecture: HF's activation names
 * (`ACT2FN`), the problem types that pick the loss, the label maps' defaults and the
 * transformers version exports are written for. Each family's own config (keys, defaults,
 * checks) lives in its folder (`bert/config.ts`, ...).
 */

/** Activations configs name in `hidden_act` (aliases of the same function are kept as named). */
export const BERT_ACTIVATIONS = [
  'gelu', // exact: 0.5 x (1 + erf(x / sqrt 2))
  'gelu_python', // the same exact GELU
  'gelu_new', // tanh approximation
  'gelu_pytorch_tanh', // tanh approximation
  'gelu_fast', // tanh approximation
  'relu',
  'silu',
  'swish', // = silu
] as const;
/** An activation of {@link BERT_ACTIVATIONS} (HF `ACT2FN` keys the shared layers implement). */
export type BertActivation = (typeof BERT_ACTIVATIONS)[number];

/** HF `problem_type` values, which pick the loss. */
export const PROBLEM_TYPES = [
  'regression',
  'single_label_classification',
  'multi_label_classification',
] as const;
export type ProblemType = (typeof PROBLEM_TYPES)[number];

/**
 * The transformers version written into exported configs: the format they follow (5.x writes
 * `dtype` where 4.x wrote `torch_dtype`), checked by tests/python/interop.py.
 */
export const TRANSFORMERS_VERSION = '5.18.0';

/** HF's default label names for `n` labels: {"0": "LABEL_0", ...}. */
export function defaultId2Label(n: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < n; i++) out[String(i)] = `LABEL_${i}`;
  return out;
}

/** Inverts id2label (label name -> integer id). */
export function invertId2Label(id2label: Record<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(id2label)) out[v] = Number(k);
  return out;
}

/** What the labels of a dataset are: integer class ids, or floats (multi-hot rows or targets). */
export type LabelsKind = 'int' | 'float';

/**
 * The problem type HF picks in `<Family>ForSequenceClassification.forward` when
 * `config.problem_type` is unset: num_labels 1 -> regression; integer labels -> single-label;
 * otherwise (float multi-hot labels) -> multi-label. A problem type already set in the config wins.
 */
export function problemTypeFor(
  config: { problem_type: ProblemType | null; num_labels: number },
  labelsKind: LabelsKind,
): ProblemType {
  if (config.problem_type != null) return config.problem_type;
  if (config.num_labels === 1) return 'regression';
  return labelsKind === 'int' ? 'single_label_classification' : 'multi_label_classification';
}
