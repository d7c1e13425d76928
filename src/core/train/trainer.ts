/**
 * The training loop, as `transformers.Trainer` runs it: per optimizer step, accumulate
 * micro-batch gradients (loss / micro-batches), clip the global norm (logged as `grad_norm`),
 * AdamW step with the scheduler's LR for this update, then the scheduler step. Logging,
 * evaluation, saving, best-model tracking and early stopping follow `TrainingArguments`.
 */
import * as tf from '@tensorflow/tfjs';
import type { BertForSequenceClassification } from '../model/bert';
import type { CheckpointStore } from '../io/checkpointStore';
import { checkpointsToRotate } from '../io/checkpointStore';
import { AdamW, hfNoDecay } from './adamw';
import type { TrainingArguments } from './args';
import { resolveSteps, studioArgumentsToJson, trainingArgumentsToJson } from './args';
import {
  EarlyStoppingCallback,
  bestMetricKey,
  isImprovement,
  newControl,
  type CallbackState,
  type TrainerCallback,
  type TrainerControl,
} from './callbacks';
import { assignParams, decodeCheckpoint, encodeCheckpoint } from './checkpoint';
import { clipFlatGradsByGlobalNorm } from './clip';
import { batchesOf, epochOrder } from '../tokenize/collate';
import { lengthsOf } from '../tokenize/encode';
import type { LabeledDataset, ProblemType } from './dataset';
import { evaluateModel, type EvalOutput } from './evaluate';
import { inProcessGradients, type GradientSource, type GradientSourceFactory } from './gradients';
import { balancedClassWeights, computeLoss } from './losses';
import { learningRateAt, warmupSteps } from './schedules';
import type { LogEntry, TrainerState } from './state';

export interface TrainerOptions {
  model: BertForSequenceClassification;
  args: TrainingArguments;
  train: LabeledDataset;
  eval?: LabeledDataset;
  problemType: ProblemType;
  numLabels: number;
  padId: number;
  maxLength: number;
  /** Dynamic padding per batch (HF's DataCollatorWithPadding) unless 'max_length'. */
  padding?: 'longest' | 'max_length';
  callbacks?: TrainerCallback[];
  /** Where checkpoints go; without one, nothing is saved. */
  checkpoints?: CheckpointStore;
  /** Yields to the event loop after each step, so a stop request can get through. */
  yieldEachStep?: boolean;
  /**
   * Where each step's gradients come from. Default: this thread ({@link inProcessGradients}).
   * The Node CLI passes `parallel/`'s worker_threads replicas. Clipping and the AdamW step stay
   * here either way. Evaluations use the source's `forward` when it has one (the same replicas,
   * each eval batch split into shares). The source is closed by `dispose()` (or when `train()`
   * fails), so an evaluation after `train()` still has it.
   */
  gradients?: GradientSourceFactory;
}

export interface TrainOutput {
  global_step: number;
  training_loss: number;
  stopped: boolean;
  /** The last evaluation's metrics (`{}` when none ran). */
  metrics: Record<string, number>;
  state: TrainerState;
  /** With load_best_model_at_end: the step whose weights were loaded at the end, else null. */
  loaded_best_step: number | null;
}

/** Raised when the loss or the gradients stop being finite. */
export class NonFiniteLossError extends Error {
  constructor(
    readonly step: number,
    readonly value: number,
  ) {
    super(
      `The training loss became ${value} at step ${step}. Likely causes: a learning rate too ` +
        `high for this model (try 10x lower, or add warmup_steps), or labels outside the ` +
        `expected range. Training stopped; the weights from step ${step - 1} are kept.`,
    );
    this.name = 'NonFiniteLossError';
  }
}

/** Batches are padded to a multiple of this many tokens (see collateOptions). */
export const PAD_TO_MULTIPLE_OF = 8;

const now = (): number => performance.now() / 1000;
const round = (x: number, digits = 4): number => Number(x.toFixed(digits));

