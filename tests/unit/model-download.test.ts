/**
 * A large checkpoint's weights download in parts (src/core/io/partDownload.ts): a download cut
 * midway resumes on the next load with only the missing parts, from a server that serves HTTP
 * ranges as the Hub does; a browser quota too small for what is left fails before the download
 * with the sizes and what to do.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { fetchModelFiles, type DownloadProgress } from '../../src/core/io/modelSource';
import { StudioSession } from '../../src/core/session';
import { StudioError } from '../../src/core/util/errors';
import { memoryCache } from './helpers/memoryCache';

const dir = join(__dirname, '..', 'fixtures', 'bert-tiny-random');
const read = (f: string) => new Uint8Array(readFileSync(join(dir, f)));
const WEIGHTS = read('model.safetensors');
const PART = 16 * 1024;
const PARTS = Math.ceil(WEIGHTS.length / PART);

describe('downloading large weights in parts', () => {
  let server: Server;
  let base = '';
  /** Range starts asked for model.safetensors ('whole' for a request without a range). */
  const ranges: (number | 'whole')[] = [];
  /** The request (counted from 1) of the weights at which the server drops the connection. */
  let cutAt = 0;
  /** The server ignores Range headers (answers 200 with the whole file). */
  let noRanges = false;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const file = /^\/m\/([\w.]+)$/.exec(req.url ?? '')?.[1];
      let body: Uint8Array;
      try {
        body = read(file ?? '-');
      } catch {
        return void res.writeHead(404).end();
      }
      const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      if (file !== 'model.safetensors' || !range || noRanges) {
        if (file === 'model.safetensors') ranges.push('whole');
        return void res.writeHead(200, { 'content-length': String(body.length) }).end(body);
      }
      const start = Number(range[1]);
      const end = Math.min(Number(range[2]), body.length - 1);
      ranges.push(start);
      if (ranges.length === cutAt) return void req.socket.destroy(); // the connection drops
      res
        .writeHead(206, {
          'content-length': String(end - start + 1),
          'content-range': `bytes ${start}-${end}/${body.length}`,
          etag: '"v1"',
        })
        .end(body.subarray(start, end + 1));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}/m`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    ranges.length = 0;
    cutAt = 0;
    noRanges = false;
  });

  it('resumes an interrupted download with only the missing parts', async () => {
    const cache = memoryCache();
    cutAt = 4; // parts 0-2 arrive, the 4th request fails
    const first = await fetchModelFiles(base, { cache, partBytes: PART }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(first).toBeInstanceOf(StudioError);
    expect((first as StudioError).code).toBe('download');
    expect((first as StudioError).message).toMatch(
      /model\.safetensors: the download stopped after/,
    );
    expect((first as StudioError).remedy).toMatch(/already downloaded are kept/);
    expect(ranges).toEqual([0, PART, 2 * PART, 3 * PART]);

    ranges.length = 0;
    cutAt = 0;
    const events: DownloadProgress[] = [];
    const second = await fetchModelFiles(base, {
      cache,
      partBytes: PART,
      onProgress: (p) => events.push(p),
    });
    // Only the parts not kept were asked for, each once, in order.
    expect(ranges).toEqual(Array.from({ length: PARTS - 3 }, (_, i) => (i + 3) * PART));
    expect(second.files['model.safetensors']).toEqual(WEIGHTS);
    const mine = events.filter((e) => e.file === 'model.safetensors');
    expect(mine.at(-1)).toMatchObject({ loaded: WEIGHTS.length, total: WEIGHTS.length });
    expect(mine.filter((e) => e.fromCache).length).toBeGreaterThanOrEqual(3);

    // The third load is all from the browser's cache, and the files load as a checkpoint.
    ranges.length = 0;
    const third = await fetchModelFiles(base, { cache, partBytes: PART });
    expect(ranges).toEqual([]);
    const info = await new StudioSession().loadPretrained(third.files, 'parts');
    expect(info.family).toBe('BERT');
  });

  it('fails before downloading when the quota cannot hold the weights', async () => {
    const e = await fetchModelFiles(base, {
      cache: memoryCache(),
      partBytes: PART,
      storageEstimate: async () => ({ quota: 50_000, usage: 20_000 }),
    }).then(
      () => null,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(StudioError);
    expect((e as StudioError).code).toBe('quota-exceeded');
    expect((e as StudioError).message).toBe(
      `model.safetensors needs ${(WEIGHTS.length / 1e6).toFixed(1)} MB more of browser storage, ` +
        'but this page may store only 0.0 MB more: the download was not started.',
    );
    expect((e as StudioError).remedy).toMatch(/drop its files/);
    expect(ranges).toEqual([0]); // the first part's answer told the size; nothing more
  });

  it('reads a server without ranges as one download, cached whole', async () => {
    noRanges = true;
    const cache = memoryCache();
    const whole = await fetchModelFiles(base, { cache, partBytes: PART });
    expect(whole.files['model.safetensors']).toEqual(WEIGHTS);
    expect(ranges).toEqual(['whole']);
    await fetchModelFiles(base, { cache, partBytes: PART });
    expect(ranges).toEqual(['whole']);
  });
});
