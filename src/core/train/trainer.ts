/**
 * The training loop, as `transformers.Trainer` runs it: per optimizer step, accumulate
 * micro-batch gradients (loss / micro-batches), clip the global norm (logged as `grad_norm`),
 * AdamW step with the scheduler's LR for this update, then the scheduler step. What the loop
 * decides lives beside it: when to log, evaluate, save and stop (`flow.ts`), the best model and
 * early stopping (`bestModel.ts`), checkpoints (`runCheckpoints.ts`), the run's steps, schedule
 * and first state (`runPlan.ts`), and the loss, the model head's (`headLoss` in `losses.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import type { SequenceClassifier } from '../model/classifier';
import type { CheckpointStore } from '../io/checkpointStore';
import { batchesOf, epochOrder } from '../tokenize/collate';
import { lengthsOf } from '../tokenize/encode';
import { AdamW, hfNoDecay } from './adamw';
import type { TrainingArguments } from './args';
import { EarlyStoppingCallback, checkMetricForBest, determineBestMetric } from './bestModel';
import {
  callbackStateOf,
  newControl,
  statefulCallbacks,
  type TrainerCallback,
  type TrainerControl,
} from './callbacks';
import { clipFlatGradsByGlobalNorm } from './clip';
import type { LabeledDataset, ProblemType } from './dataset';
import { evaluateModel, type EvalOutput } from './evaluate';
import { applyFlow, decideFlow, saveAfterEvaluation } from './flow';
import { nonEmbeddingParameterCount, stepFlos } from './flos';
import { inProcessGradients, type GradientSource, type GradientSourceFactory } from './gradients';
import { resolveClassWeights, type LossFunction } from './losses';
import { checkTaskArguments, taskLoss } from './taskLoss';
import { PauseGate } from './pauseGate';
import { RunCheckpoints } from './runCheckpoints';
import { learningRateOf, newTrainerState, planRun, type RunPlan } from './runPlan';
import { DeviceStepLog, readStepLogInto } from './stepLog';
import type { LogEntry, TrainerState } from './state';
import { TrainLosses, trainSummary } from './trainLog';

export { NonFiniteLossError } from './nonFinite';

export interface TrainerOptions {
  model: SequenceClassifier;
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
   * The Node CLI passes `parallel/`'s worker_threads replicas (a tagged run's too). Clipping and
   * the AdamW step stay here either way. Evaluations use the source's `forward` when it has one (the same replicas,
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

/** Batches are padded to a multiple of this many tokens (see collateOptions). */
export const PAD_TO_MULTIPLE_OF = 8;

const now = (): number => performance.now() / 1000;

export class Trainer {
  readonly state: TrainerState;
  private readonly control: TrainerControl = newControl();
  private readonly callbacks: TrainerCallback[];
  private readonly optimizer: AdamW;
  private readonly plan: RunPlan;
  /** The run's loss (label smoothing, class weights): the training step's and evaluation's. */
  private readonly loss: LossFunction;
  private readonly gradients: GradientSource;
  private readonly checkpoints: RunCheckpoints;
  /** Token count of each training row (special tokens included), for batch shapes and FLOPs. */
  private readonly rowLengths: Uint32Array;
  /** Parameters outside the embedding tables: HF's `num_parameters(exclude_embeddings=True)`. */
  private readonly nonEmbeddingParameters: number;
  private readonly pauseGate = new PauseGate();
  /** Each step's loss, grad norm and finiteness, on the device until a log, eval or save reads it. */
  private readonly stepLog: DeviceStepLog;
  private stopRequested = false;
  private samplesSeen = 0;
  private tokensSeen = 0;
  private startTime = 0;
  /** The last evaluation's metrics in this run. */
  private lastEval: Record<string, number> | null = null;

