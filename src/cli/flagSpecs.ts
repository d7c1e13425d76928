/**
 * The command line's flags, grouped as transformers' scripts group them: DataArguments and
 * ModelArguments from the run config's tables (src/core/config), TrainingArguments from
 * src/core/train/args.ts, and the studio's runtime flags.
 */
import { DATA_FIELDS } from '../core/config/dataArguments';
import { flagSpecsOf, type ConfigField } from '../core/config/fields';
import { MODEL_FIELDS } from '../core/config/modelArguments';
import { RUN_CONFIG_VERSION, type RunConfig } from '../core/config/runConfig';
import type { ReadOptions } from '../core/data/read';
import type { FlagSpec } from '../core/train/flags';
import { StudioError } from '../core/run/errors';

/**
 * Checks the data and model flags given (or read from --args_json) against the run config's
 * fields, naming the flag, what it takes and what it got.
 */
export function checkRunFlags(values: Record<string, unknown>): void {
  const fields = { ...DATA_FIELDS, ...MODEL_FIELDS } as Record<string, ConfigField>;
  for (const [k, value] of Object.entries(values)) {
    const f = fields[k];
    if (!f || value === undefined) continue;
    const r = f.schema.safeParse(value);
    if (!r.success) {
      const issue = r.error.issues[0] as { message?: string; values?: unknown[] } | undefined;
      const why = f.limits
        ? `a ${f.limits.integer ? 'whole number' : 'number'} from ${f.limits.min} to ${f.limits.max}`
        : issue?.values
          ? issue.values.map((x) => JSON.stringify(x)).join(' or ')
          : (issue?.message ?? 'another value');
      throw new StudioError(
        'arguments',
        `--${k} must be ${why} (got ${JSON.stringify(value)}): ${f.help}.`,
        {
          remedy: `Give --${k} ${why}, or leave it out for its default (\`--help\` lists the flags).`,
        },
      );
    }
  }
}

export const dataFlags: Record<string, FlagSpec> = flagSpecsOf(DATA_FIELDS, 'DataArguments');
export const modelFlags: Record<string, FlagSpec> = flagSpecsOf(MODEL_FIELDS, 'ModelArguments');

export const runtimeFlags: Record<string, FlagSpec> = {
  backend: {
    type: 'string',
    help: 'TF.js backend: wasm (fast on CPU) or cpu',
    default: 'wasm',
    group: 'Runtime',
  },
  args_json: {
    type: 'string',
    help:
      'arguments JSON to start from (flags override it): a training_args.json (its studio_args.json ' +
      'beside it is read too) or one object holding data, model and TrainingArguments keys together, ' +
      "as HfArgumentParser's parse_json_file splits them",
    group: 'Runtime',
  },
  config: {
    type: 'string',
    help:
      'a run config to start from, as the page keeps one: a JSON file ({version, data, model, ' +
      'training, compute}) or the link "Copy link to these settings" makes (quoted). Its ' +
      'compute.num_replicas (the Workers setting) is used when --num_replicas is not given; ' +
      'flags and --args_json win over its other keys too',
    group: 'Runtime',
  },
  num_replicas: {
    type: 'number',
    help:
      'studio only: train on this many threads (data parallel: each computes the gradients of its ' +
      'share of every batch, one optimizer step on the summed gradients; with dropout the results ' +
      'depend on this number); 1 = a single thread',
    default: "a --config's compute.num_replicas, else one per core with wasm, else 1",
    group: 'Runtime',
  },
};

/** readTableFile options from --header/--no_header and --delimiter ("tab" and "\\t" mean a tab). */
export function readOptionsOf(v: Record<string, unknown>): ReadOptions {
  const opts: ReadOptions = {};
  if (typeof v.header === 'boolean') opts.hasHeader = v.header;
  if (typeof v.delimiter === 'string') {
    const d = /^(tab|\\t)$/i.test(v.delimiter) ? '\t' : v.delimiter;
    if (d.length !== 1)
      throw new StudioError(
        'arguments',
        `--delimiter must be one character or "tab" (got "${v.delimiter}").`,
        {
          remedy:
            'Give --delimiter the one character between columns (, ; |) or "tab", or leave it out to detect it.',
        },
      );
    opts.delimiter = d;
  }
  return opts;
}

/**
 * The run config the command line describes: the data and model flags given (or read from
 * --args_json) under the run config's parts, checked against the same field tables
 * ({@link checkRunFlags}), and the TrainingArguments given. Flags not given are left out, so
 * `resolveRun` fills them from the tables.
 */
export function runConfigOfFlags(
  values: Record<string, unknown>,
  training: Record<string, unknown>,
): RunConfig {
  checkRunFlags(values);
  const pick = (table: Record<string, ConfigField>) =>
    Object.fromEntries(
      Object.keys(table)
        .filter((k) => values[k] !== undefined)
        .map((k) => [k, values[k]]),
    );
  return {
    version: RUN_CONFIG_VERSION,
    data: pick(DATA_FIELDS),
    model: pick(MODEL_FIELDS),
    training,
  };
}
