/**
 * A stored run's model spec and preparation options, read back from its record (JSON from an
 * earlier visit, maybe of an older version) and checked, so a resumed run trains what it did.
 */
import { givenScratchModelSettings } from '../config/modelArguments';
import { parseRunConfig, runConfigFromLegacy, type RunConfig } from '../config/runConfig';
import type { CheckpointFiles } from '../io/checkpointStore';
import { RUN_RECORD_VERSION, type RunRecord } from '../io/runStore';
import { parseSafetensorsHeader } from '../io/safetensors';
import type { ModelSpec, PrepareOptions } from '../session';
import { StudioError } from './errors';

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isObj = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object';

function damaged(what: string): StudioError {
  return new StudioError('not-resumable', `This run's stored ${what} cannot be read back.`);
}

/** The config keys that fix a model's shape: a checkpoint must match them to resume a run. */
const SHAPE_KEYS = [
  'vocab_size',
  'hidden_size',
  'num_hidden_layers',
  'num_attention_heads',
  'intermediate_size',
  'max_position_embeddings',
];

/**
 * The spec of a stored run's model. A run that fine-tuned a checkpoint resumes when that
 * checkpoint is loaded again (`pretrained`: the loaded one's config; its shape must be the run
 * model's): its weights come from the run's own checkpoint, the base only builds the model.
 */
export function storedModelSpec(
  rec: RunRecord,
  pretrained: Record<string, unknown> | null = null,
): ModelSpec {
  const m = rec.model;
  if (m.kind === 'pretrained') {
    if (!isNum(m.max_length)) throw damaged('model');
    const run = rec.modelConfig;
    if (!pretrained || !run || SHAPE_KEYS.some((k) => pretrained[k] !== run[k])) {
      throw new StudioError(
        'not-resumable',
        'This run fine-tuned a pretrained checkpoint: load that checkpoint (Model & tokenizer) ' +
          'to resume it.',
      );
    }
    return { kind: 'pretrained', max_length: m.max_length };
  }
  if (m.kind !== 'scratch') throw damaged('model');
  const sizes = ['hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'];
  if (!isNum(m.max_length) || sizes.some((k) => !isNum(m[k]))) throw damaged('model');
  return {
    kind: 'scratch',
    hidden_size: m.hidden_size as number,
    num_hidden_layers: m.num_hidden_layers as number,
    num_attention_heads: m.num_attention_heads as number,
    intermediate_size: m.intermediate_size as number,
    max_length: m.max_length,
    // The model table's other settings as stored; runs stored before one have none: its default.
    ...givenScratchModelSettings(m),
  };
}

/** How a stored run's data was prepared. */
export function storedPrepareOptions(rec: RunRecord): PrepareOptions {
  const p = rec.prepare;
  const c = p.columns;
  if (!isObj(c) || typeof c.text !== 'string' || typeof c.label !== 'string') {
    throw damaged('columns');
  }
  if (!isNum(p.validationFraction) || !isNum(p.maxLength) || !isNum(p.seed)) {
    throw damaged('preparation');
  }
  return {
    ...p,
    columns: { ...c, text: c.text, label: c.label },
    validationFraction: p.validationFraction,
    maxLength: p.maxLength,
    seed: p.seed,
  } as PrepareOptions;
}

/**
 * The run config of a record's model spec, preparation options and arguments; a config that
 * does not validate keeps what the record holds, unvalidated, rather than nothing.
 */
export function runConfigOfParts(parts: Pick<RunRecord, 'model' | 'prepare' | 'args'>): RunConfig {
  const legacy = runConfigFromLegacy(parts as unknown as Record<string, unknown>);
  try {
    return parseRunConfig(legacy).config;
  } catch {
    return legacy as unknown as RunConfig;
  }
}

/**
 * A stored record at the current version: a version 1 record (before the run config) gets its
 * config from its model spec, preparation options and arguments. Written back with the next
 * update of the record.
 */
export function migrateRunRecord(rec: RunRecord): RunRecord {
  if (rec.version === RUN_RECORD_VERSION && rec.config) return rec;
  return {
    ...rec,
    version: RUN_RECORD_VERSION,
    config: runConfigOfParts(rec) as unknown as Record<string, unknown>,
  };
}

/** The files a checkpoint needs to continue a run from (see train/checkpoint.ts). */
const CHECKPOINT_JSON = ['trainer_state.json', 'scheduler.json', 'rng_state.json'];
const CHECKPOINT_WEIGHTS = ['model.safetensors', 'optimizer.safetensors'];

/**
 * Checks that the stored checkpoint `name` can continue a run before the run starts from it:
 * every file it needs is there, its JSON files parse and its safetensors headers read (the
 * tensors themselves are read once, by the trainer). A damaged one fails as `not-resumable`.
 */
export function checkStoredCheckpoint(name: string, files: CheckpointFiles | null): void {
  const fail = (why: string, cause?: unknown) =>
    new StudioError('not-resumable', `This run's ${name} cannot be read back: ${why}.`, {
      cause,
      remedy:
        'Start a new run with the same settings (Run history keeps this one and its metrics).',
    });
  if (!files) throw fail('it is not stored');
  for (const f of [...CHECKPOINT_WEIGHTS, ...CHECKPOINT_JSON]) {
    if (!files[f]) throw fail(`it has no ${f}`);
  }
  for (const f of CHECKPOINT_JSON) {
    try {
      JSON.parse(new TextDecoder().decode(files[f]));
    } catch (e) {
      throw fail(`its ${f} is not valid JSON`, e);
    }
  }
  for (const f of CHECKPOINT_WEIGHTS) {
    try {
      parseSafetensorsHeader(files[f]);
    } catch (e) {
      throw fail(`its ${f} is not a safetensors file`, e);
    }
  }
}
