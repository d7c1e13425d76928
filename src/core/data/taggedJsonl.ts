/**
 * JSON Lines with `tokens` and `ner_tags`, as a Hub dataset's `to_json` writes them: tags as
 * names, or as integer ids whose names come from the file (a line's `label_names`, or
 * `features.ner_tags.feature.names` as in dataset_info.json) or from the `labelNames` option.
 */
import { DataError } from './errors';
import type { RawTagged } from './taggedConll';

const REMEDY =
  'Write one JSON object per line with "tokens" (a list of words) and "ner_tags" (one tag per word, as names, or as ids with --label_names).';

/** Tag names carried by a JSON object: `label_names`, or a features block's ner_tags names. */
function namesIn(row: Record<string, unknown>): string[] | null {
  const direct = row.label_names;
  const features = row.features as {
    ner_tags?: { feature?: { names?: unknown }; names?: unknown };
  };
  const nested = features?.ner_tags?.feature?.names ?? features?.ner_tags?.names;
  for (const v of [direct, nested]) {
    if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) {
      return v as string[];
    }
  }
  return null;
}

export interface ParsedJsonl extends RawTagged {
  /** The names the file carries, when its tags are ids (null when they are names). */
  fileLabelNames: string[] | null;
  /** Whether `ner_tags` are integer ids. */
  integerTags: boolean;
}

/** Parses JSON Lines rows of tokens and ner_tags; integer tags stay as their decimal strings. */
export function parseTaggedJsonl(text: string): ParsedJsonl {
  const out: ParsedJsonl = {
    words: [],
    tags: [],
    lines: [],
    fileLabelNames: null,
    integerTags: false,
  };
  let sawNames = false;
  let sawIds = false;
  const all = text.split('\n');
  for (let i = 0; i < all.length; i++) {
    const lineNo = i + 1;
    const line = (i === 0 ? all[i].replace(/^\uFEFF/, '') : all[i]).trim();
    if (line === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw new DataError(
        'data',
        `Line ${lineNo} is not valid JSON; expected one JSON object per line.`,
        {
          row: lineNo,
          remedy: REMEDY,
        },
      );
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new DataError(
        'data',
        `Line ${lineNo} is not a JSON object; expected {"tokens": [...], "ner_tags": [...]}.`,
        {
          row: lineNo,
          remedy: REMEDY,
        },
      );
    }
    const obj = row as Record<string, unknown>;
    const names = namesIn(obj);
    if (names) out.fileLabelNames = names;
    if (!('tokens' in obj) && !('ner_tags' in obj) && names) continue; // a line of names only
    const { tokens, ner_tags: tags } = obj;
    if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string')) {
      throw new DataError(
        'data',
        `Line ${lineNo}: "tokens" must be a list of strings (the words).`,
        {
          row: lineNo,
          column: 'tokens',
          remedy: REMEDY,
        },
      );
    }
    if (!Array.isArray(tags)) {
      throw new DataError(
        'data',
        `Line ${lineNo}: "ner_tags" must be a list with one tag per word.`,
        {
          row: lineNo,
          column: 'ner_tags',
          remedy: REMEDY,
        },
      );
    }
    if (tags.length !== tokens.length) {
      throw new DataError(
        'data',
        `Line ${lineNo} has ${tokens.length} tokens but ${tags.length} ner_tags; expected one tag per token.`,
        { row: lineNo, column: 'ner_tags', remedy: REMEDY },
      );
    }
    const asText: string[] = [];
    for (let w = 0; w < tags.length; w++) {
      const t = tags[w];
      if (typeof t === 'number' && Number.isInteger(t) && t >= 0) {
        sawIds = true;
        asText.push(String(t));
      } else if (typeof t === 'string' && t.trim() !== '') {
        sawNames = true;
        asText.push(t.trim());
      } else {
        throw new DataError(
          'data',
          `Line ${lineNo}: ner_tags[${w}] is ${JSON.stringify(t)}; expected a tag name (O, B-X, I-X) or a non-negative integer id.`,
          { row: lineNo, column: 'ner_tags', remedy: REMEDY },
        );
      }
    }
    if (sawIds && sawNames) {
      throw new DataError(
        'data',
        `Line ${lineNo}: ner_tags mix names and integer ids; expected one kind in the whole file.`,
        { row: lineNo, column: 'ner_tags', remedy: REMEDY },
      );
    }
    if (tokens.length === 0) continue;
    out.words.push(tokens as string[]);
    out.tags.push(asText);
    out.lines.push(new Array<number>(tokens.length).fill(lineNo));
  }
  out.integerTags = sawIds;
  return out;
}
