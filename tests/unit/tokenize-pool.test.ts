import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTableFile } from '../../src/core/data/read';
import { encodeDataset } from '../../src/core/tokenize/encode';
import { withFastEncode } from '../../src/core/tokenize/fastWordPiece';
import { datasetKey, mergeShards, shardRanges } from '../../src/core/tokenize/parallel';
import { createNodeTokenizerPool } from '../../src/core/tokenize/poolNode';
import { loadTokenizerFromDir } from '../../src/core/tokenize/tokenizerNode';

const root = join(__dirname, '../..');
const fx = (name: string) => new Uint8Array(readFileSync(join(root, 'tests/fixtures/data', name)));
const tokDir = (name: string) => join(root, 'public/tokenizers', name);

const tricky = [
  'Héllo Wörld naïve café',
  '中文字符测试 ok',
  'tab\there\u0000nul\u200bzero-width',
  'ＡＢＣ full width',
  'İstanbul ΣΊΣΥΦΟΣ',
  '😀 emoji 𠀀 ext-B',
  'a'.repeat(150),
  'x [SEP] y [MASK]',
  '\ud800 lone surrogate',
  'ﬁ ligature',
  '   ',
  '',
  "don't stop-believing!!! ...",
  '<br /><br />Great film.',
];

describe('fast WordPiece', () => {
  it.each(['bert-base-uncased', 'bert-base-cased'])(
    'gives exactly transformers.js ids (%s)',
    async (name) => {
      const tok = await loadTokenizerFromDir(tokDir(name));
      const fast = withFastEncode(tok);
      expect(fast).not.toBe(tok);
      const sst = (await readTableFile('sst2.tsv', fx('sst2-train-300.tsv'))).rows.map((r) => r[0]);
      const sms = (await readTableFile('sms.tsv', fx('SMSSpamCollection-300.tsv'))).rows.map(
        (r) => r[1],
      );
      for (const t of [...tricky, ...sst, ...sms]) {
        expect(fast.encode(t, undefined, 512)).toEqual(tok.encode(t, undefined, 512));
        expect(fast.encode(t, undefined, 12)).toEqual(tok.encode(t, undefined, 12));
        expect(fast.encode(t, 'a second sentence, as in MRPC', 20)).toEqual(
          tok.encode(t, 'a second sentence, as in MRPC', 20),
        );
      }
    },
  );
});

describe('parallel tokenization', () => {
  const pool = createNodeTokenizerPool(2);
  afterAll(() => pool.close());

  it('cuts shards and merges them back in row order', () => {
    expect(shardRanges(10, 3)).toEqual([
      [0, 3],
      [3, 6],
      [6, 10],
    ]);
    expect(shardRanges(1, 4)).toEqual([[0, 1]]);
    const m = mergeShards([
      {
        ids: Uint16Array.of(1, 2, 3),
        offsets: Uint32Array.of(0, 2, 3),
        typeIds: null,
        truncated: 1,
      },
      { ids: Uint16Array.of(4), offsets: Uint32Array.of(0, 1), typeIds: null, truncated: 0 },
    ]);
    expect(Array.from(m.ids)).toEqual([1, 2, 3, 4]);
    expect(Array.from(m.offsets)).toEqual([0, 2, 3, 4]);
    expect(m.truncated).toBe(1);
    expect(datasetKey(['ab', 'c'], null, 'k', 8)).not.toBe(datasetKey(['a', 'bc'], null, 'k', 8));
    expect(datasetKey(['a'], null, 'k', 8)).not.toBe(datasetKey(['a'], null, 'k', 16));
  });

  it('worker threads give the single-thread ids, in Uint16, and reuse them on a second run', async () => {
    const tok = await loadTokenizerFromDir(tokDir('bert-base-uncased'));
    const sst = (await readTableFile('sst2.tsv', fx('sst2-train-300.tsv'))).rows.map((r) => r[0]);
    // 9,000 rows: three shards of 3,000 for two workers (one takes two, in whatever order they
    // finish), merged back in row order.
    const texts = Array.from({ length: 30 }, () => sst).flat();
    const single = encodeDataset(tok, texts, null, 32);
    const progress: number[] = [];
    const ds = await pool.encode(tok.files, texts, {
      maxLength: 32,
      onProgress: (done) => progress.push(done),
    });
    expect(progress).toEqual([3000, 6000, 9000]);
    expect(ds.ids).toBeInstanceOf(Uint16Array);
    expect(Array.from(ds.offsets)).toEqual(Array.from(single.offsets));
    expect(Array.from(ds.ids)).toEqual(Array.from(single.ids));
    expect(ds.truncated).toBe(single.truncated);
    const again = await pool.encode(tok.files, texts, { maxLength: 32 });
    expect(again).toBe(ds);
    expect(pool.cacheHits).toBe(1);
    const pairs = await pool.encode(tok.files, texts.slice(0, 50), {
      maxLength: 32,
      pairs: texts.slice(50, 100),
    });
    expect(Array.from(pairs.typeIds ?? [])).toEqual(
      Array.from(encodeDataset(tok, texts.slice(0, 50), texts.slice(50, 100), 32).typeIds ?? []),
    );
  }, 60_000);
});
