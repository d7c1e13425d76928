/**
 * Token-classification data: CoNLL/IOB text and JSON Lines with `tokens` + `ner_tags`, read into
 * a {@link TaggedCorpus}. The reader detects the format, the tag scheme (IOB1 and IO are turned
 * into IOB2, counted), and reports what seqeval would read differently from what the file meant
 * (an I-X that starts an entity), with line numbers. Labels are ordered as run_ner.py's
 * `get_label_list` orders them (sorted), or as the names given for integer tags.
 */
import { DataError } from './errors';
import { parseConll, type RawTagged } from './taggedConll';
import { parseTaggedJsonl } from './taggedJsonl';
import {
  detectScheme,
  iob1ToIob2,
  IssueList,
  sortedLabels,
  tagIssues,
  tagParts,
} from './tagScheme';
import type { TaggedCorpus } from './taggedTypes';

export type TaggedFormat = 'conll' | 'jsonl';

const CONLL_EXT = /\.(conll|conllu?|iob2?|bio|bioes|ner|txt\.conll)$/i;
/** The first lines looked at when the file name does not say. */
const SAMPLE_LINES = 200;

function firstLines(text: string, n: number): string[] {
  const out: string[] = [];
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (out.length < n && start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    out.push(text.slice(start, end).replace(/\r$/, ''));
    start = end + 1;
  }
  return out;
}

/**
 * The tagged format of a file, or null when it is not one (a table for text classification).
 * JSON Lines are tagged when their first row has `tokens` and `ner_tags`; text is CoNLL when its
 * name says so (.conll, .iob, .bio) or its lines are `token ... tag` with IOB tags.
 */
export function detectTaggedFormat(text: string, fileName?: string): TaggedFormat | null {
  const lines = firstLines(text, SAMPLE_LINES).filter((l) => l.trim() !== '');
  if (lines.length === 0) return null;
  const first = lines[0].trim();
  if (first.startsWith('{')) {
    for (const line of lines.slice(0, 5)) {
      try {
        const row = JSON.parse(line) as Record<string, unknown>;
        if (row && typeof row === 'object' && 'tokens' in row && 'ner_tags' in row) return 'jsonl';
      } catch {
        return null;
      }
    }
    return null;
  }
  if (fileName && CONLL_EXT.test(fileName)) return 'conll';
  // By content: every sampled line is a single token and a tag (O, B-X, I-X, E-X, S-X), some
  // tags are entity tags or O, and the tokens have no spaces (a text column would).
  let tagged = 0;
  for (const line of lines) {
    const cols = line.includes('\t') ? line.split('\t') : line.trim().split(/ +/);
    if (cols[0].trim() === '-DOCSTART-') continue;
    if (cols.length < 2 || /\s/.test(cols[0])) return null;
    const tag = cols[cols.length - 1].trim();
    if (tag !== 'O' && tagParts(tag).prefix === '') return null;
    tagged++;
  }
  return tagged > 0 ? 'conll' : null;
}

export interface ReadTaggedOptions {
  /** Names of integer `ner_tags` ids, in id order (`--label_names`). */
  labelNames?: string[];
  fileName?: string;
  /**
   * The format, when the task is forced (`--task token-classification`): no detection, so a
   * malformed file gets the error of its first bad line instead of "not a tagged file".
   */
  format?: TaggedFormat;
}

