/**
 * Real tiny Trainer runs (a one-layer BERT on token rows, cpu backend) for what follows the
 * evaluations and the loss: early stopping against the best so far, load_best_model_at_end,
 * save_strategy 'best', and nan_policy 'skip' / 'stop' on a loss made NaN by class weights.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryCheckpointStore } from '../../src/core/io/checkpointStore';
import type { SequenceClassifier } from '../../src/core/model/classifier';
import { parseTrainingArguments } from '../../src/core/train/args';
import { ArgumentsError } from '../../src/core/train/argsError';
import { checkMetricForBest, evalMetricKeys } from '../../src/core/train/bestModel';
import { decodeCheckpoint } from '../../src/core/train/checkpoint';
import type { LabeledDataset } from '../../src/core/train/dataset';
import { isEvalLog, isTrainLog, type LogEntry } from '../../src/core/train/state';
import { NonFiniteLossError, Trainer, type TrainOutput } from '../../src/core/train/trainer';
import { MAX_LEN, tinyDataset, tinyModel } from './helpers/tinyTask';

const PT = 'single_label_classification';

/** tinyDataset's rows with a label the model can learn: the parity of the first token. */
function learnable(n: number, seed: number): LabeledDataset {
  const ds = tinyDataset(n, PT, seed);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = ds.encoded.ids[ds.encoded.offsets[i] + 1] % 2;
  return { ...ds, labels };
}

interface Run {
  out: TrainOutput;
  trainer: Trainer;
  model: SequenceClassifier;
  store: MemoryCheckpointStore;
  saves: number[];
}

async function run(
  over: Record<string, unknown>,
  data: { train: LabeledDataset; eval?: LabeledDataset } = {
    train: learnable(48, 1),
    eval: learnable(24, 2),
  },
  steps: number[] = [],
): Promise<Run> {
  const { args } = parseTrainingArguments({
    output_dir: 'out',
    per_device_train_batch_size: 4,
    per_device_eval_batch_size: 16,
    max_steps: 20,
    logging_steps: 1,
    eval_strategy: 'steps',
    eval_steps: 2,
    save_strategy: 'no',
    ...over,
  });
  const model = tinyModel(PT);
  const store = new MemoryCheckpointStore();
  const saves: number[] = [];
  const make = () =>
    new Trainer({
      model,
      args,
      ...data,
      problemType: PT,
      numLabels: 2,
      padId: 0,
      maxLength: MAX_LEN,
      checkpoints: store,
      callbacks: [
        { on_save: (_a, s) => void saves.push(s.global_step) },
        { on_step_end: (_a, s) => void steps.push(s.global_step) },
      ],
    });
  let trainer: Trainer;
  try {
    trainer = make();
  } catch (err) {
    model.dispose();
    throw err;
  }
  const out = await trainer.train();
  return { out, trainer, model, store, saves };
}

function done(r: Run): void {
  r.trainer.dispose();
  r.model.dispose();
}

const evalsOf = (h: LogEntry[]) =>
  h.filter(isEvalLog).map((e) => ({ step: e.step, loss: e.eval_loss as number }));

/** Drops the timing fields, which differ between runs. */
const untimed = (h: LogEntry[]) =>
  h.map((e) =>
    Object.fromEntries(Object.entries(e).filter(([k]) => !/runtime|per_second/.test(k))),
  );

/**
 * transformers' EarlyStoppingCallback over a run's evaluation losses, written out: an evaluation
 * resets the counter when it beats the trainer's best so far by more than `threshold`, and the
 * best is updated after it (a strict improvement). @returns the index of the stopping evaluation.
 */
function hfStopIndex(losses: number[], patience: number, threshold: number): number | null {
  let best: number | null = null;
  let counter = 0;
  for (let i = 0; i < losses.length; i++) {
    const v = losses[i];
    if (best === null || (v < best && Math.abs(v - best) > threshold)) counter = 0;
    else counter += 1;
    if (counter >= patience) return i;
    if (best === null || v < best) best = v;
  }
  return null;
}