export class Trainer {
  readonly state: TrainerState;
  private readonly control: TrainerControl = newControl();
  private readonly callbacks: TrainerCallback[];
  private readonly optimizer: AdamW;
  private readonly classWeights: number[] | undefined;
  private readonly stepsPerEpoch: number;
  private readonly warmup: number;
  /** logging/eval/save intervals in steps (HF reads values below 1 as a fraction of max_steps). */
  private readonly every: { log: number; eval: number; save: number };
  private readonly gradients: GradientSource;
  /** Token count of each training row (special tokens included), for batch shapes and FLOPs. */
  private readonly rowLengths: Uint32Array;
  /** Parameters outside the embedding tables: HF's `num_parameters(exclude_embeddings=True)`. */
  private readonly nonEmbeddingParameters: number;
  private stopRequested = false;
  private samplesSeen = 0;
  private tokensSeen = 0;
  private startTime = 0;

  constructor(private readonly opts: TrainerOptions) {
    const { args, train } = opts;
    this.callbacks = [...(opts.callbacks ?? [])];
    if (args.early_stopping_patience !== null && args.early_stopping_patience !== undefined) {
      this.callbacks.push(
        new EarlyStoppingCallback(
          args.early_stopping_patience,
          args.early_stopping_threshold,
          bestMetricKey(this.metricForBest()),
          this.greaterIsBetter(),
        ),
      );
    }
    const batchesPerEpoch = Math.ceil(train.size / args.per_device_train_batch_size);
    this.stepsPerEpoch = Math.max(1, Math.ceil(batchesPerEpoch / args.gradient_accumulation_steps));
    const maxSteps =
      args.max_steps > 0 ? args.max_steps : Math.ceil(args.num_train_epochs * this.stepsPerEpoch);
    this.warmup = warmupSteps(args, maxSteps);
    this.every = {
      log: Math.max(1, resolveSteps(args.logging_steps, maxSteps)),
      eval: Math.max(1, resolveSteps(args.eval_steps ?? args.logging_steps, maxSteps)),
      save: Math.max(1, resolveSteps(args.save_steps, maxSteps)),
    };
    const numEpochs =
      args.max_steps > 0 ? Math.ceil(maxSteps / this.stepsPerEpoch) : args.num_train_epochs;
    this.optimizer = new AdamW(opts.model.params, {
      beta1: args.adam_beta1,
      beta2: args.adam_beta2,
      epsilon: args.adam_epsilon,
      weightDecay: args.weight_decay,
      decay: (name: string) => !hfNoDecay(name),
    });
    this.classWeights = this.resolveClassWeights();
    this.rowLengths = lengthsOf(train.encoded);
    this.nonEmbeddingParameters = 0;
    for (const [name, v] of opts.model.params) {
      if (!/embeddings\.(word|position|token_type)_embeddings\.weight$/.test(name)) {
        this.nonEmbeddingParameters += v.size;
      }
    }
    this.gradients = (opts.gradients ?? inProcessGradients)({
      model: opts.model,
      train,
      problemType: opts.problemType,
      numLabels: opts.numLabels,
      collate: this.collateOptions(),
      loss: { labelSmoothing: args.label_smoothing_factor, classWeights: this.classWeights },
      seed: args.seed,
    });
    this.state = {
      best_metric: null,
      best_global_step: null,
      best_model_checkpoint: null,
      epoch: 0,
      eval_steps: this.every.eval,
      global_step: 0,
      is_hyper_param_search: false,
      is_local_process_zero: true,
      is_world_process_zero: true,
      log_history: [],
      logging_steps: this.every.log,
      max_steps: maxSteps,
      num_input_tokens_seen: 0,
      num_train_epochs: numEpochs,
      save_steps: this.every.save,
      stateful_callbacks: {},
      total_flos: 0,
      train_batch_size: args.per_device_train_batch_size,
      trial_name: null,
      trial_params: null,
    };
  }

  /** Asks the loop to stop after the current step; what was trained is kept. */
  stop(): void {
    this.stopRequested = true;
    this.resume(); // a paused run must wake up to stop
  }

  private pauseGate: { promise: Promise<void>; release: () => void } | null = null;

  /** Pauses between steps (after the current one); nothing is lost, `resume()` goes on. */
  pause(): void {
    if (this.pauseGate) return;
    let release = () => {};
    const promise = new Promise<void>((r) => (release = r));
    this.pauseGate = { promise, release };
  }

  /** Continues a paused run. */
  resume(): void {
    const g = this.pauseGate;
    this.pauseGate = null;
    g?.release();
  }

  get paused(): boolean {
    return this.pauseGate !== null;
  }

  /** Update steps in one epoch. */
  get updateStepsPerEpoch(): number {
    return this.stepsPerEpoch;
  }

