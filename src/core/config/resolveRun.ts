/**
 * A run as one resolved object: the run config (`runConfig.ts`) parsed with the field tables
 * (`dataArguments.ts`, `modelArguments.ts`, `train/argsFields.ts`) into the data a run reads, the
 * model it builds (one branch per architecture), the TrainingArguments it trains with, and a
 * fingerprint of the prepared data it needs. Every default comes from those tables.
 *
 * Who reads it: the CLI (its flags become a RunConfig, then this), the run service and worker
 * (prepare again only when `fingerprint` changed), and the one serializer (`runFiles.ts`) that
 * writes training_args.json, studio_args.json, the script bundle's arguments, the run record's
 * config and the share link from it.
 */
import type { z } from 'zod';
import { parseTrainingArguments, type TrainingArguments } from '../train/args';
import { DATA_FIELDS, type DataArguments, type TaskChoice } from './dataArguments';
import type { ConfigField } from './fields';
import {
  MODEL_FIELDS,
  scratchModelSettings,
  type ScratchModelSettings,
  type ModelArguments,
} from './modelArguments';
import { RunConfigError, type RunConfig } from './runConfig';

/** A data file as the run reads it: its name (or path) and, when known, its size. */
export interface FileRef {
  name: string;
  /** Its size in bytes: a file changed under the same name changes the fingerprint. */
  bytes?: number;
}

/**
 * The data a run is resolved against, as far as it is known outside the config: the files read
 * (the page's dropped files, the CLI's paths), the columns guessed from the training file, and
 * a tokenizer chosen outside the config (files dropped on the page).
 */
export interface DataRef {
  train?: FileRef | null;
  validation?: FileRef | null;
  /** The columns guessed from the training file, for those the config leaves out. */
  guess?: { text: string; label: string } | null;
  /** The tokenizer's name when it was chosen outside the config (dropped files, a Hub id). */
  tokenizer?: string | null;
  /**
   * What else the host knows changes the prepared data outside the config (the worker: files
   * read again under the same name, another tokenizer loaded); part of the fingerprint.
   */
  revision?: string;
}

/** The columns a run reads: null where the config leaves one out and nothing was guessed. */
export interface RunColumns {
  text: string | null;
  label: string | null;
  text_pair: string | null;
}

/** Where a run's tokenizer comes from. */
export type ResolvedTokenizer =
  /** A folder, Hub id or folder URL (`tokenizer_name_or_path`), or files chosen on the page. */
  | { source: 'named'; name_or_path: string }
  /** Trained on the text column (`train_tokenizer_vocab_size`, `train_tokenizer_model`). */
  | { source: 'trained'; model: 'wordpiece' | 'bpe'; vocab_size: number }
  /** The pretrained checkpoint's own (the bundled one when it has none). */
  | { source: 'checkpoint'; model_name_or_path: string }
  /** The bundled bert-base-uncased. */
  | { source: 'bundled' };

/** What the run reads and how it cuts it. */
export interface ResolvedData {
  train_file: string | null;
  /** A separate validation file; null: `validation_split` of the training file is held out. */
  validation_file: string | null;
  /** The fraction of the training file held out when there is no validation file. */
  validation_split: number;
  columns: RunColumns;
  /** null: detected from the file. */
  header: boolean | null;
  /** One character (a tab for 'tab' or '\t'); null: sniffed from the file. */
  delimiter: string | null;
  max_length: number;
  tokenizer: ResolvedTokenizer;
  /** The task asked for ('auto': detected from the training file). */
  task: TaskChoice;
  /** Tag names in id order for JSON Lines with integer ner_tags; null: the file's. */
  label_names: string[] | null;
  /** Token classification: label every sub-token of a word (run_ner.py's label_all_tokens). */
  label_all_tokens: boolean;
}

/**
 * The model a run builds: one branch per architecture (`architecture`), and within it where the
 * weights come from (`source`). A new model family adds a branch here and in `resolveModel`.
 */
export type ResolvedModel = ResolvedClassifierModel;

export type ResolvedClassifierModel =
  /** A small BERT encoder trained from scratch, every setting of the field table set. */
  | ({ architecture: 'bert'; source: 'scratch' } & ScratchModelSettings)
  /** A BERT checkpoint fine-tuned; `model_name_or_path` null when its files were dropped. */
  | { architecture: 'bert'; source: 'pretrained'; model_name_or_path: string | null };

