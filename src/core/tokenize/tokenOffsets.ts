/**
 * Character offsets of a text's tokens, as a fast tokenizer's `return_offsets_mapping` gives
 * them: the tokens (from `encode`, so the ids stay those of the encoder) are matched in order
 * against the text, normalized cluster by cluster (a character with its combining marks) with the
 * tokenizer's own normalizer. Offsets are positions in the JavaScript string (UTF-16 units; equal
 * to Python's for text without characters outside the Basic Multilingual Plane).
 *
 * The rules follow the Rust tokenizers: WordPiece continuing pieces (`##`) and tokens never hold
 * spaces; a Metaspace `▁` is the space it replaced (the last of a run the normalizer collapsed),
 * or, where it was prepended (text start, or every word after a whitespace split as XLM-R's
 * pipeline does), the character it precedes; byte-level tokens cover the characters of their
 * bytes, and RoBERTa's `trim_offsets` leaves the leading and trailing spaces out. An unknown token
 * covers the characters up to where the next token matches.
 */
import { BYTE_CHARS } from './byteLevelBpe';

type Json = Record<string, unknown>;

/** How a tokenizer's tokens map back to text. */
export interface OffsetScheme {
  kind: 'wordpiece' | 'bytelevel' | 'metaspace' | 'plain';
  /** WordPiece's continuing-subword prefix ("##"). */
  continuing: string;
  /** Metaspace: whether spaces are split off before it (XLM-R's WhitespaceSplit). */
  spacesDropped: boolean;
  /** Byte-level: RobertaProcessing / ByteLevel post-processor with trim_offsets. */
  trimOffsets: boolean;
  /** Byte-level pre-tokenizer's add_prefix_space. */
  addPrefixSpace: boolean;
  unkToken: string | null;
}

function steps(part: unknown, key: string): Json[] {
  if (!part || typeof part !== 'object') return [];
  const p = part as Json;
  if (p.type === 'Sequence' && Array.isArray(p[key])) return p[key] as Json[];
  return [p];
}

/** The offset rules of a tokenizer.json (as the tokenizer runs it). */
export function offsetScheme(tokenizerJson: object): OffsetScheme {
  const j = tokenizerJson as Json;
  const model = (j.model ?? {}) as Json;
  const pre = steps(j.pre_tokenizer, 'pretokenizers');
  const post = steps(j.post_processor, 'processors');
  const metaIdx = pre.findIndex((p) => p.type === 'Metaspace');
  const byteLevel = pre.find((p) => p.type === 'ByteLevel');
  const type = typeof model.type === 'string' ? model.type : '';
  const wordpiece = type === 'WordPiece' || (type === '' && 'max_input_chars_per_word' in model);
  const trimmer = post.find((p) => p.type === 'RobertaProcessing' || p.type === 'ByteLevel');
  return {
    kind: wordpiece ? 'wordpiece' : byteLevel ? 'bytelevel' : metaIdx >= 0 ? 'metaspace' : 'plain',
    continuing:
      typeof model.continuing_subword_prefix === 'string' ? model.continuing_subword_prefix : '##',
    spacesDropped:
      metaIdx >= 0 &&
      pre.slice(0, metaIdx).some((p) => p.type === 'WhitespaceSplit' || p.type === 'Whitespace'),
    trimOffsets: trimmer !== undefined && trimmer.trim_offsets !== false,
    addPrefixSpace: byteLevel?.add_prefix_space === true,
    unkToken: typeof model.unk_token === 'string' ? model.unk_token : null,
  };
}

/** A code point of the text, normalized. */
interface Unit {
  start: number;
  end: number;
  /** Normalized text ('' for characters the normalizer removes). */
  norm: string;
  space: boolean;
}

const CLUSTER = /\s|\P{M}\p{M}*|\p{M}+/gsu;

/**
 * One unit per code point, each normalized alone, as the Rust tokenizers align characters; where
 * the normalizer composes a cluster (NFC, NFKC: "e" + U+0300 -> "è"), the composed text goes to
 * its first code point and the marks it absorbed normalize to ''.
 */
