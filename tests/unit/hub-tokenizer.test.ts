/**
 * Tokenizers by Hub id: the studio's downloader (progress, cache) against a local HTTP server that
 * answers Hub URLs (`/<id>/resolve/<revision>/<file>`) with the bundled tokenizer files, never
 * the real Hub. The downloaded tokenizer must give the bundled one's ids; errors must say why.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CACHE_MAX_AGE_MS,
  cacheIsFresh,
  modelBaseUrl,
  type DownloadProgress,
} from '../../src/core/io/modelSource';
import { localHub } from './helpers/localHub';
import { memoryCache } from './helpers/memoryCache';
import { fetchTokenizer } from '../../src/core/io/tokenizerSource';
import type { Tokenizer } from '../../src/core/tokenize/tokenizer';
import { loadTokenizerFromDir } from '../../src/core/tokenize/tokenizerNode';

const root = join(__dirname, '../..');
const bundled = (name: string, file: string) =>
  readFileSync(join(root, 'public/tokenizers', name, file));

/** bert-base-uncased's vocabulary as the vocab.txt a slow-tokenizer-only repo ships. */
function vocabTxt(): Buffer {
  const json = JSON.parse(bundled('bert-base-uncased', 'tokenizer.json').toString()) as {
    model: { vocab: Record<string, number> };
  };
  const tokens = Object.entries(json.model.vocab).sort((a, b) => a[1] - b[1]);
  return Buffer.from(tokens.map(([t]) => t).join('\n') + '\n');
}

/** Hub paths the server answers; everything else is a 404. */
function routes(): Map<string, Buffer> {
  const r = new Map<string, Buffer>();
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) {
    r.set(`/bert-base-uncased/resolve/main/${f}`, bundled('bert-base-uncased', f));
    r.set(`/google-bert/bert-base-cased/resolve/v1.0/${f}`, bundled('bert-base-cased', f));
  }
  r.set('/someone/vocab-only/resolve/main/vocab.txt', vocabTxt());
  r.set('/someone/spm-only/resolve/main/tokenizer_config.json', Buffer.from('{}'));
  const json = JSON.parse(bundled('bert-base-uncased', 'tokenizer.json').toString()) as {
    model: Record<string, unknown>;
  };
  json.model = { type: 'NoSuchModel' };
  r.set('/someone/odd-model/resolve/main/tokenizer.json', Buffer.from(JSON.stringify(json)));
  return r;
}

function realTexts(): string[] {
  const sst = readFileSync(join(root, 'tests/fixtures/data/sst2-train-300.tsv'), 'utf8')
    .split('\n')
    .slice(1, 201)
    .map((l) => l.split('\t')[0]);
  const sms = readFileSync(join(root, 'tests/fixtures/data/SMSSpamCollection-300.tsv'), 'utf8')
    .split('\n')
    .slice(0, 200)
    .map((l) => l.split('\t')[1] ?? '');
  return [...sst, ...sms, 'Ünïcödé café — naïve 東京 😀'];
}

function expectSameIds(a: Tokenizer, b: Tokenizer): void {
  for (const text of realTexts())
    expect(a.encode(text, 'a pair', 64)).toEqual(b.encode(text, 'a pair', 64));
}

