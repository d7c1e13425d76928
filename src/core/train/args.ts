/**
 * `TrainingArguments` as transformers 5.x defines them (names, defaults, validation messages),
 * plus the studio's extras (`class_weights`, `nan_policy`, early stopping; see
 * {@link STUDIO_ARGUMENT_KEYS}). One serialisable object that round-trips through JSON and the
 * command line: `training_args.json` holds the transformers fields only, so
 * `TrainingArguments(**json)` loads it in Python; the extras go to `studio_args.json`.
 */
import { ArgumentsError, fail, showValue } from './argsError';
import {
  ARG_DOCS,
  STUDIO_ARGUMENT_KEYS,
  defaultTrainingArguments,
  trainingArgumentsSchema,
  type Key,
  type TrainingArguments,
} from './argsFields';
import { postInit, readV4Arguments } from './argsPostInit';
import type { FlagSpec } from './flags';
import { closestName } from './flags';
import { HF_IGNORED_KEYS } from './hfIgnoredKeys';

export { ArgumentsError } from './argsError';

/** The studio's arguments file, written beside `training_args.json` (see config/argsFile.ts). */
export const STUDIO_ARGS_FILE = 'studio_args.json';
export {
  ARG_DOCS,
  ARG_LIMITS,
  STUDIO_ARGUMENT_KEYS,
  TRAIN_SAMPLING_STRATEGIES,
  defaultTrainingArguments,
  trainingArgumentsSchema,
  type NumberLimits,
  type StudioArgumentKey,
  type TrainingArguments,
} from './argsFields';

/** Old names still found in users' files, mapped to the current HF name. */
const ALIASES: Record<string, Key> = { evaluation_strategy: 'eval_strategy' };

const KEYS = Object.keys(defaultTrainingArguments()) as Key[];

/**
 * HF's reading of `logging_steps` / `eval_steps` / `save_steps`: a value below 1 is a ratio of
 * `maxSteps`, `ceil(maxSteps * value)`; otherwise the value itself.
 */
export function resolveSteps(value: number, maxSteps: number): number {
  return value > 0 && value < 1 ? Math.ceil(maxSteps * value) : value;
}

/**
 * Reads a `training_args.json`-style object (HF's or ours) into validated `TrainingArguments`.
 *
 * Missing keys take HF defaults. Unknown keys are ignored with a notice (HF fields the studio does
 * not use, or typos with a suggestion); `evaluation_strategy` is read as `eval_strategy`;
 * `lr_scheduler_kwargs` may be a JSON string and `class_weights` a string ('balanced', a JSON
 * array or comma-separated numbers). Applies HF's `__post_init__` resolution: `eval_steps`
 * defaults to `logging_steps` when evaluating by steps, `metric_for_best_model` to 'loss' with
 * `load_best_model_at_end`, and `greater_is_better` to false for metrics ending in 'loss'.
 *
 * @throws ArgumentsError naming the argument, with HF's message for invalid combinations.
 */
export function parseTrainingArguments(input: unknown): {
  args: TrainingArguments;
  notices: string[];
} {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ArgumentsError('TrainingArguments must be a JSON object', 'training_args');
  }
  const notices: string[] = [];
  const raw: Record<string, unknown> = { ...(input as Record<string, unknown>) };

  for (const [old, current] of Object.entries(ALIASES)) {
    if (!(old in raw)) continue;
    if (current in raw && raw[current] !== raw[old]) {
      fail(
        current,
        `Both --${old} (${showValue(raw[old])}) and --${current} (${showValue(raw[current])}) are set; ` +
          `--${old} is the old name of --${current}: keep only --${current}.`,
      );
    }
    raw[current] = raw[old];
    delete raw[old];
    notices.push(`'${old}' is deprecated; read it as '${current}'.`);
  }
  readV4Arguments(raw, notices);

  const ignoredHf: string[] = [];
  const unknown: string[] = [];
  const merged: Record<string, unknown> = { ...defaultTrainingArguments() };
  for (const [k, v] of Object.entries(raw)) {
    if ((KEYS as string[]).includes(k)) merged[k] = v;
    else if (HF_IGNORED_KEYS.has(k) || k.startsWith('_')) ignoredHf.push(k);
    else unknown.push(k);
  }
  if (ignoredHf.length) {
    notices.push(`Ignored HF arguments the studio does not use: ${ignoredHf.sort().join(', ')}.`);
  }
  for (const k of unknown) {
    const guess = closestName(k, KEYS);
    notices.push(`Ignored unknown argument '${k}'${guess ? ` (did you mean '${guess}'?)` : ''}.`);
  }

  // Lenient forms that HF's CLI and JSON files use.
  if (typeof merged.lr_scheduler_kwargs === 'string') {
    const s = merged.lr_scheduler_kwargs.trim();
    try {
      merged.lr_scheduler_kwargs = s === '' ? {} : (JSON.parse(s) as unknown);
    } catch {
      fail('lr_scheduler_kwargs', `--lr_scheduler_kwargs must be a JSON object, got '${s}'.`);
    }
  }
  if (merged.lr_scheduler_kwargs === null) merged.lr_scheduler_kwargs = {};
  if (typeof merged.class_weights === 'string')
    merged.class_weights = parseClassWeights(merged.class_weights);

  const parsed = trainingArgumentsSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0] ?? 'training_args');
    const where = issue.path
      .slice(1)
      .map((p) => `[${JSON.stringify(p)}]`)
      .join('');
    const got = JSON.stringify(merged[key]);
    fail(key, `--${key}${where}: ${issue.message} (got ${got}). ${fixHint(key)}`.trim());
  }
  const args = parsed.data;
  postInit(args, notices);
  return { args, notices };
}

