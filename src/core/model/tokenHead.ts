/**
 * What every family's `<Family>ForTokenClassification` shares: the architecture names by head,
 * and the head itself (`self.dropout(sequence_output)` then `self.classifier` over every token,
 * HF's `BertForTokenClassification.forward`), in TF.js and as an ONNX graph.
 */
import * as tf from '@tensorflow/tfjs';

import { linearSpecs } from './encoderLayer';
import type {
  ClassifierBatch,
  ClassifierOutput,
  ForwardOptions,
  HeadKind,
  ParamGetter,
  ParamSpec,
} from './family';
import { dropout, linear } from './layers';

/** The token head's parameters (`classifier = nn.Linear(hidden_size, num_labels)`). */
export const TOKEN_HEAD_PARAMS = ['classifier.weight', 'classifier.bias'] as const;

/** The token head's parameter specs: the Linear `classifier` [num_labels, H], as HF initialises it. */
export function tokenHeadSpecs(numLabels: number, hidden: number): ParamSpec[] {
  return linearSpecs('classifier', numLabels, hidden);
}

/**
 * Activation elements the token head keeps at B x T: the dropped-out hidden states, the logits,
 * and the loss's log-softmax and coefficients.
 */
export function tokenHeadActivationElems(
  B: number,
  T: number,
  hidden: number,
  numLabels: number,
): number {
  return B * T * hidden + 3 * B * T * numLabels;
}

/** The HF class name of `<base>For...Classification` with `head`, e.g. "BertForTokenClassification". */
export function headArchitecture(base: string, head: HeadKind = 'sequence'): string {
  return `${base}For${head === 'token' ? 'Token' : 'Sequence'}Classification`;
}

/** "RobertaForSequenceClassification" with `head` -> "RobertaForTokenClassification", ... */
export function withHead(sequenceArchitecture: string, head: HeadKind = 'sequence'): string {
  return headArchitecture(sequenceArchitecture.replace(/ForSequenceClassification$/, ''), head);
}

/**
 * The token head in TF.js: dropout (`rate`, seeded by `seed`) and the Linear `classifier` over
 * every token of `h` ([B*T, H] or [B, T, H]); logits float32 [B, T, num_labels].
 */
export function tokenClassifierLogits(
  p: ParamGetter,
  h: tf.Tensor,
  shape: { B: number; T: number },
  drop: { rate: number; training: boolean; seed?: string },
  classifier = 'classifier',
): tf.Tensor3D {
  const H = h.shape[h.rank - 1] as number;
  const x = dropout(tf.reshape(h, [shape.B * shape.T, H]), drop.rate, drop.training, drop.seed);
  const logits = linear(x, p(`${classifier}.weight`), p(`${classifier}.bias`));
  return tf.reshape(logits, [shape.B, shape.T, -1]);
}

/**
 * `{ logits, loss }`: `opts.loss(logits, labels)` when the batch has labels and a loss is given.
 * (Typed as an object literal, which `tf.tidy` accepts as a tensor container, unlike the
 * interface {@link ClassifierOutput} it is.)
 */
export function headOutput(
  logits: tf.Tensor2D | tf.Tensor3D,
  batch: ClassifierBatch,
  opts: ForwardOptions,
): { logits: ClassifierOutput['logits']; loss?: tf.Scalar } {
  if (!batch.labels || !opts.loss) return { logits };
  return { logits, loss: opts.loss(logits, batch.labels) };
}

/**
 * The token head in the ONNX graph: the Linear `classifier` over every token of `h` (float
 * [batch_size, sequence_length, H]); dropout is the identity at inference. Returns the logits'
 * node name ([batch_size, sequence_length, num_labels]).
 */
export function onnxTokenClassifier(
  linearOf: (x: string, module: string) => string,
  h: string,
  classifier = 'classifier',
): string {
  return linearOf(h, classifier);
}