describe('a tokenizer by Hub id', () => {
  const { hubFetch, hits } = localHub(routes);

  it('maps ids and revisions to resolve URLs, and rejects malformed ids', () => {
    expect(modelBaseUrl('distilbert/distilbert-base-uncased').baseUrl).toBe(
      'https://huggingface.co/distilbert/distilbert-base-uncased/resolve/main',
    );
    expect(modelBaseUrl('bert-base-multilingual-cased@v1.0')).toEqual({
      baseUrl: 'https://huggingface.co/bert-base-multilingual-cased/resolve/v1.0',
      name: 'bert-base-multilingual-cased@v1.0',
    });
    expect(modelBaseUrl('org/name@refs/pr/1').baseUrl).toBe(
      'https://huggingface.co/org/name/resolve/refs%2Fpr%2F1',
    );
    for (const bad of ['a/b/c', 'has space', 'org/../etc', 'org/name@', 'org/name@a b', '-x']) {
      expect(() => modelBaseUrl(bad), bad).toThrow(/neither a URL .* Hub id/);
    }
  });

  it('downloads with progress, gives the bundled ids, and loads from the cache the second time', async () => {
    const cache = memoryCache();
    const events: DownloadProgress[] = [];
    hits.length = 0;
    const first = await fetchTokenizer('bert-base-uncased', {
      fetch: hubFetch,
      cache,
      onProgress: (p) => events.push(p),
    });
    // tokenizer.json + tokenizer_config.json; no vocab.txt request when tokenizer.json exists.
    expect(hits).toEqual([
      '/bert-base-uncased/resolve/main/tokenizer.json',
      '/bert-base-uncased/resolve/main/tokenizer_config.json',
    ]);
    expect(first.name).toBe('bert-base-uncased');
    const size = bundled('bert-base-uncased', 'tokenizer.json').length;
    const last = events.filter((e) => e.file === 'tokenizer.json').at(-1) as DownloadProgress;
    expect(last).toEqual({ file: 'tokenizer.json', loaded: size, total: size, fromCache: false });
    const local = await loadTokenizerFromDir(join(root, 'public/tokenizers/bert-base-uncased'));
    expect(first.tokenizer.vocabSize).toBe(30522);
    expectSameIds(first.tokenizer, local);

    events.length = 0;
    const second = await fetchTokenizer('bert-base-uncased', {
      fetch: hubFetch,
      cache,
      onProgress: (p) => events.push(p),
    });
    expect(hits).toHaveLength(2); // nothing new went over the network
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.fromCache)).toBe(true);
    expectSameIds(second.tokenizer, local);
  }, 60_000);

  it('fetches a cached `main` again after a day, or when asked; a pinned commit never', async () => {
    const cache = memoryCache();
    const day = CACHE_MAX_AGE_MS;
    const t0 = Date.UTC(2026, 11, 1);
    hits.length = 0;
    const get = (now: number, refresh = false) =>
      fetchTokenizer('bert-base-uncased', { fetch: hubFetch, cache, now, refresh });
    await get(t0);
    expect(hits).toHaveLength(2);
    await get(t0 + day - 1); // under a day old: the cached copy
    expect(hits).toHaveLength(2);
    await get(t0 + 1000, true); // Download again: over the network
    expect(hits).toHaveLength(4);
    await get(t0 + 1000 + day); // a day after that download: fetched again
    expect(hits).toHaveLength(6);
    // Offline, an old copy still serves.
    const offline = () => Promise.reject(new Error('offline'));
    const old = await fetchTokenizer('bert-base-uncased', {
      fetch: offline,
      cache,
      now: t0 + 10 * day,
    });
    expect(old.tokenizer.vocabSize).toBe(30522);
    // A copy cached without its date counts as old; a commit's files never change.
    const undated = new Response('x');
    const url = 'https://huggingface.co/a/b/resolve/main/tokenizer.json';
    expect(cacheIsFresh(url, undated, false, t0)).toBe(false);
    const pinned = `https://huggingface.co/a/b/resolve/${'0123456789abcdef'.repeat(3).slice(0, 40)}/x`;
    expect(cacheIsFresh(pinned, undated, true, t0)).toBe(true);
  }, 60_000);

  it('fetches a revision, and builds a WordPiece tokenizer from a vocab.txt-only repo', async () => {
    hits.length = 0;
    const cased = await fetchTokenizer('google-bert/bert-base-cased@v1.0', {
      fetch: hubFetch,
      cache: null,
    });
    expect(hits[0]).toBe('/google-bert/bert-base-cased/resolve/v1.0/tokenizer.json');
    // As from_pretrained: named by the id it was loaded by, not the files' own name_or_path.
    expect(cased.tokenizer.name).toBe('google-bert/bert-base-cased@v1.0');
    expectSameIds(
      cased.tokenizer,
      await loadTokenizerFromDir(join(root, 'public/tokenizers/bert-base-cased')),
    );

    hits.length = 0;
    const fromVocab = await fetchTokenizer('someone/vocab-only', { fetch: hubFetch, cache: null });
    expect(hits).toEqual([
      '/someone/vocab-only/resolve/main/tokenizer.json',
      '/someone/vocab-only/resolve/main/tokenizer_config.json',
      '/someone/vocab-only/resolve/main/vocab.txt',
    ]);
    expect(fromVocab.tokenizer.name).toBe('someone/vocab-only');
    expectSameIds(
      fromVocab.tokenizer,
      await loadTokenizerFromDir(join(root, 'public/tokenizers/bert-base-uncased')),
    );
  }, 60_000);

  it('says what went wrong: no such repo, slow-only files, odd models, server and network errors', async () => {
    const opts = { fetch: hubFetch, cache: null };
    await expect(fetchTokenizer('someone/missing', opts)).rejects.toThrow(
      /no tokenizer files at https:\/\/huggingface\.co\/someone\/missing\/resolve\/main: check the id/,
    );
    await expect(fetchTokenizer('someone/spm-only', opts)).rejects.toThrow(
      /no tokenizer\.json or vocab\.txt .*save_pretrained/,
    );
    await expect(fetchTokenizer('someone/odd-model', opts)).rejects.toThrow(
      /tokenizer of someone\/odd-model cannot be used here: .*Pick another Hub tokenizer/,
    );
    await expect(fetchTokenizer('broken/repo', opts)).rejects.toThrow(/HTTP 500/);
    const offline = () => Promise.reject(new TypeError('fetch failed'));
    await expect(
      fetchTokenizer('bert-base-uncased', { fetch: offline, cache: null }),
    ).rejects.toThrow(
      /Could not download https:\/\/huggingface\.co\/bert-base-uncased\/resolve\/main\/tokenizer\.json: fetch failed/,
    );
    await expect(fetchTokenizer('not an id', opts)).rejects.toThrow(/neither a URL/);
  });
});