/** A run, resolved: see the module's comment. */
export interface ResolvedRun {
  data: ResolvedData;
  model: ResolvedModel;
  /** The parsed TrainingArguments (every field, transformers' defaults filled in). */
  training: TrainingArguments;
  /**
   * A stable hash of what the prepared data depends on (files, columns, split, max_length,
   * tokenizer, seed, delimiter and header): equal fingerprints share one preparation.
   */
  fingerprint: string;
  /** What parsing the TrainingArguments noted (renamed or ignored keys...). */
  notices: string[];
}

/** One part of the config checked against its table, every field set (defaults from it). */
function resolvePart<T>(
  part: Record<string, unknown>,
  fields: Record<string, ConfigField>,
  where: string,
): T {
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(fields)) {
    const v = part[k];
    if (v === undefined) {
      out[k] = structuredClone(f.default);
      continue;
    }
    const r = (f.schema as z.ZodType).safeParse(v);
    if (!r.success) {
      throw new RunConfigError(`${where}.${k} cannot be ${JSON.stringify(v)}: ${f.help}.`);
    }
    out[k] = r.data;
  }
  for (const k of Object.keys(part)) {
    if (!(k in fields)) throw new RunConfigError(`${where}.${k} is not a ${where} argument.`);
  }
  return out as T;
}

/** "tab" and "\t" mean a tab; anything else must be one character. */
function delimiterOf(d: string | null): string | null {
  if (d === null) return null;
  const c = /^(tab|\\t)$/i.test(d) ? '\t' : d;
  if (c.length !== 1) {
    throw new RunConfigError(`data.delimiter must be one character or "tab" (got "${d}").`);
  }
  return c;
}

function resolveTokenizer(m: ModelArguments, ref: DataRef): ResolvedTokenizer {
  if (m.train_tokenizer_vocab_size !== null) {
    return {
      source: 'trained',
      model: m.train_tokenizer_model,
      vocab_size: m.train_tokenizer_vocab_size,
    };
  }
  const named = m.tokenizer_name_or_path ?? ref.tokenizer ?? null;
  if (named !== null) return { source: 'named', name_or_path: named };
  return m.model_name_or_path !== null
    ? { source: 'checkpoint', model_name_or_path: m.model_name_or_path }
    : { source: 'bundled' };
}

/**
 * The model branch the model arguments name: a checkpoint (its config.json's model_type picks
 * the family), else a model from scratch of `model_type`'s family (BERT by default).
 */
function resolveModel(m: ModelArguments): ResolvedModel {
  return m.model_name_or_path !== null
    ? { architecture: 'bert', source: 'pretrained', model_name_or_path: m.model_name_or_path }
    : { architecture: 'bert', source: 'scratch', ...scratchModelSettings(m) };
}

/** JSON with its object keys sorted, so equal values give equal text. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** A 64-bit FNV-1a hash of `text`'s UTF-16 code units, as 16 hex digits. */
function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = (1n << 64n) - 1n;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * prime) & mask;
  }
  return h.toString(16).padStart(16, '0');
}

/**
 * The fingerprint of the prepared data `data` needs with `seed` (the split and shuffling seed):
 * files (names and sizes), columns, split, max_length, tokenizer, delimiter and header.
 */
export function dataFingerprint(data: ResolvedData, seed: number, ref: DataRef = {}): string {
  return fnv1a64(
    canonicalJson({
      train: { name: data.train_file, bytes: ref.train?.bytes },
      validation:
        data.validation_file !== null
          ? { file: data.validation_file, bytes: ref.validation?.bytes }
          : { split: data.validation_split },
      columns: data.columns,
      header: data.header,
      delimiter: data.delimiter,
      max_length: data.max_length,
      tokenizer: data.tokenizer,
      // Left out at their defaults, so a text run's fingerprint is the one it had before them.
      ...(data.task !== 'auto' ? { task: data.task } : {}),
      ...(data.label_names !== null ? { label_names: data.label_names } : {}),
      ...(data.label_all_tokens ? { label_all_tokens: true } : {}),
      seed,
      revision: ref.revision,
    }),
  );
}

