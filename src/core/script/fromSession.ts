/**
 * A script bundle's inputs from a studio session: the splits as prepared (the same rows, in the
 * same order), the labels and task, the tokenizer, the model as the last run built it at step 0
 * (rebuilt from its spec and seed: the studio's initialisation is a pure function of them), the
 * memory estimate and measured speed, and a checkpoint to continue from when given.
 */
import { applyConfigOverrides, exportHfModel } from '../io/hfModel';
import { familyOf, type ModelConfig } from '../model/families';
import { countParameters } from '../model/memory';
import type { ModelSpec, StudioSession } from '../session';
import { buildModel, scratchConfig } from '../session/model';
import { splitExamples } from '../session/prepare';
import { sentencesOf, splitTagged, tagNamesOf } from '../session/tagged';
import { sentenceTexts } from '../session/taggedPrepare';
import type { TaggedCorpus } from '../data/taggedTypes';
import { exportedTokenizerConfigJson } from '../tokenize/exportConfig';
import type { TrainingArguments } from '../train/args';
import { buildScriptBundle, type ScriptBundle } from './bundle';
import {
  DEFAULT_BUNDLE_LIMITS,
  type BundleFiles,
  type BundleLimits,
  type ScriptBundleInput,
  type SplitRows,
} from './bundleTypes';
import { StudioError } from '../util/errors';

export interface FromSessionOptions {
  /** The run's arguments (default: the session's last run's). */
  args?: TrainingArguments;
  /** The model to train (default: the session's last run's). */
  spec?: ModelSpec;
  /** Tokenizer files as the caller has them (the CLI: the folder's own); default tokenizer.json + config. */
  tokenizerFiles?: BundleFiles;
  /** A studio checkpoint-N folder to continue from. */
  checkpoint?: { step: number; files: Record<string, Uint8Array> } | null;
  /** The base checkpoint's name for train.py (default: its Hub id, else its name). */
  base?: string | null;
  limits?: BundleLimits;
}

const NOT_A_CSV = /\.(jsonl|ndjson|json|parquet)(\.gz)?$/i;

/** A tagged split's rows: the sentences (words joined), their words and tag names. */
function taggedRows(corpus: TaggedCorpus): SplitRows {
  const tokens = sentencesOf(corpus);
  return {
    texts: sentenceTexts(corpus),
    pairs: null,
    labels: [],
    tagged: { tokens, tags: tagNamesOf(corpus) },
  };
}

/** The data part of the input: the table's rows as split, or a tagged file's sentences. */
function dataOf(session: StudioSession): ScriptBundleInput['data'] {
  const p = session.prepared;
  if (!p)
    throw new StudioError('not-ready', 'Prepare the data before exporting the run as a script.');
  if (session.tagged && p.tagged) {
    // The sentence split the studio trained on (a validation file, else its seeded split).
    const parts = splitTagged(
      session.tagged.corpus,
      session.validationTagged,
      p.options.validationFraction,
      p.options.seed,
    );
    return {
      textColumn: 'tokens',
      labelColumn: 'ner_tags',
      maxLength: p.options.maxLength,
      problemType: p.problemType,
      labels: p.maps.labels,
      train: taggedRows(parts.train),
      validation: taggedRows(parts.validation),
      sourceFile: session.tagged.fileName,
      validationSourceFile: session.validationTagged?.fileName ?? null,
      validationSplit: p.options.validationFraction,
      header: null,
      delimiter: null,
      tagged: { labelAllTokens: p.tagged.labelAllTokens },
    };
  }
  const table = session.table;
  if (!table)
    throw new StudioError('not-ready', 'Prepare the data before exporting the run as a script.');
  const parts = splitExamples(table, session.validationTable, p.options);
  const columns = p.options.columns;
  const csv = !NOT_A_CSV.test(table.fileName);
  return {
    textColumn: columns.text,
    labelColumn: columns.label,
    textPairColumn: columns.textPair,
    maxLength: p.options.maxLength,
    problemType: p.problemType,
    labels: p.maps.labels,
    labelDelimiter: parts.task.labelDelimiter,
    train: parts.trainPart,
    validation: parts.valPart,
    sourceFile: table.fileName,
    validationSourceFile: session.validationTable?.fileName ?? null,
    validationSplit: p.options.validationFraction,
    header: csv ? table.hasHeader : null,
    delimiter: csv ? (table.delimiter === '\t' ? 'tab' : table.delimiter) : null,
  };
}

