/**
 * aggregateSimple against transformers' TokenClassificationPipeline(aggregation_strategy="simple")
 * (tests/python/make_aggregate_reference.py): the same texts through our tokenizer's
 * encodeWithOffsets, the pipeline's logits through our softmax, and the entities compared (type,
 * word and span equal, score within 1e-6).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  aggregateSimple,
  softmaxRows,
  withCodePointOffsets,
  type TokenScores,
} from '../../src/core/tokenize/aggregateEntities';
import { fastTokenizer } from '../../src/core/tokenize/fastWordPiece';
import { loadTokenizerFromDir } from '../../src/core/tokenize/tokenizerNode';
import type { TextEntity } from '../../src/core/data/taggedTypes';

const ROOT = join(__dirname, '../..');
interface Row {
  ids: number[];
  offsets: [number, number][];
  special: number[];
  logits: number[][];
  entities: TextEntity[];
}
const REF = JSON.parse(
  readFileSync(join(ROOT, 'tests/fixtures/tagged/aggregate_reference.json'), 'utf8'),
) as { labelNames: string[]; texts: string[]; models: Record<string, Row[]> };
const DIRS: Record<string, string> = {
  'bert-base-uncased': 'public/tokenizers/bert-base-uncased',
  roberta: 'tests/fixtures/auto/roberta/checkpoint',
};

/** Python counts code points; our offsets are JavaScript string positions. */
const utf16 = (text: string, n: number) => Array.from(text).slice(0, n).join('').length;

describe.each(Object.keys(DIRS))('aggregateSimple with %s', (name) => {
  it("gives the pipeline's entities for its logits", async () => {
    const tok = fastTokenizer(await loadTokenizerFromDir(join(ROOT, DIRS[name])));
    let entities = 0;
    REF.models[name].forEach((row, i) => {
      const text = REF.texts[i];
      const enc = tok.encodeWithOffsets(text);
      expect(enc.ids).toEqual(row.ids);
      expect(enc.offsets).toEqual(row.offsets.map(([s, e]) => [utf16(text, s), utf16(text, e)]));
      expect(enc.special).toEqual(row.special.map((s) => s === 1));
      const probs = softmaxRows(Float32Array.from(row.logits.flat()), REF.labelNames.length);
      const tokens: TokenScores[] = enc.ids.map((id, t) => ({
        id,
        start: enc.offsets[t][0],
        end: enc.offsets[t][1],
        special: enc.special[t],
        unknown: enc.unknown[t],
        probs: probs[t],
      }));
      const got = aggregateSimple(text, tokens, REF.labelNames, (ids) => tok.decodeTokens(ids));
      const want = row.entities.map((e) => ({
        ...e,
        start: utf16(text, e.start),
        end: utf16(text, e.end),
      }));
      expect(got.map(({ score: _s, ...e }) => e)).toEqual(want.map(({ score: _s, ...e }) => e));
      got.forEach((e, j) => expect(Math.abs(e.score - want[j].score)).toBeLessThan(1e-6));
      // In code points, the spans are Python's as they are.
      expect(withCodePointOffsets(text, got).map((e) => [e.start, e.end])).toEqual(
        row.entities.map((e) => [e.start, e.end]),
      );
      entities += got.length;
    });
    expect(entities).toBeGreaterThan(100);
  });
});

describe('aggregateSimple grouping rules', () => {
  const labels = ['B-PER', 'I-PER', 'B-LOC', 'O'];
  const tok = (id: number, start: number, label: number, p = 0.9): TokenScores => {
    const probs = new Float32Array(4).fill((1 - p) / 3);
    probs[label] = p;
    return { id, start, end: start + 1, special: false, probs };
  };
  const decode = (ids: number[]) => ids.map((i) => `t${i}`).join(' ');

  it('groups I- after B- of one type, splits at B- and type changes, drops O and specials', () => {
    const text = 'abcdefg';
    const tokens = [
      { ...tok(0, 0, 3), special: true },
      tok(1, 0, 0, 0.8),
      tok(2, 1, 1, 0.6),
      tok(3, 2, 0),
      tok(4, 3, 2),
      tok(5, 4, 1),
      tok(6, 5, 3),
    ];
    const got = aggregateSimple(text, tokens, labels, decode);
    expect(got.map((e) => [e.entity_group, e.word, e.start, e.end])).toEqual([
      ['PER', 't1 t2', 0, 2],
      ['PER', 't3', 2, 3],
      ['LOC', 't4', 3, 4],
      ['PER', 't5', 4, 5],
    ]);
    expect(got[0].score).toBeCloseTo((0.8 + 0.6) / 2, 6);
  });
});
