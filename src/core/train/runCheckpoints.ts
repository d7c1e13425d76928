/**
 * A Trainer run's checkpoints: saving `checkpoint-N` (with `best_model_checkpoint` and
 * `stateful_callbacks` as transformers writes them) and rotating the old ones away, resuming from
 * one, and loading the best one's weights at the end (`load_best_model_at_end`).
 */
import type { SequenceClassifier } from '../model/classifier';
import type { CheckpointStore } from '../io/checkpointStore';
import type { AdamW } from './adamw';
import type { TrainingArguments } from './args';
import { studioArgumentsToJson, trainingArgumentsToJson } from './args';
import { bestCheckpointName, bestModelCheckpoint } from './bestModel';
import { assignParams, decodeCheckpoint, encodeCheckpoint } from './checkpoint';
import { checkpointStep, checkpointsToRotate } from './checkpointRotation';
import type { TrainerState } from './state';
import { StudioError } from '../util/errors';

export interface RunCheckpointsContext {
  /** Where checkpoints go; without one nothing is saved and there is nothing to resume. */
  store?: CheckpointStore;
  model: SequenceClassifier;
  optimizer: AdamW;
  args: TrainingArguments;
  /** The run's live state: saving writes it, resuming fills it. */
  state: TrainerState;
  stepsPerEpoch: number;
}

export class RunCheckpoints {
  constructor(private readonly c: RunCheckpointsContext) {}

  /**
   * Saves the run as it is now as `checkpoint-<global_step>`, then deletes what
   * `save_total_limit` leaves out (never the best model's).
   * @returns the checkpoint's name, or null without a store
   */
  async save(statefulCallbacks: Record<string, unknown>): Promise<string | null> {
    const { store, args, state, stepsPerEpoch } = this.c;
    if (!store) return null;
    const name = `checkpoint-${state.global_step}`;
    state.stateful_callbacks = statefulCallbacks;
    state.best_model_checkpoint = bestModelCheckpoint(
      state,
      args.output_dir,
      name,
      await store.list(),
    );
    const epochIndex = Math.floor(state.global_step / stepsPerEpoch);
    const files = await encodeCheckpoint({
      params: this.c.model.params,
      config: this.c.model.config,
      optimizer: await this.c.optimizer.getState(),
      state,
      rng: {
        seed: args.seed,
        epoch: epochIndex,
        steps_in_epoch: state.global_step - epochIndex * stepsPerEpoch,
      },
      trainingArgs: trainingArgumentsToJson(args),
      studioArgs: studioArgumentsToJson(args),
    });
    await store.write(name, files);
    const keep = bestCheckpointName(state.best_model_checkpoint);
    for (const old of checkpointsToRotate(await store.list(), args.save_total_limit, keep)) {
      await store.remove(old);
    }
    return name;
  }

  /**
   * Restores weights, optimizer, history and position from `resume_from_checkpoint` (its last
   * path part names the checkpoint; the run's own max_steps and num_train_epochs stay).
   * @returns the epoch to go on in and the update steps already done in it (0 and 0 without one)
   */
  async resume(): Promise<{ epoch: number; stepsInEpoch: number }> {
    const { store, state, args } = this.c;
    if (!args.resume_from_checkpoint) return { epoch: 0, stepsInEpoch: 0 };
    const name = args.resume_from_checkpoint.split('/').pop() as string;
    const files = store ? await store.read(name) : null;
    if (!files)
      throw new StudioError('not-found', `resume_from_checkpoint: no checkpoint named ${name}.`);
    const ck = decodeCheckpoint(files);
    assignParams(this.c.model.params, ck.weights);
    this.c.optimizer.setState(ck.optimizer);
    Object.assign(state, {
      ...ck.state,
      max_steps: state.max_steps,
      num_train_epochs: state.num_train_epochs,
    });
    return { epoch: ck.rng.epoch, stepsInEpoch: ck.rng.steps_in_epoch };
  }

  /**
   * Loads the weights of `best_model_checkpoint` into the model.
   * @returns its step, or null when there is no best checkpoint (or it is gone)
   */
  async loadBest(): Promise<number | null> {
    const name = bestCheckpointName(this.c.state.best_model_checkpoint);
    const files = name && this.c.store ? await this.c.store.read(name) : null;
    if (!name || !files) return null;
    assignParams(this.c.model.params, decodeCheckpoint(files).weights);
    return checkpointStep(name);
  }
}
