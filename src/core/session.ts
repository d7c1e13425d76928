/**
 * One studio session: the loaded table, the tokenizer, the prepared splits, the model and its
 * trainer. The browser worker and the command line both drive this object, so the path from a
 * dropped file to an exported model is the same code everywhere.
 *
 * The class holds the state and checks that each step has what it needs; the work itself is in
 * `./session/` (one module per step), as free functions of what they use. The data half (table,
 * tokenizer, prepared splits) is `SessionData` (session/data.ts), which this class extends.
 */
import type { MemoryEstimate, MemoryLimits } from './model/memory';
import type { SequenceClassifier } from './model/classifier';
import { fastTokenizer } from './tokenize/fastWordPiece';
import type { Tokenizer } from './tokenize/tokenizer';
import { parseTrainingArguments, type TrainingArguments } from './train/args';
import type { EvalRows } from './train/evalDetails';
import type { LogitsSource } from './train/evaluate';
import type { LogEntry, TrainerState } from './train/state';
import type { Trainer } from './train/trainer';
import { StudioError } from './util/errors';
import { SessionData } from './session/data';
import { validationEvalRows } from './session/evalRows';
import {
  exportModelZip,
  loadModelFiles,
  modelCardFor,
  modelFilesFromZip,
} from './session/exportImport';
import { modelInputLength } from './session/maxLength';
import { buildModel, estimateRunMemory, type BaseModel } from './session/model';
import { evaluateOnTable, predictTexts } from './session/predict';
import { readCheckpoint, type PretrainedCheckpoint } from './session/pretrained';
import { newTrainer, runTrainer, type RunOptions } from './session/training';
import type {
  ColumnChoice,
  ModelSpec,
  Prediction,
  PretrainedInfo,
  TrainResult,
} from './session/types';

export type { LengthLimit } from './session/maxLength';
export type { BaseModel } from './session/model';
export type {
  ColumnChoice,
  DatasetSummary,
  ModelSpec,
  Prediction,
  PrepareOptions,
  PretrainedInfo,
  PretrainedModelSpec,
  ScratchModelSpec,
  TableSummary,
  TrainedTokenizerModel,
  TrainResult,
  Truncation,
} from './session/types';

/** The studio's state from a dropped file to an exported model; see the module comment. */
export class StudioSession extends SessionData {
  model: SequenceClassifier | null = null;
  /**
   * The current model's tokenizer: the one its run trained with, or an imported zip's own. The
   * data's (`tokenizer`, what the next run trains with) stays as chosen: importing a model does
   * not change what a run of the page trains on.
   */
  modelTokenizer: Tokenizer | null = null;
  labels: string[] = [];
  args: TrainingArguments | null = null;
  /** The model the last run trained (its sizes, or the checkpoint's max_length). */
  spec: ModelSpec | null = null;
  /**
   * The last run's trainer state (its trainer_state.json; the run in progress' while it trains),
   * or null for a loaded model.
   */
  trainerState: TrainerState | null = null;
  /** The loaded pretrained checkpoint's bytes (kept: each run starts from them), or null. */
  pretrained: PretrainedCheckpoint | null = null;
  /** The checkpoint the current model was fine-tuned from (for the model card), or null. */
  baseModel: BaseModel | null = null;
  /**
   * Tokens the current model reads: the max_length it was trained with, or for a loaded model
   * its tokenizer's model_max_length within its max_position_embeddings. Predictions cut texts
   * there, and exports write it as tokenizer_config.json's model_max_length. Null: no model.
   */
  inputLength: number | null = null;
  /** The last run's final metrics (for the model card). */
  lastMetrics: Record<string, number> = {};
  private trainer: Trainer | null = null;
  /** HF loading warnings of the last fine-tuning run's model. */
  pretrainedNotices: string[] = [];

  /**
   * Loads a pretrained checkpoint from its files (`config.json`, `model.safetensors`, and when
   * present `tokenizer.json` + `tokenizer_config.json`, or `vocab.txt`): validates the config
   * (a family the studio builds) and the weights (header, dtypes, names and shapes against the config) with
   * a specific message, keeps the bytes for `train({kind: 'pretrained'})`, and replaces the
   * tokenizer with the checkpoint's own when it has one (the data must then be prepared again).
   * File names may carry a folder prefix ("bert-mini/config.json"). `hubId`: the Hub id
   * (`owner/name`) it was downloaded as, for the model card's base_model; null otherwise.
   * `info.lengthLimit` is the longest max_length it takes (see session/maxLength.ts).
   */
  async loadPretrained(
    files: Record<string, Uint8Array>,
    name = 'dropped files',
    hubId: string | null = null,
  ): Promise<PretrainedInfo> {
    const { checkpoint, tokenizer } = await readCheckpoint(files, name, this.tokenizer, hubId);
    if (tokenizer) {
      this.tokenizer = fastTokenizer(tokenizer);
      this.prepared = null;
    }
    this.pretrained = checkpoint;
    return checkpoint.info;
  }

