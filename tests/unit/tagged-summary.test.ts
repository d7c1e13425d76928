/**
 * The tagged data report on WNUT 2017 with bert-base-uncased: entities per type as the file's
 * B- tags count them, sub-token lengths and truncation as transformers' word ids give them
 * (tests/fixtures/tagged/word_ids_reference.json).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTagged } from '../../src/core/data/tagged';
import { taggedSummary } from '../../src/core/session/taggedSummary';
import { fastTokenizer } from '../../src/core/tokenize/fastWordPiece';
import type { Tokenizer } from '../../src/core/tokenize/tokenizer';
import { loadTokenizerFromDir } from '../../src/core/tokenize/tokenizerNode';

const ROOT = join(__dirname, '../..');
const TRAIN = readFileSync(join(ROOT, 'tests/fixtures/data/wnut17/wnut17train.conll'), 'utf8');
interface Row {
  ids: number[];
  wordIds: (number | null)[];
}
const REF = JSON.parse(
  readFileSync(join(ROOT, 'tests/fixtures/tagged/word_ids_reference.json'), 'utf8'),
) as {
  sentences: string[][];
  tokenizers: Record<string, { words: { maxLength: number; rows: Row[] }[] }>;
};

let tok: Tokenizer;
beforeAll(async () => {
  tok = fastTokenizer(
    await loadTokenizerFromDir(join(ROOT, 'public/tokenizers/bert-base-uncased')),
  );
});

/** The first `n` sentences of the training file, as a file. */
function firstSentences(n: number): string {
  return (
    TRAIN.split(/\n[ \t]*\n/)
      .slice(0, n)
      .join('\n\n') + '\n'
  );
}

describe('taggedSummary', () => {
  it('counts entities per type as the B- tags of the IOB2 file, most first', () => {
    const corpus = readTagged(TRAIN);
    const s = taggedSummary(corpus, tok, 128);
    expect(s.sentences).toBe(3394);
    expect(s.words).toBe(62730);
    expect(s.scheme).toBe('IOB2');
    expect(s.entitiesPerType).toEqual([
      { type: 'person', count: 660 },
      { type: 'location', count: 548 },
      { type: 'group', count: 264 },
      { type: 'corporation', count: 221 },
      { type: 'product', count: 142 },
      { type: 'creative-work', count: 140 },
    ]);
    expect(s.wordLengths.reduce((a, b) => a + b, 0)).toBe(62730);
  });

  it("gives sub-token lengths and truncation as transformers' word ids do", () => {
    const [whole, cut] = REF.tokenizers['bert-base-uncased'].words;
    expect(whole.maxLength).toBe(128);
    expect(whole.rows.every((r) => r.ids.length < 128)).toBe(true);
    const n = cut.rows.length;
    const corpus = readTagged(firstSentences(n));
    expect(corpus.words.slice(0, 3)).toEqual(REF.sentences[0].slice(0, 3));
    const s = taggedSummary(corpus, tok, cut.maxLength);
    expect(s.subTokenLengths).toEqual(whole.rows.slice(0, n).map((r) => r.ids.length));
    expect(s.sentencesTruncated).toBe(
      whole.rows.slice(0, n).filter((r) => r.ids.length > 12).length,
    );
    // An entity is cut when its last word lost a token: Python's word ids at 12 vs whole.
    let expectedCut = 0;
    for (let i = 0; i < n; i++) {
      const count = (ids: (number | null)[], w: number) => ids.filter((x) => x === w).length;
      const tags = corpus.labelNames;
      const from = corpus.offsets[i];
      const words = corpus.offsets[i + 1] - from;
      for (let w = 0; w < words; w++) {
        const tag = tags[corpus.tags[from + w]];
        const next = w + 1 < words ? tags[corpus.tags[from + w + 1]] : 'O';
        const endsEntity = tag !== 'O' && !next.startsWith('I-');
        if (endsEntity && count(cut.rows[i].wordIds, w) < count(whole.rows[i].wordIds, w)) {
          expectedCut++;
        }
      }
    }
    expect(expectedCut).toBeGreaterThan(0);
    expect(s.entitiesCut).toBe(expectedCut);
  });

  it('an entity partly cut counts; one wholly kept does not', () => {
    const text =
      'Empire\tB-location\nState\tI-location\nBuilding\tI-location\nis\tO\n\nBob\tB-person\nis\tO\n';
    const s = taggedSummary(readTagged(text), tok, 4); // [CLS] empire state [SEP]
    expect(s.subTokenLengths).toEqual([6, 4]);
    expect(s.sentencesTruncated).toBe(1);
    expect(s.entitiesCut).toBe(1);
  });
});