function unitsOf(text: string, normalize: ((s: string) => string) | null): Unit[] {
  const out: Unit[] = [];
  for (const m of text.matchAll(CLUSTER)) {
    const cluster = m[0];
    const cps = Array.from(cluster);
    let at = m.index;
    const each = cps.map((c) => (/^\s$/u.test(c) ? ' ' : normalize ? normalize(c) : c));
    const whole = cps.length > 1 && normalize ? normalize(cluster) : null;
    const composed = whole !== null && whole !== each.join('');
    cps.forEach((c, i) => {
      const norm = composed ? (i === 0 ? (whole ?? '') : '') : each[i];
      out.push({ start: at, end: at + c.length, norm, space: /^\s$/u.test(c) });
      at += c.length;
    });
  }
  return out;
}

/** Character offsets of `tokens` (no special tokens) in `text`; see the module comment. */
export function tokenOffsets(
  text: string,
  tokens: string[],
  scheme: OffsetScheme,
  normalize: ((s: string) => string) | null,
  isUnknown: ((normalizedChar: string) => boolean) | null = null,
): [number, number][] {
  return scheme.kind === 'bytelevel'
    ? byteLevelOffsets(text, tokens, scheme)
    : charOffsets(text, tokens, scheme, normalize, isUnknown);
}

let byteOf: Set<string> | null = null;
/** The characters byte-level BPE writes bytes as (built on first use: byteLevelBpe imports us back). */
function byteChars(): Set<string> {
  return (byteOf ??= new Set(BYTE_CHARS));
}

function byteLevelOffsets(
  text: string,
  tokens: string[],
  scheme: OffsetScheme,
): [number, number][] {
  // Byte i of the text's UTF-8 belongs to the character at UTF-16 index charAt[i].
  const charAt: number[] = [];
  const charEnd: number[] = [];
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i) ?? 0;
    const width = cp > 0xffff ? 2 : 1;
    const bytes = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    for (let b = 0; b < bytes; b++) {
      charAt.push(i);
      charEnd.push(i + width);
    }
    i += width;
  }
  const out: [number, number][] = [];
  let pos = 0;
  // With add_prefix_space, the first token's leading Ġ is a byte the text does not have.
  let prefixPending = scheme.addPrefixSpace && !/^\s/.test(text);
  tokens.forEach((token, t) => {
    let n = 0;
    const known = byteChars();
    for (const ch of token) if (known.has(ch)) n++;
    let bytes = n;
    if (prefixPending && token.startsWith('\u0120')) bytes--;
    prefixPending = false;
    const first = Math.min(pos, charAt.length);
    const last = Math.min(pos + bytes, charAt.length);
    let start = first < charAt.length ? charAt[first] : text.length;
    let end = last > first ? charEnd[last - 1] : start;
    pos += bytes;
    if (scheme.trimOffsets) {
      const chars = [...token];
      let leading = 0;
      while (leading < chars.length && chars[leading] === '\u0120') leading++;
      let trailing = 0;
      while (trailing < chars.length && chars[chars.length - 1 - trailing] === '\u0120') trailing++;
      if (leading > 0 && !((t === 0 || start === 0) && scheme.addPrefixSpace)) {
        start = Math.min(start + leading, end);
      }
      if (trailing > 0 && end >= trailing) end = Math.max(end - trailing, start);
    }
    out.push([start, end]);
  });
  return out;
}

/** The text a token stands for (null for the unknown token). */
function surfaceOf(token: string, scheme: OffsetScheme): string | null {
  if (scheme.unkToken !== null && token === scheme.unkToken) return null;
  if (
    scheme.kind === 'wordpiece' &&
    token.startsWith(scheme.continuing) &&
    token.length > scheme.continuing.length
  ) {
    return token.slice(scheme.continuing.length);
  }
  if (scheme.kind === 'metaspace') return token.replace(/\u2581/g, ' ');
  return token;
}