async function weightsOf(model: SequenceClassifier): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const [name, v] of model.params) out.set(name, Array.from(await v.data()));
  return out;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('early stopping', () => {
  it('stops after `patience` evaluations that do not beat the best so far', async () => {
    const over = { learning_rate: 3e-2, seed: 2, metric_for_best_model: 'loss' };
    const ref = await run(over);
    done(ref);
    const evals = evalsOf(ref.out.state.log_history);
    const stopAt = hfStopIndex(
      evals.map((e) => e.loss),
      3,
      0,
    );
    expect(stopAt).not.toBeNull();
    const at = stopAt as number;
    // The stopping evaluation beats the one before it but not the best: comparing with the
    // previous evaluation instead of the best would have reset the counter there.
    expect(evals[at].loss).toBeLessThan(evals[at - 1].loss);
    expect(evals[at].loss).toBeGreaterThan(Math.min(...evals.slice(0, at).map((e) => e.loss)));

    const es = await run({ ...over, early_stopping_patience: 3 });
    done(es);
    expect(es.out.global_step).toBe(evals[at].step);
    expect(es.out.stopped).toBe(true);
    // Up to the stop, the run is the run without early stopping.
    const until = ref.out.state.log_history.filter(
      (e) => e.step <= evals[at].step && !('train_loss' in e),
    );
    expect(untimed(es.out.state.log_history.slice(0, -1))).toEqual(untimed(until));
  });

  it('counts an improvement within early_stopping_threshold as none', async () => {
    const over = { learning_rate: 3e-3, seed: 1, metric_for_best_model: 'loss' };
    const ref = await run(over);
    done(ref);
    const losses = evalsOf(ref.out.state.log_history).map((e) => e.loss);
    const withThreshold = hfStopIndex(losses, 1, 0.005) as number;
    const without = hfStopIndex(losses, 1, 0) as number;
    expect(withThreshold).not.toBeNull();
    // The evaluation that stops the run is a new best, by less than the threshold.
    expect(losses[withThreshold]).toBeLessThan(Math.min(...losses.slice(0, withThreshold)));
    expect(without === null || without > withThreshold).toBe(true);

    const es = await run({
      ...over,
      early_stopping_patience: 1,
      early_stopping_threshold: 0.005,
    });
    done(es);
    expect(es.out.global_step).toBe(evalsOf(ref.out.state.log_history)[withThreshold].step);
  });
});

describe('load_best_model_at_end', () => {
  it("ends with the best checkpoint's weights and its evaluation", async () => {
    const r = await run({
      learning_rate: 1e-2,
      seed: 1,
      save_strategy: 'steps',
      save_steps: 2,
      save_total_limit: 2,
      load_best_model_at_end: true,
    });
    const evals = evalsOf(r.out.state.log_history);
    const best = evals.reduce((a, b) => (b.loss < a.loss ? b : a));
    expect(best.step).toBeLessThan(r.out.global_step); // the last step is not the best
    expect(r.out.state.best_global_step).toBe(best.step);
    expect(r.out.state.best_model_checkpoint).toBe(`out/checkpoint-${best.step}`);
    expect(r.out.loaded_best_step).toBe(best.step);
    // save_total_limit 2 kept the best beside the newest.
    expect((await r.store.list()).sort()).toEqual(
      [`checkpoint-${best.step}`, `checkpoint-${r.out.global_step}`].sort(),
    );
    const files = await r.store.read(`checkpoint-${best.step}`);
    const saved = decodeCheckpoint(files!).weights;
    const now = await weightsOf(r.model);
    for (const [name, w] of now) expect(w).toEqual(Array.from(saved.get(name)!.data));
    // Evaluating the final model gives the best step's logged evaluation, to the bit.
    const metrics = await r.trainer.finalMetrics();
    expect(metrics.eval_loss).toBe(best.loss);
    expect(metrics.eval_loss).toBeLessThan(evals.at(-1)!.loss);
    done(r);
  });
});

describe('metric_for_best_model', () => {
  it('names a metric the evaluations do not log: fails before the first step, listing them', async () => {
    // The Trainer's constructor throws, so no step runs (and no model is left to free).
    const steps: number[] = [];
    const err = await run(
      { metric_for_best_model: 'f1', load_best_model_at_end: true, save_strategy: 'steps' },
      undefined,
      steps,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArgumentsError);
    expect((err as ArgumentsError).argument).toBe('metric_for_best_model');
    expect(String(err)).toMatch(/metric_for_best_model is 'f1'.*eval_accuracy.*eval_f1_macro/);
    expect(steps).toEqual([]);
  });

  it('takes every metric an evaluation logs, with or without the eval_ prefix', () => {
    for (const pt of [
      'single_label_classification',
      'multi_label_classification',
      'regression',
    ] as const) {
      const keys = evalMetricKeys(pt, 3);
      expect(keys).toContain('eval_loss');
      for (const k of keys) {
        expect(() =>
          checkMetricForBest({ metric_for_best_model: k, greater_is_better: null }, pt, 3),
        ).not.toThrow();
        const bare = k.replace(/^eval_/, '');
        expect(() =>
          checkMetricForBest({ metric_for_best_model: bare, greater_is_better: null }, pt, 3),
        ).not.toThrow();
      }
    }
    expect(evalMetricKeys('regression', 1)).toContain('eval_mse');
    expect(evalMetricKeys('multi_label_classification', 3)).toContain('eval_exact_match');
    expect(() =>
      checkMetricForBest(
        { metric_for_best_model: 'accuracy', greater_is_better: null },
        'regression',
        1,
      ),
    ).toThrow(ArgumentsError);
  });
});