  constructor(private readonly opts: TrainerOptions) {
    const { args, train, model } = opts;
    // Checked first, before anything is allocated: a misnamed metric fails before step 1.
    const tagged = checkTaskArguments(args, train);
    if (opts.eval && args.eval_strategy !== 'no')
      checkMetricForBest(args, opts.problemType, opts.numLabels, tagged);
    this.callbacks = [...(opts.callbacks ?? [])];
    const earlyStopping = EarlyStoppingCallback.fromArgs(args);
    if (earlyStopping) this.callbacks.push(earlyStopping);
    this.plan = planRun(args, train.size);
    model.gradientCheckpointing = args.gradient_checkpointing; // HF: gradient_checkpointing_enable()
    this.optimizer = new AdamW(model.params, {
      beta1: args.adam_beta1,
      beta2: args.adam_beta2,
      epsilon: args.adam_epsilon,
      weightDecay: args.weight_decay,
      decay: (name: string) => !hfNoDecay(name),
    });
    const lossOptions = {
      labelSmoothing: args.label_smoothing_factor,
      classWeights: resolveClassWeights(args.class_weights, train.labels, opts.numLabels),
    };
    this.loss = taskLoss(opts.problemType, lossOptions, tagged);
    this.rowLengths = lengthsOf(train.encoded);
    this.nonEmbeddingParameters = nonEmbeddingParameterCount(model);
    this.gradients = (opts.gradients ?? inProcessGradients)({
      model,
      train,
      problemType: opts.problemType,
      numLabels: opts.numLabels,
      collate: this.collateOptions(),
      loss: lossOptions,
      seed: args.seed,
    });
    this.state = newTrainerState(args, this.plan);
    this.stepLog = new DeviceStepLog(args.nan_policy);
    this.checkpoints = new RunCheckpoints({
      store: opts.checkpoints,
      model,
      optimizer: this.optimizer,
      args,
      state: this.state,
      stepsPerEpoch: this.plan.stepsPerEpoch,
    });
  }

  /** Asks the loop to stop after the current step; what was trained is kept. */
  stop(): void {
    this.stopRequested = true;
    this.unpause(); // a paused run must wake up to stop
  }

  /** Pauses between steps (after the current one); nothing is lost, `unpause()` goes on. */
  pause(): void {
    this.pauseGate.pause();
  }

  /** Continues a paused run with its next step (not a run continued from a checkpoint). */
  unpause(): void {
    this.pauseGate.unpause();
  }

  /** Resolves once a paused run waits between steps (its weights hold still), at once otherwise. */
  settled(): Promise<void> {
    return this.pauseGate.settled();
  }

  get paused(): boolean {
    return this.pauseGate.paused;
  }

  /** Update steps in one epoch. */
  get updateStepsPerEpoch(): number {
    return this.plan.stepsPerEpoch;
  }

  private emit<K extends keyof TrainerCallback>(event: K, ...extra: unknown[]): void {
    const st = callbackStateOf(this.state, this.samplesSeen, now() - this.startTime);
    for (const cb of this.callbacks) {
      const fn = cb[event] as ((...a: unknown[]) => void) | undefined;
      fn?.call(cb, this.opts.args, st, this.control, ...extra);
    }
  }

  private log(entry: LogEntry): void {
    this.state.log_history.push(entry);
    this.emit('on_log', entry);
  }

