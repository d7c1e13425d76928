/**
 * Token classification's data in a session: a CoNLL/IOB or tagged JSON Lines file detected and
 * read (instead of as a table), a validation file checked against its tag set, the
 * sentence-level split (seeded, as the table split), and each split encoded with its labels
 * aligned as the token-classification guide does (`encodeTagged`).
 */
import type { TaggingOptions } from '../config/resolveRun';
import { decodeBytes } from '../data/decode';
import type { ReadInput } from '../data/read';
import { DEFAULT_MAX_BYTES, mib } from '../data/readBudget';
import { gunzip, isBlob } from '../data/readBytes';
import { stratifiedSplit } from '../data/split';
import { detectTaggedFormat, readTagged } from '../data/tagged';
import type { TaggedCorpus } from '../data/taggedTypes';
import { encodeTagged } from '../tokenize/alignTags';
import type { Tokenizer } from '../tokenize/tokenizer';
import type { LabeledDataset } from '../train/dataset';
import { StudioError } from '../util/errors';

/** A tagged file read into the session. */
export interface LoadedTagged {
  fileName: string;
  encoding: string;
  /** Bytes of the file (all read: a tagged file is never capped); compressed ones when gzip. */
  bytes: number;
  /** Whether the file was gzip-compressed (read decompressed). */
  gzip?: boolean;
  corpus: TaggedCorpus;
}

export type { TaggingOptions };

/** Bytes looked at to decide whether a file is tagged. */
const SNIFF_BYTES = 64 * 1024;

/** The bytes of a read input (a stream is read whole). */
async function bytesOf(input: ReadInput): Promise<Uint8Array> {
  if (input instanceof Uint8Array) return input;
  if (isBlob(input)) return new Uint8Array(await input.arrayBuffer());
  return new Uint8Array(await new Response(input).arrayBuffer());
}

/**
 * The first bytes of a read input, for detection, and the input to read from afterwards (a
 * stream is teed: its first chunks are read from one branch, the other is read later whole).
 */
async function headOf(input: ReadInput): Promise<{ head: Uint8Array; rest: ReadInput }> {
  if (input instanceof Uint8Array) return { head: input.subarray(0, SNIFF_BYTES), rest: input };
  if (isBlob(input)) {
    return { head: new Uint8Array(await input.slice(0, SNIFF_BYTES).arrayBuffer()), rest: input };
  }
  const [probe, rest] = input.tee();
  const reader = probe.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < SNIFF_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  // Not awaited: a tee branch's cancel settles only once the other branch is cancelled or read
  // to its end, so awaiting it here (before `rest` is read) never returns for a file longer
  // than the sniffed bytes.
  void reader.cancel();
  const head = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    head.set(c, at);
    at += c.length;
  }
  return { head: head.subarray(0, SNIFF_BYTES), rest };
}

/**
 * The text of a file's first bytes, or null for bytes that are not text (Parquet, an image, a
 * gzip stream that does not decompress): those are not tagged, and the table reader says what
 * they are.
 */
function textOrNull(head: Uint8Array): string | null {
  try {
    return decodeBytes(head).text;
  } catch {
    return null;
  }
}

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/**
 * What detection looks at: the first {@link SNIFF_BYTES} of the text, decompressed when the file
 * is gzip (as the table reader decompresses it), and whether that start was cut (so its last
 * line may be partial). Null when there is nothing to look at.
 */
function sniffed(head: Uint8Array): { bytes: Uint8Array; cut: boolean } | null {
  if (head.length === 0) return null;
  if (!isGzip(head)) return { bytes: head, cut: head.length === SNIFF_BYTES };
  try {
    // The head of a longer stream decompresses up to where it was cut (`capped`).
    const out = gunzip(head, SNIFF_BYTES);
    return out.bytes.length === 0 ? null : { bytes: out.bytes, cut: out.capped };
  } catch {
    return null; // damaged: the table reader says so
  }
}

/** A gzip file's bytes decompressed whole, or an error saying why they cannot be. */
function gunzipWhole(bytes: Uint8Array, fileName: string): Uint8Array {
  const out = gunzip(bytes, DEFAULT_MAX_BYTES);
  if (out.capped) {
    const why =
      out.bytes.length >= DEFAULT_MAX_BYTES
        ? `decompresses to more than the ${mib(DEFAULT_MAX_BYTES)} the studio reads at once`
        : 'is cut short or damaged (it stops decompressing part way)';
    throw new StudioError('data', `${fileName} ${why}: a tagged file is read whole.`, {
      remedy:
        out.bytes.length >= DEFAULT_MAX_BYTES
          ? 'Split the file into smaller ones, or sample its sentences.'
          : 'Download or compress the file again.',
    });
  }
  return out.bytes;
}