/** Reads a tagged file; throws a DataError with the line and what was expected. */
export function readTagged(text: string, opts: ReadTaggedOptions = {}): TaggedCorpus {
  const format = opts.format ?? detectTaggedFormat(text, opts.fileName);
  if (format === null) {
    throw new DataError(
      'data',
      `${opts.fileName ?? 'The file'} is not token-classification data: expected CoNLL/IOB ` +
        `text (one "token<TAB>tag" per line, a blank line between sentences) or JSON Lines ` +
        `with "tokens" and "ner_tags".`,
      {
        remedy:
          'Pick a .conll/.iob file or JSON Lines with tokens and ner_tags, or train text classification instead.',
      },
    );
  }
  const issues = new IssueList();
  let raw: RawTagged;
  let givenNames: string[] | null = null;
  if (format === 'conll') {
    raw = parseConll(text, issues);
  } else {
    const parsed = parseTaggedJsonl(text);
    raw = parsed;
    if (parsed.integerTags) givenNames = idNames(parsed.fileLabelNames, opts.labelNames);
  }
  if (raw.words.length === 0) {
    throw new DataError('no-rows', `${opts.fileName ?? 'The file'} holds no tagged sentences.`, {
      remedy: 'Pick a file with at least one sentence of tagged words.',
    });
  }
  if (givenNames) namesForIds(raw, givenNames);
  const scheme = detectScheme(raw.tags);
  const convertedTags = scheme === 'IOB1' || scheme === 'IO' ? iob1ToIob2(raw.tags) : 0;
  tagIssues(raw, scheme, issues);
  const labelNames = givenNames ? [...givenNames] : sortedLabels(raw.tags.flat());
  if (givenNames) {
    // IOB1 conversion may bring B- tags the given names lack: added after them.
    for (const t of sortedLabels(raw.tags.flat())) if (!labelNames.includes(t)) labelNames.push(t);
  }
  return flatten(raw, format, labelNames, scheme, convertedTags, issues);
}

/** The names of integer tags: the option's, else the file's (they must agree when both are given). */
function idNames(fromFile: string[] | null, fromOption: string[] | undefined): string[] {
  const option = fromOption && fromOption.length > 0 ? fromOption : null;
  if (option && fromFile && option.join('\u0000') !== fromFile.join('\u0000')) {
    throw new DataError(
      'data',
      `The label names given (${option.join(', ')}) differ from the file's own (${fromFile.join(', ')}).`,
      { remedy: "Leave out --label_names to use the file's names, or fix the file." },
    );
  }
  const names = option ?? fromFile;
  if (!names) {
    throw new DataError(
      'data',
      'The ner_tags are integer ids and the file names no tags; expected the tag names in id order.',
      {
        column: 'ner_tags',
        remedy:
          "Give the names with --label_names (e.g. O,B-person,I-person,...), in id order as the dataset's features list them.",
      },
    );
  }
  return names;
}

/** Replaces integer tags (decimal strings) by their names; an id out of range names its line. */
function namesForIds(raw: RawTagged, names: string[]): void {
  raw.tags.forEach((tags, s) => {
    for (let w = 0; w < tags.length; w++) {
      const id = Number(tags[w]);
      if (id >= names.length) {
        throw new DataError(
          'data',
          `Line ${raw.lines[s][w]}: tag id ${id} has no name; expected ids 0 to ${names.length - 1} (${names.length} label names).`,
          { row: raw.lines[s][w], column: 'ner_tags' },
        );
      }
      tags[w] = names[id];
    }
  });
}

function flatten(
  raw: RawTagged,
  format: TaggedFormat,
  labelNames: string[],
  scheme: TaggedCorpus['scheme'],
  convertedTags: number,
  issues: IssueList,
): TaggedCorpus {
  const idOf = new Map(labelNames.map((n, i) => [n, i]));
  const n = raw.words.reduce((s, w) => s + w.length, 0);
  const words = new Array<string>(n);
  const tags = new Int32Array(n);
  const offsets = new Uint32Array(raw.words.length + 1);
  const lines = new Uint32Array(raw.words.length);
  let k = 0;
  raw.words.forEach((ws, s) => {
    lines[s] = raw.lines[s][0];
    for (let w = 0; w < ws.length; w++, k++) {
      words[k] = ws[w];
      tags[k] = idOf.get(raw.tags[s][w]) ?? 0;
    }
    offsets[s + 1] = k;
  });
  return {
    format,
    words,
    tags,
    offsets,
    lines,
    labelNames,
    scheme,
    convertedTags,
    issues: issues.list(),
  };
}

/** Sentence i's words. */
export function sentenceWords(c: TaggedCorpus, i: number): string[] {
  return c.words.slice(c.offsets[i], c.offsets[i + 1]);
}

/** Sentence i's tags as names. */
export function sentenceTags(c: TaggedCorpus, i: number): string[] {
  const out: string[] = [];
  for (let k = c.offsets[i]; k < c.offsets[i + 1]; k++) out.push(c.labelNames[c.tags[k]]);
  return out;
}

/** Number of sentences. */
export function sentenceCount(c: TaggedCorpus): number {
  return c.offsets.length - 1;
}
