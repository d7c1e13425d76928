/**
 * What a confusion matrix too large to draw shows instead: its largest off-diagonal cells, found
 * in one pass, and the largest cell by a loop (never a spread into Math.max's arguments).
 */

/** One off-diagonal cell of a confusion matrix: `count` rows of `actual` predicted as `predicted`. */
export interface Confusion {
  actual: number;
  predicted: number;
  count: number;
  /** Share of the true class's rows (count / row sum). */
  share: number;
}

/** The largest confusions of a matrix and what they leave out. */
export interface TopConfusions {
  /** At most `k` off-diagonal cells, largest count first (ties: true class, then prediction). */
  top: Confusion[];
  /** Off-diagonal cells that are not zero. */
  cells: number;
  /** Rows in off-diagonal cells (the wrong predictions). */
  wrong: number;
  /** Wrong rows in the cells listed. */
  wrongShown: number;
}

/**
 * The `k` largest off-diagonal cells of a confusion matrix (rows true classes, columns
 * predictions): one pass over the cells keeping the best `k`, so a 1,000-class matrix costs a
 * million comparisons and a list of `k`, never a sort of every cell.
 */
export function topConfusions(confusion: readonly (readonly number[])[], k: number): TopConfusions {
  const top: Confusion[] = [];
  const before = (a: Confusion, b: Confusion) =>
    b.count - a.count || a.actual - b.actual || a.predicted - b.predicted;
  let cells = 0;
  let wrong = 0;
  for (let i = 0; i < confusion.length; i++) {
    const row = confusion[i];
    let sum = 0;
    for (let j = 0; j < row.length; j++) sum += row[j];
    for (let j = 0; j < row.length; j++) {
      const count = row[j];
      if (i === j || count <= 0) continue;
      cells++;
      wrong += count;
      if (top.length >= k && (k <= 0 || count <= top[k - 1].count)) continue;
      const cell = { actual: i, predicted: j, count, share: count / sum };
      // Insert in order (k is small): the list stays sorted, the last one drops out.
      let at = top.length;
      while (at > 0 && before(cell, top[at - 1]) < 0) at--;
      top.splice(at, 0, cell);
      if (top.length > k) top.pop();
    }
  }
  let wrongShown = 0;
  for (const c of top) wrongShown += c.count;
  return { top, cells, wrong, wrongShown };
}

/** The largest value of a matrix (0 for an empty one), by a loop: no spread into arguments. */
export function matrixMax(m: readonly (readonly number[])[]): number {
  let max = 0;
  for (const row of m) for (const v of row) if (v > max) max = v;
  return max;
}