/** The start of a text cut at its last whole line (so detection sees only whole lines). */
function wholeLines(text: string, cut: boolean): string {
  if (!cut) return text;
  const end = text.lastIndexOf('\n');
  return end > 0 ? text.slice(0, end) : text;
}

/**
 * Reads `input` as a tagged file when it is one (CoNLL/IOB text, or JSON Lines rows with
 * `tokens` and `ner_tags`; either gzip-compressed too, e.g. `.conll.gz`); `tagged` is null
 * otherwise, and `input` what to read the table from
 * (a stream's unread branch). `task` decides what a detection may not: 'text-classification'
 * refuses a tagged file (saying why), and 'token-classification' refuses a file that is not
 * tagged.
 */
export async function detectAndReadTagged(
  fileName: string,
  input: ReadInput,
  opts: Pick<TaggingOptions, 'task' | 'labelNames'>,
): Promise<{ tagged: LoadedTagged | null; input: ReadInput }> {
  const { head, rest } = await headOf(input);
  const start = sniffed(head);
  const text = start === null ? null : textOrNull(start.bytes);
  // `x.conll.gz` is named as `x.conll` is (the extension says CoNLL).
  const innerName = fileName.replace(/\.gz$/i, '');
  const format =
    text === null || start === null
      ? null
      : detectTaggedFormat(wholeLines(text, start.cut), innerName);
  if (format === null) {
    if (opts.task === 'token-classification') {
      throw new StudioError(
        'data',
        `${fileName} is not a tagged file: token classification reads CoNLL/IOB text (one ` +
          '"word<TAB>tag" per line, a blank line between sentences) or JSON Lines rows with ' +
          '"tokens" and "ner_tags".',
        { remedy: 'Open a CoNLL or tagged JSON Lines file, or set task to text-classification.' },
      );
    }
    return { tagged: null, input: rest };
  }
  if (opts.task === 'text-classification') {
    throw new StudioError(
      'data',
      `${fileName} is a tagged ${format === 'conll' ? 'CoNLL' : 'JSON Lines'} file (one tag per ` +
        'word), but the task is text-classification: read as a table, each word would become a ' +
        'text and its tag a class, which trains a word classifier, not a tagger.',
      {
        remedy:
          "Set task to 'token-classification' (or 'auto'), or open a table with a text and a label column.",
      },
    );
  }
  const bytes = await bytesOf(rest);
  const gzip = isGzip(bytes);
  const decoded = decodeBytes(gzip ? gunzipWhole(bytes, fileName) : bytes);
  const corpus = readTagged(decoded.text, {
    fileName,
    format, // as detected above (by content, or by the name without `.gz`)
    ...(opts.labelNames ? { labelNames: opts.labelNames } : {}),
  });
  return {
    tagged: {
      fileName,
      encoding: decoded.encoding,
      bytes: bytes.length,
      ...(gzip ? { gzip } : {}),
      corpus,
    },
    input: rest,
  };
}

/** {@link detectAndReadTagged} for an input that is read only as tagged (bytes, a Blob). */
export async function readTaggedFile(
  fileName: string,
  input: Uint8Array | Blob | ReadInput,
  opts: Pick<TaggingOptions, 'task' | 'labelNames'>,
): Promise<LoadedTagged | null> {
  return (await detectAndReadTagged(fileName, input, opts)).tagged;
}

/** The sentences `rows` of `corpus`, as a corpus of their own (tag ids and names kept). */
export function corpusSubset(corpus: TaggedCorpus, rows: ArrayLike<number>): TaggedCorpus {
  const words: string[] = [];
  const tags: number[] = [];
  const offsets = new Uint32Array(rows.length + 1);
  const lines = new Uint32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    for (let w = corpus.offsets[r]; w < corpus.offsets[r + 1]; w++) {
      words.push(corpus.words[w]);
      tags.push(corpus.tags[w]);
    }
    offsets[i + 1] = words.length;
    lines[i] = corpus.lines[r];
  }
  return { ...corpus, words, tags: Int32Array.from(tags), offsets, lines };
}

