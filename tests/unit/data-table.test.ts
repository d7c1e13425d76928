import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/data/errors';
import { parseTable, parseTableFromBytes } from '../../src/core/data/table';

const fixture = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(`tests/fixtures/data/${name}`));
const text = (name: string): string => readFileSync(`tests/fixtures/data/${name}`, 'utf8');

function count(values: string[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const v of values) c[v] = (c[v] ?? 0) + 1;
  return c;
}

function errorOf(f: () => unknown): DataError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError');
}

describe('parseTable on real files', () => {
  it('reads the full Kaggle spam.csv: 5,572 rows, 4,825 ham / 747 spam, extra columns kept', () => {
    const t = parseTableFromBytes(new Uint8Array(readFileSync('public/demo/spam.csv')));
    expect(t.encoding).toBe('windows-1252');
    expect(t.delimiter).toBe(',');
    expect(t.hasHeader).toBe(true);
    expect(t.quoting).toBe(true);
    expect(t.columns).toEqual(['v1', 'v2', 'column_3', 'column_4', 'column_5']);
    expect(t.rows.length).toBe(5572);
    expect(t.rows.every((r) => r.length === 5)).toBe(true);
    expect(count(t.rows.map((r) => r[0]))).toEqual({ ham: 4825, spam: 747 });
    // The ragged extra fields (pandas' "Unnamed: 2..4": 50, 12 and 6 non-null) are kept.
    expect(t.rows.filter((r) => r[2] !== '').length).toBe(50);
    expect(t.rows.filter((r) => r[3] !== '').length).toBe(12);
    expect(t.rows.filter((r) => r[4] !== '').length).toBe(6);
    // Two quoted fields hold a bare CR: kept in the text, reported with spreadsheet rows.
    const bare = t.anomalies.filter((a) => a.kind === 'bare-cr');
    expect(bare.map((a) => a.row)).toEqual([100, 2793]);
    expect(t.rows[98][1]).toContain('prob for u?\\"\rham"');
    expect(t.anomalies.length).toBe(2);
    // No final newline: the last row is still there, CRLF is not left in the fields.
    expect(t.rows[5571]).toEqual(['ham', 'Rofl. Its true to its name', '', '', '']);
    expect(t.rows.some((r) => r[1].endsWith('\r'))).toBe(false);
    expect(t.rowNumbers[0]).toBe(2);
    expect(t.rowNumbers[5571]).toBe(5573);
  });

  it('reads the UCI SMSSpamCollection slice: tab, no header, quotes as plain text', () => {
    const t = parseTableFromBytes(fixture('SMSSpamCollection-300.tsv'));
    expect(t.delimiter).toBe('\t');
    expect(t.hasHeader).toBe(false);
    expect(t.columns).toEqual(['column_1', 'column_2']);
    expect(t.rows.length).toBe(300);
    expect(count(t.rows.map((r) => r[0]))).toEqual({ ham: 256, spam: 44 });
    expect(t.rows[0][1]).toMatch(/^Go until jurong point/);
    expect(t.rowNumbers[0]).toBe(1);
    // Line 283 opens a quote it never closes properly: the fallback is recorded, not silent.
    expect(t.quoting).toBe(false);
    const q = t.anomalies.filter((a) => a.kind === 'quote');
    expect(q.length).toBe(1);
    expect(q[0].row).toBe(283);
    expect(t.rows[282][1].startsWith('"Wen u miss someone')).toBe(true);
  });

  it('quoted parsing of the UCI slice would swallow lines (why the fallback exists)', () => {
    const t = parseTable(text('SMSSpamCollection-300.tsv'), { quoting: true, delimiter: '\t' });
    expect(t.rows.length).toBeLessThan(300);
    expect(t.anomalies.some((a) => a.kind === 'quote')).toBe(false);
  });

  it('reads the SST-2 slice: tab, header sentence/label', () => {
    const t = parseTableFromBytes(fixture('sst2-train-300.tsv'));
    expect(t.encoding).toBe('utf-8');
    expect(t.delimiter).toBe('\t');
    expect(t.hasHeader).toBe(true);
    expect(t.columns).toEqual(['sentence', 'label']);
    expect(t.rows.length).toBe(300);
    expect(count(t.rows.map((r) => r[1]))).toEqual({ '0': 149, '1': 151 });
    expect(t.rows[0]).toEqual(['hide new secretions from the parental units ', '0']);
    expect(t.anomalies).toEqual([]);
  });
});

