/**
 * HF model folders: `config.json` + `model.safetensors`, as `save_pretrained` writes them and
 * `from_pretrained` reads them, for a {@link SequenceClassifier} of any family.
 */
import * as tf from '@tensorflow/tfjs';

import { SequenceClassifier, type MismatchedParam } from '../model/classifier';
import { defaultId2Label, invertId2Label, type ProblemType } from '../model/config';
import { parseLabelFields } from '../model/configCommon';
import {
  familyOf,
  headOfArchitectures,
  parseModelConfig,
  type ModelConfig,
} from '../model/families';
import type { HeadKind } from '../model/family';
import { onnxFiles, type ModelWeights, type OnnxFiles } from './onnx/familyOnnx';
import { readSafetensors, writeSafetensors } from './safetensors';
import { StudioError } from '../util/errors';

/** The two files of an exported model, by file name. */
export interface HfModelFiles {
  'config.json': string;
  'model.safetensors': Uint8Array;
}

/**
 * `model.save_pretrained(dir)`: config.json (architectures: the family's
 * `<Family>ForSequenceClassification`, or `<Family>ForTokenClassification` for the token head,
 * model_type, sizes, id2label/label2id (the tags of a token model), problem_type, dtype float32,
 * keys sorted as HF writes them) and model.safetensors (F32, HF names, PyTorch layout,
 * `{"format": "pt"}`). Reads the weights with `await data()` (safe on WebGPU).
 */
export async function exportHfModel(model: SequenceClassifier): Promise<HfModelFiles> {
  return hfModelFiles(model.config, await model.weights(), model.head);
}

/** {@link exportHfModel}'s files from weights already on the host (`model.weights()`). */
export function hfModelFiles(
  config: ModelConfig,
  weights: ModelWeights,
  head: HeadKind = 'sequence',
): HfModelFiles {
  return {
    'config.json': familyOf(config).configToJson(config, head),
    'model.safetensors': writeSafetensors(weights, { format: 'pt' }),
  };
}

/**
 * The model's files in every export (the page's zip, the CLI's output_dir): config.json and
 * model.safetensors for Python, `onnx/model.onnx` and `onnx/model_quantized.onnx` for
 * transformers.js and onnxruntime, from one read of the weights.
 */
export async function exportModelFiles(
  model: SequenceClassifier,
): Promise<HfModelFiles & OnnxFiles> {
  const weights = await model.weights();
  return {
    ...hfModelFiles(model.config, weights, model.head),
    ...onnxFiles(model.family, model.config, weights, model.head),
  };
}

/** Overrides of {@link loadHfModel}, as keyword arguments of `from_pretrained`. */
export interface LoadHfModelOptions {
  /** A new head of this many labels (default names LABEL_i unless `id2label` is given). */
  numLabels?: number;
  id2label?: Record<string, string>;
  label2id?: Record<string, number>;
  problemType?: ProblemType | null;
  /** Seeds the initialisation of parameters the checkpoint lacks. Default 42 (HF's seed). */
  seed?: number;
  /**
   * The head to build: `AutoModelForTokenClassification` ('token') or
   * `AutoModelForSequenceClassification` ('sequence'). Default: the head config.json's
   * `architectures` names (an exported token model loads as one), else 'sequence'. A run passes
   * its task's head, so a base or other-task checkpoint gets the head the run trains.
   */
  head?: HeadKind;
}

/** Result of {@link loadHfModel}. */
export interface LoadedHfModel {
  model: SequenceClassifier;
  /** Newly initialised parameters (not in the checkpoint). */
  missing: string[];
  /** Checkpoint tensors not used (e.g. `cls.predictions.*` of a pretraining checkpoint). */
  unexpected: string[];
  /** Classifier tensors of another num_labels, reinitialised. */
  mismatched: MismatchedParam[];
  /** Human-readable lines, as HF's loading warnings (empty when everything matched). */
  notices: string[];
}

