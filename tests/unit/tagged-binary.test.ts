/**
 * Tagged-file detection looks at a file's first bytes before the table reader does; bytes that
 * are not text (Parquet, a PNG, a gzip file that does not hold a tagged file) must pass through
 * to the table reader untouched, not fail as "not a text table".
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { StudioSession } from '../../src/core/session';
import { detectAndReadTagged } from '../../src/core/session/tagged';

const fixture = (p: string) =>
  new Uint8Array(readFileSync(new URL(`../fixtures/${p}`, import.meta.url)));

describe('tagged-file detection on binary files', () => {
  for (const file of ['data/sst2-200.parquet', 'e2e/spam.csv.gz']) {
    it(`leaves ${file} to the table reader`, async () => {
      const bytes = fixture(file);
      const out = await detectAndReadTagged(file, bytes, { task: 'auto', labelNames: null });
      expect(out.tagged).toBeNull();
      expect(out.input).toBe(bytes);
    });
  }

  it('leaves a PNG to the table reader, which says it is not a table', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0, 1]);
    const out = await detectAndReadTagged('sms.png', png, { task: 'auto', labelNames: null });
    expect(out.tagged).toBeNull();
    expect(out.input).toBe(png);
    await expect(new StudioSession().loadTable('sms.png', png)).rejects.toThrow(
      /sms\.png is not a table/,
    );
  });

  it('says a forced token-classification task needs a tagged file', async () => {
    await expect(
      detectAndReadTagged('x.parquet', fixture('data/sst2-200.parquet'), {
        task: 'token-classification',
        labelNames: null,
      }),
    ).rejects.toThrow(/is not a tagged file/);
  });
});
