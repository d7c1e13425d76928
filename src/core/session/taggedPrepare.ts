/**
 * Preparing a tagged file for a run: the train and validation sentences (a separate file with
 * the same tag set, or a seeded split), each encoded with aligned labels, the label maps of the
 * tags (id2label = the tag names), and what the page and `studio train` report of them.
 */
import type { DataReport } from '../data/report';
import type { TaggedCorpus, TaggedDataSummary } from '../data/taggedTypes';
import type { Tokenizer } from '../tokenize/tokenizer';
import type { NamedTable } from './examples';
import { taggedSummary } from './taggedSummary';
import { splitTagged, taggedDataset, type LoadedTagged } from './tagged';
import type { DatasetSummary, Prepared, PrepareOptions } from './types';

/** Why a tagged file's task is token classification (the data report's reason). */
function reasonOf(t: LoadedTagged, forced: boolean): string {
  const what =
    t.corpus.format === 'conll' ? 'a CoNLL/IOB file' : 'JSON Lines with tokens and ner_tags';
  return forced
    ? `Token classification, as the task asks: ${what}, one tag per word.`
    : `${t.fileName} is ${what}: one tag per word, so the task is token classification (named entities).`;
}

/** The label maps of the tags, in the corpus's id order. */
function tagMaps(names: readonly string[]) {
  return {
    labels: [...names],
    id2label: Object.fromEntries(names.map((n, i) => [String(i), n])),
    label2id: Object.fromEntries(names.map((n, i) => [n, i])),
  };
}

/** Words per tag id over `corpus`. */
function tagCounts(corpus: TaggedCorpus): number[] {
  const counts = new Array<number>(corpus.labelNames.length).fill(0);
  for (const t of corpus.tags) counts[t] += 1;
  return counts;
}

/**
 * Splits and encodes a tagged file (see the module comment); the tokenizer labels the first
 * sub-token of each word unless `options.tagging.labelAllTokens`.
 */
export function prepareTaggedSplits(
  loaded: LoadedTagged,
  validation: LoadedTagged | null,
  tok: Tokenizer,
  options: PrepareOptions,
): { prepared: Prepared; summary: DatasetSummary } {
  const labelAllTokens = options.tagging?.labelAllTokens ?? false;
  const parts = splitTagged(loaded.corpus, validation, options.validationFraction, options.seed);
  const train = taggedDataset(tok, parts.train, options.maxLength, labelAllTokens);
  const val = taggedDataset(tok, parts.validation, options.maxLength, labelAllTokens);
  const maps = tagMaps(loaded.corpus.labelNames);
  const tagged = taggedSummary(loaded.corpus, tok, options.maxLength);
  const prepared: Prepared = {
    options,
    maps,
    problemType: 'single_label_classification',
    train,
    validation: val,
    validationTexts: sentenceTexts(parts.validation),
    tagged: { validation: parts.validation, labelAllTokens, summary: tagged },
  };
  const tokens = train.encoded.offsets[train.size] + val.encoded.offsets[val.size];
  const summary: DatasetSummary = {
    trainRows: train.size,
    validationRows: val.size,
    labels: maps.labels,
    classCounts: tagCounts(loaded.corpus),
    task: {
      problemType: 'single_label_classification',
      reason: reasonOf(loaded, options.tagging?.task === 'token-classification'),
    },
    skippedRows: [],
    skippedMessage: null,
    truncatedRows: train.encoded.truncated + val.encoded.truncated,
    overlap: 0,
    meanTokens: tokens / Math.max(1, train.size + val.size),
    taskKind: 'token-classification',
    tagged,
  };
  return { prepared, summary };
}

/** Each sentence's words joined by spaces (the text Try it and predictions show for it). */
export function sentenceTexts(corpus: TaggedCorpus): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < corpus.offsets.length; i++) {
    out.push(corpus.words.slice(corpus.offsets[i], corpus.offsets[i + 1]).join(' '));
  }
  return out;
}

/**
 * The data report of a tagged file, in the table report's shape (rows are sentences, the
 * classes are the entity types) with the tagged summary in `tagged`.
 */
export function taggedDataReport(
  loaded: LoadedTagged,
  tok: Tokenizer | null,
  maxLength: number,
): DataReport {
  const c = loaded.corpus;
  const sentences = c.offsets.length - 1;
  const tagged: TaggedDataSummary | null = tok ? taggedSummary(c, tok, maxLength) : null;
  const issues = c.issues.reduce((n, i) => n + i.count, 0);
  return {
    rows: sentences,
    rowsUsed: sentences,
    columns: ['tokens', 'ner_tags'],
    anomalyCount: issues,
    anomaliesByKind: issues ? { 'tag-issue': issues } : {},
    task: {
      problemType: 'single_label_classification',
      labels: [...c.labelNames],
      reason: reasonOf(loaded, false),
    },
    classBalance: (tagged?.entitiesPerType ?? []).map((e) => ({ label: e.type, count: e.count })),
    empty: { count: 0, rows: [] },
    duplicates: { count: 0, rows: [], conflictingLabels: 0 },
    examplesPerClass: [],
    tokenLengths: null,
    capped: null,
    ...(tagged ? { tagged } : {}),
  };
}

/**
 * A tagged file as a table of its sentences (column `tokens`: the words joined by spaces), for
 * the steps that read texts from a table: training a tokenizer on the data.
 */
export function sentenceTable(t: LoadedTagged): NamedTable {
  const texts = sentenceTexts(t.corpus);
  return {
    fileName: t.fileName,
    columns: ['tokens', 'ner_tags'],
    rows: texts.map((s) => [s, '']),
    delimiter: '\t',
    hasHeader: false,
    anomalies: [],
    rowNumbers: Array.from(t.corpus.lines),
    quoting: false,
  };
}
