/**
 * Where a pretrained checkpoint comes from: a folder URL or a Hugging Face Hub id. Downloads
 * `config.json`, `model.safetensors` and the tokenizer files of the same checkpoint with progress
 * (bytes / total) and keeps them in the browser's Cache API so a second load does not touch the
 * network; the weights in parts, so an interrupted download resumes and a short quota fails
 * before it starts (partDownload.ts). `fetch` and the cache are injectable so Node tests serve files from a local server.
 * tokenizerSource.ts fetches a tokenizer alone the same way.
 */
import { parseModelConfig } from '../model/families';
import { TOKENIZER_FOLDER_FILES } from '../tokenize/tokenizerFolder';
import { StudioError } from '../util/errors';
import { fetchInParts, type StorageEstimateLike } from './partDownload';

/** The Cache API cache the studio keeps downloaded checkpoints in. */
export const MODEL_CACHE_NAME = 'trainer-studio-models';

/** Files fetched for a checkpoint; the first two are required. */
export const REQUIRED_MODEL_FILES = ['config.json', 'model.safetensors'] as const;
/**
 * Tokenizer files of the same checkpoint: tokenizer.json, else the slow tokenizer's files
 * (vocab.txt: BERT; vocab.json + merges.txt: RoBERTa; a SentencePiece model: DeBERTa-v3, refused
 * with the step that writes tokenizer.json). See `tokenizerFolder.ts`.
 */
export const OPTIONAL_MODEL_FILES: readonly string[] = TOKENIZER_FOLDER_FILES;

/** Files a folder needs only when it has no tokenizer.json. */
export const SLOW_TOKENIZER_FILES: readonly string[] = TOKENIZER_FOLDER_FILES.filter(
  (f) => f !== 'tokenizer.json' && f !== 'tokenizer_config.json',
);

/** The subset of `fetch` the loader uses. */
export type FetchLike = (
  url: string,
  init?: { signal?: AbortSignal; headers?: Record<string, string> },
) => Promise<Response>;

/** The subset of the Cache API the loader uses (`caches.open(name)`'s result). */
export interface CacheLike {
  match(url: string): Promise<Response | undefined>;
  put(url: string, response: Response): Promise<void>;
}

/** One progress report for one file. `total` is null when the server sends no Content-Length. */
export interface DownloadProgress {
  file: string;
  /** Bytes received so far. */
  loaded: number;
  total: number | null;
  /** The bytes came from the browser cache, not the network. */
  fromCache: boolean;
}

export interface FetchModelOptions {
  /** Default: the global `fetch`. */
  fetch?: FetchLike;
  /** Default: `caches.open(MODEL_CACHE_NAME)` where the Cache API exists; null disables caching. */
  cache?: CacheLike | null;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  /** Fetch again even a cached copy of a file that can change (see {@link cacheIsFresh}). */
  refresh?: boolean;
  /** Now, ms (tests). */
  now?: number;
  /** Bytes per Range request of the weights (default `PART_BYTES`, partDownload.ts; tests). */
  partBytes?: number;
  /** The storage the page may use (default `navigator.storage.estimate()`; tests). */
  storageEstimate?: () => Promise<StorageEstimateLike | null>;
}

/** Files downloaded in parts that resume (partDownload.ts): the ones that can be large. */
const PART_FILES: readonly string[] = ['model.safetensors'];

/** The header a cached copy carries: when it was fetched, ms since the epoch. */
export const CACHED_AT_HEADER = 'x-trainer-studio-cached-at';

/** How long a cached copy of a file that can change is used before it is fetched again. */
export const CACHE_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** A Hub URL pinned to a commit (`/resolve/<40 hex>/`): its files never change. */
const PINNED = /\/resolve\/[0-9a-f]{40}\//;

/**
 * Whether a cached copy of `url` may be used as it is: always for a Hub commit; for a branch
 * (`main`), a tag or another URL, while under a day old and no `refresh` is asked for. A copy
 * cached without its date counts as old.
 */
export function cacheIsFresh(url: string, cached: Response, refresh = false, now = Date.now()) {
  if (PINNED.test(url)) return true;
  if (refresh) return false;
  const at = Number(cached.headers.get(CACHED_AT_HEADER));
  return Number.isFinite(at) && at > 0 && now - at < CACHE_MAX_AGE_MS;
}

