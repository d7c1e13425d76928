/**
 * The model as files: the zip the studio exports (HF folder, TF.js weights, tokenizer, training
 * arguments and log, model card), and loading such a zip or HF folder back as a model.
 */
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { exportModelFiles, loadHfModel } from '../io/hfModel';
import { modelCard } from '../io/modelCard';
import { storedOrDeflated } from '../io/zipEntries';
import { exportTfjsWeights } from '../io/tfjsWeights';
import type { SequenceClassifier } from '../model/classifier';
import { exportedTokenizerConfigJson } from '../tokenize/exportConfig';
import { loadTokenizer, type Tokenizer } from '../tokenize/tokenizer';
import { trainingArgumentsToJson, type TrainingArguments } from '../train/args';
import { recordedRunOf, runArgumentFiles } from '../config/runFiles';
import type { ColumnChoice, ModelSpec } from './types';
import type { LogEntry, TrainerState } from '../train/state';
import { trainerStateJson } from '../io/trainerState';
import type { BaseModel } from './model';
import { labelsOf } from './pretrained';
import { StudioError } from '../util/errors';

/** What the model card and the export say of how a model was trained. */
export interface TrainingRecord {
  /** The run's arguments, or null for a model loaded rather than trained. */
  args: TrainingArguments | null;
  logHistory: LogEntry[];
  /** The run's trainer state (trainer_state.json), when it is known. */
  state?: TrainerState | null;
  /** Tokens the model reads: the max_length it was trained with (see session/maxLength.ts). */
  maxLength: number;
  /** The columns it was trained on, when known (recorded in studio_args.json). */
  columns?: ColumnChoice;
  /** The model the run built (recorded in studio_args.json: a from-scratch model's settings). */
  spec?: ModelSpec | null;
}

/** An HF model folder's files, JSON parsed: what `loadModelFiles` loads. */
export interface ModelFiles {
  config: object;
  weights: Uint8Array;
  tokenizerJson: object;
  tokenizerConfig: object;
}

/** README.md for `model`: metrics, labels, training arguments, how to load it. */
export function modelCardFor(
  model: SequenceClassifier,
  run: TrainingRecord & {
    baseModel: BaseModel | null;
    metrics: Record<string, number>;
    datasetName: string | null;
  },
): string {
  return modelCard({
    config: model.config,
    baseModel: run.baseModel?.name ?? null,
    baseModelHubId: run.baseModel?.hubId ?? null,
    maxLength: Math.min(run.maxLength, model.maxInputLength()),
    metrics: run.metrics,
    trainingArgs: run.args
      ? (trainingArgumentsToJson(run.args) as unknown as Record<string, unknown>)
      : null,
    logHistory: run.logHistory,
    parameters: model.parameterCount(),
    datasetName: run.datasetName,
    head: model.head,
  });
}

/**
 * The name an exported model goes by: its zip's name (without `.zip`), the one folder the zip
 * holds, and the folder the web-page panel tells to serve. Folder-safe (letters, digits, `.`,
 * `_`, `-`): the data set it was trained on and the model, e.g. `sst2-bert` (from scratch) or
 * `sst2-bert-tiny` (fine-tuned from prajjwal1/bert-tiny); `model` when nothing is known.
 */
export function exportFolderName(o: {
  baseModel: BaseModel | null;
  datasetName: string | null;
}): string {
  const safe = (x: string) =>
    x
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/-{2,}/g, '-')
      .replace(/^[-.]+|[-.]+$/g, '');
  const stem = o.datasetName?.replace(/(\.gz)?$/i, '').replace(/\.[^./\\]+$/, '') ?? '';
  const base = o.baseModel ? (o.baseModel.hubId ?? o.baseModel.name).split(/[\\/]/).at(-1) : 'bert';
  const name = safe([safe(stem), safe(base ?? '')].filter(Boolean).join('-')).slice(0, 80);
  return safe(name) || 'model';
}

/**
 * The export zip: HF folder files, the ONNX files (`onnx/model.onnx`, `onnx/model_quantized.onnx`,
 * for transformers.js), TF.js weights, the tokenizer (tokenizer_config.json's
 * model_max_length set to `run.maxLength`), training_args.json, studio_args.json and
 * trainer_state.json when there was a run, and `readme` as README.md. With `folder`
 * (see {@link exportFolderName}) every file lies in that one top folder, so the zip unzips as
 * the model's folder; the importer reads both layouts.
 */
