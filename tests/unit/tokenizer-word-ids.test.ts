/**
 * The tokenizers' word ids and offsets against transformers' (tests/python/make_word_ids_reference.py
 * wrote the reference): WordPiece (bert-base-uncased and -cased), byte-level BPE (RoBERTa, ModernBERT) and
 * Unigram with Metaspace (XLM-R, DeBERTa-v3), through the transformers.js path and the fast
 * encoders the studio tokenizes with.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fastTokenizer } from '../../src/core/tokenize/fastWordPiece';
import type { Tokenizer } from '../../src/core/tokenize/tokenizer';
import { loadTokenizerFromDir } from '../../src/core/tokenize/tokenizerNode';

interface Reference {
  labelNames: string[];
  sentences: string[][];
  edgeWords: string[][];
  texts: string[];
  tokenizers: Record<
    string,
    {
      words: { maxLength: number; rows: { ids: number[]; wordIds: (number | null)[] }[] }[];
      edgeWords: { ids: number[]; wordIds: (number | null)[] }[];
      texts: {
        maxLength: number;
        rows: { ids: number[]; offsets: [number, number][]; special: number[] }[];
      }[];
    }
  >;
}

const ROOT = join(__dirname, '../..');
const REF = JSON.parse(
  readFileSync(join(ROOT, 'tests/fixtures/tagged/word_ids_reference.json'), 'utf8'),
) as Reference;
const DIRS: Record<string, string> = {
  'bert-base-uncased': join(ROOT, 'public/tokenizers/bert-base-uncased'),
  'bert-base-cased': join(ROOT, 'public/tokenizers/bert-base-cased'),
  roberta: join(ROOT, 'tests/fixtures/auto/roberta/checkpoint'),
  modernbert: join(ROOT, 'tests/fixtures/auto/modernbert/checkpoint'),
  'xlm-roberta': join(ROOT, 'tests/fixtures/auto/xlm-roberta/checkpoint'),
  'deberta-v2': join(ROOT, 'tests/fixtures/auto/deberta-v2/checkpoint'),
};

/** Python's offsets count code points; the studio's are JavaScript string positions. */
function utf16Offsets(text: string, [start, end]: [number, number]): [number, number] {
  const cps = Array.from(text);
  const at = (n: number) => cps.slice(0, n).join('').length;
  return [at(start), at(end)];
}

describe.each(Object.keys(DIRS))('%s: word ids and offsets equal transformers', (name) => {
  const ref = REF.tokenizers[name];
  let slow: Tokenizer;
  let fast: Tokenizer;
  beforeAll(async () => {
    slow = await loadTokenizerFromDir(DIRS[name]);
    fast = fastTokenizer(slow);
  });

  it('encodeWords: ids and word ids of the WNUT sentences, whole and truncated', () => {
    let compared = 0;
    for (const { maxLength, rows } of ref.words) {
      rows.forEach((row, i) => {
        for (const tok of [slow, fast]) {
          const enc = tok.encodeWords(REF.sentences[i], maxLength);
          expect({ i, maxLength, ids: enc.ids, wordIds: enc.wordIds }).toEqual({
            i,
            maxLength,
            ids: row.ids,
            wordIds: row.wordIds,
          });
          const cut = row.wordIds.filter((w) => w !== null).length;
          const all = tok.encodeWords(REF.sentences[i]).ids.length;
          expect(enc.truncated).toBe(all > row.ids.length && cut < all);
        }
        compared++;
      });
    }
    expect(compared).toBeGreaterThanOrEqual(150);
  });

  it("encodeWords: empty and space words, accents, added tokens' text, emoji", () => {
    REF.edgeWords.forEach((words, i) => {
      for (const tok of [slow, fast]) {
        const enc = tok.encodeWords(words, 64);
        expect({ words, ids: enc.ids, wordIds: enc.wordIds }).toEqual({
          words,
          ...ref.edgeWords[i],
        });
      }
    });
  });

  it('encodeWithOffsets: ids, offsets and special tokens of plain texts', () => {
    for (const { maxLength, rows } of ref.texts) {
      rows.forEach((row, i) => {
        const text = REF.texts[i];
        for (const tok of [slow, fast]) {
          const enc = tok.encodeWithOffsets(text, maxLength);
          expect(enc.ids).toEqual(tok.encode(text, undefined, maxLength).ids);
          expect({
            text,
            maxLength,
            ids: enc.ids,
            offsets: enc.offsets,
            special: enc.special,
          }).toEqual({
            text,
            maxLength,
            ids: row.ids,
            offsets: row.offsets.map((o) => utf16Offsets(text, o)),
            special: row.special.map((s) => s === 1),
          });
        }
      });
    }
  });
});