/** A fetched checkpoint: file name -> bytes, and where it came from. */
export interface FetchedModel {
  /** The folder URL the files were fetched from (ends without "/"). */
  baseUrl: string;
  /** Short name for the UI: the Hub id, or the URL's last path segment. */
  name: string;
  files: Record<string, Uint8Array>;
}

const HUB = 'https://huggingface.co';

/** A Hub repo id: `name` or `owner/name` (letters, digits, "-", "_", "."). */
const HUB_ID = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;
/** A branch, tag or commit (`refs/pr/1` included). */
const REVISION = /^[\w.-]+(\/[\w.-]+)*$/;

/**
 * The folder URL of a source: an http(s) URL as is (trailing "/" dropped; a URL ending in
 * `/config.json` or `/model.safetensors` means its folder), else a Hub id `owner/name` or `name`,
 * optionally `@revision` -> `https://huggingface.co/<id>/resolve/<revision, default main>`.
 * Throws for anything else.
 */
export function modelBaseUrl(source: string): { baseUrl: string; name: string } {
  const s = source.trim();
  if (/^https?:\/\//i.test(s)) {
    let base = s.replace(/\/+$/, '');
    base = base.replace(/\/(config\.json|model\.safetensors)$/, '');
    const name = decodeURIComponent(base.split('/').filter(Boolean).pop() ?? base);
    return { baseUrl: base, name };
  }
  const at = s.indexOf('@');
  const id = at < 0 ? s : s.slice(0, at);
  const revision = at < 0 ? null : s.slice(at + 1);
  if (
    HUB_ID.test(id) &&
    !id.includes('..') &&
    (revision === null || (REVISION.test(revision) && !revision.includes('..')))
  ) {
    // The Hub takes a revision with "/" (refs/pr/1) as one encoded path segment.
    const rev = revision === null ? 'main' : encodeURIComponent(revision);
    return { baseUrl: `${HUB}/${id}/resolve/${rev}`, name: s };
  }
  throw new StudioError(
    'arguments',
    `"${source}" is neither a URL (https://…/folder) nor a Hugging Face Hub id (name or ` +
      `owner/name, optionally @revision; e.g. google/bert_uncased_L-4_H-256_A-4).`,
  );
}

/**
 * The Hub repo id a source names, in `owner/name` form with any `@revision` dropped (what a model
 * card's `base_model` holds), or null for anything else: a URL, a bare name, a local path.
 * Only for a source that is not a local folder (a relative folder "ckpt/bert" looks the same).
 */