function charOffsets(
  text: string,
  tokens: string[],
  scheme: OffsetScheme,
  normalize: ((s: string) => string) | null,
  isUnknown: ((normalizedChar: string) => boolean) | null,
): [number, number][] {
  const units = unitsOf(text, normalize);
  let u = 0; // current unit
  let k = 0; // position inside units[u].norm
  const skipEmpty = () => {
    while (u < units.length && k >= units[u].norm.length) {
      u++;
      k = 0;
    }
  };
  const skipSpaces = () => {
    skipEmpty();
    while (u < units.length && (units[u].space || /^\s*$/.test(units[u].norm.slice(k)))) {
      u++;
      k = 0;
      skipEmpty();
    }
  };
  /** Consumes `s` from the current position; the span of the units it touched, or null. */
  const consume = (s: string): [number, number] | null => {
    let start = -1;
    let end = -1;
    let i = 0;
    const save = [u, k];
    while (i < s.length) {
      skipEmpty();
      if (u >= units.length) break;
      const norm = units[u].norm;
      // Spaces a normalizer added inside a cluster (BERT's around CJK characters) are skipped.
      if (norm[k] === ' ' && s[i] !== ' ' && !units[u].space) {
        k++;
        continue;
      }
      if (norm[k] !== s[i]) break;
      if (start < 0) start = units[u].start;
      end = units[u].end;
      i++;
      k++;
    }
    if (i < s.length) {
      [u, k] = save;
      return null;
    }
    return [start, end];
  };
  const out: [number, number][] = [];
  for (let t = 0; t < tokens.length; t++) {
    let surface = surfaceOf(tokens[t], scheme);
    let spaceSpan: [number, number] | null = null;
    let prepended = false;
    if (surface !== null && scheme.kind === 'metaspace' && surface.startsWith(' ')) {
      surface = surface.slice(1);
      skipEmpty();
      if (u < units.length && units[u].space && !scheme.spacesDropped) {
        // The space the ▁ replaced: the last of the run (the normalizer collapses runs).
        while (u + 1 < units.length && units[u + 1].space) u++;
        spaceSpan = [units[u].start, units[u].end];
        u++;
        k = 0;
      } else {
        prepended = true;
      }
    }
    if (surface === null) {
      out.push(unknownSpan(t));
      continue;
    }
    if (!spaceSpan) skipSpaces();
    const span = surface.length > 0 ? consume(surface) : null;
    if (span) {
      out.push(spaceSpan ? [spaceSpan[0], span[1]] : span);
    } else if (spaceSpan) {
      out.push(spaceSpan);
    } else if (prepended || surface.length === 0) {
      // A prepended ▁ alone: the character it precedes (not consumed).
      skipSpaces();
      out.push(u < units.length ? [units[u].start, units[u].end] : [text.length, text.length]);
    } else {
      out.push(unknownSpan(t));
    }
  }
  return out;

  /** Whether `s` matches at the current position (nothing consumed). */
  function matchesHere(s: string): boolean {
    const save: [number, number] = [u, k];
    const hit = consume(s) !== null;
    [u, k] = save;
    return hit;
  }

  /**
   * An unknown (or unmatched) token: WordPiece's covers its whole word (up to a space or a
   * punctuation character, or a character the normalizer set apart, as CJK ones); another
   * model's, the run of characters the model does not know (fused into one unknown token, as
   * Unigram's `fuse_unk`), stopping where the next token's text matches.
   */
  function unknownSpan(t: number): [number, number] {
    skipSpaces();
    if (u >= units.length) return [text.length, text.length];
    const apart = (x: Unit) => x.space || PUNCT.test(x.norm) || /\S\s|\s\S/.test(x.norm);
    const start = units[u].start;
    let end = units[u].end;
    const firstApart = apart(units[u]);
    u++;
    k = 0;
    if (scheme.kind === 'wordpiece') {
      while (!firstApart && u < units.length && !apart(units[u])) {
        if (units[u].norm.length > 0) end = units[u].end;
        u++;
      }
      return [start, end];
    }
    const next = t + 1 < tokens.length ? surfaceOf(tokens[t + 1], scheme) : null;
    while (u < units.length && !units[u].space) {
      const norm = units[u].norm;
      if (norm.length > 0) {
        if (next !== null && !next.startsWith(' ') && matchesHere(next)) break;
        if (isUnknown ? !isUnknown(norm) : next === null || next.startsWith(' ')) break;
        end = units[u].end;
      }
      u++;
    }
    return [start, end];
  }
}

/** BERT's punctuation (as its pre-tokenizer splits it off). */
const PUNCT = /^[\p{P}\u0021-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E]$/u;
