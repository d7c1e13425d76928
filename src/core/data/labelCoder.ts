/**
 * Turns a label column into training targets for the task it describes: class ids
 * (single-label), multi-hot rows (multi-label, e.g. `sports;politics`), or float targets
 * (regression), with HF's `id2label`/`label2id` for the config.
 */
import { DataError } from './errors';
import { buildLabelMaps, encodeLabels, type LabelMaps } from './labels';
import { splitMultiLabel, type TaskDetection } from './task';

export interface LabelCoder {
  maps: LabelMaps;
  /** Targets per row: 1 (single-label, regression) or the number of labels (multi-label). */
  width: number;
  encode(values: string[]): Int32Array | Float32Array;
  /** Rows `idx` of encoded targets. */
  pick(targets: Int32Array | Float32Array, idx: number[]): Int32Array | Float32Array;
  /** A class id per row to stratify the split by (the first label; 0 for regression). */
  strata(targets: Int32Array | Float32Array): Int32Array;
  /** Rows per label, in `maps.labels` order ([] for regression). */
  counts(targets: Int32Array | Float32Array): number[];
}

export function labelCoder(task: TaskDetection): LabelCoder {
  if (task.problemType === 'regression') {
    // HF's regression head: num_labels 1, id2label {0: 'LABEL_0'}.
    const maps: LabelMaps = {
      id2label: { 0: 'LABEL_0' },
      label2id: { LABEL_0: 0 },
      labels: ['LABEL_0'],
    };
    return {
      maps,
      width: 1,
      encode(values) {
        return Float32Array.from(values, (v, i) => {
          const x = Number(v);
          if (v.trim() === '' || !Number.isFinite(x)) {
            throw new DataError(
              'bad-column',
              `Label "${v}" (data row ${i + 1}) is not a number, but the task is regression. ` +
                'Pick single-label classification, or fix the value.',
            );
          }
          return x;
        });
      },
      pick: (t, idx) => Float32Array.from(idx, (j) => t[j]),
      strata: (t) => new Int32Array(t.length),
      counts: () => [],
    };
  }
  if (task.problemType === 'multi_label_classification') {
    const delimiter = task.labelDelimiter ?? ';';
    const maps = buildLabelMaps(task.labels);
    const L = maps.labels.length;
    return {
      maps,
      width: L,
      encode(values) {
        const out = new Float32Array(values.length * L);
        values.forEach((v, i) => {
          for (const part of splitMultiLabel(v, delimiter)) {
            const id = maps.label2id[part];
            if (id === undefined) {
              throw new DataError(
                'bad-column',
                `Label "${part}" (data row ${i + 1}) is not one of the training labels ` +
                  `(${maps.labels.slice(0, 10).join(', ')}).`,
              );
            }
            out[i * L + id] = 1;
          }
        });
        return out;
      },
      pick(t, idx) {
        const out = new Float32Array(idx.length * L);
        idx.forEach((j, i) => out.set(t.subarray(j * L, (j + 1) * L), i * L));
        return out;
      },
      strata(t) {
        const n = t.length / L;
        const out = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          let k = 0;
          while (k < L && t[i * L + k] === 0) k++;
          out[i] = k % L;
        }
        return out;
      },
      counts(t) {
        const c = new Array<number>(L).fill(0);
        for (let i = 0; i < t.length; i++) if (t[i] > 0) c[i % L] += 1;
        return c;
      },
    };
  }
  const maps = buildLabelMaps(task.labels);
  return {
    maps,
    width: 1,
    encode: (values) => encodeLabels(values, maps.label2id),
    pick: (t, idx) => Int32Array.from(idx, (j) => t[j]),
    strata: (t) => Int32Array.from(t),
    counts(t) {
      const c = new Array<number>(maps.labels.length).fill(0);
      for (const id of t) c[id] += 1;
      return c;
    },
  };
}
