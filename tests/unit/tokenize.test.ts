import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTableFromBytes } from '../../src/core/data/table';
import {
  datasetSize,
  encodeDataset,
  lengthOf,
  lengthsOf,
  rowIds,
} from '../../src/core/tokenize/encode';
import { loadTokenizer, longestFirst, type Tokenizer } from '../../src/core/tokenize/tokenizer';
import { loadTokenizerFromDir } from '../../src/core/tokenize/tokenizerNode';
import { fastTokenizer } from '../../src/core/tokenize/fastWordPiece';

const DIR = 'public/tokenizers/bert-base-uncased';

/** Ids computed with HF `tokenizers` (Rust) from the same tokenizer.json; see the file's `source`. */
interface Reference {
  source: string;
  singles: { text: string; ids: number[]; ids16: number[] }[];
  pairs: { text: string; pair: string; maxLength: number; ids: number[]; typeIds: number[] }[];
}
const reference = JSON.parse(
  readFileSync('tests/fixtures/data/bert-base-uncased-reference.json', 'utf8'),
) as Reference;

let tok: Tokenizer;
beforeAll(async () => {
  tok = await loadTokenizerFromDir(DIR);
});

describe('loadTokenizer (bert-base-uncased)', () => {
  it('has the known vocabulary and special ids', () => {
    expect(tok.name).toBe('bert-base-uncased');
    expect(tok.vocabSize).toBe(30522);
    expect(tok.padId).toBe(0);
    expect(tok.clsId).toBe(101);
    expect(tok.sepId).toBe(102);
    expect(tok.modelMaxLength).toBe(512);
  });

  it('encodes known strings to known ids', () => {
    expect(tok.encode('Hello world!')).toEqual({
      ids: [101, 7592, 2088, 999, 102],
      typeIds: [0, 0, 0, 0, 0],
      truncated: false,
    });
    expect(tok.tokens(tok.encode('unbelievably tokenizing').ids)).toEqual([
      '[CLS]',
      'un',
      '##bel',
      '##ie',
      '##va',
      '##bly',
      'token',
      '##izing',
      '[SEP]',
    ]);
    expect(tok.decodeIds([101, 7592, 2088, 999, 102])).toBe('[CLS] hello world! [SEP]');
    expect(tok.decodeIds([])).toBe('');
  });

  it(`matches HF tokenizers on ${reference.singles.length} texts, with and without truncation`, () => {
    for (const r of reference.singles) {
      expect(tok.encode(r.text).ids, r.text).toEqual(r.ids);
      const cut = tok.encode(r.text, undefined, 16);
      expect(cut.ids, r.text).toEqual(r.ids16);
      expect(cut.truncated).toBe(r.ids.length > 16);
    }
  });

  it('matches HF longest_first truncation of pairs, type ids included', () => {
    for (const r of reference.pairs) {
      const e = tok.encode(r.text, r.pair, r.maxLength);
      expect(e.ids, `${r.text} | ${r.pair} @${r.maxLength}`).toEqual(r.ids);
      expect(e.typeIds).toEqual(r.typeIds);
    }
    expect(longestFirst(4, 4, 5)).toEqual([2, 3]);
    expect(longestFirst(7, 3, 3)).toEqual([2, 1]);
    expect(longestFirst(3, 10, 8)).toEqual([3, 5]);
    expect(longestFirst(2, 2, 10)).toEqual([2, 2]);
    expect(() => tok.encode('x', 'y', 2)).toThrow(RangeError);
  });

  it('builds from in-memory files (the browser-worker path) with the same results', async () => {
    const files = {
      tokenizerJson: JSON.parse(readFileSync(`${DIR}/tokenizer.json`, 'utf8')) as object,
      tokenizerConfig: {
        ...(JSON.parse(readFileSync(`${DIR}/tokenizer_config.json`, 'utf8')) as object),
        tokenizer_class: 'BertTokenizerFast',
      },
    };
    const t2 = await loadTokenizer(files);
    expect(t2.encode('Hello world!', 'Hi', 32).ids).toEqual([101, 7592, 2088, 999, 102, 7632, 102]);
    expect(t2.files).toBe(files);
  });
});

