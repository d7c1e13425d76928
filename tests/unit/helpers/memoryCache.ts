import type { CacheLike } from '../../../src/core/io/modelSource';

/**
 * A Map-backed stand-in for the browser's Cache API (Node has no `caches`), keeping bytes and
 * headers as Cache does and answering with a Response that carries them.
 */
export function memoryCache(): CacheLike {
  const store = new Map<string, { bytes: Uint8Array; headers: [string, string][] }>();
  return {
    async match(url) {
      const e = store.get(url);
      return e
        ? new Response(e.bytes as Uint8Array<ArrayBuffer>, { headers: e.headers })
        : undefined;
    },
    async put(url, res) {
      store.set(url, {
        bytes: new Uint8Array(await res.arrayBuffer()),
        headers: [...res.headers.entries()],
      });
    },
  };
}