/**
 * Resolves `config` against `dataRef` (what is known of the data outside the config): every field
 * of the data and model tables set (their defaults where the config leaves one out), the model
 * as its architecture's branch, the TrainingArguments parsed, and the data's fingerprint. Files
 * named in `dataRef` win over the config's (the page's dropped files have no path). A checkpoint
 * is named by `model.model_name_or_path`: a path or Hub id, or the page's name for dropped
 * files (their folder's name).
 *
 * @throws RunConfigError naming the field, for a value its table does not take or a key no
 *   table has; ArgumentsError for invalid TrainingArguments.
 */
export function resolveRun(config: RunConfig, dataRef: DataRef = {}): ResolvedRun {
  const d = resolvePart<DataArguments>(config.data, DATA_FIELDS, 'data');
  const m = resolvePart<ModelArguments>(config.model, MODEL_FIELDS, 'model');
  const { args: training, notices } = parseTrainingArguments(config.training);
  const data: ResolvedData = {
    train_file: dataRef.train?.name ?? d.train_file,
    validation_file: dataRef.validation?.name ?? d.validation_file,
    validation_split: d.validation_split,
    columns: {
      text: d.text_column ?? dataRef.guess?.text ?? null,
      label: d.label_column ?? dataRef.guess?.label ?? null,
      text_pair: d.text_pair_column,
    },
    header: d.header,
    delimiter: delimiterOf(d.delimiter),
    max_length: d.max_length,
    tokenizer: resolveTokenizer(m, dataRef),
    task: d.task,
    label_names: d.label_names,
    label_all_tokens: d.label_all_tokens,
  };
  return {
    data,
    model: resolveModel(m),
    training,
    fingerprint: dataFingerprint(data, training.seed, dataRef),
    notices,
  };
}

/**
 * The session's model spec (src/core/session/types.ts) of a resolved model, for `maxLength`
 * tokens per row (the resolved max_length, lowered to what a checkpoint takes).
 */
export function modelSpecOf(
  model: ResolvedModel,
  maxLength: number,
):
  | ({ kind: 'scratch'; max_length: number } & ScratchModelSettings)
  | { kind: 'pretrained'; max_length: number } {
  if (model.source === 'pretrained') return { kind: 'pretrained', max_length: maxLength };
  const { architecture: _architecture, source: _source, ...settings } = model;
  return { kind: 'scratch', max_length: maxLength, ...settings };
}

/**
 * How the session prepares a resolved run's data (src/core/session/types.ts `PrepareOptions`):
 * its columns, split, seed and `maxLength` tokens per row (the resolved max_length, or lower
 * where a checkpoint takes fewer).
 */
export function prepareOptionsOf(
  run: Pick<ResolvedRun, 'data' | 'training'>,
  maxLength = run.data.max_length,
): {
  columns: { text: string; label: string; textPair?: string };
  validationFraction: number;
  maxLength: number;
  seed: number;
  tagging: TaggingOptions;
} {
  return {
    columns: columnChoiceOf(run.data.columns),
    validationFraction: run.data.validation_split,
    maxLength,
    seed: run.training.seed,
    tagging: taggingOf(run.data),
  };
}

/** How a run treats a tagged file (see `PrepareOptions.tagging` in session/types.ts). */
export interface TaggingOptions {
  task: TaskChoice;
  labelNames: string[] | null;
  labelAllTokens: boolean;
}

/** The tagging options of resolved data. */
export function taggingOf(
  d: Pick<ResolvedData, 'task' | 'label_names' | 'label_all_tokens'>,
): TaggingOptions {
  return { task: d.task, labelNames: d.label_names, labelAllTokens: d.label_all_tokens };
}

/** A resolved run's columns as the session names them (text and label must be known). */
export function columnChoiceOf(columns: RunColumns): {
  text: string;
  label: string;
  textPair?: string;
} {
  if (columns.text === null || columns.label === null) {
    throw new RunConfigError(
      'The text and label columns are not known: name them (text_column, label_column).',
    );
  }
  return {
    text: columns.text,
    label: columns.label,
    ...(columns.text_pair !== null ? { textPair: columns.text_pair } : {}),
  };
}
