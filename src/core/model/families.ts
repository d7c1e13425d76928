/**
 * The registry of model families: every architecture the studio builds, found from a config's
 * `model_type`. Code outside `core/model` reaches a family only through here (and the
 * {@link ModelFamily} interface), never by name. A new family is one import and one entry of
 * {@link FAMILIES}.
 */
import { StudioError } from '../util/errors';
import { bertFamily } from './bert';
import { debertaFamily } from './deberta';
import { distilBertFamily } from './distilbert';
import { electraFamily } from './electra';
import type { CommonConfig, HeadKind, ModelFamily } from './family';
import { modernbertFamily } from './modernbert';
import { robertaFamily, xlmRobertaFamily } from './roberta';

/** A parsed config of any family: code outside the family reads only the common keys. */
export type ModelConfig = CommonConfig;

/** Every family the studio builds, BERT (the from-scratch default) first. */
export const FAMILIES: readonly ModelFamily[] = [
  bertFamily,
  robertaFamily,
  xlmRobertaFamily,
  distilBertFamily,
  electraFamily,
  debertaFamily,
  modernbertFamily,
];

/**
 * The head a config.json's `architectures` names: 'token' for `...ForTokenClassification`,
 * 'sequence' for `...ForSequenceClassification`, null for neither (a base model or a
 * pretraining checkpoint: the run's task decides).
 */
export function headOfArchitectures(architectures: readonly string[]): HeadKind | null {
  if (architectures.some((a) => a.endsWith('ForTokenClassification'))) return 'token';
  if (architectures.some((a) => a.endsWith('ForSequenceClassification'))) return 'sequence';
  return null;
}

/** The family from-scratch runs build unless the run names another. */
export const DEFAULT_FAMILY: ModelFamily = bertFamily;

/** Every `model_type` some family reads, in registry order. */
export function supportedModelTypes(): string[] {
  return FAMILIES.flatMap((f) => f.modelTypes);
}

/** "BERT (bert), DistilBERT (distilbert), ...": the families, for messages. */
function familyList(): string {
  return FAMILIES.map((f) => `${f.displayName} (${f.modelTypes.join(', ')})`).join(', ');
}

/** The refusal of a `model_type` no family reads. */
export function unsupportedModel(modelType: string): StudioError {
  return new StudioError(
    'unsupported-model',
    `This checkpoint's model_type ${JSON.stringify(modelType)} is not a family the studio can ` +
      `build. It builds: ${familyList()}.`,
    {
      remedy:
        `Pick a checkpoint of one of these families (${supportedModelTypes().join(', ')}), or ` +
        `use "Run it elsewhere": its train.py trains any AutoModelForSequenceClassification ` +
        `family with transformers.`,
    },
  );
}

/** The family that reads `modelType`; throws the 'unsupported-model' error when none does. */
export function familyForModelType(modelType: string): ModelFamily {
  const family = FAMILIES.find((f) => f.modelTypes.includes(modelType));
  if (!family) throw unsupportedModel(modelType);
  return family;
}

/** The family of a parsed config (by its `model_type`). */
export function familyOf(config: Pick<CommonConfig, 'model_type'>): ModelFamily {
  return familyForModelType(config.model_type);
}

/**
 * config.json (parsed JSON) -> the config of its family, with HF's defaults: dispatch on
 * `model_type` (absent: BERT, as transformers' older BERT files leave it out). Throws
 * 'unsupported-model' for a model_type no family reads, and the family's 'model-files' error
 * for bad keys.
 */
export function parseModelConfig(json: unknown): ModelConfig {
  const modelType =
    typeof json === 'object' && json !== null && !Array.isArray(json)
      ? (json as Record<string, unknown>).model_type
      : undefined;
  if (modelType === undefined) return DEFAULT_FAMILY.parseConfig(json);
  if (typeof modelType !== 'string') {
    throw new StudioError(
      'model-files',
      `Invalid config.json: key "model_type" must be a string, got ${JSON.stringify(modelType)}`,
    );
  }
  return familyForModelType(modelType).parseConfig(json);
}
