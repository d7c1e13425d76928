/**
 * Pretrained checkpoints: reading one's files into what the session keeps (validated config and
 * weights, the UI's summary, the checkpoint's own tokenizer), and building the model a
 * fine-tuning run starts from.
 */
import type { LabelMaps } from '../data/labels';
import { loadHfModel } from '../io/hfModel';
import { parseSafetensorsHeader } from '../io/safetensors';
import type { SequenceClassifier } from '../model/classifier';
import type { ProblemType } from '../model/config';
import type { HeadKind } from '../model/family';
import { FAMILIES, familyOf, parseModelConfig, type ModelConfig } from '../model/families';
import { countParameters } from '../model/memory';
import { loadTokenizer, type Tokenizer } from '../tokenize/tokenizer';
import { tokenizerFilesFromFolder } from '../tokenize/tokenizerFolder';
import { checkpointLengthLimit } from './maxLength';
import type { PretrainedInfo } from './types';
import { StudioError } from '../util/errors';

/** The families a checkpoint may be of (the picker lists them), in the registry's order. */
export function modelFamilies(): { displayName: string; modelTypes: string[] }[] {
  return FAMILIES.map((f) => ({ displayName: f.displayName, modelTypes: [...f.modelTypes] }));
}

/** A loaded checkpoint as the session keeps it: the bytes stay, as each run starts from them. */
export interface PretrainedCheckpoint {
  name: string;
  /** Its Hub id (`owner/name`) when it came from the Hub, else null (a folder, files, a URL). */
  hubId: string | null;
  config: ModelConfig;
  weights: Uint8Array;
  info: PretrainedInfo;
}

/**
 * A config's label names in id order. `parseModelConfig` always fills `id2label`, but a model's
 * config object is mutable after loading; `?? {}` then gives no labels rather than a TypeError.
 */
export function labelsOf(config: Pick<ModelConfig, 'id2label'>): string[] {
  const id2label = config.id2label ?? {};
  return Object.keys(id2label)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => id2label[k]);
}

/**
 * Reads a pretrained checkpoint from its files (`config.json`, `model.safetensors`, and when
 * present `tokenizer.json` + `tokenizer_config.json`, or `vocab.txt`; names may carry a folder
 * prefix): validates the config (a family the studio builds, `families.ts`) and the weights
 * (header, dtypes, names and shapes against the config) with a specific message. Returns the checkpoint and its own
 * tokenizer, or null when it ships none; `current` is the tokenizer then used instead (checked
 * against the vocabulary and named in a notice). `hubId`: the Hub id it was downloaded as, if
 * so. Nothing is kept here: the caller keeps both.
 */
