/**
 * Large checkpoint files (a 500 MB model.safetensors) downloaded in parts that survive an
 * interruption: each part is an HTTP Range request kept in the browser's Cache API as soon as it
 * arrives, so loading the model again fetches only the parts still missing (the Hub and its CDN
 * serve ranges). Before the download, the storage the browser grants is checked against what is
 * still to come: a quota too small fails at once with the sizes, not after minutes of download.
 * A server that ignores ranges answers the first request with the whole file, which the caller
 * then reads as any other download.
 */
import { StudioError } from '../util/errors';
import {
  CACHED_AT_HEADER,
  cacheIsFresh,
  type CacheLike,
  type DownloadProgress,
  type FetchLike,
  type FetchModelOptions,
} from './modelSource';

/** Bytes per part (each one Range request and one cache entry). */
export const PART_BYTES = 32 * 1024 * 1024;

/** Headers a cached part carries: the whole file's size and its ETag (for If-Range). */
const TOTAL_HEADER = 'x-trainer-studio-total';
const ETAG_HEADER = 'x-trainer-studio-etag';

/** What the browser grants the page: `navigator.storage.estimate()`'s fields. */
export interface StorageEstimateLike {
  quota?: number;
  usage?: number;
}

/** The cache key of part `i` of `url` (never fetched: a key only). */
export function partKey(url: string, i: number): string {
  return `${url}${url.includes('?') ? '&' : '?'}trainer-studio-part=${i}`;
}

function mb(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

async function defaultEstimate(): Promise<StorageEstimateLike | null> {
  const nav = (globalThis as { navigator?: { storage?: { estimate?(): Promise<unknown> } } })
    .navigator;
  if (!nav?.storage?.estimate) return null;
  try {
    return (await nav.storage.estimate()) as StorageEstimateLike;
  } catch {
    return null;
  }
}

/** The refusal of a download the browser's storage cannot hold. */
export function quotaShort(file: string, remaining: number, free: number): StudioError {
  return new StudioError(
    'quota-exceeded',
    `${file} needs ${mb(remaining)} more of browser storage, but this page may store only ` +
      `${mb(Math.max(0, free))} more: the download was not started.`,
    {
      remedy:
        'Free browser storage (delete old runs in Run history, or site data of other pages), ' +
        "or download the model's folder yourself and drop its files (dropped files need no cache).",
    },
  );
}

/** `Content-Range: bytes a-b/total` -> total, or null. */
function totalOf(res: Response): number | null {
  const m = /\/(\d+)\s*$/.exec(res.headers.get('content-range') ?? '');
  return m ? Number(m[1]) : null;
}

/** Result of {@link fetchInParts}: the file, or the server's answer to read as a whole download. */
export type PartsResult = { bytes: Uint8Array } | { response: Response };

/**
 * `url` in parts of `opts.partBytes` (default {@link PART_BYTES}), each from `cache` when a
 * fresh copy is there (see `cacheIsFresh`), else fetched and cached before the next one,
 * reporting progress over the whole file. Returns `{ response }` when the server does not answer
 * the first request with a range (a whole file, or an error for the caller to report). Throws
 * 'quota-exceeded' when the storage left cannot hold the missing parts, and 'download' with what
 * is kept when the network fails midway (loading again resumes from there).
 */
export async function fetchInParts(
  url: string,
  file: string,
  fetchFn: FetchLike,
  cache: CacheLike,
  opts: FetchModelOptions,
): Promise<PartsResult> {
  const size = opts.partBytes ?? PART_BYTES;
  const first = await cache.match(partKey(url, 0)).catch(() => undefined);
  const fresh = first !== undefined && cacheIsFresh(url, first, opts.refresh, opts.now);
  let total = fresh ? Number(first.headers.get(TOTAL_HEADER)) : NaN;
  let etag = fresh ? first.headers.get(ETAG_HEADER) : null;
  let pending: Response | null = null;
  if (!Number.isFinite(total) || total <= 0) {
    const res = await fetchFn(url, {
      signal: opts.signal,
      headers: { Range: `bytes=0-${size - 1}` },
    });
    const t = res.status === 206 ? totalOf(res) : null;
    if (t === null) return { response: res };
    total = t;
    etag = res.headers.get('etag');
    pending = res;
  }
  const parts = Math.ceil(total / size);
  const cached: (Uint8Array | null)[] = [];
  let missing = 0;
  for (let i = 0; i < parts; i++) {
    const hit =
      pending === null || i > 0
        ? await cache.match(partKey(url, i)).catch(() => undefined)
        : undefined;
    // A part of the same file: the same size and ETag, and either fresh or pinned by the ETag.
    const ok =
      hit !== undefined &&
      Number(hit.headers.get(TOTAL_HEADER)) === total &&
      hit.headers.get(ETAG_HEADER) === etag &&
      (fresh || etag !== null);
    cached.push(ok ? new Uint8Array(await hit.arrayBuffer()) : null);
    if (!ok) missing += Math.min(size, total - i * size);
  }
  const estimate = await (opts.storageEstimate ?? defaultEstimate)();
  if (missing > 0 && estimate?.quota !== undefined) {
    const free = estimate.quota - (estimate.usage ?? 0);
    if (free < missing) {
      await pending?.body?.cancel().catch(() => undefined);
      throw quotaShort(file, missing, free);
    }
  }
  const out = new Uint8Array(total);
  let loaded = 0;
  const report = (fromCache: boolean): void =>
    opts.onProgress?.({ file, loaded, total, fromCache } satisfies DownloadProgress);
  report(missing === 0);
  for (let i = 0; i < parts; i++) {
    const start = i * size;
    const end = Math.min(total, start + size);
    let bytes = cached[i];
    if (bytes) {
      out.set(bytes, start);
      loaded += bytes.length;
      report(true);
      continue;
    }
    try {
      let res = i === 0 && pending ? pending : null;
      if (!res) {
        const headers: Record<string, string> = { Range: `bytes=${start}-${end - 1}` };
        if (etag) headers['If-Range'] = etag;
        res = await fetchFn(url, { signal: opts.signal, headers });
      }
      if (res.status !== 206) {
        if (res.ok) return { response: res }; // the file changed: the whole new one
        throw new Error(`HTTP ${res.status}`);
      }
      bytes = new Uint8Array(await res.arrayBuffer());
      if (bytes.length !== end - start) throw new Error(`a part of ${bytes.length} bytes`);
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      throw new StudioError(
        'download',
        `${file}: the download stopped after ${mb(loaded)} of ${mb(total)} ` +
          `(${(e as Error).message || 'network error'}).`,
        {
          remedy:
            `Load the model again when the connection is back: the ${mb(loaded)} already ` +
            'downloaded are kept in the browser and only the rest is fetched.',
          cause: e,
        },
      );
    }
    out.set(bytes, start);
    loaded += bytes.length;
    report(false);
    try {
      await cache.put(
        partKey(url, i),
        new Response(bytes as Uint8Array<ArrayBuffer>, {
          headers: {
            'content-length': String(bytes.length),
            [CACHED_AT_HEADER]: String(opts.now ?? Date.now()),
            [TOTAL_HEADER]: String(total),
            ...(etag ? { [ETAG_HEADER]: etag } : {}),
          },
        }),
      );
    } catch (e) {
      const name = (e as { name?: unknown }).name;
      if (name === 'QuotaExceededError') throw quotaShort(file, total - loaded, 0);
      // Any other cache failure: the download goes on without keeping this part.
    }
  }
  return { bytes: out };
}
