/** What the script bundle is built from (see bundle.ts), gathered by fromSession.ts. */
import type { ProblemType } from '../model/config';
import type { TrainingArguments } from '../train/args';

/** A bundle's files: path inside the bundle -> contents. */
export type BundleFiles = Record<string, Uint8Array | string>;

/** The rows of one split as the studio trained on them (label strings as in the file). */
export interface SplitRows {
  texts: string[];
  pairs: string[] | null;
  labels: string[];
  /** Token classification: each sentence's words and tag names (`texts`: the words joined). */
  tagged?: { tokens: string[][]; tags: string[][] };
}

export interface ScriptBundleInput {
  /** The run's TrainingArguments (transformers' fields and the studio's extras). */
  args: TrainingArguments;
  data: {
    textColumn: string;
    labelColumn: string;
    textPairColumn?: string;
    maxLength: number;
    problemType: ProblemType;
    /** Labels in id order (config.json's id2label). */
    labels: string[];
    labelDelimiter?: string;
    train: SplitRows;
    validation: SplitRows;
    /** The data file's name (and the validation file's), named when the splits are too large. */
    sourceFile: string;
    validationSourceFile: string | null;
    validationSplit: number;
    header: boolean | null;
    delimiter: string | null;
    /** Token classification (a tagged file): its task and run_ner.py's label_all_tokens. */
    tagged?: { labelAllTokens: boolean };
  };
  model: {
    kind: 'scratch' | 'pretrained';
    /** The base checkpoint as train.py finds it: a Hub id, or the folder's name. */
    base: string | null;
    /** config.json of the model at step 0 (labels, sizes, dropout). */
    config: string;
    /**
     * model.safetensors of the model at step 0, as the studio initialised it; null when not
     * built (its `weightsBytes` over the bundle's limit: too large to build in a tab).
     */
    initialWeights: Uint8Array | null;
    /** The step-0 weights' size in float32 bytes (built or not). */
    weightsBytes: number;
    parameters: number;
  };
  /** Tokenizer files (tokenizer.json, tokenizer_config.json, ...). */
  tokenizer: BundleFiles;
  /** The studio checkpoint to continue from, as the studio writes it (checkpoint.ts). */
  checkpoint: { step: number; files: Record<string, Uint8Array> } | null;
  /** For the README's "when to move": the studio's memory estimate and its measured speed. */
  fit: {
    /** Bytes the studio estimates a run needs (weights, gradients, AdamW, activations). */
    memoryBytes: number;
    memoryBudgetBytes: number;
    /** train_samples_per_second of the studio's last run of this model, when it has one. */
    samplesPerSecond: number | null;
  };
}

/** Sizes above which the bundle names a file instead of holding it. */
export interface BundleLimits {
  /** The two split files together. */
  dataBytes: number;
  /** The step-0 weights. */
  weightsBytes: number;
}

export const DEFAULT_BUNDLE_LIMITS: BundleLimits = {
  dataBytes: 64 * 1024 ** 2,
  weightsBytes: 512 * 1024 ** 2,
};
