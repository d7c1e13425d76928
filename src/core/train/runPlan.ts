/**
 * What a run fixes before its first step: update steps per epoch, `max_steps`, the epochs, the
 * warmup, the flow's intervals, the learning rate of each update, and the TrainerState it starts
 * from (as transformers' Trainer sets them up in `_inner_training_loop`).
 */
import type { TrainingArguments } from './args';
import { flowIntervals, type FlowIntervals } from './flow';
import { learningRateAt, warmupSteps } from './schedules';
import type { TrainerState } from './state';

export interface RunPlan {
  /** Optimizer updates in one epoch (a short last accumulation counts as one). */
  stepsPerEpoch: number;
  maxSteps: number;
  /** `num_train_epochs`, or with `max_steps` the epochs those steps start. */
  numEpochs: number;
  /** Warmup steps of the schedule. */
  warmup: number;
  /** Logging, evaluation and saving intervals in steps. */
  every: FlowIntervals;
}

/** The plan of a run of `args` over `trainSize` training rows. */
export function planRun(args: TrainingArguments, trainSize: number): RunPlan {
  const batchesPerEpoch = Math.ceil(trainSize / args.per_device_train_batch_size);
  const stepsPerEpoch = Math.max(1, Math.ceil(batchesPerEpoch / args.gradient_accumulation_steps));
  const maxSteps =
    args.max_steps > 0 ? args.max_steps : Math.ceil(args.num_train_epochs * stepsPerEpoch);
  return {
    stepsPerEpoch,
    maxSteps,
    numEpochs: args.max_steps > 0 ? Math.ceil(maxSteps / stepsPerEpoch) : args.num_train_epochs,
    warmup: warmupSteps(args, maxSteps),
    every: flowIntervals(args, maxSteps),
  };
}

/**
 * The learning rate optimizer update `step + 1` uses (HF's LambdaLR after `step` scheduler steps);
 * at `global_step - 1` it is the rate HF logs, the last update's.
 */
export function learningRateOf(args: TrainingArguments, plan: RunPlan, step: number): number {
  return learningRateAt(
    {
      lr_scheduler_type: args.lr_scheduler_type,
      learning_rate: args.learning_rate,
      num_warmup_steps: plan.warmup,
      num_training_steps: plan.maxSteps,
      lr_scheduler_kwargs: args.lr_scheduler_kwargs,
    },
    step,
  );
}

/** The TrainerState a new run starts from (trainer_state.json's fields, in its order). */
export function newTrainerState(args: TrainingArguments, plan: RunPlan): TrainerState {
  return {
    best_metric: null,
    best_global_step: null,
    best_model_checkpoint: null,
    epoch: 0,
    eval_steps: plan.every.eval,
    global_step: 0,
    is_hyper_param_search: false,
    is_local_process_zero: true,
    is_world_process_zero: true,
    log_history: [],
    logging_steps: plan.every.log,
    max_steps: plan.maxSteps,
    num_input_tokens_seen: 0,
    num_train_epochs: plan.numEpochs,
    save_steps: plan.every.save,
    stateful_callbacks: {},
    total_flos: 0,
    train_batch_size: args.per_device_train_batch_size,
    trial_name: null,
    trial_params: null,
  };
}