export function hubRepoId(source: string): string | null {
  const s = source.trim();
  if (/^https?:\/\//i.test(s)) return null;
  const at = s.indexOf('@');
  const id = at < 0 ? s : s.slice(0, at);
  return id.includes('/') && HUB_ID.test(id) && !id.includes('..') ? id : null;
}

/** The fetch function and cache `opts` ask for (defaults: global fetch, the Cache API). */
export async function fetchSetup(
  opts: FetchModelOptions,
): Promise<{ fetchFn: FetchLike; cache: CacheLike | null }> {
  const fetchFn: FetchLike = opts.fetch ?? ((u, i) => fetch(u, i));
  return { fetchFn, cache: opts.cache === undefined ? await defaultCache() : opts.cache };
}

async function defaultCache(): Promise<CacheLike | null> {
  const g = globalThis as { caches?: { open(name: string): Promise<CacheLike> } };
  if (!g.caches) return null;
  try {
    return await g.caches.open(MODEL_CACHE_NAME);
  } catch {
    return null; // e.g. an opaque origin: download without caching
  }
}

/** Reads a response body in chunks, reporting progress. */
async function readBody(
  res: Response,
  file: string,
  fromCache: boolean,
  onProgress?: (p: DownloadProgress) => void,
): Promise<Uint8Array> {
  const header = res.headers.get('content-length');
  const total = header !== null && /^\d+$/.test(header) ? Number(header) : null;
  if (!res.body) {
    const bytes = new Uint8Array(await res.arrayBuffer());
    onProgress?.({ file, loaded: bytes.length, total: total ?? bytes.length, fromCache });
    return bytes;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  onProgress?.({ file, loaded: 0, total, fromCache });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress?.({ file, loaded, total, fromCache });
  }
  if (total !== null && loaded !== total) {
    throw new StudioError(
      'download',
      `${file}: the download ended after ${loaded} of ${total} bytes.`,
    );
  }
  const out = new Uint8Array(loaded);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/**
 * Fetches `<baseUrl>/<file>`: from the cache when there and fresh ({@link cacheIsFresh}), else
 * from the network (then cached; an old copy still serves when the network fails), reporting
 * progress. Returns null for a 404 (or the Hub's 401 for a missing repo) of an
 * optional file; throws a message with the URL and the likely cause otherwise.
 */
export async function fetchFile(
  baseUrl: string,
  file: string,
  required: boolean,
  fetchFn: FetchLike,
  cache: CacheLike | null,
  opts: FetchModelOptions,
): Promise<Uint8Array | null> {
  const url = `${baseUrl}/${file}`;
  const hit = cache ? await cache.match(url).catch(() => undefined) : undefined;
  if (hit && cacheIsFresh(url, hit, opts.refresh, opts.now)) {
    return readBody(hit, file, true, opts.onProgress);
  }
  let res: Response;
  try {
    if (cache && PART_FILES.includes(file)) {
      const parts = await fetchInParts(url, file, fetchFn, cache, opts);
      if ('bytes' in parts) return parts.bytes;
      res = parts.response;
    } else res = await fetchFn(url, { signal: opts.signal });
  } catch (e) {
    if (opts.signal?.aborted) throw e;
    if (e instanceof StudioError && !hit) throw e;
    // Offline: an older cached copy still serves.
    if (hit) return readBody(hit, file, true, opts.onProgress);
    throw new StudioError(
      'download',
      `Could not download ${url}: ${(e as Error).message || 'network error'}.`,
      {
        cause: e,
      },
    );
  }
  if (!res.ok && hit && res.status >= 500) return readBody(hit, file, true, opts.onProgress);
  if (!res.ok) {
    if (!required && (res.status === 404 || res.status === 401)) return null;
    const why =
      res.status === 401 || res.status === 403
        ? ' (the model may be private or gated, or the id misspelt)'
        : res.status === 404
          ? ' (no such file: check the URL or model id)'
          : '';
    throw new StudioError('download', `Could not download ${url}: HTTP ${res.status}${why}.`);
  }
  const bytes = await readBody(res, file, false, opts.onProgress);
  if (cache) {
    // Caching is best effort: a full quota must not fail the load.
    await cache
      .put(
        url,
        new Response(bytes as Uint8Array<ArrayBuffer>, {
          headers: {
            'content-length': String(bytes.length),
            [CACHED_AT_HEADER]: String(opts.now ?? Date.now()),
          },
        }),
      )
      .catch(() => undefined);
  }
  return bytes;
}

/**
 * Downloads a checkpoint's files from a folder URL or Hub id (see {@link modelBaseUrl}).
 * config.json is fetched and validated first (a family the studio cannot build fails before
 * the weights are downloaded); the weights (in parts, partDownload.ts), then tokenizer.json /
 * tokenizer_config.json when they exist.
 */
export async function fetchModelFiles(
  source: string,
  opts: FetchModelOptions = {},
): Promise<FetchedModel> {
  const { baseUrl, name } = modelBaseUrl(source);
  const { fetchFn, cache } = await fetchSetup(opts);
  const files: Record<string, Uint8Array> = {};
  const config = (await fetchFile(
    baseUrl,
    'config.json',
    true,
    fetchFn,
    cache,
    opts,
  )) as Uint8Array;
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(config));
  } catch {
    throw new StudioError(
      'model-files',
      `${baseUrl}/config.json is not valid JSON (is the URL a model folder?).`,
    );
  }
  parseModelConfig(parsed); // refuses a family the studio cannot build, before the big download
  files['config.json'] = config;
  files['model.safetensors'] = (await fetchFile(
    baseUrl,
    'model.safetensors',
    true,
    fetchFn,
    cache,
    opts,
  )) as Uint8Array;
  for (const f of OPTIONAL_MODEL_FILES) {
    if (SLOW_TOKENIZER_FILES.includes(f) && files['tokenizer.json']) continue; // not needed
    // vocab.json + merges.txt or spm.model are looked for only without vocab.txt.
    if (f !== 'vocab.txt' && SLOW_TOKENIZER_FILES.includes(f) && files['vocab.txt']) continue;
    const bytes = await fetchFile(baseUrl, f, false, fetchFn, cache, opts);
    if (bytes) files[f] = bytes;
  }
  return { baseUrl, name, files };
}
