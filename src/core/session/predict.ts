/**
 * Using a model on new rows: predictions for texts, and metrics on a labelled table.
 */
import * as tf from '@tensorflow/tfjs';
import { encodeLabels } from '../data/labels';
import type { SequenceClassifier } from '../model/classifier';
import type { ProblemType } from '../model/config';
import { encodeDataset, lengthOf, type EncodedDataset } from '../tokenize/encode';
import type { Tokenizer } from '../tokenize/tokenizer';
import { batchTensors, disposeBatch, inputsOf, type LabeledDataset } from '../train/dataset';
import { evaluateModel, type LogitsSource } from '../train/evaluate';
import { computeLoss } from '../train/losses';
import { sigmoid, softmax } from '../train/metrics';
import { extractExamples, type NamedTable } from './examples';
import type { ColumnChoice, Prediction, Truncation } from './types';

/**
 * Predictions from row-major logits: softmax over classes (single-label), a sigmoid per label
 * with the labels above 0.5 (multi-label), or the value itself (regression).
 */
export function predictionsFrom(
  logits: Float32Array,
  labels: string[],
  problemType: ProblemType | null,
): Prediction[] {
  const n = labels.length;
  const rows = logits.length / n;
  const out: Prediction[] = [];
  if (problemType === 'regression') {
    for (let i = 0; i < rows; i++) {
      out.push({ label: logits[i].toPrecision(4), probs: [logits[i]], labels, truncation: null });
    }
    return out;
  }
  const probs = problemType === 'multi_label_classification' ? sigmoid(logits) : softmax(logits, n);
  for (let i = 0; i < rows; i++) {
    const p = Array.from(probs.subarray(i * n, (i + 1) * n));
    const best = p.indexOf(Math.max(...p));
    const label =
      problemType === 'multi_label_classification'
        ? labels.filter((_, j) => p[j] > 0.5).join(';') || '(none)'
        : labels[best];
    out.push({ label, probs: p, labels, truncation: null });
  }
  return out;
}

/**
 * How each row of `encoded` was cut at `maxLength`: only a row that fills it may have been, and
 * its text is encoded again in full to count its tokens.
 */
function truncations(
  tok: Tokenizer,
  texts: string[],
  encoded: EncodedDataset,
  maxLength: number,
): (Truncation | null)[] {
  return texts.map((text, i) => {
    if (lengthOf(encoded, i) < maxLength) return null;
    const tokens = tok.encode(text).ids.length;
    return tokens > maxLength ? { tokens, kept: maxLength } : null;
  });
}

/**
 * The model's prediction for each text, in one batch padded to the longest row. Texts are cut
 * at `maxLength` (the max_length the model was trained with; see session/maxLength.ts), within
 * the model's positions, as transformers' `truncation=True` cuts them at model_max_length; each
 * prediction says whether its text was cut.
 */
export async function predictTexts(
  model: SequenceClassifier,
  tok: Tokenizer,
  labels: string[],
  texts: string[],
  modelMaxLength: number,
): Promise<Prediction[]> {
  const maxLength = Math.min(model.maxInputLength(), modelMaxLength);
  const encoded = encodeDataset(tok, texts, null, maxLength);
  const ds: LabeledDataset = {
    encoded,
    labels: new Int32Array(texts.length),
    labelWidth: 1,
    size: texts.length,
  };
  const idx = Uint32Array.from(texts.map((_, i) => i));
  const batch = batchTensors(
    ds,
    idx,
    'single_label_classification',
    { padding: 'longest', maxLength, padId: tok.padId },
    model.takesTokenTypeIds(),
  );
  const logits = tf.tidy(() => model.forward(inputsOf(batch), { training: false }).logits);
  disposeBatch(batch);
  const values = (await logits.data()) as Float32Array;
  logits.dispose();
  const cuts = truncations(tok, texts, encoded, maxLength);
  return predictionsFrom(values, labels, model.config.problem_type).map((p, i) => ({
    ...p,
    truncation: cuts[i],
  }));
}

/**
 * Single-label metrics of `model` on table `t`'s chosen columns (labels must be among the
 * model's `label2id`), `eval_`-prefixed as the Trainer logs them. `logits`: where each batch's
 * logits come from (default this thread; the CLI may pass replicas).
 */
export async function evaluateOnTable(
  model: SequenceClassifier,
  tok: Tokenizer,
  numLabels: number,
  t: NamedTable,
  columns: ColumnChoice,
  maxLength: number,
  batchSize: number,
  logits?: LogitsSource,
): Promise<Record<string, number>> {
  const ex = extractExamples(t, columns);
  const label2id = model.config.label2id ?? {};
  const ds: LabeledDataset = {
    encoded: encodeDataset(tok, ex.texts, ex.pairs, maxLength),
    labels: encodeLabels(ex.labels, label2id),
    labelWidth: 1,
    size: ex.texts.length,
  };
  const out = await evaluateModel({
    model,
    dataset: ds,
    problemType: 'single_label_classification',
    numLabels,
    batchSize,
    collate: { padding: 'longest', maxLength, padId: tok.padId },
    lossOf: (logits, labels) => computeLoss('single_label_classification', logits, labels, {}),
    logits,
  });
  return out.metrics;
}