/** Applies from_pretrained-style overrides to a parsed config. */
export function applyConfigOverrides<C extends ModelConfig>(
  config: C,
  opts: LoadHfModelOptions,
): C {
  const c: C = { ...config };
  if (opts.id2label) {
    const id2label = opts.id2label;
    if (opts.numLabels !== undefined && Object.keys(id2label).length !== opts.numLabels) {
      throw new Error(
        `loadHfModel: id2label has ${Object.keys(id2label).length} labels but numLabels is ${opts.numLabels}`,
      );
    }
    // Re-validate the keys (0..n-1) through the parser.
    c.id2label = parseLabelFields({ id2label }, familyOf(config).displayName).id2label;
    c.num_labels = Object.keys(c.id2label).length;
    c.label2id = opts.label2id ?? invertId2Label(c.id2label);
  } else if (opts.numLabels !== undefined && opts.numLabels !== config.num_labels) {
    if (!Number.isInteger(opts.numLabels) || opts.numLabels < 1) {
      throw new Error(`loadHfModel: numLabels must be a positive integer, got ${opts.numLabels}`);
    }
    c.num_labels = opts.numLabels;
    c.id2label = defaultId2Label(opts.numLabels);
    c.label2id = opts.label2id ?? invertId2Label(c.id2label);
  } else if (opts.label2id) {
    c.label2id = opts.label2id;
  }
  if (opts.problemType !== undefined) c.problem_type = opts.problemType;
  return c;
}

/**
 * `AutoModelForSequenceClassification.from_pretrained(dir, num_labels=..., id2label=..., ...,
 * ignore_mismatched_sizes=True)` (`AutoModelForTokenClassification` with head 'token', see
 * {@link LoadHfModelOptions.head}) from the bytes of config.json (a parsed object or its text)
 * and model.safetensors. Base-model and pretraining checkpoints load with a new classifier head;
 * a sequence-classification checkpoint loaded as a token model reports its pooler and head as
 * unexpected and the token classifier as missing, as from_pretrained does.
 * Throws (with the key or tensor named) for an invalid config or weights file, or for encoder
 * tensors whose shapes disagree with config.json.
 */
export function loadHfModel(
  files: { config: unknown; weights: Uint8Array },
  opts: LoadHfModelOptions = {},
): LoadedHfModel {
  const rawConfig = typeof files.config === 'string' ? parseJson(files.config) : files.config;
  const config = applyConfigOverrides(parseModelConfig(rawConfig), opts);
  const family = familyOf(config);
  const head = opts.head ?? headOfArchitectures(config.architectures) ?? 'sequence';
  const architecture = family.architectureOf(config, head);
  const decoded = readSafetensors(files.weights);
  const tensors = new Map<string, tf.Tensor>();
  let result;
  try {
    for (const [name, t] of decoded) tensors.set(name, tf.tensor(t.data, t.shape, 'float32'));
    result = SequenceClassifier.fromTensors(family, config, tensors, opts.seed ?? 42, head);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  const notices: string[] = [];
  if (result.unexpected.length > 0) {
    notices.push(
      `Some weights of the model checkpoint were not used when initializing ` +
        `${architecture}: ${result.unexpected.join(', ')}. This is expected when ` +
        `the checkpoint was trained for another task (e.g. pretraining).`,
    );
  }
  if (result.missing.length > 0) {
    notices.push(
      `Some weights of ${architecture} were not initialized from the model ` +
        `checkpoint and are newly initialized: ${result.missing.join(', ')}. You should ` +
        `probably TRAIN this model on a down-stream task to be able to use it for predictions ` +
        `and inference.`,
    );
  }
  for (const m of result.mismatched) {
    notices.push(
      `${m.name}: checkpoint shape [${m.checkpointShape}] differs from the model's ` +
        `[${m.modelShape}] (num_labels ${config.num_labels}); newly initialized.`,
    );
  }
  return { ...result, notices };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new StudioError('model-files', `config.json is not valid JSON: ${(e as Error).message}`);
  }
}
