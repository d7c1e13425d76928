/**
 * The advanced TrainingArguments the user set beyond the basic fields: kept as overrides of HF's
 * defaults, persisted between visits, and split out of an imported training_args.json.
 */
import type { ColumnChoice } from '../worker/client';
import type { ModelSizes, UiArgs } from './defaults';

export const ADVANCED_ARGS_KEY = 'trainer-studio.advanced-args.v1';

/** Reads the stored overrides; anything unreadable gives none (the worker validates on use). */
export function parseOverrides(raw: string | null): Record<string, unknown> {
  if (!raw) return {};
  try {
    const v: unknown = JSON.parse(raw);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Splits a validated training_args.json into the basic fields (shown up front) and the
 * overrides of the rest (only where they differ from HF's defaults).
 */
export function splitImportedArgs(
  args: Record<string, unknown>,
  basicKeys: readonly (keyof UiArgs)[],
  defaults: Record<string, unknown>,
): { basic: Partial<UiArgs>; overrides: Record<string, unknown> } {
  const basic: Partial<UiArgs> = {};
  const overrides: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    if ((basicKeys as readonly string[]).includes(k)) {
      (basic as Record<string, unknown>)[k] = k === 'eval_steps' && v === null ? undefined : v;
    } else if (JSON.stringify(v) !== JSON.stringify(defaults[k])) {
      overrides[k] = v;
    }
  }
  for (const k of Object.keys(basic)) {
    if ((basic as Record<string, unknown>)[k] === undefined)
      delete (basic as Record<string, unknown>)[k];
  }
  return { basic, overrides };
}

/** Parses what a user typed into an advanced field of the given kind. */
export function parseFieldValue(
  kind: 'number' | 'boolean' | 'choice' | 'text' | 'json',
  text: string,
  nullable: boolean,
): { ok: true; value: unknown } | { ok: false; error: string } {
  const t = text.trim();
  if (t === '' && nullable) return { ok: true, value: null };
  if (kind === 'number') {
    const n = Number(t);
    return t !== '' && Number.isFinite(n)
      ? { ok: true, value: n }
      : { ok: false, error: 'a number' };
  }
  if (kind === 'json') {
    if (t === 'balanced') return { ok: true, value: 'balanced' };
    try {
      return { ok: true, value: JSON.parse(t) as unknown };
    } catch {
      return { ok: false, error: 'JSON (e.g. {"num_cycles": 2} or [1, 3])' };
    }
  }
  return { ok: true, value: t };
}

const MODEL_SIZE_KEYS = [
  'hidden_size',
  'num_hidden_layers',
  'num_attention_heads',
  'intermediate_size',
  'max_length',
] as const satisfies readonly (keyof ModelSizes)[];

/**
 * What an imported arguments file's data and model keys change in the page: the columns (text,
 * label, pair), max_length and the from-scratch sizes. Keys the page takes elsewhere (files,
 * checkpoints, tokenizers) are named in a notice; values of the wrong type are skipped with one.
 */
export function runArgsFromFile(
  data: Record<string, unknown>,
  model: Record<string, unknown>,
  columns: ColumnChoice | null,
): { columns: ColumnChoice | null; sizes: Partial<ModelSizes>; notices: string[] } {
  const notices: string[] = [];
  const sizes: Partial<ModelSizes> = {};
  const all: Record<string, unknown> = { ...data, ...model };
  for (const k of MODEL_SIZE_KEYS) {
    const v = all[k];
    if (v === undefined || v === null) continue;
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) sizes[k] = v;
    else notices.push(`Skipped ${k} ${JSON.stringify(v)}: it must be a positive whole number.`);
  }
  const modelType = all.model_type;
  if (typeof modelType === 'string' && modelType !== '') sizes.model_type = modelType;
  else if (modelType !== undefined && modelType !== null) {
    notices.push(`Skipped model_type ${JSON.stringify(modelType)}: it must be a model_type name.`);
  }
  let nextColumns = columns;
  const col = (k: string): string | undefined => {
    const v = all[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string' && v !== '') return v;
    notices.push(`Skipped ${k} ${JSON.stringify(v)}: it must be a column name.`);
    return undefined;
  };
  const text = col('text_column');
  const label = col('label_column');
  const pair = col('text_pair_column');
  if (text !== undefined || label !== undefined || pair !== undefined) {
    nextColumns = {
      text: text ?? columns?.text ?? '',
      label: label ?? columns?.label ?? '',
      ...((pair ?? columns?.textPair) ? { textPair: pair ?? columns?.textPair } : {}),
    };
  }
  const elsewhere = Object.keys(all).filter(
    (k) =>
      !(MODEL_SIZE_KEYS as readonly string[]).includes(k) &&
      k !== 'model_type' &&
      !['text_column', 'label_column', 'text_pair_column'].includes(k),
  );
  if (elsewhere.length) {
    notices.push(
      `Not taken from the file: ${elsewhere.sort().join(', ')} (the page takes files, ` +
        'checkpoints and tokenizers from its own controls).',
    );
  }
  return { columns: nextColumns, sizes, notices };
}
