/**
 * Where models and tokenizers come from in the worker: a folder URL or Hub id (downloaded with
 * `download` events, cached), dropped files, or the app's bundled tokenizers; each loaded into
 * the run service, which keeps the choice for the next visit.
 */
import { fetchModelFiles, hubRepoId } from '../core/io/modelSource';
import { fetchTokenizer } from '../core/io/tokenizerSource';
import type { RunService } from '../core/run/service';
import type { Tokenizer } from '../core/tokenize/tokenizer';
import type { Api, TokenizerInfo, WorkerEvent } from './protocol';
import { StudioError } from '../core/run/errors';

async function fetchJson(url: string): Promise<object> {
  const res = await fetch(url);
  if (!res.ok) throw new StudioError('download', `Could not load ${url}: HTTP ${res.status}.`);
  return (await res.json()) as object;
}

/** A name for dropped checkpoint files: their common folder, else "dropped files". */
function pretrainedName(paths: string[]): string {
  const dirs = new Set(paths.map((p) => p.split('/').slice(0, -1).pop() ?? ''));
  const [only] = [...dirs];
  return dirs.size === 1 && only ? only : 'dropped files';
}

export const tokenizerInfo = (tok: Tokenizer, name = tok.name): TokenizerInfo => ({
  name,
  vocabSize: tok.vocabSize,
  model: tok.modelType,
});

/** Model and tokenizer sources for the handlers of `service`. */
export function modelSources(
  service: RunService,
  emit: (event: WorkerEvent) => void,
  assetUrl: (path: string) => string,
) {
  const session = service.session;
  const status = (message: string) => emit({ kind: 'status', message });
  const download = (url: string, refresh?: boolean) =>
    fetchModelFiles(url, {
      refresh,
      onProgress: (progress) => emit({ kind: 'download', progress }),
    });

  return {
    async loadPretrained(source: Api['loadPretrained'][0]) {
      service.assertIdle('A run is in progress: stop it first.');
      if ('url' in source) {
        status(`Downloading ${source.url}…`);
        const fetched = await download(source.url, source.refresh);
        const info = await session.loadPretrained(
          fetched.files,
          fetched.name,
          hubRepoId(source.url),
        );
        service.keepCheckpoint({ url: source.url });
        return info;
      }
      const files: Record<string, Uint8Array> = {};
      for (const [k, v] of Object.entries(source.files)) files[k] = new Uint8Array(v);
      const info = await session.loadPretrained(files, pretrainedName(Object.keys(files)));
      service.keepCheckpoint({ files });
      return info;
    },
    async restorePretrained(): Promise<Api['restorePretrained'][1]> {
      const kept = await service.keptCheckpoint();
      if (!kept) return null;
      if ('files' in kept) {
        const name = pretrainedName(Object.keys(kept.files));
        return { source: 'files', info: await session.loadPretrained(kept.files, name) };
      }
      status(`Loading ${kept.url}…`);
      const fetched = await download(kept.url);
      const info = await session.loadPretrained(fetched.files, fetched.name, hubRepoId(kept.url));
      return { source: 'url', url: kept.url, info };
    },
    async loadTokenizer(source: Api['loadTokenizer'][0]) {
      if (source.kind === 'hub') {
        status(`Downloading the tokenizer ${source.id}…`);
        const fetched = await fetchTokenizer(source.id, {
          refresh: source.refresh,
          onProgress: (progress) => emit({ kind: 'download', progress }),
        });
        return tokenizerInfo(service.useTokenizer(fetched.tokenizer, fetched.name), fetched.name);
      }
      const base = `tokenizers/${source.name}/`;
      const [tokenizerJson, tokenizerConfig] = await Promise.all([
        fetchJson(assetUrl(`${base}tokenizer.json`)),
        fetchJson(assetUrl(`${base}tokenizer_config.json`)),
      ]);
      const tok = await service.setTokenizerFiles({ tokenizerJson, tokenizerConfig }, source.name);
      return tokenizerInfo(tok, source.name);
    },
  };
}
