/**
 * The evaluation views' data at many classes: time and heap growth of `buildEvalDetails` and
 * `topConfusions` for 500 classes x 500 validation rows, 1,000 x 2,000 and 1,000 x 10,000
 * (random logits, every class present).
 *
 *   node --expose-gc --import tsx scripts/bench-eval.ts
 */
import { buildEvalDetails, topConfusions } from '../src/core/train/evalDetails';
import { createRng } from '../src/core/util/rng';

for (const [c, n] of [
  [500, 500],
  [1000, 2000],
  [1000, 10000],
]) {
  const rng = createRng(3);
  const logits = new Float32Array(n * c);
  for (let i = 0; i < logits.length; i++) logits[i] = rng.next();
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const d = buildEvalDetails({
    problemType: 'single_label_classification',
    labelNames: Array.from({ length: c }, (_, i) => `c${i}`),
    logits,
    labels: Float32Array.from({ length: n }, (_, i) => i % c),
    texts: Array.from({ length: n }, (_, i) => `row ${i}`),
    keptTokens: new Int32Array(n),
    keptText: new Array<null>(n).fill(null),
    maxLength: 8,
  });
  const t1 = performance.now();
  if (d.kind !== 'classification') throw new Error('expected a classification');
  topConfusions(d.confusion, 20);
  const t2 = performance.now();
  const mb = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
  console.log(
    `${c} classes x ${n} rows: buildEvalDetails ${(t1 - t0).toFixed(0)} ms, ` +
      `topConfusions ${(t2 - t1).toFixed(1)} ms, heap +${mb.toFixed(0)} MB`,
  );
}