  /**
   * One optimizer update over `groups` micro-batches, with nothing read back: the step's loss
   * and pre-clip grad norm go to the device's step log, whose gate applies the update only when
   * both are finite (`stepLog.ts`; read by {@link readStepLogInto}).
   */
  private async updateStep(groups: Uint32Array[], step: number): Promise<void> {
    const { args } = this.opts;
    const { grads, loss: lossSum, tokens } = await this.gradients.compute(groups, step);
    for (const g of groups) this.samplesSeen += g.length;
    this.tokensSeen += tokens;
    const paddedTo = this.opts.padding === 'max_length' ? this.opts.maxLength : null;
    this.state.total_flos += stepFlos(
      groups,
      this.rowLengths,
      paddedTo,
      this.nonEmbeddingParameters,
    );
    // Clipping and AdamW share one flattening of the gradients into the optimizer's buckets,
    // which takes the gradients a bucket at a time (freed as it goes: the peak is one copy).
    const flat = this.optimizer.flattenGrads(grads, true);
    const norm = clipFlatGradsByGlobalNorm(flat, args.max_grad_norm);
    const gate = this.stepLog.record(lossSum, norm, step + 1);
    this.optimizer.step(flat, learningRateOf(args, this.plan, step), gate);
    flat.dispose();
    tf.dispose([norm, lossSum, gate]);
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
      lossOf: this.loss,
      logits: this.gradients.forward,
    });
  }

  private async save(): Promise<void> {
    const name = await this.checkpoints.save(statefulCallbacks(this.control, this.callbacks));
    if (name !== null) this.emit('on_save', name);
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
    const resumed = await this.checkpoints.resume();
    const stepsBefore = this.state.global_step;
    const losses = new TrainLosses();
    this.stepLog.clear();
    this.lastEval = null;
    this.emit('on_train_begin');
    const ga = args.gradient_accumulation_steps;
    const numEpochs = Math.ceil(this.state.num_train_epochs);
    outer: for (let epoch = resumed.epoch; epoch < numEpochs; epoch++) {
      const batches = batchesOf(this.epochOrder(epoch), args.per_device_train_batch_size);
      this.control.should_epoch_stop = false;
      this.emit('on_epoch_begin');
      const firstStep = epoch === resumed.epoch ? resumed.stepsInEpoch : 0;
      for (let s = firstStep; s * ga < batches.length; s++) {
        if (this.state.global_step >= this.state.max_steps) break outer;
        const step = this.state.global_step;
        // nan_policy 'skip': a non-finite step is not applied; it still counts, as HF's skip does.
        await this.updateStep(batches.slice(s * ga, s * ga + ga), step);
        this.state.global_step += 1;
        this.state.epoch = epoch + Math.min(1, ((s + 1) * ga) / batches.length);
        this.state.num_input_tokens_seen = this.tokensSeen;
        applyFlow(this.control, decideFlow(args, this.plan.every, 'step', this.state));
        this.emit('on_step_end');
        await this.maybeLogEvalSave(losses);
        const c = this.control;
        if (this.stopRequested) c.should_training_stop = true;
        if (c.should_training_stop || c.should_epoch_stop) break;
        if (this.opts.yieldEachStep) await new Promise((r) => setTimeout(r, 0));
        await this.pauseGate.wait(() => this.stopRequested);
        if (this.stopRequested) break;
      }
      applyFlow(this.control, decideFlow(args, this.plan.every, 'epoch', this.state));
      this.emit('on_epoch_end');
      await this.maybeLogEvalSave(losses);
      if (this.control.should_training_stop || this.stopRequested) break;
    }
    // As transformers: losses since the last log entry count in train_loss, with no entry of their own.
    await readStepLogInto(this.stepLog, this.optimizer, losses, args.nan_policy);
    const stopped = this.stopRequested || this.state.global_step < this.state.max_steps;
    const loadedBestStep = args.load_best_model_at_end ? await this.checkpoints.loadBest() : null;
    this.log(
      trainSummary({
        runtime: now() - this.startTime,
        samples: this.samplesSeen,
        steps: this.state.global_step - stepsBefore,
        totalFlos: this.state.total_flos,
        trainLoss: losses.trainLoss,
        epoch: this.state.epoch,
        globalStep: this.state.global_step,
      }),
    );
    this.emit('on_train_end');
    return {
      global_step: this.state.global_step,
      training_loss: losses.trainLoss,
      stopped,
      metrics: this.lastEval ?? {},
      state: this.state,
      loaded_best_step: loadedBestStep,
    };
  }

  /** The order of the training rows in `epoch` (`train_sampling_strategy`, seeded by epoch). */
  private epochOrder(epoch: number): Uint32Array {
    const { args, train } = this.opts;
    return epochOrder(train.size, args.seed, epoch, {
      sequential: args.train_sampling_strategy === 'sequential',
      groupByLength:
        args.train_sampling_strategy === 'group_by_length'
          ? { lengths: this.rowLengths, batchSize: args.per_device_train_batch_size }
          : undefined,
    });
  }

  /** Does what the control asks after a step or an epoch (log, evaluate, save), then clears it. */
  private async maybeLogEvalSave(losses: TrainLosses): Promise<void> {
    const { args } = this.opts;
    const c = this.control;
    if (c.should_log || c.should_evaluate || c.should_save) {
      await readStepLogInto(this.stepLog, this.optimizer, losses, args.nan_policy);
    }
    const logged = c.should_log ? losses.takeLog() : null;
    if (logged) {
      this.log({
        ...logged,
        learning_rate: learningRateOf(args, this.plan, this.state.global_step - 1),
        epoch: this.state.epoch,
        step: this.state.global_step,
      });
    }
    if (c.should_evaluate && this.opts.eval) {
      // on_evaluate (early stopping) sees the best so far; then the best is updated.
      const metrics = await this.evaluate();
      this.lastEval = metrics;
      const isNewBest = determineBestMetric(args, this.state, metrics);
      c.should_save = saveAfterEvaluation(args, c.should_save, isNewBest);
    }
    if (c.should_save) await this.save();
    c.should_log = false;
    c.should_evaluate = false;
    c.should_save = false;
  }

  /** Frees the optimizer state and the gradient source (its workers end; the model belongs to the caller). */
  dispose(): void {
    this.stepLog.dispose();
    this.optimizer.dispose();
    void this.gradients.close();
  }
}