/**
 * `validation` with its tags renumbered to `labelNames` (the training file's). A tag the
 * training file does not have is an error naming it and the line of its first sentence.
 */
export function alignTagSet(
  validation: TaggedCorpus,
  labelNames: readonly string[],
  fileName: string,
): TaggedCorpus {
  const idOf = new Map(labelNames.map((n, i) => [n, i]));
  const unknown = new Map<string, number>();
  const tags = new Int32Array(validation.tags.length);
  let sentence = 0;
  for (let w = 0; w < tags.length; w++) {
    while (validation.offsets[sentence + 1] <= w) sentence++;
    const name = validation.labelNames[validation.tags[w]];
    const id = idOf.get(name);
    if (id === undefined) {
      if (!unknown.has(name)) {
        // A CoNLL sentence has one word per line from its first line on.
        const line =
          validation.format === 'conll'
            ? validation.lines[sentence] + (w - validation.offsets[sentence])
            : validation.lines[sentence];
        unknown.set(name, line);
      }
      continue;
    }
    tags[w] = id;
  }
  if (unknown.size > 0) {
    const list = [...unknown].map(([n, line]) => `${n} (line ${line})`).join(', ');
    throw new StudioError(
      'data',
      `${fileName} has tags the training file does not: ${list}. The model can only predict ` +
        `the training file's tags (${labelNames.join(', ')}).`,
      { remedy: 'Use a validation file with the same tag set as the training file.' },
    );
  }
  return { ...validation, tags, labelNames: [...labelNames] };
}

/** The train and validation sentences: a separate file, else a seeded split of the sentences. */
export function splitTagged(
  corpus: TaggedCorpus,
  validation: LoadedTagged | null,
  fraction: number,
  seed: number,
): { train: TaggedCorpus; validation: TaggedCorpus } {
  if (validation) {
    return {
      train: corpus,
      validation: alignTagSet(validation.corpus, corpus.labelNames, validation.fileName),
    };
  }
  const n = corpus.offsets.length - 1;
  if (n < 2) {
    throw new StudioError(
      'data',
      `The file has ${n} sentence${n === 1 ? '' : 's'}: a validation split needs at least 2.`,
      { remedy: 'Add sentences (a blank line between them), or give a validation file.' },
    );
  }
  // One stratum: a seeded shuffle of the sentences, the fraction held out (as the table split).
  const split = stratifiedSplit(new Int32Array(n), fraction, seed);
  return {
    train: corpusSubset(corpus, split.train),
    validation: corpusSubset(corpus, split.validation),
  };
}

/** A tagged split encoded for training: per-token labels, word ids and words per sentence. */
export function taggedDataset(
  tok: Tokenizer,
  corpus: TaggedCorpus,
  maxLength: number,
  labelAllTokens: boolean,
): LabeledDataset {
  const enc = encodeTagged(tok, corpus, maxLength, { labelAllTokens });
  const n = corpus.offsets.length - 1;
  const words = new Uint32Array(n);
  for (let i = 0; i < n; i++) words[i] = corpus.offsets[i + 1] - corpus.offsets[i];
  return {
    encoded: { ids: enc.ids, offsets: enc.offsets, typeIds: null, truncated: enc.truncated },
    labels: enc.labels,
    labelWidth: 0,
    size: n,
    tagged: { labelNames: corpus.labelNames, wordIds: enc.wordIds, words },
  };
}

/** The words of each sentence of `corpus`. */
export function sentencesOf(corpus: TaggedCorpus): string[][] {
  const out: string[][] = [];
  for (let i = 0; i + 1 < corpus.offsets.length; i++) {
    out.push(corpus.words.slice(corpus.offsets[i], corpus.offsets[i + 1]));
  }
  return out;
}

/** The tag names of each sentence of `corpus`. */
export function tagNamesOf(corpus: TaggedCorpus): string[][] {
  const out: string[][] = [];
  for (let i = 0; i + 1 < corpus.offsets.length; i++) {
    const row: string[] = [];
    for (let w = corpus.offsets[i]; w < corpus.offsets[i + 1]; w++) {
      row.push(corpus.labelNames[corpus.tags[w]]);
    }
    out.push(row);
  }
  return out;
}
