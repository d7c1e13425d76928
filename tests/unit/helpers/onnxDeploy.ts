/**
 * Helpers of the ONNX deploy tests: real rows for each task, a tiny model trained on them by the
 * studio's session (as the page trains), its export zip unpacked as a folder, and transformers.js
 * reading that folder as a web page would (local files only).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { StudioSession } from '../../../src/core/session';
import { loadTokenizerFromDir } from '../../../src/core/tokenize/tokenizerNode';

/** A one-layer model (hidden 32) that trains in a few seconds on the cpu backend. */
export const TINY_SPEC = {
  kind: 'scratch' as const,
  hidden_size: 32,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 64,
  max_length: 48,
};

/** Enough steps at a high rate that the probabilities depend on the text. */
export const TINY_ARGS = {
  max_steps: 30,
  per_device_train_batch_size: 16,
  learning_rate: 1e-2,
  logging_steps: 10,
  seed: 7,
};

/** The real SMS rows (the demo data set's source): [label, text]. */
export function smsRows(): [string, string][] {
  return readFileSync('tests/fixtures/data/SMSSpamCollection-300.tsv', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [label, text] = l.split('\t');
      return [label, text];
    });
}

/** Real SST-2 sentences with their labels ("0"/"1"). */
export function sst2Rows(): [string, string][] {
  return readFileSync('tests/fixtures/data/sst2-train-300.tsv', 'utf8')
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((l) => {
      const [text, label] = l.split('\t');
      return [label.trim(), text.trim()];
    });
}

const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** A CSV of `rows` with the given header; each row's cells in header order. */
export function csvBytes(header: string[], rows: string[][]): Uint8Array {
  const lines = rows.map((r) => r.map(quote).join(','));
  return new TextEncoder().encode(`${header.join(',')}\n${lines.join('\n')}\n`);
}

/** A session trained on `csv` (bert-base-uncased tokenizer, tiny model), ready to export. */
export async function trainedSession(
  csv: Uint8Array,
  columns: { text: string; label: string; textPair?: string },
  args: Partial<typeof TINY_ARGS> = {},
): Promise<StudioSession> {
  const s = new StudioSession();
  await s.loadTable('data.csv', csv);
  s.tokenizer = await loadTokenizerFromDir('public/tokenizers/bert-base-uncased');
  s.prepare({ columns, validationFraction: 0.1, maxLength: TINY_SPEC.max_length, seed: 1 });
  await s.train(TINY_SPEC, { ...TINY_ARGS, ...args });
  return s;
}

/** Unpacks an export zip into `dir` (files under `onnx/` included); returns `dir`. */
export function unpackZip(zip: Uint8Array, dir: string): string {
  for (const [name, bytes] of Object.entries(unzipSync(zip))) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  }
  return dir;
}

/** transformers.js's scores in the order of `labels` from a `top_k: null` pipeline result. */
export function scoresByLabel(
  result: { label: string; score: number }[],
  labels: string[],
): number[] {
  const byLabel = new Map(result.map((r) => [r.label, r.score]));
  return labels.map((l) => {
    const s = byLabel.get(l);
    if (s === undefined) throw new Error(`transformers.js gave no score for label ${l}`);
    return s;
  });
}

/** How two sets of probability rows compare: the largest difference and top-label agreement. */
export function compareProbs(a: number[][], b: number[][]): { maxDiff: number; agree: number } {
  let maxDiff = 0;
  let same = 0;
  a.forEach((row, i) => {
    row.forEach((p, j) => (maxDiff = Math.max(maxDiff, Math.abs(p - b[i][j]))));
    const top = (r: number[]) => r.indexOf(Math.max(...r));
    if (top(row) === top(b[i])) same++;
  });
  return { maxDiff, agree: same / a.length };
}

/** The spread of the first probability over rows (a comparison that can fail needs one). */
export function spread(rows: number[][]): number {
  const first = rows.map((r) => r[0]);
  return Math.max(...first) - Math.min(...first);
}
