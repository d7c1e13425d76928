/**
 * Command-line flags in the style of HF's `HfArgumentParser`: `--name value`, `--name=value`,
 * a bare boolean `--flag` (true), `--flag false`, `--no_flag`, and `--list a b c` for lists.
 * Dashes and underscores in names are interchangeable (`--learning-rate` = `--learning_rate`).
 * Generic: the CLI combines TrainingArguments specs with model and data specs.
 */

import { StudioError } from '../util/errors';

/** Value types a flag can take. `json` parses its value with `JSON.parse`. */
export type FlagType = 'string' | 'number' | 'boolean' | 'json' | 'string[]';

/** One flag: its type and one-line help; `default` and `group` only feed {@link formatHelp}. */
export interface FlagSpec {
  type: FlagType;
  help: string;
  default?: unknown;
  group?: string;
}

/** A flag that is unknown, misses its value, or has a value of the wrong type. */
export class FlagError extends StudioError {
  constructor(
    message: string,
    /** The flag name as written in `specs` (or as typed, when unknown). */
    readonly flag: string,
  ) {
    super('arguments', message, {
      name: 'FlagError',
      remedy: 'Correct the flag (`--help` lists them with their types) and run the command again.',
    });
  }
}

const TRUE = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'f', 'no', 'n', '0']);

/** Python's `string_to_bool` as HfArgumentParser uses it; undefined when not a boolean word. */
function toBool(v: string): boolean | undefined {
  const s = v.toLowerCase();
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  return undefined;
}

const norm = (name: string) => name.replace(/-/g, '_');

/**
 * Parses `argv` (no program name) against `specs`.
 *
 * @returns `values`: only the flags given, keyed by spec name, typed by spec; `rest`: positional
 * tokens, everything after a bare `--`, and `--help`/`-h` when no spec claims them.
 * @throws FlagError on an unknown flag (naming the closest known one), a missing value, or a
 * value that does not parse as the flag's type.
 */
export function parseFlags(
  argv: string[],
  specs: Record<string, FlagSpec>,
): { values: Record<string, unknown>; rest: string[] } {
  const byNorm = new Map<string, string>();
  for (const name of Object.keys(specs)) byNorm.set(norm(name), name);
  const values: Record<string, unknown> = {};
  const rest: string[] = [];

  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i];
    if (tok === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (!tok.startsWith('--') || tok.length === 2) {
      rest.push(tok);
      continue;
    }
    const eq = tok.indexOf('=');
    const rawName = eq >= 0 ? tok.slice(2, eq) : tok.slice(2);
    const inline = eq >= 0 ? tok.slice(eq + 1) : undefined;
    let name = byNorm.get(norm(rawName));
    let negated = false;
    if (!name && norm(rawName).startsWith('no_')) {
      const base = byNorm.get(norm(rawName).slice(3));
      if (base && specs[base].type === 'boolean') {
        name = base;
        negated = true;
      }
    }
    if (!name) {
      if (rawName === 'help' && inline === undefined) {
        rest.push(tok);
        continue;
      }
      const guess = closestName(norm(rawName), Object.keys(specs));
      throw new FlagError(
        `Unknown flag --${rawName}.` + (guess ? ` Did you mean --${guess}?` : '') + ' See --help.',
        rawName,
      );
    }
    const spec = specs[name];
    const next = argv[i + 1];
    const nextIsValue = next !== undefined && !next.startsWith('--');

    if (negated) {
      if (inline !== undefined) {
        throw new FlagError(`--no_${name} takes no value (got '${inline}')`, name);
      }
      values[name] = false;
      continue;
    }
    switch (spec.type) {
      case 'boolean': {
        if (inline !== undefined) {
          values[name] = parseValue(name, spec.type, inline);
        } else if (nextIsValue && toBool(next) !== undefined) {
          values[name] = toBool(next);
          i++;
        } else {
          values[name] = true;
        }
        break;
      }
      case 'string[]': {
        if (inline !== undefined) {
          values[name] = [inline];
          break;
        }
        const items: string[] = [];
        while (i + 1 < argv.length && !argv[i + 1].startsWith('--')) items.push(argv[++i]);
        if (items.length === 0) {
          throw new FlagError(`--${name} expects one or more values (string[])`, name);
        }
        values[name] = items;
        break;
      }
      default: {
        let v = inline;
        if (v === undefined) {
          if (!nextIsValue) throw new FlagError(`--${name} expects a value (${spec.type})`, name);
          v = next;
          i++;
        }
        values[name] = parseValue(name, spec.type, v);
      }
    }
  }
  return { values, rest };
}

function parseValue(name: string, type: FlagType, v: string): unknown {
  const bad = (expected: string, extra = '') =>
    new FlagError(`--${name}: '${v}' is not ${expected}${extra}`, name);
  switch (type) {
    case 'string':
      return v;
    case 'string[]':
      return [v];
    case 'number': {
      const n = v.trim() === '' ? NaN : Number(v);
      if (!Number.isFinite(n)) throw bad('a number');
      return n;
    }
    case 'boolean': {
      const b = toBool(v);
      if (b === undefined) throw bad('a boolean', ' (use true/false, yes/no or 1/0)');
      return b;
    }
    case 'json':
      try {
        return JSON.parse(v) as unknown;
      } catch (e) {
        throw bad('valid JSON', `: ${(e as Error).message}`);
      }
  }
}

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/**
 * The candidate closest to `name` (edit distance, or a prefix/substring match), or undefined
 * when nothing is reasonably close.
 */
export function closestName(name: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const n = norm(name).toLowerCase();
  for (const c of candidates) {
    const cn = norm(c).toLowerCase();
    let d = editDistance(n, cn);
    if (n.length >= 4 && (cn.startsWith(n) || cn.includes(n))) d = Math.min(d, 1);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(n.length / 3)) ? best : undefined;
}

/** Help text: one line per flag, `--name <type>  help (default: x)`, grouped by `group`. */
export function formatHelp(specs: Record<string, FlagSpec>, title?: string): string {
  const entries = Object.entries(specs);
  const left = (name: string, s: FlagSpec) =>
    `  --${name}` + (s.type === 'boolean' ? ' [bool]' : ` <${s.type}>`);
  const width = Math.min(48, Math.max(0, ...entries.map(([n, s]) => left(n, s).length)) + 2);
  const groups = new Map<string, [string, FlagSpec][]>();
  for (const e of entries) {
    const g = e[1].group ?? '';
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(e);
  }
  const lines: string[] = [];
  if (title) lines.push(title, '');
  for (const [g, items] of groups) {
    if (g) lines.push(`${g}:`);
    for (const [name, s] of items) {
      const l = left(name, s);
      const def = s.default === undefined ? '' : ` (default: ${JSON.stringify(s.default)})`;
      lines.push(l.padEnd(width) + (l.length >= width ? ' ' : '') + s.help + def);
    }
    lines.push('');
  }
  return lines.join('\n').trimEnd() + '\n';
}
