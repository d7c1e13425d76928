/**
 * What the data report says of a tagged file: the reader's findings (format, sentences, tags,
 * scheme, IOB1 conversions, issues), entities per type (IOB2 spans, seqeval's chunking),
 * sentence lengths in words and in sub-tokens before truncation (special tokens included), and
 * what truncation at max_length cuts (sentences, and entities with a word partly or wholly cut).
 */
import type { TaggedCorpus, TaggedDataSummary } from '../data/taggedTypes';
import type { Tokenizer } from '../tokenize/tokenizer';
import { entitySpans } from '../train/seqeval';

/** Sub-tokens a sentence is measured to (far past any max_length; longer ones count as this). */
const MEASURE_CAP = 4096;

/** The tagged data summary of `corpus` at `tok` and `maxLength` (see the module comment). */
export function taggedDataSummary(
  corpus: TaggedCorpus,
  tok: Tokenizer,
  maxLength: number,
): TaggedDataSummary {
  const n = corpus.offsets.length - 1;
  const perType = new Map<string, number>();
  const wordLengths: number[] = [];
  const subTokenLengths: number[] = [];
  let entitiesCut = 0;
  let sentencesTruncated = 0;
  for (let i = 0; i < n; i++) {
    const from = corpus.offsets[i];
    const to = corpus.offsets[i + 1];
    const words = corpus.words.slice(from, to);
    const tags = Array.from(corpus.tags.subarray(from, to), (t) => corpus.labelNames[t]);
    const spans = entitySpans(tags);
    for (const s of spans) perType.set(s.type, (perType.get(s.type) ?? 0) + 1);
    wordLengths.push(words.length);
    const enc = tok.encodeWords(words, MEASURE_CAP);
    subTokenLengths.push(enc.ids.length);
    if (enc.ids.length <= maxLength) continue;
    sentencesTruncated++;
    // Special tokens keep their places; the words' tokens past what fits are cut.
    const lead = enc.wordIds.findIndex((w) => w !== null);
    const specials = enc.wordIds.filter((w) => w === null).length;
    const keptEnd = Math.max(lead, 0) + Math.max(0, maxLength - specials);
    const lastKept = new Int32Array(words.length).fill(-1);
    const lastToken = new Int32Array(words.length).fill(-1);
    enc.wordIds.forEach((w, t) => {
      if (w === null) return;
      lastToken[w] = t;
      if (t < keptEnd) lastKept[w] = t;
    });
    for (const s of spans) {
      for (let w = s.start; w < s.end; w++) {
        if (lastKept[w] !== lastToken[w]) {
          entitiesCut++;
          break;
        }
      }
    }
  }
  return {
    format: corpus.format,
    sentences: n,
    words: corpus.words.length,
    labelNames: [...corpus.labelNames],
    scheme: corpus.scheme,
    convertedTags: corpus.convertedTags,
    issues: corpus.issues,
    entitiesPerType: [...perType]
      .map(([type, count]) => ({ type, count }))
      .sort((a, b) => b.count - a.count || (a.type < b.type ? -1 : 1)),
    wordLengths,
    subTokenLengths,
    entitiesCut,
    sentencesTruncated,
  };
}
