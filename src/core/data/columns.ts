/**
 * First guess of which columns hold the text and the label, so the common case (one text column,
 * one label column) needs no clicks. The user can always override it.
 */
import type { ParsedTable } from './table';

export interface ColumnGuess {
  /** Column with the text to classify (the first of a pair). */
  text: string;
  /** Column with the class labels. */
  label: string;
  /** Second text of a sentence pair (e.g. premise/hypothesis), when the table has one. */
  textPair?: string;
}

/** Names users give label columns, best first (v1 is the Kaggle SMS Spam file's). */
const LABEL_NAMES = ['label', 'labels', 'class', 'category', 'sentiment', 'target', 'v1', 'y'];
const NUMERIC = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;

interface ColumnStats {
  name: string;
  index: number;
  /** Share of rows with a non-blank value. */
  fill: number;
  /** Share of non-blank values that are numbers. */
  numeric: number;
  /** Mean length in UTF-16 code units over all rows (blank = 0). */
  avgLen: number;
  distinct: number;
}

/**
 * Guess text, label and (optionally) text-pair columns.
 * - text: the longest on average among mostly filled, mostly non-numeric columns;
 * - label: few distinct values relative to the rows, preferring the usual names
 *   (label, labels, class, category, sentiment, target, v1, y), never the text column;
 * - textPair: a second long, mostly unique text column; then text/textPair follow column order
 *   (sentence1 before sentence2, as HF's glue script reads them).
 * Looks at the first 5,000 rows.
 */
export function guessColumns(table: ParsedTable): ColumnGuess {
  const rows = table.rows.slice(0, 5000);
  const stats = table.columns.map((name, index) => columnStats(name, index, rows));
  const n = Math.max(rows.length, 1);

  const textCandidates = stats.filter((s) => s.fill >= 0.5 && s.numeric < 0.5);
  const byLength = (textCandidates.length > 0 ? textCandidates : stats)
    .slice()
    .sort((a, b) => b.avgLen - a.avgLen);
  let text = byLength[0];

  const labelScore = (s: ColumnStats): number => {
    if (s.distinct < 2 && rows.length > 1) return -Infinity;
    const nameRank = LABEL_NAMES.indexOf(s.name.trim().toLowerCase());
    const few = s.distinct <= Math.max(2, 0.5 * n);
    let score = 1 - s.distinct / n + s.fill;
    if (few) score += 2;
    if (nameRank >= 0) score += 4 - nameRank * 0.1;
    return score;
  };
  const others = stats.filter((s) => s !== text);
  const label = others.slice().sort((a, b) => labelScore(b) - labelScore(a))[0] ?? text;

  let pair: ColumnStats | undefined = byLength.find(
    (s) =>
      s !== text &&
      s !== label &&
      s.fill >= 0.9 &&
      s.distinct > 0.5 * n &&
      s.avgLen >= 0.3 * text.avgLen &&
      s.avgLen >= 10,
  );
  if (pair && pair.index < text.index) [text, pair] = [pair, text];
  return pair
    ? { text: text.name, label: label.name, textPair: pair.name }
    : { text: text.name, label: label.name };
}

function columnStats(name: string, index: number, rows: string[][]): ColumnStats {
  let filled = 0;
  let numeric = 0;
  let totalLen = 0;
  const distinct = new Set<string>();
  for (const row of rows) {
    const v = row[index] ?? '';
    if (v.trim() === '') continue;
    filled++;
    totalLen += v.length;
    if (NUMERIC.test(v)) numeric++;
    distinct.add(v);
  }
  const n = Math.max(rows.length, 1);
  return {
    name,
    index,
    fill: filled / n,
    numeric: filled > 0 ? numeric / filled : 0,
    avgLen: totalLen / n,
    distinct: distinct.size,
  };
}
