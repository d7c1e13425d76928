/**
 * seqeval's default mode, pinned rule by rule: each expectation follows from the rules of
 * seqeval 1.2's `sequence_labeling.py` (or is an example of its docstrings), not from our output.
 */
import { describe, expect, it } from 'vitest';
import {
  entityConfusion,
  entitySpans,
  sentenceEntities,
  sentenceResults,
  seqevalMetrics,
} from '../../src/core/train/seqeval';

const spans = (tags: string[]) => entitySpans(tags).map((e) => [e.type, e.start, e.end - 1]);

describe('entitySpans (get_entities)', () => {
  it("the docstring's example: [('PER', 0, 1), ('LOC', 3, 3)]", () => {
    expect(spans(['B-PER', 'I-PER', 'O', 'B-LOC'])).toEqual([
      ['PER', 0, 1],
      ['LOC', 3, 3],
    ]);
  });

  it('an I- after O starts an entity (conlleval), and so does one at the start', () => {
    expect(spans(['O', 'I-PER', 'I-PER', 'O'])).toEqual([['PER', 1, 2]]);
    expect(spans(['I-PER', 'O'])).toEqual([['PER', 0, 0]]);
    // With no type to change ("O" and "I" are both of type '_'), the O -> I rule alone starts it.
    expect(spans(['O', 'I'])).toEqual([['_', 1, 1]]);
  });

  it('a type change ends one entity and starts another, also inside I- runs', () => {
    expect(spans(['B-PER', 'I-LOC', 'I-LOC'])).toEqual([
      ['PER', 0, 0],
      ['LOC', 1, 2],
    ]);
  });

  it('B after B or I starts a new entity of the same type', () => {
    expect(spans(['B-PER', 'B-PER', 'I-PER', 'B-PER'])).toEqual([
      ['PER', 0, 0],
      ['PER', 1, 2],
      ['PER', 3, 3],
    ]);
  });

  it('IOBES: S is a whole entity, E ends one, I or E after E or S start one', () => {
    expect(spans(['S-PER', 'B-LOC', 'E-LOC', 'I-LOC', 'E-LOC', 'S-LOC'])).toEqual([
      ['PER', 0, 0],
      ['LOC', 1, 2],
      ['LOC', 3, 4],
      ['LOC', 5, 5],
    ]);
    expect(spans(['S-PER', 'E-PER'])).toEqual([
      ['PER', 0, 0],
      ['PER', 1, 1],
    ]);
  });

  it("the type is what follows the first '-' after the chunk tag", () => {
    expect(spans(['B-creative-work', 'I-creative-work'])).toEqual([['creative-work', 0, 1]]);
    // A tag without a type has type '_'; one without a prefix is read by its first letter.
    expect(spans(['B', 'I'])).toEqual([['_', 0, 1]]);
  });

  it('sentences are joined with an O after each: entities never cross sentences', () => {
    const s = sentenceEntities([['B-PER'], ['I-PER', 'I-PER']]);
    expect(s).toEqual([[{ type: 'PER', start: 0, end: 1 }], [{ type: 'PER', start: 0, end: 2 }]]);
  });
});

describe('seqevalMetrics', () => {
  // The docstrings' example of f1_score, precision_score, recall_score, accuracy_score and
  // classification_report: 0.50, 0.50, 0.50, 0.80; MISC 0/0/0 (support 1), PER 1/1/1 (support 1).
  const gold = [
    ['O', 'O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'O'],
    ['B-PER', 'I-PER', 'O'],
  ];
  const pred = [
    ['O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'I-MISC', 'O'],
    ['B-PER', 'I-PER', 'O'],
  ];

  it("gives the docstrings' example scores", () => {
    const m = seqevalMetrics(gold, pred);
    expect(m.precision).toBe(0.5);
    expect(m.recall).toBe(0.5);
    expect(m.f1).toBe(0.5);
    expect(m.accuracy).toBe(0.8);
    expect(m.perType).toEqual([
      { type: 'MISC', precision: 0, recall: 0, f1: 0, number: 1 },
      { type: 'PER', precision: 1, recall: 1, f1: 1, number: 1 },
    ]);
  });

  it('micro-averages over entities; types only predicted get a row with number 0', () => {
    // Gold: PER x2, LOC x1. Predicted: PER (right), PER (wrong span), ORG (spurious).
    const g = [['B-PER', 'O', 'B-PER', 'I-PER', 'B-LOC']];
    const p = [['B-PER', 'O', 'B-PER', 'O', 'B-ORG']];
    const m = seqevalMetrics(g, p);
    expect(m.precision).toBeCloseTo(1 / 3, 15);
    expect(m.recall).toBeCloseTo(1 / 3, 15);
    expect(m.f1).toBeCloseTo(1 / 3, 15);
    expect(m.accuracy).toBe(3 / 5);
    expect(m.perType.map((t) => [t.type, t.precision, t.recall, t.number])).toEqual([
      ['LOC', 0, 0, 1],
      ['ORG', 0, 0, 0],
      ['PER', 0.5, 0.5, 2],
    ]);
  });

  it('no predicted entities: precision 0 (zero_division), not NaN', () => {
    const m = seqevalMetrics([['B-PER']], [['O']]);
    expect([m.precision, m.recall, m.f1, m.accuracy]).toEqual([0, 0, 0, 0]);
  });

  it('sentences of different lengths are an error', () => {
    expect(() => seqevalMetrics([['O', 'O']], [['O']])).toThrow(/2 gold tags but 1 predicted/);
  });
});

describe('entityConfusion and sentenceResults', () => {
  const g = [
    ['B-PER', 'I-PER', 'O', 'B-LOC', 'O'],
    ['B-ORG', 'O', 'O'],
  ];
  const p = [
    ['B-PER', 'I-PER', 'O', 'B-ORG', 'B-LOC'],
    ['O', 'O', 'B-PER'],
  ];

  it('counts gold x predicted type on the same span, missed and spurious', () => {
    const c = entityConfusion(g, p, ['LOC', 'ORG', 'PER']);
    const n = 4;
    const at = (r: number, col: number) => c.counts[r * n + col];
    expect(c.types).toEqual(['LOC', 'ORG', 'PER']);
    expect(at(2, 2)).toBe(1); // PER -> PER
    expect(at(0, 1)).toBe(1); // LOC predicted as ORG (same span)
    expect(at(1, 3)).toBe(1); // ORG missed
    expect(at(3, 0)).toBe(1); // spurious LOC
    expect(at(3, 2)).toBe(1); // spurious PER
    expect(c.counts.reduce((a, b) => a + b, 0)).toBe(5);
  });

  it('lists each sentence with its spans and its errors', () => {
    const r = sentenceResults(
      [
        ['a', 'b', 'c', 'd', 'e'],
        ['f', 'g', 'h'],
      ],
      g,
      p,
    );
    expect(r[0].gold).toEqual([
      { type: 'PER', start: 0, end: 2 },
      { type: 'LOC', start: 3, end: 4 },
    ]);
    expect(r[0].errors).toBe(3); // LOC missed, ORG and LOC spurious
    expect(r[1].errors).toBe(2);
    expect(r[1].row).toBe(1);
    expect(r[1].words).toEqual(['f', 'g', 'h']);
  });
});
