/**
 * A test-only page: the studio's Trainer (src/core/train/trainer.ts, unchanged) training the
 * default model (BERT 64/2/4/128 on bert-base-uncased's 30,522-token vocabulary, dropout on) on
 * the `webgpu` backend, with the backend's own counters (src/core/kernels/webgpu/counters.ts)
 * read at each step's end and at each log entry: dispatches, GPU-to-CPU reads and newly
 * allocated GPU bytes per step. The same run on the `cpu` backend gives the reference log.
 * Results land in `window.__steps`.
 *
 * Query: `?run=count` (webgpu only, 12 steps, logging_steps 4), `?run=parity` (cpu and webgpu,
 * 4 steps, logging_steps 1), `?run=bert-base` (bert-base-cased's shape on webgpu, 2 steps).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { selectBackend, webgpuMaxTensorBytes } from '../../../src/core/backend';
import {
  countsBetween,
  installWebGpuCounters,
  type WebGpuCounts,
} from '../../../src/core/kernels/webgpu/counters';
import { SequenceClassifier } from '../../../src/core/model/classifier';
import { bertFamily } from '../../../src/core/model/bert';
import { smallBertConfig } from '../../../src/core/model/bert/config';
import { parseTrainingArguments } from '../../../src/core/train/args';
import type { LabeledDataset } from '../../../src/core/train/dataset';
import { Trainer } from '../../../src/core/train/trainer';
import type { LogEntry } from '../../../src/core/train/state';

export interface StepCounts {
  step: number;
  /** From the previous step's end (or its log entry) to this step's end. */
  step_counts: WebGpuCounts;
  /** From this step's end to the end of its log entry, when it logged. */
  log_counts: WebGpuCounts | null;
}

export interface RunResult {
  backend: string;
  log: LogEntry[];
  steps: StepCounts[];
  seconds: number;
  leaked: number;
  /** The largest tensor the device allows (webgpu), bytes. */
  maxTensorBytes: number | null;
  /** The most GPU memory the buffer manager held, bytes (webgpu). */
  allocatedBytes: number | null;
  error?: string;
}

interface Shape {
  vocab: number;
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  batch: number;
  seqLen: number;
  /** max_position_embeddings (default: seqLen). */
  positions?: number;
}

const DEFAULT: Shape = {
  vocab: 30522,
  hidden: 64,
  layers: 2,
  heads: 4,
  intermediate: 128,
  batch: 8,
  seqLen: 32,
};
const BERT_BASE: Shape = {
  vocab: 28996,
  hidden: 768,
  layers: 12,
  heads: 12,
  intermediate: 3072,
  batch: 2,
  seqLen: 16,
  positions: 512,
};

/** Rows of exactly `seqLen` tokens ([CLS] ids... [SEP]): one batch shape for the whole run. */
function dataset(shape: Shape, rows: number): LabeledDataset {
  const ids = new Int32Array(rows * shape.seqLen);
  const offsets = new Uint32Array(rows + 1);
  let s = 12345;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  for (let r = 0; r < rows; r++) {
    offsets[r + 1] = (r + 1) * shape.seqLen;
    for (let j = 0; j < shape.seqLen; j++) {
      const last = j === shape.seqLen - 1;
      ids[r * shape.seqLen + j] = j === 0 ? 101 : last ? 102 : 1000 + Math.floor(next() * 20000);
    }
  }
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) labels[r] = ids[r * shape.seqLen + 1] % 2;
  return {
    encoded: { ids, offsets, typeIds: null, truncated: 0 },
    labels,
    labelWidth: 1,
    size: rows,
  };
}

async function train(
  backend: 'cpu' | 'webgpu',
  shape: Shape,
  steps: number,
  loggingSteps: number,
  lr = 1e-3,
): Promise<RunResult> {
  const choice = await selectBackend(backend);
  if (choice.name !== backend) throw new Error(`backend ${backend} unavailable: ${choice.reason}`);
  const before = tf.memory().numTensors;
  const counters = backend === 'webgpu' ? installWebGpuCounters() : null;
  const config = smallBertConfig({
    vocabSize: shape.vocab,
    numLabels: 2,
    maxLength: shape.positions ?? shape.seqLen,
    hiddenSize: shape.hidden,
    numLayers: shape.layers,
    numHeads: shape.heads,
    intermediateSize: shape.intermediate,
  });
  const model = SequenceClassifier.create(bertFamily, config, 42);
  const { args } = parseTrainingArguments({
    output_dir: 'out',
    per_device_train_batch_size: shape.batch,
    learning_rate: lr,
    max_steps: steps,
    logging_steps: loggingSteps,
    save_strategy: 'no',
    seed: 42,
  });
  const counts: StepCounts[] = [];
  let mark = counters?.snapshot() ?? null;
  const trainer = new Trainer({
    model,
    args,
    train: dataset(shape, shape.batch * steps),
    problemType: 'single_label_classification',
    numLabels: 2,
    padId: 0,
    maxLength: shape.seqLen,
    callbacks: [
      {
        on_step_end: (_a, state) => {
          if (!counters || !mark) return;
          const now = counters.snapshot();
          counts.push({
            step: state.global_step,
            step_counts: countsBetween(mark, now),
            log_counts: null,
          });
          mark = now;
        },
        on_log: (_a, _state, _c, entry) => {
          if (!counters || !mark || counts.length === 0 || !('loss' in (entry as object))) return;
          const now = counters.snapshot();
          counts[counts.length - 1].log_counts = countsBetween(mark, now);
          mark = now;
        },
      },
    ],
  });
  const t0 = performance.now();
  try {
    await trainer.train();
  } finally {
    trainer.dispose();
    model.dispose();
  }
  return {
    backend: tf.getBackend(),
    log: trainer.state.log_history,
    steps: counts,
    seconds: (performance.now() - t0) / 1000,
    leaked: tf.memory().numTensors - before,
    maxTensorBytes: webgpuMaxTensorBytes(),
    allocatedBytes: counters?.snapshot().allocatedBytes ?? null,
  };
}

async function main(): Promise<unknown> {
  const run = new URLSearchParams(location.search).get('run') ?? 'count';
  if (run === 'count') return { webgpu: await train('webgpu', DEFAULT, 12, 4) };
  if (run === 'parity') {
    return {
      cpu: await train('cpu', DEFAULT, 4, 1),
      webgpu: await train('webgpu', DEFAULT, 4, 1),
    };
  }
  if (run === 'bert-base') return { webgpu: await train('webgpu', BERT_BASE, 2, 1, 5e-5) };
  throw new Error(`unknown run ${run}`);
}

const w = window as unknown as { __steps?: unknown };
main().then(
  (r) => (w.__steps = r),
  (e: Error) => (w.__steps = { error: `${e.name}: ${e.message}\n${e.stack ?? ''}` }),
);