  /** Forgets the pretrained checkpoint (the next from-scratch run does not need it). */
  clearPretrained(): void {
    this.pretrained = null;
  }

  /**
   * Memory a run of `spec` at `batchSize` would need, against `limits` (see
   * `estimateTrainingMemory` in model/memory.ts). Uses the data's label count when prepared,
   * else 2. `gradientCheckpointing`: TrainingArguments' `gradient_checkpointing`.
   */
  estimateMemory(
    spec: ModelSpec,
    batchSize: number,
    limits: MemoryLimits = {},
    gradientCheckpointing = false,
  ): MemoryEstimate {
    return estimateRunMemory(
      spec,
      batchSize,
      limits,
      this.prepared?.maps.labels.length ?? 2,
      this.pretrained?.config ?? null,
      this.tokenizer?.vocabSize,
      gradientCheckpointing,
    );
  }

  /** Builds a fresh model for the prepared data and trains it. */
  async train(spec: ModelSpec, rawArgs: unknown, opts: RunOptions = {}): Promise<TrainResult> {
    const p = this.prepared;
    const tok = this.tokenizer;
    if (!p || !tok) throw new StudioError('not-ready', 'Prepare the data before training.');
    if (spec.max_length !== p.options.maxLength) {
      throw new StudioError(
        'not-ready',
        `max_length changed (${p.options.maxLength} -> ${spec.max_length}): prepare the data again.`,
      );
    }
    const { args } = parseTrainingArguments(rawArgs);
    this.model?.dispose();
    this.model = null;
    this.modelTokenizer = null;
    const built = buildModel(spec, p, tok, this.pretrained, args.seed);
    this.model = built.model;
    this.modelTokenizer = tok;
    this.inputLength = spec.max_length;
    this.baseModel = built.baseModel;
    this.pretrainedNotices = built.notices;
    this.labels = p.maps.labels;
    this.args = args;
    this.spec = spec;
    const trainer = newTrainer(built.model, args, p, tok, spec.max_length, opts);
    this.trainer = trainer;
    // The run's log is its trainer state's log_history (also after a failed or stopped run).
    this.trainerState = trainer.state;
    try {
      const result = await runTrainer(trainer, this.pretrainedNotices);
      this.lastMetrics = result.metrics;
      return result;
    } finally {
      trainer.dispose();
      this.trainer = null;
    }
  }

  /** Stops a run in progress after its current step. */
  stop(): boolean {
    if (!this.trainer) return false;
    this.trainer.stop();
    return true;
  }

  /** Whether a run is in progress. */
  get training(): boolean {
    return this.trainer !== null;
  }

  /** Pauses a run in progress between steps; false when nothing is training. */
  pause(): boolean {
    if (!this.trainer) return false;
    this.trainer.pause();
    return true;
  }

  /** Continues a paused run with its next step; false when nothing is training. */
  unpause(): boolean {
    if (!this.trainer) return false;
    this.trainer.unpause();
    return true;
  }

  /** The run's log history: its trainer state's `log_history` ([] for a loaded model). */
  get logHistory(): LogEntry[] {
    return this.trainerState?.log_history ?? [];
  }

  /**
   * Waits until the model holds still: at once without a run; while a run is paused, once its
   * step in flight ended. A run training on refuses (its weights change with every step).
   */
  async modelAtRest(what: string): Promise<void> {
    const t = this.trainer;
    if (!t) return;
    if (!t.paused)
      throw new StudioError(
        'busy',
        `A run is in progress: pause it or wait for it to end ${what}.`,
        { remedy: 'Pause the run (or wait for it to end), then try again.' },
      );
    await t.settled();
  }

  /**
   * Class probabilities for each text, cut at the tokens the model reads ({@link inputLength});
   * each prediction says whether its text was cut.
   */
  async predict(texts: string[]): Promise<Prediction[]> {
    const model = this.model;
    const tok = this.modelTokenizer;
    if (!model || !tok)
      throw new StudioError(
        'not-ready',
        'There is no model yet: train one or load an exported one.',
      );
    if (model.head === 'token')
      throw new StudioError('not-ready', 'This model tags words: ask it for entities instead.');
    await this.modelAtRest('to try it');
    return predictTexts(model, tok, this.labels, texts, this.modelInputLength(model));
  }

