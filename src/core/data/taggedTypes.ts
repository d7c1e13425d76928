/**
 * Token classification (named entities, as transformers' token-classification guide): the shapes
 * every layer shares. The data reader (CoNLL/IOB text, JSON Lines with `tokens` + `ner_tags`)
 * produces a {@link TaggedCorpus}; the tokenizer aligns its words to sub-tokens
 * ({@link TaggedEncoding}); evaluation produces {@link TokenClassificationMetrics} (seqeval's
 * names) and the views' details; Try it and `studio predict` produce {@link TextEntity} lists as
 * `pipeline("token-classification", aggregation_strategy="simple")` does.
 */

/** Which task a run trains: one label per text (or pair), or one tag per word. */
export type TaskKind = 'text-classification' | 'token-classification';

/** The label value transformers ignores in the loss and the metrics (`-100`). */
export const IGNORE_INDEX = -100;

/** A tagging scheme a file was found in. IOB1 is converted to IOB2 on reading. */
export type TagScheme = 'IOB2' | 'IOB1' | 'IOBES' | 'IO';

/** One problem found while reading tags, with the 1-based file lines it concerns. */
export interface TagIssue {
  /** e.g. "I-person after O (kept as the start of an entity, as seqeval reads it)". */
  message: string;
  /** 1-based lines in the file (first 20 at most; `count` holds the total). */
  lines: number[];
  count: number;
}

/**
 * Sentences of words with one tag each, flat: sentence i is `words[offsets[i] .. offsets[i+1])`
 * and `tags` (ids into `labelNames`) is parallel to `words`.
 */
export interface TaggedCorpus {
  format: 'conll' | 'jsonl';
  words: string[];
  tags: Int32Array;
  /** length sentences + 1. */
  offsets: Uint32Array;
  /** 1-based file line where each sentence starts (JSON Lines: its line). */
  lines: Uint32Array;
  /**
   * Tag names by id. For files that carry only names: sorted by code point, as run_ner.py's
   * `get_label_list` does; for JSON Lines with integer `ner_tags`: the names given.
   */
  labelNames: string[];
  /** The scheme the file was written in (before any IOB1 -> IOB2 conversion). */
  scheme: TagScheme;
  /** Tags changed by the IOB1 -> IOB2 conversion (0 when none). */
  convertedTags: number;
  /** I-X after O or after another type, `-DOCSTART-` lines skipped, odd lines, ... */
  issues: TagIssue[];
}

/**
 * A tagged corpus tokenized as `tokenizer(words, is_split_into_words=True, truncation=True,
 * max_length=...)` with labels aligned as the guide's `tokenize_and_align_labels`: the first
 * sub-token of each word gets the word's tag id, the others and the special tokens
 * {@link IGNORE_INDEX} (with `label_all_tokens`, every sub-token gets its word's tag, B- turned to
 * I- after the first, as run_ner.py's `b_to_i_label`). The ragged arrays are parallel to `ids`.
 */
export interface TaggedEncoding {
  /** As EncodedDataset: all rows' token ids, concatenated. */
  ids: Uint16Array | Int32Array;
  /** Row i is ids[offsets[i] .. offsets[i+1]); length n + 1. */
  offsets: Uint32Array;
  /** Always null (no pairs in token classification). */
  typeIds: null;
  /** Sentences cut to max_length. */
  truncated: number;
  /** Tag id or IGNORE_INDEX per token. */
  labels: Int32Array;
  /** The word index (within its sentence) of each token; -1 for special tokens. */
  wordIds: Int32Array;
}

/** An entity over a sentence's words: its type and the words [start, end). */
export interface WordSpan {
  type: string;
  start: number;
  end: number;
}

/**
 * An entity in a text, as `pipeline("token-classification", aggregation_strategy="simple")`
 * returns it (character offsets into the text; score = mean of its tokens' scores).
 */
export interface TextEntity {
  entity_group: string;
  score: number;
  word: string;
  start: number;
  end: number;
}

/** seqeval's scores of one entity type (`number` is its count in the gold tags). */
export interface EntityTypeScores {
  type: string;
  precision: number;
  recall: number;
  f1: number;
  number: number;
}

/**
 * `evaluate.load("seqeval")`'s result, flattened as the guide's `compute_metrics` returns it:
 * the Trainer logs them as `eval_precision`, `eval_recall`, `eval_f1`, `eval_accuracy`.
 */
export interface TokenClassificationMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Tag accuracy over labelled words. */
  accuracy: number;
  perType: EntityTypeScores[];
}

/**
 * Gold entity type (rows) x predicted entity type (columns), matched by exact span; the last row
 * is "spurious" (predicted where gold has no entity of that span) and the last column "missed"
 * (gold entities with no predicted entity of that span). `types` are in label order.
 */
export interface EntityConfusion {
  types: string[];
  /** (types.length + 1) x (types.length + 1), row-major. */
  counts: number[];
}

/** One validation sentence with its gold and predicted entities (word level). */
export interface TaggedSentenceResult {
  /** Index of the sentence in the validation split. */
  row: number;
  words: string[];
  gold: WordSpan[];
  predicted: WordSpan[];
  /** Gold entities not predicted exactly plus predicted entities not in gold. */
  errors: number;
}

/** What the data report adds for a tagged corpus. */
export interface TaggedDataSummary {
  format: 'conll' | 'jsonl';
  sentences: number;
  words: number;
  labelNames: string[];
  scheme: TagScheme;
  convertedTags: number;
  issues: TagIssue[];
  /** Entities per type in the file (IOB2 spans), most first. */
  entitiesPerType: { type: string; count: number }[];
  /** Sentence lengths in words and in sub-tokens (special tokens included, before truncation). */
  wordLengths: number[];
  subTokenLengths: number[];
  /** Entities whose words truncation at max_length cuts (partly or wholly). */
  entitiesCut: number;
  sentencesTruncated: number;
}
