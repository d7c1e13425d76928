/**
 * CoNLL/IOB text: one `token<TAB or spaces>tag` per line (extra middle columns ignored, the tag is
 * the last column), a blank (or whitespace-only) line between sentences, `-DOCSTART-` lines
 * skipped, as the CoNLL-2003 and WNUT 2017 files and the Hub's conll loaders read them.
 */
import { DataError } from './errors';
import type { IssueList, TagSentences } from './tagScheme';

/** Sentences of words and their tags, with the 1-based line of every word. */
export interface RawTagged extends TagSentences {
  words: string[][];
}

const REMEDY =
  'Write one token and its tag per line (separated by a tab or spaces, the tag last), with a blank line between sentences.';

/** The columns of one line: split at tabs when it has any, else at runs of spaces. */
function columns(line: string): string[] {
  return line.includes('\t') ? line.split('\t') : line.trim().split(/ +/);
}

/** Parses a CoNLL/IOB text; throws a DataError naming the first bad line. */
export function parseConll(text: string, issues: IssueList): RawTagged {
  const out: RawTagged = { words: [], tags: [], lines: [] };
  let words: string[] = [];
  let tags: string[] = [];
  let lines: number[] = [];
  const flush = () => {
    if (words.length > 0) {
      out.words.push(words);
      out.tags.push(tags);
      out.lines.push(lines);
      words = [];
      tags = [];
      lines = [];
    }
  };
  const all = text.split('\n');
  for (let i = 0; i < all.length; i++) {
    const lineNo = i + 1;
    let line = all[i];
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (i === 0 && line.startsWith('\uFEFF')) line = line.slice(1);
    if (line.trim() === '') {
      flush();
      continue;
    }
    const cols = columns(line);
    if (cols[0].trim() === '-DOCSTART-') {
      issues.add('-DOCSTART- line skipped (a document marker, not a word)', lineNo);
      flush();
      continue;
    }
    if (cols.length < 2) {
      throw new DataError(
        'data',
        `Line ${lineNo} ("${clip(line)}") has one column; expected a token and its tag ` +
          `separated by a tab or spaces (e.g. "London<TAB>B-location").`,
        { row: lineNo, remedy: REMEDY },
      );
    }
    const word = cols[0];
    const tag = cols[cols.length - 1].trim();
    if (word === '' || /^\s/.test(word)) {
      throw new DataError(
        'data',
        `Line ${lineNo} ("${clip(line)}") starts with a blank; expected the token in the first column.`,
        { row: lineNo, remedy: REMEDY },
      );
    }
    if (tag === '') {
      throw new DataError(
        'data',
        `Line ${lineNo} ("${clip(line)}") has an empty tag; expected a tag such as O, B-X or ` +
          `I-X in the last column.`,
        { row: lineNo, remedy: REMEDY },
      );
    }
    words.push(word);
    tags.push(tag);
    lines.push(lineNo);
  }
  flush();
  return out;
}

function clip(s: string): string {
  const t = s.replace(/\t/g, '\\t');
  return t.length > 60 ? `${t.slice(0, 57)}...` : t;
}
