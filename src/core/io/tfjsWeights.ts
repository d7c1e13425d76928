/**
 * TF.js-native weight files for a {@link SequenceClassifier} of any family: a `model.json` with a
 * standard `weightsManifest` (HF parameter names, PyTorch shapes) and the HF config in
 * `userDefinedMetadata.hf_config`, plus one binary shard written by `tf.io.encodeWeights`.
 * There is no `modelTopology`: the model is code (its family's forward), not a Layers graph, so load these
 * with {@link loadTfjsWeights}, not `tf.loadLayersModel`.
 */
import * as tf from '@tensorflow/tfjs';

import { SequenceClassifier, type FromTensorsResult } from '../model/classifier';
import { familyOf, headOfArchitectures, parseModelConfig } from '../model/families';
import { StudioError } from '../util/errors';

/** Shard file name used by {@link exportTfjsWeights}. */
export const TFJS_SHARD_NAME = 'group1-shard1of1.bin';
/** `format` field of the model.json this module writes (kept as first written, for stored runs). */
export const TFJS_FORMAT = 'trainer-studio-bert-for-sequence-classification';

/** The two files, by name. */
// A type alias (not an interface) so it is assignable to loadTfjsWeights's indexed parameter.
export type TfjsWeightsFiles = {
  'model.json': string;
  'group1-shard1of1.bin': Uint8Array;
};

/** Writes the model's parameters and config as TF.js weight files. */
export async function exportTfjsWeights(model: SequenceClassifier): Promise<TfjsWeightsFiles> {
  const named = [...model.params].map(([name, tensor]) => ({ name, tensor }));
  const { data, specs } = await tf.io.encodeWeights(named);
  const modelJson = {
    format: TFJS_FORMAT,
    generatedBy: `TensorFlow.js tfjs-core v${tf.version_core}`,
    convertedBy: null,
    weightsManifest: [{ paths: [TFJS_SHARD_NAME], weights: specs }],
    userDefinedMetadata: {
      hf_config: JSON.parse(model.family.configToJson(model.config, model.head)) as unknown,
    },
  };
  return {
    'model.json': JSON.stringify(modelJson),
    'group1-shard1of1.bin': new Uint8Array(data as ArrayBuffer),
  };
}

/**
 * Reads files written by {@link exportTfjsWeights} back into a model (the shard given by the
 * manifest's single path). Throws for a model.json without a manifest or config.
 */
export function loadTfjsWeights(
  files: { 'model.json': string; [shard: string]: string | Uint8Array },
  opts: { seed?: number } = {},
): FromTensorsResult {
  let json: unknown;
  try {
    json = JSON.parse(files['model.json']);
  } catch (e) {
    throw new StudioError('model-files', `model.json is not valid JSON: ${(e as Error).message}`);
  }
  const m = json as {
    weightsManifest?: Array<{ paths?: string[]; weights?: tf.io.WeightsManifestEntry[] }>;
    userDefinedMetadata?: { hf_config?: unknown };
  };
  const groups = m.weightsManifest;
  if (!Array.isArray(groups) || groups.length === 0) {
    throw new StudioError('model-files', 'model.json has no weightsManifest.');
  }
  const config = parseModelConfig(m.userDefinedMetadata?.hf_config);
  const buffers: ArrayBuffer[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  for (const g of groups) {
    if (!Array.isArray(g.paths) || !Array.isArray(g.weights)) {
      throw new StudioError(
        'model-files',
        'model.json: each weightsManifest group needs paths and weights.',
      );
    }
    for (const p of g.paths) {
      const bytes = files[p];
      if (!(bytes instanceof Uint8Array))
        throw new StudioError('model-files', `The weights shard '${p}' is missing.`);
      buffers.push(bytes.slice().buffer);
    }
    specs.push(...g.weights);
  }
  const total = buffers.reduce((a, b) => a + b.byteLength, 0);
  const needed = specs.reduce(
    (a, s) =>
      a +
      s.shape.reduce((x, y) => x * y, 1) * (s.dtype === 'float32' || s.dtype === 'int32' ? 4 : 1),
    0,
  );
  // Quantized weights take fewer bytes than float32; only plain manifests are size-checked.
  if (!specs.some((s) => s.quantization) && needed !== total) {
    throw new StudioError(
      'model-files',
      `The weights shards hold ${total} bytes, the manifest describes ${needed}.`,
    );
  }
  const decoded = tf.io.decodeWeights(buffers.length === 1 ? buffers[0] : buffers, specs);
  const tensors = new Map<string, tf.Tensor>(Object.entries(decoded));
  try {
    // The head hf_config's architectures name (a token model's files load as one).
    const head = headOfArchitectures(config.architectures) ?? 'sequence';
    return SequenceClassifier.fromTensors(familyOf(config), config, tensors, opts.seed ?? 42, head);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}