  private metricForBest(): string {
    return this.opts.args.metric_for_best_model ?? 'loss';
  }

  private greaterIsBetter(): boolean {
    const g = this.opts.args.greater_is_better;
    if (g !== null && g !== undefined) return g;
    return !this.metricForBest().endsWith('loss');
  }

  private resolveClassWeights(): number[] | undefined {
    const cw = this.opts.args.class_weights;
    if (cw === null || cw === undefined) return undefined;
    if (cw === 'balanced') {
      return balancedClassWeights(this.opts.train.labels, this.opts.numLabels);
    }
    if (cw.length !== this.opts.numLabels) {
      throw new Error(
        `class_weights has ${cw.length} values but the task has ${this.opts.numLabels} labels.`,
      );
    }
    return cw;
  }

  private callbackState(): CallbackState {
    return {
      global_step: this.state.global_step,
      max_steps: this.state.max_steps,
      epoch: this.state.epoch,
      num_train_epochs: this.state.num_train_epochs,
      log_history: this.state.log_history,
      best_metric: this.state.best_metric,
      best_model_checkpoint: this.state.best_model_checkpoint,
      samples_seen: this.samplesSeen,
      elapsed: now() - this.startTime,
    };
  }

  private emit<K extends keyof TrainerCallback>(event: K, ...extra: unknown[]): void {
    const st = this.callbackState();
    for (const cb of this.callbacks) {
      const fn = cb[event] as ((...a: unknown[]) => void) | undefined;
      fn?.call(cb, this.opts.args, st, this.control, ...extra);
    }
  }

  private log(entry: LogEntry): void {
    this.state.log_history.push(entry);
    this.emit('on_log', entry);
  }

  private lossOf(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
    return computeLoss(this.opts.problemType, logits, labels, {
      labelSmoothing: this.opts.args.label_smoothing_factor,
      classWeights: this.classWeights,
    });
  }

  /**
   * One optimizer update over `groups` micro-batches. Returns the mean loss of the step and the
   * pre-clip grad norm, read from the device (one sync per step: it also guards against NaN).
   */
  private async updateStep(
    groups: Uint32Array[],
    step: number,
  ): Promise<{ loss: number; norm: number }> {
    const { args } = this.opts;
    const { grads, loss: lossSum, tokens } = await this.gradients.compute(groups, step);
    for (const g of groups) this.samplesSeen += g.length;
    this.tokensSeen += tokens;
    this.state.total_flos += this.flosOf(groups);
    // Clipping and AdamW share one flattening of the gradients into the optimizer's buckets.
    const flat = this.optimizer.flattenGrads(grads);
    tf.dispose([...grads.values()]);
    const norm = clipFlatGradsByGlobalNorm(flat, args.max_grad_norm);
    const [lossArr, normArr] = await Promise.all([lossSum.data(), norm.data()]);
    const loss = lossArr[0];
    const gradNorm = normArr[0];
    if (Number.isFinite(loss) && Number.isFinite(gradNorm)) {
      const lr = learningRateAt(
        {
          lr_scheduler_type: args.lr_scheduler_type,
          learning_rate: args.learning_rate,
          num_warmup_steps: this.warmup,
          num_training_steps: this.state.max_steps,
          lr_scheduler_kwargs: args.lr_scheduler_kwargs,
        },
        step,
      );
      this.optimizer.step(flat, lr);
    }
    flat.dispose();
    tf.dispose([norm, lossSum]);
    return { loss, norm: gradNorm };
  }

  /**
   * HF's `floating_point_ops` summed over the micro-batches: 6 x tokens x non-embedding
   * parameters, tokens counted as transformers' `DataCollatorWithPadding` pads (to the batch's
   * longest row, or to max_length), not with the studio's extra padding to a multiple of 8.
   */
  private flosOf(groups: Uint32Array[]): number {
    let tokens = 0;
    for (const g of groups) {
      let longest = 0;
      for (const i of g) longest = Math.max(longest, this.rowLengths[i]);
      if (this.opts.padding === 'max_length') longest = this.opts.maxLength;
      tokens += g.length * longest;
    }
    return 6 * tokens * this.nonEmbeddingParameters;
  }

