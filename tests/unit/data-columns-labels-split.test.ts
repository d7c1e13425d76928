import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { guessColumns } from '../../src/core/data/columns';
import { DataError } from '../../src/core/data/errors';
import { buildLabelMaps, encodeLabels, validateExamples } from '../../src/core/data/labels';
import { findOverlap, stratifiedSplit } from '../../src/core/data/split';
import { parseTable, parseTableFromBytes } from '../../src/core/data/table';

const spam = parseTableFromBytes(new Uint8Array(readFileSync('public/demo/spam.csv')));
const fixtureTable = (name: string) =>
  parseTableFromBytes(new Uint8Array(readFileSync(`tests/fixtures/data/${name}`)));
const column = (t: { columns: string[]; rows: string[][] }, name: string): string[] => {
  const j = t.columns.indexOf(name);
  return t.rows.map((r) => r[j]);
};

function errorOf(f: () => unknown): DataError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError');
}

describe('guessColumns', () => {
  it('picks v2/v1 for spam.csv, sentence/label for SST-2, column_2/column_1 for the UCI file', () => {
    expect(guessColumns(spam)).toEqual({ text: 'v2', label: 'v1' });
    expect(guessColumns(fixtureTable('sst2-train-300.tsv'))).toEqual({
      text: 'sentence',
      label: 'label',
    });
    expect(guessColumns(fixtureTable('SMSSpamCollection-300.tsv'))).toEqual({
      text: 'column_2',
      label: 'column_1',
    });
  });

  it('skips numeric id columns and finds sentence pairs in column order', () => {
    expect(guessColumns(fixtureTable('pipe.csv'))).toEqual({ text: 'text', label: 'label' });
    expect(guessColumns(fixtureTable('pairs.csv'))).toEqual({
      text: 'premise',
      label: 'label',
      textPair: 'hypothesis',
    });
  });

  it('prefers a label-like name over another low-cardinality column', () => {
    const t = parseTable(
      'lang,comment,target\nen,this is great stuff,1\nen,really bad service here,0\nfr,c est pas mal du tout,1\nen,would not buy again,0\nen,ok I guess it works,1\n',
    );
    expect(guessColumns(t)).toEqual({ text: 'comment', label: 'target' });
  });
});

