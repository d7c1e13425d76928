/**
 * The fingerprint of the data a run needs: how it is prepared, from which files, with which
 * tokenizer. A run starts by preparing its data only when this changed since the last
 * preparation (as web-llm reloads a model only when its id changed). One small function, so a
 * resolved run's own fingerprint can take its place.
 */
import type { PrepareOptions } from '../session';

export interface DataIdentity {
  prepare: PrepareOptions;
  dataFile: string | null;
  validationFile: string | null;
  /** Counts the files loaded: the same name read again (another file, other options) differs. */
  loads: number;
  tokenizer: { name: string; vocabSize: number } | null;
}

/** A stable string for `data` (keys sorted, so the same data gives the same fingerprint). */
export function dataFingerprint(data: DataIdentity): string {
  return JSON.stringify(data, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
