import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTableFile } from '../../src/core/data/read';
import { computeDataReport, lengthStats } from '../../src/core/data/report';
import { detectTask } from '../../src/core/data/task';
import { StudioSession } from '../../src/core/session';
import { loadTokenizerFromDir } from '../../src/core/tokenize/tokenizerNode';

const fx = (name: string) =>
  new Uint8Array(readFileSync(join(__dirname, '../fixtures/data', name)));

describe('detectTask', () => {
  it('reads class names, small integer sets, lists and real numbers', () => {
    expect(detectTask(['spam', 'ham', 'ham']).problemType).toBe('single_label_classification');
    const sst = detectTask(['1', '0', '0', '1', '1']);
    expect(sst).toMatchObject({ problemType: 'single_label_classification', labels: ['0', '1'] });
    const sts = detectTask(['3.8', '0.0', '4.25', '2']);
    expect(sts).toMatchObject({ problemType: 'regression', range: { min: 0, max: 4.25 } });
    const many = detectTask(Array.from({ length: 200 }, (_, i) => String(i)));
    expect(many.problemType).toBe('regression');
    const multi = detectTask(['sports;politics', 'sports', 'tech;sports', 'politics']);
    expect(multi).toMatchObject({
      problemType: 'multi_label_classification',
      labelDelimiter: ';',
      labels: ['politics', 'sports', 'tech'],
    });
    // Free text with commas is not a label list.
    expect(detectTask(['good, but long and slow to start', 'bad', 'good']).problemType).toBe(
      'single_label_classification',
    );
  });

  it('is overridable, and orders labels by code point like class_encode_column', () => {
    expect(detectTask(['1', '0'], { problemType: 'regression' }).problemType).toBe('regression');
    expect(
      detectTask(['a|b', 'c'], { problemType: 'multi_label_classification', labelDelimiter: '|' })
        .labels,
    ).toEqual(['a', 'b', 'c']);
    expect(detectTask(['b', 'B', 'a', 'é']).labels).toEqual(['B', 'a', 'b', 'é']);
  });
});

describe('computeDataReport', () => {
  it('counts empty and duplicate rows with their file rows, and examples per class', () => {
    const r = computeDataReport({
      texts: ['a', 'b', 'a', '', 'c', 'a'],
      pairs: null,
      labels: ['x', 'y', 'y', 'x', '', 'x'],
      rowNumbers: [2, 3, 4, 5, 6, 7],
      columns: ['text', 'label'],
      anomalies: [{ kind: 'ragged' }, { kind: 'ragged' }, { kind: 'empty' }],
    });
    expect(r.rows).toBe(6);
    expect(r.rowsUsed).toBe(4);
    expect(r.empty).toEqual({ count: 2, rows: [5, 6] });
    expect(r.duplicates).toEqual({ count: 2, rows: [4, 7], conflictingLabels: 1 });
    expect(r.classBalance).toEqual([
      { label: 'x', count: 2 },
      { label: 'y', count: 2 },
    ]);
    expect(r.examplesPerClass[0]).toEqual({ label: 'x', examples: ['a', 'a'] });
    expect(r.anomaliesByKind).toEqual({ ragged: 2, empty: 1 });
  });

  it('bins token lengths within max_length', () => {
    const s = lengthStats({ tokenizer: 't', maxLength: 8, lengths: [2, 3, 8, 8, 5] }, 4);
    // Width ceil(9 / 4) = 3: [0,3) [3,6) [6,9); a row of exactly max_length is not cut.
    expect(s.bins.map((b) => [b.from, b.to, b.count])).toEqual([
      [0, 3, 1],
      [3, 6, 2],
      [6, 9, 2],
    ]);
    expect(s.cutBin).toBe(3);
    expect(s.truncatedRows).toBe(0);
    expect(s.mean).toBeCloseTo(5.2);
    expect(s.median).toBe(5);
  });

  it('draws lengths past max_length, with percentiles of the real lengths', () => {
    const lengths = [10, 20, 30, 40, 50, 60, 70, 150, 300, 1024];
    const s = lengthStats({ tokenizer: 't', maxLength: 64, lengths, measureCap: 1024 }, 16);
    // max_length falls on a bin edge; the bars after it hold exactly the rows it cuts.
    expect(s.bins[s.cutBin].from).toBe(65);
    expect(s.bins[s.cutBin - 1].to).toBe(65);
    const past = s.bins.slice(s.cutBin).reduce((a, b) => a + b.count, 0);
    expect(past).toBe(4);
    expect(s.truncatedRows).toBe(4);
    expect(s.truncatedShare).toBeCloseTo(0.4);
    expect(s.bins.reduce((a, b) => a + b.count, 0)).toBe(lengths.length);
    expect(s.bins[s.bins.length - 1].to).toBeGreaterThan(1024);
    expect(s.bins[s.bins.length - 1].open).toBe(true);
    // At least half the bins up to max_length (width ceil(65 / 8) = 9), as many again after.
    expect(s.cutBin).toBe(8);
    expect(s.bins.length).toBe(24);
    expect(s.atCap).toBe(1);
    expect(s.p95).toBe(300);
    expect(s.median).toBe(50);
    for (let i = 1; i < s.bins.length; i++) expect(s.bins[i].from).toBe(s.bins[i - 1].to);
  });

  it('on the real SMS file through the session, with bert-base-uncased lengths', async () => {
    const session = new StudioSession();
    const t = await session.loadTable('SMSSpamCollection', fx('SMSSpamCollection-300.tsv'));
    session.tokenizer = await loadTokenizerFromDir(
      join(__dirname, '../../public/tokenizers/bert-base-uncased'),
    );
    const r = session.dataReport({ text: t.guess.text, label: t.guess.label }, 16);
    expect(r.rows).toBe(300);
    expect(r.task.problemType).toBe('single_label_classification');
    expect(r.classBalance.map((c) => c.label)).toEqual(['ham', 'spam']);
    expect(r.classBalance[0].count + r.classBalance[1].count).toBe(300);
    expect(r.tokenLengths?.measured).toBe(300);
    expect(r.tokenLengths?.truncatedRows).toBeGreaterThan(50);
    const table = await readTableFile('SMSSpamCollection', fx('SMSSpamCollection-300.tsv'));
    const spam = table.rows.filter((x) => x[0] === 'spam').length;
    expect(r.classBalance[1].count).toBe(spam);
  });
});