describe('token_type_ids follow model_input_names', () => {
  it('are 0 for a pair when the tokenizer takes none (DistilBERT), on the fast path too', async () => {
    const tokenizerJson = JSON.parse(readFileSync(`${DIR}/tokenizer.json`, 'utf8')) as object;
    const base = JSON.parse(readFileSync(`${DIR}/tokenizer_config.json`, 'utf8')) as object;
    expect(tok.tokenTypeIds).toBe(true);
    expect(tok.encode('a b', 'c').typeIds).toEqual([0, 0, 0, 0, 1, 1]);
    // DistilBertTokenizer's model_input_names: ["input_ids", "attention_mask"].
    for (const config of [
      { ...base, tokenizer_class: 'DistilBertTokenizer' },
      { ...base, model_input_names: ['input_ids', 'attention_mask'] },
    ]) {
      const distil = await loadTokenizer({ tokenizerJson, tokenizerConfig: config });
      expect(distil.tokenTypeIds).toBe(false);
      const enc = distil.encode('a b', 'c');
      expect(enc.ids).toEqual(tok.encode('a b', 'c').ids);
      expect(enc.typeIds).toEqual([0, 0, 0, 0, 0, 0]);
      expect(fastTokenizer(distil).encode('a b', 'c')).toEqual(enc);
    }
  });
});

describe('encodeDataset', () => {
  it('encodes the full spam.csv compactly and reports progress and truncation', () => {
    const t = parseTableFromBytes(new Uint8Array(readFileSync('public/demo/spam.csv')));
    const texts = t.rows.map((r) => r[1]);
    const calls: [number, number][] = [];
    const t0 = performance.now();
    const ds = encodeDataset(tok, texts, null, 128, (d, n) => calls.push([d, n]));
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `spam.csv: ${texts.length} rows, ${ds.ids.length} tokens in ${seconds.toFixed(3)} s = ` +
        `${Math.round(ds.ids.length / seconds)} tokens/s, ${Math.round(texts.length / seconds)} rows/s`,
    );
    expect(datasetSize(ds)).toBe(5572);
    expect(ds.ids).toBeInstanceOf(Uint16Array);
    expect(ds.typeIds).toBeNull();
    expect(ds.offsets.length).toBe(5573);
    expect(ds.offsets[5572]).toBe(ds.ids.length);
    expect(calls.length).toBe(6);
    expect(calls[5]).toEqual([5572, 5572]);
    // Row 0 equals a direct encode; every row starts with [CLS] and ends with [SEP].
    expect(Array.from(rowIds(ds, 0))).toEqual(tok.encode(texts[0], undefined, 128).ids);
    let longest = 0;
    let expectTruncated = 0;
    for (let i = 0; i < 5572; i++) {
      const len = lengthOf(ds, i);
      longest = Math.max(longest, len);
      expect(ds.ids[ds.offsets[i]]).toBe(101);
      expect(ds.ids[ds.offsets[i + 1] - 1]).toBe(102);
      if (len === 128 && tok.encode(texts[i]).ids.length > 128) expectTruncated++;
    }
    expect(longest).toBe(128);
    expect(ds.truncated).toBe(expectTruncated);
    expect(ds.truncated).toBeGreaterThan(0);
    expect(Array.from(lengthsOf(ds).subarray(0, 3))).toEqual([
      lengthOf(ds, 0),
      lengthOf(ds, 1),
      lengthOf(ds, 2),
    ]);
  });

  it('stores type ids for pairs', () => {
    const ds = encodeDataset(tok, ['Hello world!', 'a'], ['Hi', 'b c'], 16);
    expect(ds.typeIds).toBeInstanceOf(Uint8Array);
    expect(Array.from(rowIds(ds, 0))).toEqual([101, 7592, 2088, 999, 102, 7632, 102]);
    expect(Array.from(ds.typeIds as Uint8Array).slice(0, 7)).toEqual([0, 0, 0, 0, 0, 1, 1]);
    expect(Array.from(ds.offsets)).toEqual([0, 7, 13]);
    expect(() => encodeDataset(tok, ['a'], [], 8)).toThrow(RangeError);
  });
});
