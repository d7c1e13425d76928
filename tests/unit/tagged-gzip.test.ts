/**
 * A gzip-compressed tagged file (`.conll.gz`, `.txt.gz`, `.jsonl.gz`) is detected and read as it
 * is uncompressed, from bytes (tests), a Blob (the page's File) and a stream (the CLI); a gzip
 * file that is not tagged still goes to the table reader (tagged-binary.test.ts).
 * `wnut17train-head100.conll.gz` is the first 100 sentences of WNUT 2017's train file,
 * compressed with `gzip -9n` (a prefix of `wnut17train.conll`, byte for byte).
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

import { openDataFile } from '../../src/cli/files';
import { readTagged } from '../../src/core/data/tagged';
import type { TaggedCorpus } from '../../src/core/data/taggedTypes';
import { StudioSession } from '../../src/core/session';
import { detectAndReadTagged } from '../../src/core/session/tagged';

const DIR = 'tests/fixtures/data/wnut17';
const GZ = `${DIR}/wnut17train-head100.conll.gz`;
const gz = new Uint8Array(readFileSync(GZ));
const trainText = readFileSync(`${DIR}/wnut17train.conll`, 'utf8');
const AUTO = { task: 'auto' as const, labelNames: null };

/** The first `n` sentences of the uncompressed train file, read as the plain file is read. */
function plainHead(n: number): TaggedCorpus {
  const lines = trainText.split('\n');
  let blank = 0;
  let end = 0;
  while (blank < n) if (lines[end++].trim() === '') blank++;
  return readTagged(`${lines.slice(0, end).join('\n')}\n`, { fileName: 'wnut17train.conll' });
}

function expectSameCorpus(got: TaggedCorpus | undefined, want: TaggedCorpus): void {
  expect(got).toBeDefined();
  expect(got?.format).toBe(want.format);
  expect(got?.words).toEqual(want.words);
  expect(got?.labelNames).toEqual(want.labelNames);
  expect(Array.from(got?.tags ?? [])).toEqual(Array.from(want.tags));
  expect(Array.from(got?.offsets ?? [])).toEqual(Array.from(want.offsets));
}

describe('gzip-compressed tagged files', () => {
  const want = plainHead(100);

  it('the fixture is a gzip stream', () => {
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    expect(want.offsets.length - 1).toBe(100);
  });

  for (const name of ['wnut17train-head100.conll.gz', 'sentences.txt.gz', 'sentences.gz']) {
    it(`reads ${name} as CoNLL (bytes, Blob, stream): the uncompressed file's sentences`, async () => {
      const fromBytes = await detectAndReadTagged(name, gz, AUTO);
      expect(fromBytes.tagged?.gzip).toBe(true);
      expect(fromBytes.tagged?.bytes).toBe(gz.length);
      expectSameCorpus(fromBytes.tagged?.corpus, want);
      const fromBlob = await detectAndReadTagged(name, new Blob([gz]), AUTO);
      expectSameCorpus(fromBlob.tagged?.corpus, want);
      const fromStream = await detectAndReadTagged(name, await openDataFile(GZ, 'train'), AUTO);
      expectSameCorpus(fromStream.tagged?.corpus, want);
    });
  }

  it('reads a whole file whose compressed start is longer than the bytes sniffed (64 KiB)', async () => {
    const whole = new Uint8Array(gzipSync(Buffer.from(trainText)));
    expect(whole.length).toBeGreaterThan(64 * 1024);
    const out = await detectAndReadTagged('wnut17train.conll.gz', new Blob([whole]), AUTO);
    expect(out.tagged?.corpus.offsets.length).toBe(3394 + 1);
  });

  it('reads tagged JSON Lines compressed (.jsonl.gz)', async () => {
    const rows = [];
    for (let i = 0; i < 20; i++) {
      const from = want.offsets[i];
      const to = want.offsets[i + 1];
      rows.push({
        tokens: want.words.slice(from, to),
        ner_tags: Array.from(want.tags.subarray(from, to), (t) => want.labelNames[t]),
      });
    }
    const text = `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
    const out = await detectAndReadTagged(
      'wnut.jsonl.gz',
      new Uint8Array(gzipSync(Buffer.from(text))),
      AUTO,
    );
    expect(out.tagged?.corpus.format).toBe('jsonl');
    expect(out.tagged?.corpus.offsets.length).toBe(21);
    expect(out.tagged?.corpus.words).toEqual(want.words.slice(0, want.offsets[20]));
  });

  it('a session (the page and studio train) holds it as tagged sentences, saying gzip', async () => {
    const s = new StudioSession();
    const t = await s.loadTable('wnut17train-head100.conll.gz', new Blob([gz]));
    expect(t.taskKind).toBe('token-classification');
    expect(t.rowCount).toBe(100);
    expect(t.gzip).toBe(true);
    expect(t.tagged).toMatchObject({ format: 'conll', sentences: 100, scheme: 'IOB2' });
  });

  it('refuses it as text classification, as the uncompressed file', async () => {
    await expect(
      detectAndReadTagged('x.conll.gz', gz, { task: 'text-classification', labelNames: null }),
    ).rejects.toThrow(/is a tagged CoNLL file/);
  });

  it('says a damaged tagged gzip file is cut short', async () => {
    const whole = new Uint8Array(gzipSync(Buffer.from(trainText)));
    const cut = whole.subarray(0, whole.length - 5000);
    await expect(detectAndReadTagged('w.conll.gz', cut, AUTO)).rejects.toThrow(
      /w\.conll\.gz is cut short or damaged/,
    );
  });
});