  private collateOptions() {
    return {
      padding: this.opts.padding ?? ('longest' as const),
      maxLength: this.opts.maxLength,
      padId: this.opts.padId,
      // Padded lengths in steps of 8 (HF's pad_to_multiple_of): a handful of batch shapes, so
      // WebGPU compiles few shaders and the wasm heap settles instead of growing with every new
      // shape. The padding is masked out, so the loss is the same.
      padToMultipleOf: PAD_TO_MULTIPLE_OF,
    };
  }

  /** The learning rate the last update used (HF logs the scheduler's last LR). */
  private lrForLog(step: number): number {
    const a = this.opts.args;
    return learningRateAt(
      {
        lr_scheduler_type: a.lr_scheduler_type,
        learning_rate: a.learning_rate,
        num_warmup_steps: this.warmup,
        num_training_steps: this.state.max_steps,
        lr_scheduler_kwargs: a.lr_scheduler_kwargs,
      },
      step,
    );
  }

  /** Evaluates on the eval split; logs `eval_*` and returns the metrics. */
  async evaluate(): Promise<Record<string, number>> {
    if (!this.opts.eval) throw new Error('No validation set: evaluation needs one.');
    const out = await this.runEval(this.opts.eval);
    const entry = {
      ...out.metrics,
      epoch: this.state.epoch,
      step: this.state.global_step,
    } as LogEntry;
    this.log(entry);
    this.emit('on_evaluate', out.metrics);
    return out.metrics;
  }

  /**
   * The metrics of the model as it is now, as a training script's `trainer.evaluate()` after
   * `train()`: not added to the log history (trainer_state.json is the run's, as transformers'
   * scripts save it before that evaluation).
   */
  async finalMetrics(): Promise<Record<string, number>> {
    if (!this.opts.eval) throw new Error('No validation set: evaluation needs one.');
    return (await this.runEval(this.opts.eval)).metrics;
  }

  /** Logits and metrics on any labelled split, without logging. */
  runEval(ds: LabeledDataset): Promise<EvalOutput> {
    return evaluateModel({
      model: this.opts.model,
      dataset: ds,
      problemType: this.opts.problemType,
      numLabels: this.opts.numLabels,
      batchSize: this.opts.args.per_device_eval_batch_size,
      collate: this.collateOptions(),
      lossOf: (logits, labels) => this.lossOf(logits, labels),
      logits: this.gradients.forward,
    });
  }

  /**
   * transformers 5's `_determine_best_metric`, after every evaluation: a strict improvement on
   * `best_metric` (for `metric_for_best_model`, when set) becomes the best, at this step.
   * @returns whether this evaluation is the new best.
   */
  private determineBestMetric(metrics: Record<string, number>): boolean {
    const { args } = this.opts;
    if (args.metric_for_best_model === null) return false;
    const key = bestMetricKey(args.metric_for_best_model);
    const value = metrics[key];
    if (value === undefined) {
      throw new Error(
        `metric_for_best_model is '${key}', which is not among the evaluation metrics ` +
          `(${Object.keys(metrics).join(', ')}): set metric_for_best_model to one of them.`,
      );
    }
    if (!isImprovement(value, this.state.best_metric, this.greaterIsBetter())) return false;
    this.state.best_metric = value;
    if (args.save_strategy !== 'no') this.state.best_global_step = this.state.global_step;
    return true;
  }

  private async save(): Promise<void> {
    const store = this.opts.checkpoints;
    if (!store) return;
    const name = `checkpoint-${this.state.global_step}`;
    const { args } = this.opts;
    this.state.stateful_callbacks = this.statefulCallbacks();
    // As `_save_checkpoint`: the best step's checkpoint becomes best_model_checkpoint once saved.
    const best = this.state.best_global_step;
    if (best !== null) {
      const bestName = `checkpoint-${best}`;
      if (bestName === name || (await store.list()).includes(bestName)) {
        this.state.best_model_checkpoint = `${args.output_dir}/${bestName}`;
      }
    }
    const epochIndex = Math.floor(this.state.global_step / this.stepsPerEpoch);
    const files = await encodeCheckpoint({
      params: this.opts.model.params,
      config: this.opts.model.config,
      optimizer: await this.optimizer.getState(),
      state: this.state,
      rng: {
        seed: args.seed,
        epoch: epochIndex,
        steps_in_epoch: this.state.global_step - epochIndex * this.stepsPerEpoch,
      },
      trainingArgs: trainingArgumentsToJson(args),
      studioArgs: studioArgumentsToJson(args),
    });
    await store.write(name, files);
    const keep = this.state.best_model_checkpoint?.split('/').pop() ?? null;
    for (const old of checkpointsToRotate(await store.list(), args.save_total_limit, keep)) {
      await store.remove(old);
    }
    this.emit('on_save', name);
  }

