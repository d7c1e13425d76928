/**
 * A local HTTP server standing in for huggingface.co in a describe block: it answers the paths of
 * `routes` (200 with the bytes), paths under `/broken/` with 500 and everything else with 404,
 * and records every path asked for.
 */
import { createServer, type Server } from 'node:http';

import { afterAll, beforeAll } from 'vitest';

export interface LocalHub {
  /** fetch with https://huggingface.co answered by the local server. */
  hubFetch: (u: string, init?: { signal?: AbortSignal }) => Promise<Response>;
  /** The paths asked for, in order (clear it with `hits.length = 0`). */
  hits: string[];
}

/** Starts the server before the block's tests (routes built then) and closes it after them. */
export function localHub(routes: () => Map<string, Uint8Array>): LocalHub {
  let server: Server;
  let base = '';
  const hits: string[] = [];
  beforeAll(async () => {
    const files = routes();
    server = createServer((req, res) => {
      const url = req.url ?? '/';
      hits.push(url);
      if (url.startsWith('/broken/')) return void res.writeHead(500).end();
      const body = files.get(url);
      if (!body) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-length': String(body.length) }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  return {
    hubFetch: (u, init) => fetch(u.replace('https://huggingface.co', base), init),
    hits,
  };
}