describe('labels', () => {
  it('orders classes as class_encode_column does (sorted strings)', () => {
    const m = buildLabelMaps(column(spam, 'v1'));
    expect(m.labels).toEqual(['ham', 'spam']);
    expect(m.id2label).toEqual({ '0': 'ham', '1': 'spam' });
    expect(m.label2id).toEqual({ ham: 0, spam: 1 });
    const ids = encodeLabels(column(spam, 'v1'), m.label2id);
    expect(ids).toBeInstanceOf(Int32Array);
    expect(ids.length).toBe(5572);
    expect(ids.reduce((a, b) => a + b, 0)).toBe(747);
    // Python sorts str: '10' < '2'; and by code point ('Z' < 'a' < 'é').
    expect(buildLabelMaps(['2', '10', '1', '2']).labels).toEqual(['1', '10', '2']);
    // Labels named like Object.prototype members are labels like any other.
    const odd = buildLabelMaps(['__proto__', 'constructor', 'toString']);
    expect(
      Array.from(encodeLabels(['toString', '__proto__', 'constructor'], odd.label2id)),
    ).toEqual([2, 0, 1]);
    expect(JSON.parse(JSON.stringify(odd.label2id))).toEqual(odd.label2id);
    expect(() => encodeLabels(['valueOf'], odd.label2id)).toThrow(/not one of the known labels/);
    expect(buildLabelMaps(['é', 'a', 'Z']).labels).toEqual(['Z', 'a', 'é']);
  });

  it('refuses a label with no id, naming it', () => {
    const e = errorOf(() => encodeLabels(['ham', 'eggs'], { ham: 0, spam: 1 }));
    expect(e.code).toBe('bad-column');
    expect(e.message).toMatch(/"eggs"/);
    // Object.prototype names are not labels.
    expect(errorOf(() => encodeLabels(['toString'], { ham: 0 })).code).toBe('bad-column');
  });

  it('reports empty-text rows by spreadsheet row number and leaves the rest to the caller', () => {
    const t = fixtureTable('semicolon.csv');
    const r = validateExamples(column(t, 'review'), column(t, 'score'), {
      textColumn: 'review',
      labelColumn: 'score',
      firstDataRow: 2,
    });
    expect(r.emptyTextRows).toEqual([4]);
    expect(r.message).toBe('Left out 1 row with empty "review" (row 4).');
    const many = validateExamples(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? 'text' : '')),
      Array.from({ length: 30 }, (_, i) => String(i % 3)),
      { textColumn: 't', labelColumn: 'l', firstDataRow: 2 },
    );
    expect(many.emptyTextRows.length).toBe(15);
    expect(many.message).toMatch(/rows 2, 4, 6, 8, 10, 12, 14, 16, 18, 20 and 5 more/);
    const exact = validateExamples(['a', '', 'b', 'c'], ['x', 'y', '', 'z'], {
      textColumn: 't',
      labelColumn: 'l',
      firstDataRow: 2,
      rowNumbers: [4, 6, 9, 10],
    });
    expect(exact.emptyTextRows).toEqual([6]);
    expect(exact.emptyLabelRows).toEqual([9]);
  });

  it('throws single-class and empty-text naming the column', () => {
    const one = errorOf(() =>
      validateExamples(['a', 'b'], ['ham', 'ham'], {
        textColumn: 'v2',
        labelColumn: 'v1',
        firstDataRow: 2,
      }),
    );
    expect(one.code).toBe('single-class');
    expect(one.column).toBe('v1');
    expect(one.message).toMatch(/"v1" has only one distinct value \("ham"\)/);
    const empty = errorOf(() =>
      validateExamples([' ', ''], ['a', 'b'], {
        textColumn: 'v2',
        labelColumn: 'v1',
        firstDataRow: 2,
      }),
    );
    expect(empty.code).toBe('empty-text');
    expect(empty.column).toBe('v2');
  });
});

describe('stratifiedSplit', () => {
  const labelIds = encodeLabels(column(spam, 'v1'), { ham: 0, spam: 1 });

  it('keeps class shares, covers every row once and is deterministic per seed', () => {
    const s = stratifiedSplit(labelIds, 0.2, 42);
    expect(s.validation.filter((i) => labelIds[i] === 0).length).toBe(Math.round(0.2 * 4825));
    expect(s.validation.filter((i) => labelIds[i] === 1).length).toBe(Math.round(0.2 * 747));
    expect(s.train.length + s.validation.length).toBe(5572);
    const all = new Set([...s.train, ...s.validation]);
    expect(all.size).toBe(5572);
    expect(s.train).toEqual([...s.train].sort((a, b) => a - b));
    expect(stratifiedSplit(labelIds, 0.2, 42)).toEqual(s);
    const other = stratifiedSplit(labelIds, 0.2, 43);
    expect(other.validation).not.toEqual(s.validation);
    expect(other.validation.length).toBe(s.validation.length);
  });

  it('puts at least one row of each class with >= 2 rows in validation, never all', () => {
    const s = stratifiedSplit([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2], 0.1, 1);
    expect(s.validation.filter((i) => i >= 10 && i <= 11).length).toBe(1);
    expect(s.validation.includes(12)).toBe(false);
    expect(s.validation.filter((i) => i < 10).length).toBe(1);
    expect(() => stratifiedSplit([0, 1], 1, 1)).toThrow(RangeError);
  });

  it('counts validation texts that also appear in train (spam.csv has duplicates)', () => {
    const texts = column(spam, 'v2');
    const s = stratifiedSplit(labelIds, 0.2, 42);
    const overlap = findOverlap(
      s.train.map((i) => texts[i]),
      s.validation.map((i) => texts[i]),
    );
    expect(overlap).toBeGreaterThan(0);
    expect(overlap).toBeLessThan(s.validation.length);
    expect(findOverlap(['a', 'b'], ['b', 'b', 'c'])).toBe(2);
  });
});
