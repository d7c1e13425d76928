/**
 * The data of `npm run bench:torch` (and its page pass): long rows built from the bundled SMS
 * Spam Collection (public/demo/spam.csv), so the benchmark needs nothing outside the repository.
 * Each row joins messages of one class, picked by a seeded generator, until it has `minChars`
 * characters: far over 128 tokens, so nearly every row is truncated at max_length 128 and every
 * batch, padded to its longest row, is [batch, max_length] on both sides. Labels alternate
 * (ham, spam), so the classes are balanced. Written as two CSV files (text,label): the training
 * rows and the validation rows, the same files for transformers and the studio.
 *
 * The short-text data (`--data short`, {@link writeShortData}) is the real SMS messages as they
 * are, one a row, in a seeded order: 25 tokens a row on average with the bundled bert-base-uncased
 * tokenizer, batches of 32 padded to their longest row (about 67 tokens), as users' short-text
 * files are; `--short-join 2` joins two messages of one class a row (47 tokens on average, about
 * 110 padded: nearer the length of short news texts).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Papa from 'papaparse';

const repoRoot = resolve(import.meta.dirname, '..');

export interface BenchData {
  train: string;
  validation: string;
  trainRows: number;
  validationRows: number;
}

/** Messages of the bundled SMS file by label (v1 = label, v2 = text). */
function messagesByLabel(): Map<string, string[]> {
  const csv = readFileSync(join(repoRoot, 'public/demo/spam.csv'), 'utf8');
  const parsed = Papa.parse<string[]>(csv, { skipEmptyLines: true });
  const byLabel = new Map<string, string[]>();
  for (const row of parsed.data.slice(1)) {
    const [label, text] = row;
    if (!label || !text) continue;
    const list = byLabel.get(label) ?? [];
    list.push(text.replace(/\s+/g, ' ').trim());
    byLabel.set(label, list);
  }
  return byLabel;
}

/** `n` rows of at least `minChars` characters each; the same seed gives the same rows. */
export function longRows(
  n: number,
  seed: number,
  minChars = 700,
): { text: string; label: string }[] {
  const byLabel = messagesByLabel();
  const labels = [...byLabel.keys()].sort();
  let s = seed >>> 0 || 1;
  const next = () => {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
  const rows: { text: string; label: string }[] = [];
  for (let i = 0; i < n; i++) {
    const label = labels[i % labels.length];
    const pool = byLabel.get(label) as string[];
    let text = '';
    while (text.length < minChars) {
      const m = pool[Math.floor(next() * pool.length)];
      text = text ? `${text} ${m}` : m;
    }
    rows.push({ text, label });
  }
  return rows;
}

/** Writes train.csv and validation.csv into `dir` and returns their paths. */
export function writeBenchData(
  dir: string,
  trainRows: number,
  validationRows: number,
  minChars = 700,
): BenchData {
  mkdirSync(dir, { recursive: true });
  const train = join(dir, 'train.csv');
  const validation = join(dir, 'validation.csv');
  writeFileSync(train, Papa.unparse(longRows(trainRows, 1, minChars)));
  writeFileSync(validation, Papa.unparse(longRows(validationRows, 2, minChars)));
  return { train, validation, trainRows, validationRows };
}

/**
 * `n` rows of real SMS messages in a seeded order (every message once before any repeats), each
 * row `messagesPerRow` messages of one class joined with a space, with that class as its label.
 */
export function shortRows(
  n: number,
  seed: number,
  messagesPerRow = 1,
): { text: string; label: string }[] {
  const all: { text: string; label: string }[] = [];
  for (const [label, texts] of messagesByLabel())
    for (const text of texts) all.push({ text, label });
  let s = seed >>> 0 || 1;
  const next = () => {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  const byLabel = new Map<string, string[]>();
  for (const m of all) byLabel.set(m.label, [...(byLabel.get(m.label) ?? []), m.text]);
  const taken = new Map<string, number>();
  const take = (label: string) => {
    const pool = byLabel.get(label) as string[];
    const k = taken.get(label) ?? 0;
    taken.set(label, k + 1);
    return pool[k % pool.length];
  };
  const rows: { text: string; label: string }[] = [];
  for (let i = 0; i < n; i++) {
    // The class of the i-th message of the seeded order, so rows keep the file's class balance.
    const label = all[i % all.length].label;
    const parts = [take(label)];
    while (parts.length < messagesPerRow) parts.push(take(label));
    rows.push({ text: parts.join(' '), label });
  }
  return rows;
}

/** {@link writeBenchData} of {@link shortRows} (training seed 1, validation seed 2). */
export function writeShortData(
  dir: string,
  trainRows: number,
  validationRows: number,
  messagesPerRow = 1,
): BenchData {
  mkdirSync(dir, { recursive: true });
  const train = join(dir, `short${messagesPerRow}-train.csv`);
  const validation = join(dir, `short${messagesPerRow}-validation.csv`);
  writeFileSync(train, Papa.unparse(shortRows(trainRows, 1, messagesPerRow)));
  writeFileSync(validation, Papa.unparse(shortRows(validationRows, 2, messagesPerRow)));
  return { train, validation, trainRows, validationRows };
}
