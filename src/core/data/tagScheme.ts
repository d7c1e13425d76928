/**
 * Tag schemes of token-classification files: which one a file uses (IOB2, IOB1, IO, IOBES), the
 * IOB1 -> IOB2 conversion, the problems worth telling (an `I-X` that starts an entity in an IOB2
 * file), and the label order run_ner.py's `get_label_list` gives (sorted by code point).
 */
import type { TagIssue, TagScheme } from './taggedTypes';

/** A tag split into its prefix ("B", "I", "E", "S" or "" for O and unprefixed tags) and type. */
export interface TagParts {
  prefix: string;
  type: string;
}

/** "B-person" -> {B, person}; "O" -> {'', ''}; "NN" (no prefix) -> {'', 'NN'}. */
export function tagParts(tag: string): TagParts {
  if (tag === 'O') return { prefix: '', type: '' };
  const m = /^([BIES])-(.+)$/.exec(tag);
  return m ? { prefix: m[1], type: m[2] } : { prefix: '', type: tag };
}

/** Compare strings by Unicode code point, as Python's `sorted` does (JS's sort uses UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const d = (x.value.codePointAt(0) ?? 0) - (y.value.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
}

/** run_ner.py's `get_label_list`: the distinct tags, sorted by code point. */
export function sortedLabels(tags: Iterable<string>): string[] {
  return [...new Set(tags)].sort(compareCodePoints);
}

/** Sentences of tags, with the 1-based file line of each tag (parallel arrays). */
export interface TagSentences {
  tags: string[][];
  lines: number[][];
}

const MAX_LINES = 20;

/** Collects issues by message, keeping the first lines of each. */
export class IssueList {
  private readonly byMessage = new Map<string, TagIssue>();

  add(message: string, line: number): void {
    let issue = this.byMessage.get(message);
    if (!issue) this.byMessage.set(message, (issue = { message, lines: [], count: 0 }));
    issue.count++;
    if (issue.lines.length < MAX_LINES) issue.lines.push(line);
  }

  list(): TagIssue[] {
    return [...this.byMessage.values()];
  }
}

/** Where an I-X starts an entity: at the sentence start, after O, or after another type. */
function startsEntity(prev: TagParts | null, cur: TagParts): boolean {
  if (cur.prefix !== 'I') return false;
  if (prev === null || prev.prefix === '' || prev.type !== cur.type) return true;
  return prev.prefix === 'E' || prev.prefix === 'S';
}

/**
 * The scheme the tags are written in. IOBES: any E- or S- tag. IO: I- tags and no B-. IOB1: an
 * I- tag starts an entity and every B-X follows an X entity (B- only separates two adjacent
 * entities of one type). IOB2 otherwise, including files whose few I-X after O are mistakes.
 */
export function detectScheme(sentences: string[][]): TagScheme {
  let iStarts = 0;
  let bTags = 0;
  let bAfterSameType = 0;
  let iTags = 0;
  for (const tags of sentences) {
    let prev: TagParts | null = null;
    for (const tag of tags) {
      const cur = tagParts(tag);
      if (cur.prefix === 'E' || cur.prefix === 'S') return 'IOBES';
      if (cur.prefix === 'I') {
        iTags++;
        if (startsEntity(prev, cur)) iStarts++;
      }
      if (cur.prefix === 'B') {
        bTags++;
        if (prev !== null && prev.prefix !== '' && prev.type === cur.type) bAfterSameType++;
      }
      prev = cur;
    }
  }
  if (iTags > 0 && bTags === 0) return 'IO';
  if (iStarts > 0 && bTags === bAfterSameType) return 'IOB1';
  return 'IOB2';
}

/**
 * IOB1 (or IO) -> IOB2 in place: an I-X that starts an entity becomes B-X. Returns how many tags
 * changed.
 */
export function iob1ToIob2(sentences: string[][]): number {
  let changed = 0;
  for (const tags of sentences) {
    let prev: TagParts | null = null;
    for (let i = 0; i < tags.length; i++) {
      const cur = tagParts(tags[i]);
      if (startsEntity(prev, cur)) {
        tags[i] = `B-${cur.type}`;
        changed++;
        prev = { prefix: 'B', type: cur.type };
      } else {
        prev = cur;
      }
    }
  }
  return changed;
}

/**
 * What is worth telling about IOB2 tags: each I-X after O, at a sentence start or after another
 * type (kept: seqeval's default mode reads it as the start of an entity), and tags with no B-/I-
 * prefix (seqeval reads each as a one-word entity of that type).
 */
export function tagIssues(s: TagSentences, scheme: TagScheme, issues: IssueList): void {
  s.tags.forEach((tags, si) => {
    let prev: TagParts | null = null;
    tags.forEach((tag, wi) => {
      const cur = tagParts(tag);
      const line = s.lines[si][wi];
      if (scheme === 'IOB2' && cur.prefix === 'I' && startsEntity(prev, cur)) {
        const after =
          prev === null
            ? 'at a sentence start'
            : prev.prefix === ''
              ? 'after O'
              : `after ${prevTag(prev)}`;
        issues.add(
          `${tag} ${after} (kept as the start of an entity, as seqeval reads it; an IOB2 entity starts with B-${cur.type})`,
          line,
        );
      } else if (cur.prefix === '' && cur.type !== '') {
        issues.add(
          `tag "${tag}" has no B-/I- prefix (seqeval's entity metrics expect B-X/I-X tags and O)`,
          line,
        );
      }
      prev = cur;
    });
  });
}

function prevTag(p: TagParts): string {
  return `${p.prefix}-${p.type}`;
}
