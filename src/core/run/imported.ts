/**
 * Runs not trained here: a trainer_state.json (from the command line, Python `transformers`) or
 * an exported model's zip, recorded as their own entries in the run history (status
 * `imported`), beside the page's runs and comparable with them, never mixed into the run shown.
 */
import { strFromU8, unzipSync } from 'fflate';
import { newRunId, RUN_RECORD_VERSION, type RunRecord } from '../io/runStore';
import type { LogEntry } from '../train/state';
import { lastEvalMetrics } from '../train/trainLog';
import { StudioError } from './errors';

/** What an imported run records: its log, steps and the arguments its state names. */
export interface ImportedRun {
  logHistory: LogEntry[];
  globalStep: number;
  maxSteps: number;
  /** TrainingArguments a trainer_state.json carries (for Compare), by their HF names. */
  args?: Record<string, unknown>;
}

/** trainer_state.json's keys that are TrainingArguments (its `train_batch_size` per device). */
const STATE_ARGS: Record<string, string> = {
  logging_steps: 'logging_steps',
  eval_steps: 'eval_steps',
  save_steps: 'save_steps',
  num_train_epochs: 'num_train_epochs',
  train_batch_size: 'per_device_train_batch_size',
};

/** A trainer_state.json's log history and steps, checked (a specific error when it is not one). */
export function parseTrainerState(text: string, fileName: string): ImportedRun {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new StudioError('data', `${fileName} is not valid JSON.`);
  }
  const state = (json ?? {}) as {
    log_history?: unknown;
    global_step?: unknown;
    max_steps?: unknown;
  };
  const history = state.log_history;
  if (!Array.isArray(history)) {
    throw new StudioError(
      'data',
      `${fileName} has no "log_history" list: choose the trainer_state.json a Trainer run wrote.`,
    );
  }
  const bad = history.findIndex(
    (e) => !e || typeof e !== 'object' || typeof (e as { step?: unknown }).step !== 'number',
  );
  if (bad >= 0) {
    throw new StudioError('data', `${fileName}: log_history entry ${bad} has no numeric "step".`);
  }
  const logHistory = history as LogEntry[];
  const lastStep = logHistory.at(-1)?.step ?? 0;
  const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) ? v : d);
  const record = state as Record<string, unknown>;
  const args = Object.fromEntries(
    Object.entries(STATE_ARGS)
      .filter(([k]) => typeof record[k] === 'number')
      .map(([k, name]) => [name, record[k]]),
  );
  return {
    logHistory,
    globalStep: num(state.global_step, lastStep),
    maxSteps: num(state.max_steps, 0),
    args,
  };
}

/** The trainer_state.json inside an exported model's zip (any folder), or null. */
export function trainerStateOfZip(zip: Uint8Array): string | null {
  const files = unzipSync(zip, { filter: (f) => f.name.split('/').pop() === 'trainer_state.json' });
  const [name] = Object.keys(files);
  return name ? strFromU8(files[name]) : null;
}

/** The record of an imported run (`fileName`: what was opened). */
export function importedRecord(
  fileName: string,
  run: ImportedRun,
  model: { config: Record<string, unknown> | null; hasZip: boolean } = {
    config: null,
    hasZip: false,
  },
  now = Date.now(),
): RunRecord {
  return {
    version: RUN_RECORD_VERSION,
    id: newRunId(now),
    created: now,
    updated: now,
    status: 'imported',
    reason: null,
    fileName,
    validationFileName: null,
    dataFingerprint: '',
    tokenizer: { name: '', vocabSize: 0 },
    model: { kind: 'imported', max_length: 0 },
    modelConfig: model.config,
    prepare: {},
    args: run.args ?? {},
    backend: 'imported',
    logHistory: run.logHistory,
    metrics: lastEvalMetrics(run.logHistory),
    globalStep: run.globalStep,
    maxSteps: run.maxSteps,
    checkpoints: [],
    hasModelZip: model.hasZip,
  };
}
