/**
 * What the data report shows for a tagged corpus: the reader's findings (format, scheme, IOB1
 * conversion, issues), entities per type (IOB2 spans as seqeval reads them), sentence lengths in
 * words and in sub-tokens (special tokens included, before truncation), and what truncation at
 * max_length does: sentences cut and entities losing words (partly or wholly).
 */
import type { TaggedCorpus, TaggedDataSummary } from '../data/taggedTypes';
import type { Tokenizer } from '../tokenize/tokenizer';
import { entitySpans } from '../train/seqeval';

/** The data report's summary of `corpus` tokenized by `tokenizer` at `maxLength`. */
export function taggedSummary(
  corpus: TaggedCorpus,
  tokenizer: Tokenizer,
  maxLength: number,
): TaggedDataSummary {
  const n = corpus.offsets.length - 1;
  const perType = new Map<string, number>();
  const wordLengths: number[] = [];
  const subTokenLengths: number[] = [];
  let entitiesCut = 0;
  let sentencesTruncated = 0;
  for (let s = 0; s < n; s++) {
    const from = corpus.offsets[s];
    const to = corpus.offsets[s + 1];
    const words = corpus.words.slice(from, to);
    const tags: string[] = [];
    for (let k = from; k < to; k++) tags.push(corpus.labelNames[corpus.tags[k]]);
    const entities = entitySpans(tags);
    for (const e of entities) perType.set(e.type, (perType.get(e.type) ?? 0) + 1);
    const enc = tokenizer.encodeWords(words);
    wordLengths.push(words.length);
    subTokenLengths.push(enc.ids.length);
    if (enc.ids.length <= maxLength) continue;
    sentencesTruncated++;
    // Tokens each word ends at (cumulative, special tokens left out); a word is cut when it ends
    // past the tokens max_length keeps.
    const content = enc.wordIds.filter((w) => w !== null).length;
    const kept = Math.max(0, maxLength - (enc.ids.length - content));
    const endsAt = new Array<number>(words.length).fill(0);
    for (const w of enc.wordIds) if (w !== null) endsAt[w]++;
    for (let w = 1; w < words.length; w++) endsAt[w] += endsAt[w - 1];
    for (const e of entities) if (endsAt[e.end - 1] > kept) entitiesCut++;
  }
  const entitiesPerType = [...perType]
    .map(([type, count]) => ({ type, count }))
    .sort((a, b) => b.count - a.count || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  return {
    format: corpus.format,
    sentences: n,
    words: corpus.words.length,
    labelNames: corpus.labelNames,
    scheme: corpus.scheme,
    convertedTags: corpus.convertedTags,
    issues: corpus.issues,
    entitiesPerType,
    wordLengths,
    subTokenLengths,
    entitiesCut,
    sentencesTruncated,
  };
}
