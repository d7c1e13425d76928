import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StudioSession } from '../../src/core/session';
import { createNodeTokenizerPool } from '../../src/core/tokenize/poolNode';
import { loadTokenizerFromDir } from '../../src/core/tokenize/tokenizerNode';

const root = join(__dirname, '../..');
const tokDir = join(root, 'public/tokenizers/bert-base-uncased');

/** The prepared splits' arrays, for comparison. */
function arrays(s: StudioSession) {
  const p = s.prepared;
  if (!p) throw new Error('not prepared');
  return [p.train, p.validation].map((d) => ({
    ids: Array.from(d.encoded.ids),
    offsets: Array.from(d.encoded.offsets),
    truncated: d.encoded.truncated,
    labels: Array.from(d.labels),
  }));
}

describe('the session tokenizer', () => {
  it('uses the fast WordPiece path, with transformers.js ids', async () => {
    const raw = await loadTokenizerFromDir(tokDir);
    const s = new StudioSession();
    const tok = await s.setTokenizerFiles(raw.files);
    expect(tok).not.toBe(raw);
    expect(s.tokenizer).toBe(tok);
    expect(tok.encode).not.toBe(raw.encode);
    for (const t of ['Free entry in 2 a wkly comp!!', 'Héllo naïve café', 'x [SEP] y', '']) {
      expect(tok.encode(t, 'a pair', 12)).toEqual(raw.encode(t, 'a pair', 12));
    }
  });
});

describe('preparePooled', () => {
  const pool = createNodeTokenizerPool(2);
  afterAll(() => pool.close());

  it.each([
    ['spam.csv (Kaggle, windows-1252, duplicates)', 'public/demo/spam.csv', 24],
    ['SMSSpamCollection (no header)', 'tests/fixtures/e2e/SMSSpamCollection', 64],
  ])(
    'gives the same splits and summary as prepare: %s',
    async (_n, file, maxLength) => {
      const bytes = new Uint8Array(readFileSync(join(root, file)));
      const a = new StudioSession();
      const b = new StudioSession();
      for (const s of [a, b]) {
        await s.loadTable(file.split('/').pop() as string, bytes);
        await s.setTokenizerFiles((await loadTokenizerFromDir(tokDir)).files);
      }
      const options = {
        columns: a.tableSummary().guess,
        validationFraction: 0.2,
        maxLength,
        seed: 42,
      };
      const t0 = performance.now();
      const plain = a.prepare(options);
      const t1 = performance.now();
      let encodedRows = 0;
      const pooled = await b.preparePooled(options, (texts, pairs, max) => {
        encodedRows = texts.length;
        return pool.encode(b.tokenizer!.files, texts, { pairs, maxLength: max });
      });
      const t2 = performance.now();
      console.log(`${file}: prepare ${(t1 - t0).toFixed(0)} ms, pooled ${(t2 - t1).toFixed(0)} ms`);
      expect(encodedRows).toBeGreaterThan(5000);
      expect(pooled).toEqual(plain);
      expect(plain.truncatedRows).toBeGreaterThan(0);
      expect(arrays(b)).toEqual(arrays(a));
    },
    60_000,
  );
});