describe('parseTable on awkward small files', () => {
  it('keeps ragged rows (padding short ones, keeping extra fields) and reports each', () => {
    const t = parseTable(text('ragged.csv'));
    expect(t.columns).toEqual(['text', 'label', 'column_3', 'column_4']);
    expect(t.rows).toEqual([
      ['hello, world', 'pos', '', ''],
      ['bad day', 'neg', '', ''],
      ['multi\r\nline', 'pos', '', 'extra'],
      ['fine', 'neg', '', ''],
    ]);
    expect(t.rowNumbers).toEqual([2, 3, 4, 6]);
    const kinds = t.anomalies.map((a) => `${a.kind}@${a.row}`).sort();
    expect(kinds).toEqual(['empty@5', 'ragged@3', 'ragged@4']);
    const r3 = t.anomalies.find((a) => a.row === 3);
    expect(r3?.message).toMatch(/Row 3 has 2 fields where 3 were expected/);
  });

  it('drops a trailing column that has no name and no content', () => {
    const t = parseTable('a,b,\n1x,y,\n2x,z,\n');
    expect(t.columns).toEqual(['a', 'b']);
    expect(t.rows).toEqual([
      ['1x', 'y'],
      ['2x', 'z'],
    ]);
  });

  it('sniffs semicolon and pipe delimiters', () => {
    const s = parseTable(text('semicolon.csv'));
    expect(s.delimiter).toBe(';');
    expect(s.columns).toEqual(['review', 'score']);
    expect(s.rows[1]).toEqual(['Boring plot, bad acting', '1']);
    const p = parseTable(text('pipe.csv'));
    expect(p.delimiter).toBe('|');
    expect(p.columns).toEqual(['id', 'text', 'label']);
    expect(p.rows.length).toBe(3);
  });

  it('skips blank lines (counted as anomalies) and numbers rows as a spreadsheet does', () => {
    const t = parseTable(text('blank-lines.tsv'));
    expect(t.columns).toEqual(['sentence', 'label']);
    expect(t.rows).toEqual([
      ['it is good', '1'],
      ['it is bad', '0'],
    ]);
    expect(t.rowNumbers).toEqual([4, 6]);
    expect(t.anomalies.filter((a) => a.kind === 'empty').map((a) => a.row)).toEqual([1, 2, 5, 7]);
  });

  it('honours explicit options: header off, quoting off, maxRows', () => {
    const t = parseTable(text('sst2-train-300.tsv'), { hasHeader: false, maxRows: 5 });
    expect(t.columns).toEqual(['column_1', 'column_2']);
    expect(t.rows[0]).toEqual(['sentence', 'label']);
    expect(t.rows.length).toBe(5);
    const q = parseTable('a,b\n"x, y",1\n', { quoting: false });
    expect(q.rows).toEqual([['"x', ' y"', '1']]);
    expect(q.columns).toEqual(['a', 'b', 'column_3']);
    const full = parseTableFromBytes(new Uint8Array(readFileSync('public/demo/spam.csv')), {
      maxRows: 10,
    });
    expect(full.rows.length).toBe(10);
    expect(full.columns.slice(0, 2)).toEqual(['v1', 'v2']);
  });

  it('names duplicate and blank header cells uniquely', () => {
    const t = parseTable('name,name,,label\nab cd,ef gh,x,1\nij kl,mn op,y,0\n');
    expect(t.columns).toEqual(['name', 'name_2', 'column_3', 'label']);
  });

  it('says one-column, no-rows and empty-file with helpful messages', () => {
    const one = errorOf(() => parseTable(text('one-column.txt')));
    expect(one.code).toBe('one-column');
    expect(one.message).toMatch(/delimiter/);
    const none = errorOf(() => parseTable(text('header-only.csv')));
    expect(none.code).toBe('no-rows');
    expect(none.message).toMatch(/no data rows/);
    expect(errorOf(() => parseTable('\r\n\r\n')).code).toBe('empty-file');
  });
});