  /**
   * trainer_state.json's `stateful_callbacks` as transformers writes them when saving: the
   * control (log and evaluate already handled, save in progress) and early stopping's counter.
   */
  private statefulCallbacks(): Record<string, unknown> {
    const c = this.control;
    const out: Record<string, unknown> = {
      TrainerControl: {
        args: {
          should_epoch_stop: c.should_epoch_stop,
          should_evaluate: false,
          should_log: false,
          should_save: true,
          should_training_stop: c.should_training_stop,
        },
        attributes: {},
      },
    };
    for (const cb of this.callbacks) {
      if (cb instanceof EarlyStoppingCallback) out.EarlyStoppingCallback = cb.exportState();
    }
    return out;
  }

  /** Restores weights, optimizer, schedule position and history from a checkpoint folder. */
  private async restore(name: string): Promise<{ epoch: number; stepsInEpoch: number }> {
    const store = this.opts.checkpoints;
    const files = store ? await store.read(name) : null;
    if (!files) throw new Error(`resume_from_checkpoint: no checkpoint named ${name}.`);
    const ck = decodeCheckpoint(files);
    assignParams(this.opts.model.params, ck.weights);
    this.optimizer.setState(ck.optimizer);
    Object.assign(this.state, {
      ...ck.state,
      max_steps: this.state.max_steps,
      num_train_epochs: this.state.num_train_epochs,
    });
    return { epoch: ck.rng.epoch, stepsInEpoch: ck.rng.steps_in_epoch };
  }

  /** Runs training to the end (or until stopped) and returns HF's `TrainOutput`. */
  async train(): Promise<TrainOutput> {
    try {
      return await this.trainLoop();
    } catch (e) {
      await this.gradients.close();
      throw e;
    }
  }

