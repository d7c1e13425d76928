/**
 * Settings that survive a reload, kept in localStorage as a versioned run config (see
 * settingsConfig.ts), with the one page-only choice a config cannot hold (tokenizer files kept in
 * the browser). What is read back is validated field by field: a bad or missing field falls back
 * to its default, garbage falls back to all defaults. Settings stored before the run config
 * (`trainer-studio.settings.v1`, the settings object itself) are read and rewritten.
 */
import {
  COMPUTE_FIELDS,
  parseRunConfig,
  type ColumnChoice,
  type TokenizerSource,
} from '../worker/client';
import { runConfigOfSettings, settingsOfRunConfig } from './settingsConfig';
import {
  ARG_SPECS,
  BUNDLED_TOKENIZERS,
  DEFAULT_SETTINGS,
  EVAL_STRATEGIES,
  MODEL_SPECS,
  SCHEDULERS,
  VALIDATION_FRACTION_SPEC,
  isValidNumber,
  type ModelSizeKey,
  type NumberFieldSpec,
  type KeptTokenizerChoice,
  type StudioSettings,
  type TrainedTokenizerChoice,
  type UiArgs,
  type UiArgsNumberKey,
} from './defaults';

/** The localStorage key of the stored run config; bump the version when the shape changes. */
export const SETTINGS_KEY = 'trainer-studio.settings.v2';
/** Where settings were kept before, as the settings object itself. */
export const LEGACY_SETTINGS_KEY = 'trainer-studio.settings.v1';
/** The stored form's version. */
export const STORED_SETTINGS_VERSION = 2;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A config.json model_type (the model table's pattern); the family is checked at Train. */
const MODEL_TYPE = /^[a-z][a-z0-9_-]*$/;

function num(spec: NumberFieldSpec, v: unknown, fallback: number): number {
  return typeof v === 'number' && isValidNumber(spec, v) ? v : fallback;
}

function oneOf<T extends string>(allowed: readonly T[], v: unknown, fallback: T): T {
  return typeof v === 'string' && (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
}

function parseColumns(v: unknown): ColumnChoice | null {
  if (!isObj(v)) return null;
  const { text, label, textPair } = v;
  if (typeof text !== 'string' || typeof label !== 'string' || !text || !label) return null;
  return typeof textPair === 'string' && textPair ? { text, label, textPair } : { text, label };
}

function parseTokenizer(
  v: unknown,
): TokenizerSource | TrainedTokenizerChoice | KeptTokenizerChoice | null {
  if (!isObj(v)) return null;
  if (v.kept === true) return { kept: true };
  if (
    typeof v.trainVocabSize === 'number' &&
    Number.isInteger(v.trainVocabSize) &&
    v.trainVocabSize >= 300 &&
    v.trainVocabSize <= 65_536 &&
    (v.model === 'wordpiece' || v.model === 'bpe')
  ) {
    return { trainVocabSize: v.trainVocabSize, model: v.model };
  }
  if (v.kind === 'bundled') {
    const name = BUNDLED_TOKENIZERS.find((b) => b === v.name);
    return name ? { kind: 'bundled', name } : null;
  }
  // The worker checks the id's form when it loads it (a bad one shows an error and the default).
  if (v.kind === 'hub' && typeof v.id === 'string' && v.id.trim() && v.id.length <= 200) {
    return { kind: 'hub', id: v.id.trim() };
  }
  return null;
}

/**
 * Parses stored settings (a JSON string, or null when nothing is stored): the versioned run
 * config, or the older settings object. Anything missing, of the wrong type or out of range
 * falls back to its default.
 */
export function parseSettings(raw: string | null): StudioSettings {
  let data: unknown = null;
  if (raw) {
    try {
      data = JSON.parse(raw);
    } catch {
      data = null;
    }
  }
  if (isObj(data) && data.version === STORED_SETTINGS_VERSION && isObj(data.config)) {
    let config = data.config as unknown as RunConfigLike;
    try {
      config = parseRunConfig(data.config).config;
    } catch {
      // Keep what can be read: the field-by-field validation below repairs the rest.
    }
    const page = isObj(data.page) ? data.page : {};
    const base =
      page.tokenizerKept === true
        ? { ...DEFAULT_SETTINGS, tokenizer: { kept: true as const } }
        : DEFAULT_SETTINGS;
    return settingsOfRunConfig(normalise(config), base, validateSettings).settings;
  }
  return validateSettings(data);
}

type RunConfigLike = Parameters<typeof settingsOfRunConfig>[0];

/** A stored config whose parts may be missing, with the parts every config has. */
function normalise(c: RunConfigLike): RunConfigLike {
  const part = (v: unknown) => (isObj(v) ? v : {});
  return {
    version: c.version,
    data: part(c.data),
    model: part(c.model),
    training: part(c.training),
    ...(isObj(c.compute) ? { compute: c.compute } : {}),
  };
}

/**
 * The settings object (the stored shape before the run config, and what conversions build),
 * validated field by field.
 */
export function validateSettings(data: unknown): StudioSettings {
  const d = isObj(data) ? data : {};
  const m = isObj(d.model) ? d.model : {};
  const a = isObj(d.args) ? d.args : {};

  const model = { ...DEFAULT_SETTINGS.model };
  for (const key of Object.keys(MODEL_SPECS) as ModelSizeKey[]) {
    model[key] = num(MODEL_SPECS[key], m[key], model[key]);
  }
  if (typeof m.model_type === 'string' && MODEL_TYPE.test(m.model_type)) {
    model.model_type = m.model_type;
  }
  const args: UiArgs = { ...DEFAULT_SETTINGS.args };
  for (const key of Object.keys(ARG_SPECS) as UiArgsNumberKey[]) {
    args[key] = num(ARG_SPECS[key], a[key], args[key]);
  }
  args.eval_strategy = oneOf(EVAL_STRATEGIES, a.eval_strategy, args.eval_strategy);
  args.lr_scheduler_type = oneOf(SCHEDULERS, a.lr_scheduler_type, args.lr_scheduler_type);

  const tokenizer = parseTokenizer(d.tokenizer);
  const read = parseRead(d.read);
  const workers = parseWorkers(d.workers);
  return {
    ...(tokenizer ? { tokenizer } : {}),
    ...(read ? { read } : {}),
    ...(workers !== undefined ? { workers } : {}),
    columns: parseColumns(d.columns),
    validationFraction: num(
      VALIDATION_FRACTION_SPEC,
      d.validationFraction,
      DEFAULT_SETTINGS.validationFraction,
    ),
    model,
    args,
  };
}

/** A stored worker count (a whole number within the compute table's limits), else undefined. */
function parseWorkers(v: unknown): number | undefined {
  return COMPUTE_FIELDS.num_replicas.schema.safeParse(v).success && typeof v === 'number'
    ? v
    : undefined;
}

/** The delimiters the page offers (DataFileControls); any other stored value is dropped. */
const READ_DELIMITERS = [',', '\t', ';', '|'];

/** A stored read choice (delimiter, header row), or undefined when none holds. */
function parseRead(v: unknown): StudioSettings['read'] {
  if (!isObj(v)) return undefined;
  const out: NonNullable<StudioSettings['read']> = {};
  if (typeof v.delimiter === 'string' && READ_DELIMITERS.includes(v.delimiter)) {
    out.delimiter = v.delimiter;
  }
  if (typeof v.hasHeader === 'boolean') out.hasHeader = v.hasHeader;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Reads settings from `storage` (defaults when storage is missing, blocked or holds garbage). */
export function loadSettings(storage: Pick<Storage, 'getItem'> | undefined): StudioSettings {
  try {
    return parseSettings(
      storage?.getItem(SETTINGS_KEY) ?? storage?.getItem(LEGACY_SETTINGS_KEY) ?? null,
    );
  } catch {
    // Storage access can throw (privacy modes, sandboxed iframes): run with defaults.
    return parseSettings(null);
  }
}

/** Writes settings; failures (quota, privacy modes) are ignored, settings are a convenience. */
export function saveSettings(
  storage: Pick<Storage, 'setItem'> | undefined,
  settings: StudioSettings,
): void {
  try {
    storage?.setItem(SETTINGS_KEY, JSON.stringify(storedSettings(settings)));
  } catch {
    /* not worth an error banner */
  }
}

/** What localStorage keeps of `settings`: the run config, and the page-only tokenizer choice. */
export function storedSettings(settings: StudioSettings): Record<string, unknown> {
  return {
    version: STORED_SETTINGS_VERSION,
    config: runConfigOfSettings(settings, {}),
    page: settings.tokenizer && 'kept' in settings.tokenizer ? { tokenizerKept: true } : {},
  };
}

/** localStorage when the page may use it, else undefined. */
export function browserStorage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}
