/**
 * A run setting defined once: its validation, default, help, command-line type and, for numbers
 * the page edits, the page's limits. The data and model arguments are tables of these; the CLI's
 * flags, the page's fields and the run config are derived from them.
 */
import { z } from 'zod';
import type { FlagSpec, FlagType } from '../train/flags';

import type { NumberLimits } from '../train/argsFields';

export type { NumberLimits } from '../train/argsFields';

export interface ConfigField<S extends z.ZodType = z.ZodType> {
  schema: S;
  default: z.infer<S>;
  help: string;
  flag: FlagType;
  /** The page's limits, for numbers it edits. */
  limits?: NumberLimits;
  /** What `--help` shows as the default when `default` (null) means "worked out at run time". */
  shownDefault?: string;
}

export function configField<S extends z.ZodType>(
  schema: S,
  dflt: z.infer<S>,
  help: string,
  flag: FlagType,
  extra: { limits?: NumberLimits; shownDefault?: string } = {},
): ConfigField<S> {
  return { schema, default: dflt, help, flag, ...extra };
}

/** A zod number schema that enforces `limits`. */
export function limitedNumber(limits: NumberLimits): z.ZodNumber {
  let s = limits.integer ? z.number().int('expected an integer') : z.number();
  s = limits.exclusiveMin ? s.gt(limits.min) : s.min(limits.min);
  return s.max(limits.max);
}

type Table = Record<string, ConfigField>;

/** The table's defaults, as one object (a fresh copy). */
export function defaultsOf<T extends Table>(table: T): { [K in keyof T]: z.infer<T[K]['schema']> } {
  return structuredClone(
    Object.fromEntries(Object.entries(table).map(([k, f]) => [k, f.default])),
  ) as { [K in keyof T]: z.infer<T[K]['schema']> };
}

/** The table's zod object schema. */
export function schemaOf<T extends Table>(
  table: T,
): z.ZodObject<{ [K in keyof T]: T[K]['schema'] }> {
  return z.object(
    Object.fromEntries(Object.entries(table).map(([k, f]) => [k, f.schema])) as {
      [K in keyof T]: T[K]['schema'];
    },
  );
}

/** Command-line flags for the table, under `group` (ModelArguments, DataArguments...). */
export function flagSpecsOf(table: Table, group: string): Record<string, FlagSpec> {
  return Object.fromEntries(
    Object.entries(table).map(([k, f]) => [
      k,
      {
        type: f.flag,
        help: f.help,
        group,
        ...(f.shownDefault !== undefined
          ? { default: f.shownDefault }
          : f.default !== null
            ? { default: f.default }
            : {}),
      },
    ]),
  );
}
