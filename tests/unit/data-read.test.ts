import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { isDataError } from '../../src/core/data/errors';
import { readTableFile } from '../../src/core/data/read';
import { detectTask } from '../../src/core/data/task';
import { writeParquet } from './helpers/parquetWriter';

const fx = (name: string) =>
  new Uint8Array(readFileSync(join(__dirname, '../fixtures/data', name)));

describe('readTableFile', () => {
  it('reads the UCI SMS file (no header, unbalanced quotes) by sniffing', async () => {
    const t = await readTableFile('SMSSpamCollection', fx('SMSSpamCollection-300.tsv'));
    expect(t.format).toBe('csv');
    expect(t.hasHeader).toBe(false);
    expect(t.delimiter).toBe('\t');
    expect(t.rows.length).toBe(300);
    expect(new Set(t.rows.map((r) => r[0]))).toEqual(new Set(['ham', 'spam']));
  });

  it('reads SST-2 TSV, JSON Lines, a JSON array and Parquet with the same rows', async () => {
    const tsv = await readTableFile('train.tsv', fx('sst2-train-300.tsv'));
    const rows = tsv.rows.slice(0, 200);
    const jsonl = rows
      .map((r) => JSON.stringify({ sentence: r[0], label: Number(r[1]) }))
      .join('\n');
    const a = await readTableFile('x.jsonl', strToU8(jsonl));
    const b = await readTableFile(
      'x.json',
      strToU8(JSON.stringify(rows.map((r) => ({ sentence: r[0], label: Number(r[1]) })))),
    );
    const c = await readTableFile('x.jsonl.gz', gzipSync(strToU8(jsonl)));
    const p = await readTableFile('sst2.parquet', fx('sst2-200.parquet'));
    for (const t of [a, b, c]) {
      expect(t.columns).toEqual(['sentence', 'label']);
      expect(t.rows).toEqual(rows.map((r) => [r[0], r[1]]));
    }
    expect(c.gzip).toBe(true);
    expect(p.format).toBe('parquet');
    expect(p.columns).toEqual(['sentence', 'label', 'idx']);
    expect(p.rows.length).toBe(200);
    // The Parquet fixture holds the first 200 rows of SST-2's train.tsv.
    expect(p.rows.map((r) => r[0])).toEqual(rows.map((r) => r[0]));
  });

  it('counts bad JSON lines with their line numbers and keeps going', async () => {
    const text =
      '{"text":"a","label":"x"}\nnot json\n\n[1,2]\n{"text":"b","label":"y","extra":1}\n';
    const t = await readTableFile('d.ndjson', strToU8(text));
    expect(t.rows).toEqual([
      ['a', 'x', ''],
      ['b', 'y', '1'],
    ]);
    expect(t.rowNumbers).toEqual([1, 5]);
    expect(t.anomalies.map((x) => [x.row, x.kind])).toEqual([
      [2, 'bad-json'],
      [4, 'not-record'],
    ]);
  });

  it('joins list values with ";" so multi-label columns are detected', async () => {
    const text = [
      { text: 'a', labels: ['sports', 'politics'] },
      { text: 'b', labels: ['sports'] },
      { text: 'c', labels: ['tech'] },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n');
    const t = await readTableFile('m.jsonl', strToU8(text));
    expect(t.rows[0][1]).toBe('sports;politics');
    const task = detectTask(t.rows.map((r) => r[1]));
    expect(task.problemType).toBe('multi_label_classification');
    expect(task.labels).toEqual(['politics', 'sports', 'tech']);
  });

  it('streams a Blob in chunks with progress, and caps beyond the byte budget with a message', async () => {
    const lines = ['text,label'];
    for (let i = 0; i < 5000; i++)
      lines.push(`row number ${i} with some words,${i % 2 ? 'pos' : 'neg'}`);
    const bytes = strToU8(lines.join('\n'));
    const seen: number[] = [];
    const full = await readTableFile('big.csv', new Blob([bytes]), {}, (p) => seen.push(p.bytes));
    expect(full.rows.length).toBe(5000);
    expect(full.capped).toBeNull();
    expect(seen.at(-1)).toBe(bytes.length);
    const capped = await readTableFile('big.csv', new Blob([bytes]), { maxBytes: 50_000 });
    expect(capped.rows.length).toBeGreaterThan(100);
    expect(capped.rows.length).toBeLessThan(5000);
    expect(capped.capped).toMatch(/only the first/);
    // No partial last row: every kept row is whole.
    expect(capped.rows.at(-1)?.[1]).toMatch(/^(pos|neg)$/);
    expect(capped.bytesRead).toBe(50_000);
    // What a run stores for Resume (the bytes read and one more) reads back to the same rows.
    const stored = new Blob([bytes]).slice(0, capped.bytesRead + 1);
    const again = await readTableFile('big.csv', stored, { maxBytes: 50_000 });
    expect(again.rows).toEqual(capped.rows);
    expect(again.capped).toMatch(/only the first/);
    const rowsCapped = await readTableFile('big.csv', bytes, { maxRows: 10 });
    expect(rowsCapped.rows.length).toBe(10);
    expect(rowsCapped.capped).toMatch(/first 10 rows/);
  });

  it('reads a ReadableStream and a gzip bomb stops at the budget', async () => {
    const big = gzipSync(new Uint8Array(20_000_000).fill(0x61), { level: 9 });
    const t0 = performance.now();
    await expect(readTableFile('bomb.csv.gz', big, { maxBytes: 1_000_000 })).rejects.toSatisfy(
      isDataError,
    );
    expect(performance.now() - t0).toBeLessThan(5000);
    const stream = new Blob([strToU8('a,b\n1,x\n2,y\n')]).stream();
    const t = await readTableFile('s.csv', stream);
    expect(t.rows).toEqual([
      ['1', 'x'],
      ['2', 'y'],
    ]);
  });

  it('gives clear errors for damaged Parquet and JSON', async () => {
    const pq = writeParquet([
      { name: 'a', values: ['x', 'y'] },
      { name: 'b', ints: [1, 2] },
    ]);
    await expect(readTableFile('t.parquet', pq.subarray(0, pq.length - 12))).rejects.toThrow(
      /Parquet file could not be read/,
    );
    await expect(readTableFile('t.json', strToU8('[{"a":1},'))).rejects.toThrow(
      /JSON file could not be read/,
    );
  });
});

describe('readTableFile errors name the file', () => {
  const fail = async (name: string, bytes: Uint8Array) => {
    try {
      await readTableFile(name, bytes);
    } catch (e) {
      if (isDataError(e)) return e;
      throw e;
    }
    throw new Error(`${name} was read`);
  };
  it('a PNG: "sms.png is not a table: …"', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0, 1]);
    const e = await fail('sms.png', png);
    expect(e.code).toBe('binary-file');
    expect(e.message).toMatch(/^sms\.png is not a table: it contains NUL bytes/);
  });
  it('one column: names the file and the delimiter control', async () => {
    const e = await fail('data.csv', strToU8('message\nhello there\nsee you\nok\n'));
    expect(e.code).toBe('one-column');
    expect(e.message).toMatch(/^Only one column was found in data\.csv \(/);
    expect(e.message).toMatch(/Delimiter control above/);
  });
  it('an empty file, named once', async () => {
    const e = await fail('empty.csv', new Uint8Array(0));
    expect(e.message.split('empty.csv').length).toBe(2);
  });
});