export async function exportModelZip(
  model: SequenceClassifier,
  tok: Tokenizer,
  run: TrainingRecord,
  readme: string,
  folder = '',
): Promise<Uint8Array> {
  const hf = await exportModelFiles(model);
  const tfjs = await exportTfjsWeights(model);
  const files: Record<string, Uint8Array> = {
    'config.json': strToU8(hf['config.json']),
    'model.safetensors': hf['model.safetensors'],
    'onnx/model.onnx': hf['onnx/model.onnx'],
    'onnx/model_quantized.onnx': hf['onnx/model_quantized.onnx'],
    'tokenizer.json': strToU8(JSON.stringify(tok.files.tokenizerJson)),
    'tokenizer_config.json': strToU8(
      exportedTokenizerConfigJson(
        tok.files.tokenizerConfig,
        tok.files.tokenizerJson,
        run.maxLength,
        model.maxInputLength(),
      ),
    ),
    'tfjs/model.json': strToU8(tfjs['model.json']),
    'tfjs/group1-shard1of1.bin': tfjs['group1-shard1of1.bin'],
  };
  if (run.args) {
    const recorded = recordedRunOf({
      spec: run.spec,
      args: run.args,
      columns: run.columns,
      maxLength: run.maxLength,
    });
    for (const [name, text] of Object.entries(runArgumentFiles(recorded))) {
      files[name] = strToU8(text);
    }
  }
  if (run.logHistory.length > 0) {
    files['trainer_state.json'] = strToU8(
      trainerStateJson(run.state ?? null, { logHistory: run.logHistory, args: run.args }),
    );
  }
  files['README.md'] = strToU8(readme);
  const inFolder = folder
    ? Object.fromEntries(Object.entries(files).map(([k, v]) => [`${folder}/${k}`, v]))
    : files;
  return zipSync(storedOrDeflated(inFolder));
}

/** What to do about a zip that holds no studio model. */
const MODEL_ZIP = {
  remedy:
    'Choose the zip that Export model made (config.json, model.safetensors and the tokenizer files, flat or in one folder).',
};

/**
 * The model files in a zip made by `exportModelZip` (or any HF folder zipped with its
 * tokenizer), flat or in one top folder, with a message naming what is missing or not JSON.
 */
export function modelFilesFromZip(bytes: Uint8Array): ModelFiles {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch {
    throw new StudioError(
      'model-files',
      'This file is not a zip archive. Choose a model exported by the studio.',
      MODEL_ZIP,
    );
  }
  const need = (name: string): Uint8Array => {
    const f = files[name] ?? Object.entries(files).find(([k]) => k.endsWith(`/${name}`))?.[1];
    if (!f)
      throw new StudioError(
        'model-files',
        `The zip has no ${name}; an exported model holds config.json, model.safetensors and tokenizer files.`,
        MODEL_ZIP,
      );
    return f;
  };
  const json = (name: string): object => {
    try {
      return JSON.parse(strFromU8(need(name))) as object;
    } catch (e) {
      if (e instanceof SyntaxError)
        throw new StudioError('model-files', `${name} in the zip is not valid JSON.`, MODEL_ZIP);
      throw e;
    }
  };
  return {
    config: json('config.json'),
    weights: need('model.safetensors'),
    tokenizerJson: json('tokenizer.json'),
    tokenizerConfig: json('tokenizer_config.json'),
  };
}

/** The model, its tokenizer (as loaded, not yet made fast) and its label names from `files`. */
export async function loadModelFiles(
  files: ModelFiles,
): Promise<{ model: SequenceClassifier; tokenizer: Tokenizer; labels: string[] }> {
  // The tokenizer first: a bad one then fails before any weight tensor exists (no leak).
  const tokenizer = await loadTokenizer({
    tokenizerJson: files.tokenizerJson,
    tokenizerConfig: files.tokenizerConfig,
  });
  const { model } = loadHfModel({ config: files.config, weights: files.weights });
  return { model, tokenizer, labels: labelsOf(model.config) };
}
