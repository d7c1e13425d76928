/**
 * Seeded stratified train/validation split: every class keeps its share in both parts, and the
 * same seed gives the same split on every host.
 */
import { createRng } from '../util/rng';

export interface Split {
  /** Row indices (into the label array), ascending. */
  train: number[];
  /** Row indices, ascending. */
  validation: number[];
}

/**
 * Split rows by class: each class's rows are shuffled (Fisher-Yates, the studio's seeded PRNG (`createRng(seed)`),
 * classes in ascending id order) and round(fraction * count) of them go to validation, at least
 * 1 when the class has >= 2 rows and never all of them (a class with one row stays in train).
 * Both index lists are returned sorted ascending; the trainer shuffles per epoch anyway.
 * @param labelIds class id per row
 * @param validationFraction in (0, 1)
 */
export function stratifiedSplit(
  labelIds: ArrayLike<number>,
  validationFraction: number,
  seed: number,
): Split {
  if (!(validationFraction > 0 && validationFraction < 1)) {
    throw new RangeError(`validationFraction must be in (0, 1), got ${validationFraction}`);
  }
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labelIds.length; i++) {
    const c = labelIds[i];
    let list = byClass.get(c);
    if (!list) byClass.set(c, (list = []));
    list.push(i);
  }
  const rng = createRng(seed);
  const rand = () => rng.next();
  const train: number[] = [];
  const validation: number[] = [];
  for (const c of Array.from(byClass.keys()).sort((a, b) => a - b)) {
    const idx = byClass.get(c) as number[];
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    let nVal = Math.round(validationFraction * idx.length);
    if (idx.length >= 2) nVal = Math.min(Math.max(nVal, 1), idx.length - 1);
    else nVal = 0;
    for (let k = 0; k < idx.length; k++) (k < nVal ? validation : train).push(idx[k]);
  }
  train.sort((a, b) => a - b);
  validation.sort((a, b) => a - b);
  return { train, validation };
}

/**
 * How many validation texts also occur (exactly) in the training texts: duplicates leak answers
 * into validation scores (the SMS Spam file has hundreds of repeated messages).
 */
export function findOverlap(trainTexts: string[], validationTexts: string[]): number {
  const seen = new Set(trainTexts);
  let n = 0;
  for (const t of validationTexts) if (seen.has(t)) n++;
  return n;
}
