import type { CacheLike } from '../../../src/core/io/modelSource';

/**
 * A Map-backed stand-in for the browser's Cache API (Node has no `caches`), keeping bytes as
 * Cache does and answering with a Response that carries its content-length.
 */
export function memoryCache(): CacheLike {
  const store = new Map<string, Uint8Array>();
  return {
    async match(url) {
      const b = store.get(url);
      return b
        ? new Response(b as Uint8Array<ArrayBuffer>, {
            headers: { 'content-length': String(b.length) },
          })
        : undefined;
    },
    async put(url, res) {
      store.set(url, new Uint8Array(await res.arrayBuffer()));
    },
  };
}
