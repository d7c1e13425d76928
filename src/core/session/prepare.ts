/**
 * Preparing the data: the examples of the chosen columns, their labels encoded for the task, the
 * train/validation split (or a separate validation table), and the tokenized rows.
 */
import { labelCoder } from '../data/labelCoder';
import { findOverlap, stratifiedSplit } from '../data/split';
import { detectTask } from '../data/task';
import { encodeDataset, type EncodedDataset } from '../tokenize/encode';
import type { Tokenizer } from '../tokenize/tokenizer';
import type { LabeledDataset } from '../train/dataset';
import { extractExamples, subset, type Examples, type NamedTable } from './examples';
import type { DatasetSummary, Prepared, PrepareOptions } from './types';

/** Encodes rows already tokenized elsewhere (see `encoderFromRows`) instead of the tokenizer. */
export type RowEncoder = (
  texts: string[],
  pairs: string[] | null,
  maxLength: number,
) => EncodedDataset;

/**
 * The examples of each split before tokenizing: the task and its label coder, the train and
 * validation rows (texts, pairs, label strings) and their encoded targets. A separate
 * `validationTable` is the validation split; else the table is split (seeded, stratified).
 */
export function splitExamples(
  table: NamedTable,
  validationTable: NamedTable | null,
  options: Pick<PrepareOptions, 'columns' | 'validationFraction' | 'seed' | 'task'>,
) {
  const main = extractExamples(table, options.columns);
  // validateExamples (in extractExamples) already rejected a single class.
  const task = detectTask(main.labels, options.task ? { problemType: options.task } : {});
  const coder = labelCoder(task);
  const mainLabels = coder.encode(main.labels);
  if (validationTable) {
    const valPart = extractExamples(validationTable, options.columns);
    return {
      task,
      coder,
      main,
      mainLabels,
      trainPart: main,
      valPart,
      trainLabels: mainLabels,
      valLabels: coder.encode(valPart.labels),
    };
  }
  const split = stratifiedSplit(coder.strata(mainLabels), options.validationFraction, options.seed);
  return {
    task,
    coder,
    main,
    mainLabels,
    trainPart: subset(main, split.train),
    valPart: subset(main, split.validation),
    trainLabels: coder.pick(mainLabels, split.train),
    valLabels: coder.pick(mainLabels, split.validation),
  };
}

/**
 * Validates the columns, encodes labels, splits (seeded, stratified) unless `validationTable` is
 * given, and tokenizes each split with `tok`, or takes its rows from `encodeRows` when given.
 * Returns the splits to keep and what the UI shows of them.
 */
export function prepareSplits(
  table: NamedTable,
  validationTable: NamedTable | null,
  tok: Tokenizer,
  options: PrepareOptions,
  encodeRows: RowEncoder | null,
  onProgress?: (done: number, total: number) => void,
): { prepared: Prepared; summary: DatasetSummary } {
  const { task, coder, main, mainLabels, trainPart, valPart, trainLabels, valLabels } =
    splitExamples(table, validationTable, options);
  const maps = coder.maps;
  const build = (part: Examples, labels: Int32Array | Float32Array): LabeledDataset => ({
    encoded: encodeRows
      ? encodeRows(part.texts, part.pairs, options.maxLength)
      : encodeDataset(tok, part.texts, part.pairs, options.maxLength, onProgress),
    labels,
    labelWidth: coder.width,
    size: part.texts.length,
  });
  const train = build(trainPart, trainLabels);
  const validation = build(valPart, valLabels);
  const validationTexts = valPart.texts;
  const prepared: Prepared = {
    options,
    maps,
    problemType: task.problemType,
    train,
    validation,
    validationTexts,
  };
  const totalTokens =
    train.encoded.offsets[train.size] + validation.encoded.offsets[validation.size];
  const summary: DatasetSummary = {
    trainRows: train.size,
    validationRows: validation.size,
    labels: maps.labels,
    classCounts: coder.counts(mainLabels),
    task: { problemType: task.problemType, reason: task.reason },
    skippedRows: main.skippedRows,
    skippedMessage: main.report.message,
    truncatedRows: train.encoded.truncated + validation.encoded.truncated,
    overlap: findOverlap(trainPart.texts, validationTexts),
    meanTokens: totalTokens / Math.max(1, train.size + validation.size),
  };
  return { prepared, summary };
}