export async function readCheckpoint(
  files: Record<string, Uint8Array>,
  name: string,
  current: Tokenizer | null,
  hubId: string | null = null,
): Promise<{ checkpoint: PretrainedCheckpoint; tokenizer: Tokenizer | null }> {
  const byBase = new Map<string, Uint8Array>();
  for (const [k, v] of Object.entries(files)) byBase.set(k.split('/').pop() as string, v);
  const configBytes = byBase.get('config.json');
  const weights = byBase.get('model.safetensors');
  if (!configBytes || !weights) {
    const have = [...byBase.keys()].join(', ') || 'none';
    const lacking = [!configBytes && 'config.json', !weights && 'model.safetensors'].filter(
      Boolean,
    );
    throw new StudioError(
      'model-files',
      `A pretrained model needs config.json and model.safetensors; ${lacking.join(' and ')} ` +
        `${lacking.length > 1 ? 'are' : 'is'} missing (files given: ${have}). pytorch_model.bin ` +
        `checkpoints are not read: convert them with save_pretrained(safe_serialization=True).`,
    );
  }
  const text = (f: string, b: Uint8Array) => {
    try {
      return JSON.parse(new TextDecoder().decode(b)) as object;
    } catch {
      throw new StudioError('model-files', `${f} is not valid JSON.`);
    }
  };
  const config = parseModelConfig(text('config.json', configBytes));
  const family = familyOf(config);
  const dims = family.dims(config);
  const maxPositions = family.maxInputLength(config);
  // The header alone first: a bad file fails fast, before any tensor is built.
  const header = parseSafetensorsHeader(weights);
  const loaded = loadHfModel({ config, weights });
  // What a checkpoint of another task may lack: the head and a pooler (a masked-LM checkpoint).
  const head = new Set(family.headParamNames(config));
  const encoderMissing = loaded.missing.filter((n) => !head.has(n) && !/(^|\.)pooler\./.test(n));
  const info: PretrainedInfo = {
    name,
    family: family.displayName,
    model_type: config.model_type,
    parameters: countParameters(family, config),
    hidden_size: dims.hiddenSize,
    num_hidden_layers: dims.numLayers,
    num_attention_heads: dims.numHeads,
    intermediate_size: dims.intermediateSize,
    vocab_size: dims.vocabSize,
    max_position_embeddings: maxPositions,
    checkpointLabels: labelsOf(config),
    dtypes: [...new Set(header.entries.map((e) => e.dtype))].sort(),
    tokenizer: null,
    tokenizerVocabSize: null,
    notices: loaded.notices,
    lengthLimit: checkpointLengthLimit(maxPositions, Infinity),
  };
  loaded.model.dispose();
  if (encoderMissing.length > 0) {
    throw new StudioError(
      'model-files',
      `model.safetensors does not hold the encoder config.json describes: ` +
        `${encoderMissing.length} tensors are missing (e.g. ${encoderMissing.slice(0, 3).join(', ')}). ` +
        `Are config.json and model.safetensors from the same checkpoint?`,
    );
  }
  const tokFiles = tokenizerFilesFromFolder(byBase, {
    name,
    modelMaxLength: maxPositions,
  });
  const tokenizer: Tokenizer | null = tokFiles ? await loadTokenizer(tokFiles) : null;
  const tokVocab = tokenizer?.vocabSize ?? current?.vocabSize ?? 0;
  if (tokVocab > config.vocab_size) {
    throw new StudioError(
      'tokenizer',
      `The tokenizer has ${tokVocab} tokens but the model's vocabulary has ${config.vocab_size}: ` +
        `${tokenizer ? "the checkpoint's tokenizer files do not belong to it" : "add the checkpoint's tokenizer files (tokenizer.json or vocab.txt)"}.`,
      {
        remedy:
          "Add the checkpoint's own tokenizer files (tokenizer.json or vocab.txt) to the files you open.",
      },
    );
  }
  const usedTokenizer = tokenizer ?? current;
  if (usedTokenizer) {
    info.lengthLimit = checkpointLengthLimit(maxPositions, usedTokenizer.modelMaxLength);
  }
  if (tokenizer) {
    info.tokenizer = tokenizer.name;
    info.tokenizerVocabSize = tokenizer.vocabSize;
  } else {
    info.notices.push(
      `The checkpoint has no tokenizer files; the current tokenizer${current ? ` (${current.name})` : ''} ` +
        `is used. Its ids must be the ones the model was trained with.`,
    );
  }
  return { checkpoint: { name, hubId, config, weights, info }, tokenizer };
}

/**
 * The model a fine-tuning run starts from: the checkpoint with a fresh head for the data's
 * labels (HF's `from_pretrained(name, num_labels=..., id2label=..., label2id=...)`; with `head`
 * 'token' AutoModelForTokenClassification's), and HF's loading warnings. Throws when
 * `maxLength` exceeds the checkpoint's positions or the checkpoint declares another task than
 * the labels describe.
 */
export function modelFromCheckpoint(
  pre: PretrainedCheckpoint,
  maps: LabelMaps,
  problemType: ProblemType,
  maxLength: number,
  seed: number,
  head: HeadKind = 'sequence',
): { model: SequenceClassifier; notices: string[] } {
  const maxPositions = familyOf(pre.config).maxInputLength(pre.config);
  if (maxLength > maxPositions) {
    throw new StudioError(
      'arguments',
      `max_length ${maxLength} exceeds the model's max_position_embeddings ` +
        `(${maxPositions}): lower max_length.`,
      { remedy: `Set max_length to ${maxPositions} or less.` },
    );
  }
  // The checkpoint's problem_type stays, as in HF; the data's labels are class ids (HF: int
  // labels).
  const loaded = loadHfModel(
    { config: pre.config, weights: pre.weights },
    { id2label: maps.id2label, label2id: maps.label2id, seed, head },
  );
  // AutoModelForTokenClassification: no problem_type (the loss is per token).
  if (head === 'token') return { model: loaded.model, notices: loaded.notices };
  // HF keeps a problem_type the checkpoint sets; it must then agree with the data.
  const declared = pre.config.problem_type;
  if (declared && declared !== problemType) {
    loaded.model.dispose();
    throw new StudioError(
      'model-files',
      `The checkpoint's config.json sets problem_type "${declared}", but the label column ` +
        `describes ${problemType}. Pick that task for the labels, or remove problem_type ` +
        `from config.json.`,
      {
        remedy: 'Pick the task config.json names for the label column, or remove its problem_type.',
      },
    );
  }
  loaded.model.config.problem_type = problemType;
  return { model: loaded.model, notices: loaded.notices };
}