function parseClassWeights(s: string): unknown {
  const t = s.trim();
  if (t === '' || t.toLowerCase() === 'none' || t === 'null') return null;
  if (t === 'balanced') return t;
  if (t.startsWith('[')) {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      fail('class_weights', `--class_weights: '${s}' is not a JSON list of numbers.`);
    }
  }
  const parts = t.split(',').map((p) => Number(p.trim()));
  if (parts.some((n) => !Number.isFinite(n))) {
    fail(
      'class_weights',
      `--class_weights must be 'balanced' or a list of numbers such as 1,2.5,1; got '${s}'.`,
    );
  }
  return parts;
}

function fixHint(key: string): string {
  const doc = ARG_DOCS[key as Key];
  if (!doc) return '';
  return `${doc.help} Default: ${JSON.stringify(defaultTrainingArguments()[key as Key])}.`;
}

function copyKeys(args: TrainingArguments, keys: readonly Key[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = args[k];
    out[k] = Array.isArray(v) ? [...v] : v !== null && typeof v === 'object' ? { ...v } : v;
  }
  return out;
}

const HF_KEYS = KEYS.filter((k) => !(STUDIO_ARGUMENT_KEYS as readonly string[]).includes(k));

/**
 * The object written as `training_args.json`: transformers' fields only, in schema order, so
 * Python's `TrainingArguments(**json.load(f))` takes it as it is. The studio's extras are in
 * {@link studioArgumentsToJson}.
 */
export function trainingArgumentsToJson(args: TrainingArguments): Record<string, unknown> {
  return copyKeys(args, HF_KEYS);
}

/** The studio's extras ({@link STUDIO_ARGUMENT_KEYS}), as written to `studio_args.json`. */
export function studioArgumentsToJson(args: TrainingArguments): Record<string, unknown> {
  return copyKeys(args, STUDIO_ARGUMENT_KEYS);
}

/** Every argument, transformers' and the studio's: the form runs are stored and sent in. */
export function allArgumentsToJson(args: TrainingArguments): Record<string, unknown> {
  return copyKeys(args, KEYS);
}

/**
 * Flag specs for the CLI (see `parseFlags`): every argument with its ARG_DOCS help and default.
 * Parse the resulting `values` with {@link parseTrainingArguments}.
 */
export function trainingArgumentFlagSpecs(): Record<Key, FlagSpec> {
  const defaults = defaultTrainingArguments();
  const out = {} as Record<Key, FlagSpec>;
  for (const k of KEYS) {
    const d = defaults[k];
    const type: FlagSpec['type'] =
      k === 'lr_scheduler_kwargs'
        ? 'json'
        : k === 'class_weights'
          ? 'string'
          : typeof d === 'boolean' || k === 'greater_is_better'
            ? 'boolean'
            : typeof d === 'number' ||
                k === 'eval_steps' ||
                k === 'save_total_limit' ||
                k === 'early_stopping_patience'
              ? 'number'
              : 'string';
    out[k] = { type, help: ARG_DOCS[k].help, default: d, group: 'TrainingArguments' };
  }
  return out;
}
