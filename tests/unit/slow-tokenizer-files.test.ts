/**
 * Tokenizers of folders and Hub repos without tokenizer.json: vocab.json + merges.txt (older
 * RoBERTa repos) become the byte-level BPE tokenizer.json transformers' converter builds
 * (tests/python/make_vocab_merges_reference.py: its structure and ids), and a SentencePiece
 * model alone (microsoft/deberta-v3-*'s spm.model) is refused with the step that writes a
 * tokenizer.json. Local files only: the Hub is a local HTTP server answering its URLs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { fetchTokenizer } from '../../src/core/io/tokenizerSource';
import { loadTokenizer } from '../../src/core/tokenize/tokenizer';
import { tokenizerFilesFromFolder } from '../../src/core/tokenize/tokenizerFolder';
import { loadTokenizerFromDir } from '../../src/core/tokenize/tokenizerNode';
import { localHub } from './helpers/localHub';
import { memoryCache } from './helpers/memoryCache';

const SRC = 'tests/fixtures/auto/roberta/checkpoint';
const reference = JSON.parse(
  readFileSync('tests/fixtures/vocab-merges/roberta_converted.json', 'utf8'),
) as {
  class: string;
  tokenizer_json: Record<string, unknown> & { model: Record<string, unknown> };
  encoded: { text: string; pair: string | null; input_ids: number[] }[];
};
const file = (name: string) => new Uint8Array(readFileSync(`${SRC}/${name}`));
const slowFiles = () =>
  new Map([
    ['vocab.json', file('vocab.json')],
    ['merges.txt', file('merges.txt')],
    ['tokenizer_config.json', file('tokenizer_config.json')],
  ]);

describe('a RoBERTa folder with vocab.json + merges.txt only', () => {
  it("builds the tokenizer.json transformers' converter builds", () => {
    const files = tokenizerFilesFromFolder(slowFiles(), { name: 'old-roberta' });
    expect(files).not.toBeNull();
    const { model, ...rest } = files!.tokenizerJson as { model: Record<string, unknown> };
    const { model: refModel, ...refRest } = reference.tokenizer_json;
    expect(rest).toEqual(refRest);
    const { vocab, merges, ...modelRest } = model;
    expect(modelRest).toEqual(refModel);
    const own = JSON.parse(readFileSync(`${SRC}/tokenizer.json`, 'utf8')) as {
      model: { vocab: unknown; merges: unknown };
    };
    expect(vocab).toEqual(own.model.vocab);
    expect(merges).toEqual(own.model.merges);
    expect(files!.tokenizerConfig).toMatchObject({ tokenizer_class: reference.class });
  });

  it('gives the ids AutoTokenizer gives, texts and pairs, as the tokenizer.json folder does', async () => {
    const tok = await loadTokenizer(tokenizerFilesFromFolder(slowFiles(), { name: 'x' })!);
    const own = await loadTokenizerFromDir(SRC);
    for (const e of reference.encoded) {
      const got = tok.encode(e.text, e.pair ?? undefined);
      expect(got.ids, e.text).toEqual(e.input_ids);
      expect(got).toEqual(own.encode(e.text, e.pair ?? undefined));
    }
  });

  it('says which line of merges.txt is malformed', () => {
    const files = slowFiles();
    files.set('merges.txt', new TextEncoder().encode('#version: 0.2\nĠ t\nbroken\n'));
    expect(() => tokenizerFilesFromFolder(files, { name: 'x' })).toThrow(/merges\.txt line 3/);
  });
});

describe('Hub repos without tokenizer.json', () => {
  const { hubFetch, hits } = localHub(
    () =>
      new Map<string, Uint8Array>([
        ['/someone/old-roberta/resolve/main/vocab.json', file('vocab.json')],
        ['/someone/old-roberta/resolve/main/merges.txt', file('merges.txt')],
        ['/someone/old-roberta/resolve/main/tokenizer_config.json', file('tokenizer_config.json')],
        ['/microsoft/deberta-v3-xsmall/resolve/main/spm.model', new Uint8Array([10, 11, 12])],
        ['/microsoft/deberta-v3-xsmall/resolve/main/tokenizer_config.json', Buffer.from('{}')],
      ]),
  );

  it('downloads vocab.json + merges.txt and builds the byte-level BPE tokenizer', async () => {
    const { tokenizer } = await fetchTokenizer('someone/old-roberta', {
      fetch: hubFetch,
      cache: memoryCache(),
    });
    for (const e of reference.encoded) {
      expect(tokenizer.encode(e.text, e.pair ?? undefined).ids).toEqual(e.input_ids);
    }
    expect(hits).toContain('/someone/old-roberta/resolve/main/merges.txt');
  });

  it('refuses an spm.model alone with the Python step that writes tokenizer.json', async () => {
    const err = await fetchTokenizer('microsoft/deberta-v3-xsmall', {
      fetch: hubFetch,
      cache: memoryCache(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toMatch(/SentencePiece model \(spm\.model\)/);
    expect(message).toContain(
      'AutoTokenizer.from_pretrained("microsoft/deberta-v3-xsmall").save_pretrained(',
    );
  });
});
