/**
 * The "Run it elsewhere" bundle: the studio's run as a transformers Trainer script (train.py)
 * with its arguments (args.json), accelerate_config.yaml, requirements.txt, README.md, the data
 * splits, the tokenizer, the step-0 weights and, when continuing, the studio's checkpoint.
 * Pure: the page zips the files, `studio export-script` writes them to a folder.
 */
import { strToU8, zipSync } from 'fflate';
import { storedOrDeflated } from '../io/zipEntries';
import { BUNDLE_PATHS, bundleArguments, splitJsonl } from './bundleArgs';
import { bundleReadme } from './bundleReadme';
import {
  DEFAULT_BUNDLE_LIMITS,
  type BundleFiles,
  type BundleLimits,
  type ScriptBundleInput,
} from './bundleTypes';
import { ACCELERATE_CONFIG_YAML, REQUIREMENTS_TXT } from './launchFiles';
import { TRAIN_PY } from './trainPy.generated';

export type { BundleFiles, BundleLimits, ScriptBundleInput, SplitRows } from './bundleTypes';
export { BUNDLE_PATHS } from './bundleArgs';

/** The bundle's files, and the sentences naming what was left out (too large) and how to supply it. */
export interface ScriptBundle {
  files: BundleFiles;
  leftOut: string[];
}

const byteLength = (s: string): number => new TextEncoder().encode(s).length;
const mb = (n: number): string => `${(n / 1024 ** 2).toFixed(1)} MB`;

/** Builds the bundle for `input`, leaving out data and weights over `limits` (named in README). */
export function buildScriptBundle(
  input: ScriptBundleInput,
  limits: BundleLimits = DEFAULT_BUNDLE_LIMITS,
): ScriptBundle {
  const { data } = input;
  const columns = { text: data.textColumn, label: data.labelColumn, textPair: data.textPairColumn };
  const train = splitJsonl(data.train, columns);
  const validation = splitJsonl(data.validation, columns);
  const dataBytes = byteLength(train) + byteLength(validation);
  const dataCarried = dataBytes <= limits.dataBytes;
  const { initialWeights, weightsBytes } = input.model;
  const weightsCarried = initialWeights !== null && weightsBytes <= limits.weightsBytes;
  const leftOut: string[] = [];
  const files: BundleFiles = {};
  if (dataCarried) {
    files[BUNDLE_PATHS.trainData] = train;
    files[BUNDLE_PATHS.validationData] = validation;
  } else {
    const names = [data.sourceFile, data.validationSourceFile].filter(Boolean).join(' and ');
    leftOut.push(
      `The data (${mb(dataBytes)} as split) is over ${mb(limits.dataBytes)}: put ${names} ` +
        `beside args.json (or pass --train_file PATH${data.validationSourceFile ? ' --validation_file PATH' : ''}); ` +
        "train.py splits it as the studio did (the studio's seeded, stratified split).",
    );
  }
  if (weightsCarried) {
    files[`${BUNDLE_PATHS.initialWeights}/model.safetensors`] = initialWeights;
  } else {
    leftOut.push(
      `The step-0 weights (${mb(weightsBytes)}) are over ${mb(limits.weightsBytes)}: train.py ` +
        (input.model.kind === 'pretrained'
          ? `loads ${input.model.base ?? 'the base checkpoint'} and gives it a new head (torch's initialisation, not the studio's).`
          : "starts from torch's initialisation of the same config, not the studio's."),
    );
  }
  // config.json always: a from-scratch model is built from it when its weights are left out.
  files[`${BUNDLE_PATHS.initialWeights}/config.json`] = input.model.config;
  if (input.model.kind === 'pretrained' && !weightsCarried && !input.model.base) {
    leftOut.push('Name the base checkpoint with --model_name_or_path FOLDER_OR_HUB_ID.');
  }
  for (const [name, content] of Object.entries(input.tokenizer)) {
    files[`${BUNDLE_PATHS.tokenizer}/${name}`] = content;
  }
  if (input.checkpoint) {
    const dir = `${BUNDLE_PATHS.checkpoints}/checkpoint-${input.checkpoint.step}`;
    for (const [name, content] of Object.entries(input.checkpoint.files)) {
      files[`${dir}/${name}`] = content;
    }
  }
  files[BUNDLE_PATHS.args] =
    `${JSON.stringify(bundleArguments(input, dataCarried, weightsCarried), null, 2)}\n`;
  files['train.py'] = TRAIN_PY;
  files['accelerate_config.yaml'] = ACCELERATE_CONFIG_YAML;
  files['requirements.txt'] = REQUIREMENTS_TXT;
  files['README.md'] = bundleReadme(input, { dataCarried, weightsCarried, leftOut });
  return { files, leftOut };
}

/** The bundle as one zip, its files under `folder/`. */
export function zipScriptBundle(files: BundleFiles, folder = 'trainer-studio-run'): Uint8Array {
  const entries: Record<string, Uint8Array> = {};
  for (const [name, content] of Object.entries(files)) {
    entries[`${folder}/${name}`] = typeof content === 'string' ? strToU8(content) : content;
  }
  return zipSync(storedOrDeflated(entries));
}
