/**
 * What a `checkpoint-N` folder holds, as HF lays it out (with portable formats in place of
 * pickles): `model.safetensors` + `config.json`, `optimizer.safetensors` (AdamW moments, HF
 * parameter names), `scheduler.json`, `rng_state.json`, `trainer_state.json`,
 * `training_args.json` and `studio_args.json`. Together they resume a run exactly.
 */
import * as tf from '@tensorflow/tfjs';
import { readSafetensors, writeSafetensors } from '../io/safetensors';
import type { CheckpointFiles } from '../io/checkpointStore';
import type { AdamWState } from './adamw';
import type { TrainerState } from './state';
import { STUDIO_ARGS_FILE } from './args';
import { trainerStateJson } from '../io/trainerState';
import { StudioError } from '../util/errors';

const enc = new TextEncoder();
const dec = new TextDecoder();

export const jsonFile = (value: unknown): Uint8Array => enc.encode(JSON.stringify(value, null, 2));
export const readJsonFile = <T>(bytes: Uint8Array | undefined, name: string): T => {
  if (!bytes) throw new StudioError('model-files', `The checkpoint has no ${name}.`);
  return JSON.parse(dec.decode(bytes)) as T;
};

/** Reads every parameter to the CPU (awaits the device). */
export async function readParams(
  params: Map<string, tf.Variable>,
): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, v] of params) {
    out.set(name, { shape: v.shape, data: (await v.data()) as Float32Array });
  }
  return out;
}

/** Assigns saved values to the model's parameters, checking names and shapes. */
export function assignParams(
  params: Map<string, tf.Variable>,
  saved: Map<string, { shape: number[]; data: Float32Array }>,
): void {
  for (const [name, v] of params) {
    const s = saved.get(name);
    if (!s) throw new StudioError('model-files', `The checkpoint has no weights for ${name}.`);
    if (s.shape.join('x') !== v.shape.join('x')) {
      throw new Error(
        `Checkpoint weights for ${name} have shape [${s.shape}], the model [${v.shape}].`,
      );
    }
    tf.tidy(() => v.assign(tf.tensor(s.data, v.shape)));
  }
}

export interface RngState {
  seed: number;
  /** Epoch being trained when saved (0-based) and update steps already done in it. */
  epoch: number;
  steps_in_epoch: number;
}

export interface CheckpointContents {
  weights: Map<string, { shape: number[]; data: Float32Array }>;
  optimizer: AdamWState;
  state: TrainerState;
  rng: RngState;
}

export async function encodeCheckpoint(parts: {
  params: Map<string, tf.Variable>;
  config: unknown;
  optimizer: AdamWState;
  state: TrainerState;
  rng: RngState;
  /** training_args.json (transformers' fields) and studio_args.json (the studio's extras). */
  trainingArgs: unknown;
  studioArgs: unknown;
}): Promise<CheckpointFiles> {
  const moments = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, v] of parts.params) {
    const m = parts.optimizer.m[name];
    const s = parts.optimizer.v[name];
    if (m) moments.set(`exp_avg.${name}`, { shape: v.shape, data: m });
    if (s) moments.set(`exp_avg_sq.${name}`, { shape: v.shape, data: s });
  }
  return {
    'model.safetensors': writeSafetensors(await readParams(parts.params), { format: 'pt' }),
    'config.json': jsonFile(parts.config),
    'optimizer.safetensors': writeSafetensors(moments, {
      format: 'pt',
      step: String(parts.optimizer.step),
    }),
    'scheduler.json': jsonFile({
      last_epoch: parts.state.global_step,
      optimizer_step: parts.optimizer.step,
    }),
    'rng_state.json': jsonFile(parts.rng),
    'trainer_state.json': enc.encode(trainerStateJson(parts.state)),
    'training_args.json': jsonFile(parts.trainingArgs),
    [STUDIO_ARGS_FILE]: jsonFile(parts.studioArgs),
  };
}

export function decodeCheckpoint(files: CheckpointFiles): CheckpointContents {
  const model = files['model.safetensors'];
  const opt = files['optimizer.safetensors'];
  if (!model) throw new StudioError('model-files', 'The checkpoint has no model.safetensors.');
  if (!opt) throw new StudioError('model-files', 'The checkpoint has no optimizer.safetensors.');
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, t] of readSafetensors(model)) weights.set(name, t);
  const m: Record<string, Float32Array> = {};
  const v: Record<string, Float32Array> = {};
  for (const [name, t] of readSafetensors(opt)) {
    if (name.startsWith('exp_avg_sq.')) v[name.slice('exp_avg_sq.'.length)] = t.data;
    else if (name.startsWith('exp_avg.')) m[name.slice('exp_avg.'.length)] = t.data;
  }
  const state = readJsonFile<TrainerState>(files['trainer_state.json'], 'trainer_state.json');
  const scheduler = readJsonFile<{ optimizer_step?: number }>(
    files['scheduler.json'],
    'scheduler.json',
  );
  return {
    weights,
    optimizer: { step: scheduler.optimizer_step ?? state.global_step, m, v },
    state,
    rng: readJsonFile<RngState>(files['rng_state.json'], 'rng_state.json'),
  };
}