describe("save_strategy 'best'", () => {
  it('saves exactly at the evaluations that found a new best', async () => {
    const r = await run({
      learning_rate: 1e-2,
      seed: 1,
      save_strategy: 'best',
      metric_for_best_model: 'loss',
    });
    done(r);
    const evals = evalsOf(r.out.state.log_history);
    const newBests: number[] = [];
    let best = Infinity;
    for (const e of evals) {
      if (e.loss < best) {
        best = e.loss;
        newBests.push(e.step);
      }
    }
    expect(newBests.length).toBeGreaterThan(1);
    expect(newBests.length).toBeLessThan(evals.length);
    expect(r.saves).toEqual(newBests);
    expect((await r.store.list()).sort()).toEqual(newBests.map((s) => `checkpoint-${s}`).sort());
    expect(r.out.state.best_model_checkpoint).toBe(`out/checkpoint-${newBests.at(-1)}`);
  });
});

describe('nan_policy', () => {
  // Class weight 0 for class 0: a batch of one class-0 row has a weighted target count of 0, so
  // its loss is 0/0 = NaN (and so are its gradients); class-1 rows train as usual.
  const poisoned = {
    per_device_train_batch_size: 1,
    train_sampling_strategy: 'sequential',
    class_weights: [0, 1],
    learning_rate: 1e-2,
    max_steps: 10,
    logging_steps: 1,
    eval_strategy: 'no',
  };
  const train = tinyDataset(12, PT, 3);
  const labels = Array.from(train.labels.subarray(0, 10));

  /** A run that snapshots every weight after each step (row i is step i + 1: sequential). */
  async function snapshotRun(over: Record<string, unknown>) {
    const { args } = parseTrainingArguments({ output_dir: 'out', ...poisoned, ...over });
    const model = tinyModel(PT);
    const snapshots: tf.Tensor[][] = [[...model.params.values()].map((v) => tf.clone(v))];
    const trainer = new Trainer({
      model,
      args,
      train,
      problemType: PT,
      numLabels: 2,
      padId: 0,
      maxLength: MAX_LEN,
      callbacks: [
        {
          on_step_end: () =>
            void snapshots.push([...model.params.values()].map((v) => tf.clone(v))),
        },
      ],
    });
    const result = await trainer.train().then(
      (out) => ({ out, err: null }),
      (err: unknown) => ({ out: null, err }),
    );
    trainer.dispose();
    const weights = await Promise.all(
      snapshots.map(async (s) =>
        (await Promise.all(s.map((t) => t.data()))).map((d) => Array.from(d)),
      ),
    );
    tf.dispose(snapshots.flat());
    const final = [...(await weightsOf(model)).values()];
    model.dispose();
    return { ...result, weights, final };
  }

  it("'skip' leaves the weights of a NaN step as they were and trains on", async () => {
    expect(labels).toContain(0);
    expect(labels).toContain(1);
    const before = tf.memory().numTensors;
    const { out, err, weights } = await snapshotRun({ nan_policy: 'skip' });
    expect(tf.memory().numTensors).toBe(before);
    expect(err).toBeNull();
    expect(out!.global_step).toBe(10);
    expect(out!.stopped).toBe(false);
    const logged = out!.state.log_history.filter(isTrainLog);
    for (let i = 0; i < labels.length; i++) {
      const step = i + 1;
      if (labels[i] === 0) {
        expect(weights[step], `step ${step} (class 0) was skipped`).toEqual(weights[step - 1]);
      } else {
        expect(weights[step], `step ${step} (class 1) trained`).not.toEqual(weights[step - 1]);
      }
    }
    // Skipped steps have no loss of their own: entries only where a class-1 row trained.
    expect(logged.map((e) => e.step)).toEqual(labels.flatMap((y, i) => (y === 1 ? [i + 1] : [])));
    expect(logged.every((e) => Number.isFinite(e.loss) && Number.isFinite(e.grad_norm))).toBe(true);
    expect(Number.isFinite(out!.training_loss)).toBe(true);
  });

  it("'stop' throws NonFiniteLossError at the first NaN step, the weights before it kept", async () => {
    const first = labels.indexOf(0);
    const { err, weights, final } = await snapshotRun({ nan_policy: 'stop' });
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect((err as NonFiniteLossError).step).toBe(first + 1);
    expect((err as NonFiniteLossError).value).toBeNaN();
    // The step log is read at the log entry after the NaN step: that step reached on_step_end
    // (its snapshot), unapplied, before the error.
    expect(weights).toHaveLength(first + 2); // the initial weights, the steps before it, and it
    expect(weights[first + 1]).toEqual(weights[first]);
    expect(final).toEqual(weights[first]);
  });
});
