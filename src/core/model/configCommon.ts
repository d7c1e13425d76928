/**
 * What every family's config parser shares: the label keys as `PretrainedConfig.__init__` reads
 * them (`num_labels` follows `id2label`), config.json's layout as `to_json_string` writes it, and
 * the error a bad key raises.
 */
import { z } from 'zod';

import { StudioError } from '../util/errors';
import { PROBLEM_TYPES, defaultId2Label, invertId2Label, type ProblemType } from './config';

// The shared config pieces, for the families' folders (`core/model/<family>/` reach `./config`
// through here: a `../config` import from there reads as core/config to the layering rule).
export {
  BERT_ACTIVATIONS,
  PROBLEM_TYPES,
  TRANSFORMERS_VERSION,
  defaultId2Label,
  invertId2Label,
  type BertActivation,
  type ProblemType,
} from './config';

/** The label keys of a parsed config. */
export interface LabelFields {
  num_labels: number;
  id2label: Record<string, string>;
  label2id: Record<string, number>;
  problem_type: ProblemType | null;
}

/** A bad config.json key: `Invalid <Family> config: <message>` (code 'model-files'). */
export function invalidConfig(displayName: string, message: string): StudioError {
  return new StudioError('model-files', `Invalid ${displayName} config: ${message}`);
}

/** A value as an error message shows it (JSON, cut at 80 characters). */
export function showValue(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/**
 * `json` checked against a zod schema: the parsed value, or a 'model-files' error naming the
 * first bad key, what was expected and what was found.
 */
export function parseWithSchema<S extends z.ZodType>(
  schema: S,
  json: unknown,
  displayName: string,
): z.infer<S> {
  const parsed = schema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.path.map(String).join('.') || '(root)';
    const got = 'input' in issue ? ` (got ${showValue(issue.input)})` : '';
    throw invalidConfig(displayName, `key "${key}": ${issue.message}${got}`);
  }
  return parsed.data;
}

const labelSchema = z.looseObject({
  num_labels: z.number().int().positive().optional(),
  id2label: z.record(z.string(), z.string()).nullish(),
  label2id: z.record(z.string(), z.number().int().nonnegative()).nullish(),
  problem_type: z.enum(PROBLEM_TYPES).nullish(),
});

/**
 * `id2label`, `label2id`, `num_labels` and `problem_type` of a config.json object as HF reads
 * them: `num_labels` from `id2label` when present (a conflicting `num_labels` is ignored), else
 * `num_labels`, else 2; `label2id` inverted from `id2label` unless it has as many entries.
 */
export function parseLabelFields(json: Record<string, unknown>, displayName: string): LabelFields {
  const c = parseWithSchema(labelSchema, json, displayName);
  let id2label: Record<string, string>;
  if (c.id2label != null && Object.keys(c.id2label).length > 0) {
    const n = Object.keys(c.id2label).length;
    id2label = {};
    for (const [k, v] of Object.entries(c.id2label)) {
      const i = Number(k);
      if (!/^\d+$/.test(k) || i >= n) {
        throw invalidConfig(
          displayName,
          `key "id2label": ids must be the integers 0..${n - 1}, got key ${showValue(k)}`,
        );
      }
      id2label[String(i)] = v;
    }
  } else {
    id2label = defaultId2Label(c.num_labels ?? 2);
  }
  const numLabels = Object.keys(id2label).length;
  const label2id =
    c.label2id != null && Object.keys(c.label2id).length === numLabels
      ? { ...c.label2id }
      : invertId2Label(id2label);
  return { num_labels: numLabels, id2label, label2id, problem_type: c.problem_type ?? null };
}

/** Keys sorted at every depth, as `to_json_string(use_diff=False)` sorts them. */
export function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeysDeep((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/**
 * config.json text as `save_pretrained` writes it: keys sorted, indent 2, trailing newline;
 * `problem_type` left out while it is null (HF writes it only once set).
 */
export function configJsonText(dict: Record<string, unknown>): string {
  const d = { ...dict };
  if (d.problem_type === null) delete d.problem_type;
  return `${JSON.stringify(sortKeysDeep(d), null, 2)}\n`;
}

/** A parsed config's `transformers_version` key, kept only where the file had one. */
export function keptTransformersVersion(version: string | undefined): {
  transformers_version?: string;
} {
  return version !== undefined ? { transformers_version: version } : {};
}

/** The from-scratch settings that are set (`undefined` ones left out, so HF's defaults apply). */
export function definedSettings(settings: object | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(settings ?? {}).filter(([, v]) => v !== undefined));
}