  /**
   * The current model's logits on the prepared validation split, with the texts, true labels and
   * what truncation kept of each row (for the evaluation views; see `buildEvalDetails`).
   */
  async evalRows(batchSize = 32): Promise<EvalRows> {
    const model = this.model;
    const tok = this.modelTokenizer;
    const p = this.prepared;
    if (!model || !tok)
      throw new StudioError('not-ready', 'There is no model yet: train one first.');
    if (!p)
      throw new StudioError(
        'not-ready',
        'There is no prepared validation split: prepare the data first.',
      );
    if (tok !== this.tokenizer) {
      throw new StudioError(
        'tokenizer',
        "The validation split was tokenized with another tokenizer than this model's: evaluate it on a file instead.",
        { remedy: 'Evaluate the model on a data file, or prepare the data with its tokenizer.' },
      );
    }
    if (model.head === 'token')
      throw new StudioError('not-ready', 'This model tags words: ask for its tagged details.');
    await this.modelAtRest('to evaluate it');
    return validationEvalRows(model, tok, p, batchSize);
  }

  /**
   * The trained model as a zip: HF folder files, TF.js weights and the tokenizer; in the one top
   * folder `folder` when given (see `exportFolderName`).
   */
  async exportZip(folder = ''): Promise<Uint8Array> {
    const model = this.model;
    const tok = this.modelTokenizer;
    if (!model || !tok)
      throw new StudioError(
        'not-ready',
        'There is no model to export yet: train one or load an exported one.',
      );
    await this.modelAtRest('to export it');
    return exportModelZip(
      model,
      tok,
      {
        args: this.args,
        logHistory: this.logHistory,
        state: this.trainerState,
        maxLength: this.modelInputLength(model),
        columns: this.args ? this.prepared?.options.columns : undefined,
        spec: this.args ? this.spec : null,
      },
      this.modelCard(),
      folder,
    );
  }

  /** {@link inputLength} of `model`, which is the current one. */
  private modelInputLength(model: SequenceClassifier): number {
    return this.inputLength ?? model.maxInputLength();
  }

  /**
   * tokenizer_config.json's model_max_length for an export of the current model: the tokens it
   * reads (see {@link inputLength}).
   */
  exportMaxLength(): number {
    const model = this.model;
    if (!model)
      throw new StudioError(
        'not-ready',
        'There is no model to export yet: train one or load an exported one.',
      );
    return this.modelInputLength(model);
  }

  /** README.md for the current model: metrics, labels, training arguments, how to load it. */
  modelCard(datasetName?: string | null): string {
    const model = this.model;
    if (!model)
      throw new StudioError(
        'not-ready',
        'There is no model yet: train one or load an exported one.',
      );
    return modelCardFor(model, {
      baseModel: this.baseModel,
      metrics: this.lastMetrics,
      args: this.args,
      logHistory: this.logHistory,
      maxLength: this.modelInputLength(model),
      datasetName: datasetName ?? this.table?.fileName ?? null,
    });
  }

  /** Loads a zip made by `exportZip` (or any HF folder zipped with its tokenizer). */
  async importZip(bytes: Uint8Array): Promise<{ labels: string[]; tokenizer: string }> {
    return this.loadModel(modelFilesFromZip(bytes));
  }

  /** Loads an HF model folder's files (config, weights, tokenizer) as the current model. */
  async loadModel(files: {
    config: object;
    weights: Uint8Array;
    tokenizerJson: object;
    tokenizerConfig: object;
  }): Promise<{ labels: string[]; tokenizer: string }> {
    const { model, tokenizer, labels } = await loadModelFiles(files);
    this.model?.dispose();
    this.model = model;
    this.inputLength = modelInputLength(model.maxInputLength(), tokenizer.modelMaxLength);
    this.modelTokenizer = fastTokenizer(tokenizer);
    this.labels = labels;
    return { labels: this.labels, tokenizer: tokenizer.name };
  }

  /**
   * Evaluates the current model on the loaded table (labels must be among the model's).
   * Returns `eval_`-prefixed metrics as the Trainer logs them. `logits`: where each batch's
   * logits come from (default: this thread).
   */
  async evaluateTable(
    columns: ColumnChoice,
    maxLength: number,
    batchSize = 32,
    logits?: LogitsSource,
  ): Promise<Record<string, number>> {
    const model = this.model;
    const tok = this.modelTokenizer;
    const t = this.table;
    if (!model || !tok)
      throw new StudioError(
        'not-ready',
        'There is no model yet: train one or load an exported one.',
      );
    if (!t) throw new StudioError('not-ready', 'No data is loaded yet: open a data file first.');
    return evaluateOnTable(
      model,
      tok,
      this.labels.length,
      t,
      columns,
      maxLength,
      batchSize,
      logits,
    );
  }
}