/**
 * The bundle of the session's prepared data and last model spec.
 * @throws Error when the data is not prepared or no run (spec and arguments) is known
 */
export async function scriptBundleFromSession(
  session: StudioSession,
  opts: FromSessionOptions = {},
): Promise<ScriptBundle> {
  const input = await scriptBundleInput(session, opts);
  return buildScriptBundle(input, opts.limits);
}

export async function scriptBundleInput(
  session: StudioSession,
  opts: FromSessionOptions = {},
): Promise<ScriptBundleInput> {
  const p = session.prepared;
  const tok = session.tokenizer;
  const spec = opts.spec ?? session.spec;
  const args = opts.args ?? session.args;
  if (!p || !tok || (!session.table && !session.tagged))
    throw new StudioError('not-ready', 'Prepare the data before exporting the run as a script.');
  if (!spec || !args)
    throw new StudioError(
      'not-ready',
      'Train (or start) a run first: the script bundle is of a run.',
    );
  const data = dataOf(session);
  // The step-0 model's config, known without building it: a model over the bundle's weight limit
  // (one too large for the tab, the case the bundle is for) is never built here.
  let config: ModelConfig;
  if (spec.kind === 'scratch') config = scratchConfig(spec, p, tok);
  else {
    if (!session.pretrained)
      throw new StudioError('not-ready', 'Load a pretrained model before exporting its run.');
    config = {
      ...applyConfigOverrides(session.pretrained.config, {
        id2label: p.maps.id2label,
        label2id: p.maps.label2id,
      }),
      problem_type: p.tagged ? null : p.problemType,
    };
  }
  const family = familyOf(config);
  const parameters = countParameters(family, config);
  const weightsBytes = 4 * parameters;
  let configJson = family.configToJson(config);
  const maxPositions = family.maxInputLength(config);
  let initialWeights: Uint8Array | null = null;
  if (weightsBytes <= (opts.limits ?? DEFAULT_BUNDLE_LIMITS).weightsBytes) {
    const { model } = buildModel(spec, p, tok, session.pretrained, args.seed);
    try {
      const hf = await exportHfModel(model);
      configJson = hf['config.json'];
      initialWeights = hf['model.safetensors'];
    } finally {
      model.dispose();
    }
  }
  const estimate = session.estimateMemory(
    spec,
    args.per_device_train_batch_size,
    {},
    args.gradient_checkpointing,
  );
  const speed = session.trainerState?.log_history
    .map((e) => (e as unknown as Record<string, unknown>).train_samples_per_second)
    .findLast((x) => typeof x === 'number') as number | undefined;
  return {
    args,
    data,
    model: {
      kind: spec.kind,
      base:
        spec.kind === 'pretrained'
          ? (opts.base ?? session.pretrained?.hubId ?? session.pretrained?.name ?? null)
          : null,
      config: configJson,
      initialWeights,
      weightsBytes,
      parameters,
    },
    tokenizer: opts.tokenizerFiles ?? {
      'tokenizer.json': JSON.stringify(tok.files.tokenizerJson),
      'tokenizer_config.json': exportedTokenizerConfigJson(
        tok.files.tokenizerConfig,
        tok.files.tokenizerJson,
        p.options.maxLength,
        maxPositions,
      ),
    },
    checkpoint: opts.checkpoint ?? null,
    fit: {
      memoryBytes: estimate.totalBytes,
      memoryBudgetBytes: estimate.budgetBytes,
      samplesPerSecond: speed ?? null,
    },
  };
}