  private async trainLoop(): Promise<TrainOutput> {
    const { args } = this.opts;
    this.startTime = now();
    let startEpoch = 0;
    let skipSteps = 0;
    if (args.resume_from_checkpoint) {
      const name = args.resume_from_checkpoint.split('/').pop() as string;
      const r = await this.restore(name);
      startEpoch = r.epoch;
      skipSteps = r.stepsInEpoch;
    }
    const stepsBefore = this.state.global_step;
    let lossSinceLog = 0;
    let stepsSinceLog = 0;
    let lastNorm = 0;
    let totalLoss = 0;
    let totalSteps = 0;
    let lastEval: Record<string, number> | null = null;
    this.emit('on_train_begin');
    const batchSize = args.per_device_train_batch_size;
    const flushLog = () => {
      if (stepsSinceLog === 0) return;
      this.log({
        loss: lossSinceLog / stepsSinceLog,
        grad_norm: lastNorm,
        learning_rate: this.lrForLog(this.state.global_step - 1),
        epoch: this.state.epoch,
        step: this.state.global_step,
      });
      lossSinceLog = 0;
      stepsSinceLog = 0;
    };
    const numEpochs = Math.ceil(this.state.num_train_epochs);
    outer: for (let epoch = startEpoch; epoch < numEpochs; epoch++) {
      const order = epochOrder(this.opts.train.size, args.seed, epoch, {
        sequential: args.train_sampling_strategy === 'sequential',
        groupByLength:
          args.train_sampling_strategy === 'group_by_length'
            ? { lengths: lengthsOf(this.opts.train.encoded), batchSize }
            : undefined,
      });
      const batches = batchesOf(order, batchSize);
      this.control.should_epoch_stop = false;
      this.emit('on_epoch_begin');
      const ga = args.gradient_accumulation_steps;
      const firstStep = epoch === startEpoch ? skipSteps : 0;
      for (let s = firstStep; s * ga < batches.length; s++) {
        if (this.state.global_step >= this.state.max_steps) break outer;
        const groups = batches.slice(s * ga, s * ga + ga);
        const step = this.state.global_step;
        const { loss, norm } = await this.updateStep(groups, step);
        if (!Number.isFinite(loss) || !Number.isFinite(norm)) {
          if (args.nan_policy === 'stop') {
            throw new NonFiniteLossError(step + 1, Number.isFinite(loss) ? norm : loss);
          }
          // 'skip': the update was not applied; the step still counts, as HF's skip does.
        } else {
          lossSinceLog += loss;
          stepsSinceLog += 1;
          totalLoss += loss;
          totalSteps += 1;
          lastNorm = norm;
        }
        this.state.global_step += 1;
        this.state.epoch = epoch + Math.min(1, ((s + 1) * ga) / batches.length);
        this.state.num_input_tokens_seen = this.tokensSeen;
        const gs = this.state.global_step;
        const c = this.control;
        c.should_log =
          args.logging_strategy === 'steps' &&
          (gs % this.every.log === 0 || (gs === 1 && args.logging_first_step));
        c.should_evaluate = args.eval_strategy === 'steps' && gs % this.every.eval === 0;
        c.should_save = args.save_strategy === 'steps' && gs % this.every.save === 0;
        if (gs >= this.state.max_steps) c.should_training_stop = true;
        this.emit('on_step_end');
        await this.maybeLogEvalSave(flushLog, (m) => (lastEval = m));
        if (this.stopRequested) c.should_training_stop = true;
        if (c.should_training_stop || c.should_epoch_stop) break;
        if (this.opts.yieldEachStep) await new Promise((r) => setTimeout(r, 0));
        while (this.pauseGate && !this.stopRequested) await this.pauseGate.promise;
        if (this.stopRequested) break;
      }
      const c = this.control;
      c.should_log = args.logging_strategy === 'epoch';
      c.should_evaluate = args.eval_strategy === 'epoch';
      c.should_save = args.save_strategy === 'epoch';
      this.emit('on_epoch_end');
      await this.maybeLogEvalSave(flushLog, (m) => (lastEval = m));
      if (c.should_training_stop || this.stopRequested) break;
    }
    // As transformers: losses since the last log entry count in train_loss, with no entry of their own.
    const stopped = this.stopRequested || this.state.global_step < this.state.max_steps;
    let loadedBestStep: number | null = null;
    if (args.load_best_model_at_end && this.state.best_model_checkpoint && this.opts.checkpoints) {
      const name = this.state.best_model_checkpoint.split('/').pop() as string;
      const files = await this.opts.checkpoints.read(name);
      if (files) {
        assignParams(this.opts.model.params, decodeCheckpoint(files).weights);
        loadedBestStep = Number(name.slice('checkpoint-'.length));
      }
    }
    const runtime = now() - this.startTime;
    const trainedSteps = this.state.global_step - stepsBefore;
    const trainLoss = totalSteps > 0 ? totalLoss / totalSteps : 0;
    const summary = {
      train_runtime: round(runtime),
      train_samples_per_second: round(this.samplesSeen / Math.max(runtime, 1e-9), 3),
      train_steps_per_second: round(trainedSteps / Math.max(runtime, 1e-9), 3),
      total_flos: this.state.total_flos,
      train_loss: trainLoss,
      epoch: this.state.epoch,
      step: this.state.global_step,
    };
    this.log(summary);
    this.emit('on_train_end');
    return {
      global_step: this.state.global_step,
      training_loss: trainLoss,
      stopped,
      metrics: lastEval ?? {},
      state: this.state,
      loaded_best_step: loadedBestStep,
    };
  }

  private async maybeLogEvalSave(
    flushLog: () => void,
    setEval: (m: Record<string, number>) => void,
  ): Promise<void> {
    const c = this.control;
    if (c.should_log) flushLog();
    if (c.should_evaluate && this.opts.eval) {
      // on_evaluate (early stopping) sees the best so far; then the best is updated.
      const metrics = await this.evaluate();
      setEval(metrics);
      const isNewBest = this.determineBestMetric(metrics);
      if (this.opts.args.save_strategy === 'best') c.should_save = isNewBest;
    }
    if (c.should_save) await this.save();
    c.should_log = false;
    c.should_evaluate = false;
    c.should_save = false;
  }

  /** Frees the optimizer state and the gradient source (its workers end; the model belongs to the caller). */
  dispose(): void {
    this.optimizer.dispose();
    void this.gradients.close();
  }
}
