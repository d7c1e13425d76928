#!/usr/bin/env node
/**
 * A tiny dependency-free static file server for the built studio (`dist/`).
 *
 * Usage: `node scripts/serve.mjs [root=dist] [--port N]` (or `PORT=N`); listens on 127.0.0.1 only.
 * It sends the cross-origin isolation headers (COOP/COEP) that let the TF.js WASM backend use
 * threads (SharedArrayBuffer), and a Content-Security-Policy allowing only what the app needs.
 * The e2e harness imports `startServer` and runs it in-process.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Content-Security-Policy of the studio. 'wasm-unsafe-eval' lets WebAssembly compile (TF.js WASM
 * backend) without allowing JS eval. The threaded TF.js WASM backend (used once the page is
 * cross-origin isolated) starts its pthreads as blob: workers (worker-src) that `importScripts` a
 * blob: copy of the emscripten glue (script-src); only same-origin script can mint blob: URLs.
 * Inline styles come from React `style` props and recharts; huggingface.co is where tokenizers
 * can be fetched from.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval' blob:",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self' https://huggingface.co https://*.huggingface.co https://*.hf.co",
  "object-src 'none'",
  "base-uri 'self'",
].join('; ');

/** Headers sent with every response (also used by the Vite dev/preview server). */
export const SECURITY_HEADERS = Object.freeze({
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
});

/** Content types by lower-case file extension; anything else is sent as octet-stream. */
export const MIME_TYPES = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  // Data files are served as bytes-as-they-are: no charset, the app detects the encoding itself.
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.txt': 'text/plain',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.safetensors': 'application/octet-stream',
});

/**
 * Resolves a URL path to a file under `root`, or null when it escapes `root` or is malformed.
 * @param {string} root absolute directory
 * @param {string} urlPath the request path, e.g. "/assets/index-abc.js"
 * @returns {string | null}
 */
export function resolveSafe(root, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const full = path.resolve(root, '.' + path.posix.normalize('/' + decoded));
  if (full !== root && !full.startsWith(root + path.sep)) return null;
  return full;
}

/** @param {string} file @returns {Promise<import('node:fs').Stats | null>} */
async function statFile(file) {
  try {
    const s = await stat(file);
    return s.isFile() ? s : null;
  } catch {
    return null;
  }
}

/**
 * Starts the server.
 * @param {{ root?: string, port?: number, host?: string }} [options]
 *   `root` defaults to "dist" (relative to the working directory); `port` 0 picks a free port.
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void> }>}
 *   `url` ends with "/", e.g. "http://127.0.0.1:5173/".
 */
export async function startServer(options = {}) {
  const root = path.resolve(options.root ?? 'dist');
  const host = options.host ?? '127.0.0.1';
  const index = path.join(root, 'index.html');
  if (!(await statFile(index))) {
    throw new Error(`No ${index}: build the app first (npm run build).`);
  }

  const server = createServer(async (req, res) => {
    const send = (status, headers, body) => {
      res.writeHead(status, { ...SECURITY_HEADERS, ...headers });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }, 'Method not allowed');
    }
    const urlPath = new URL(req.url ?? '/', 'http://localhost').pathname;
    const file = resolveSafe(root, urlPath);
    if (file === null) return send(400, { 'Content-Type': 'text/plain' }, 'Bad path');

    let target = file;
    let info = await statFile(target);
    if (!info) {
      // SPA fallback only for page-like paths: a missing asset (has an extension) is a real 404,
      // so the app sees a clear failure instead of HTML parsed as JS, WASM or CSV.
      if (path.extname(urlPath) !== '') {
        return send(404, { 'Content-Type': 'text/plain' }, 'Not found');
      }
      target = index;
      info = await statFile(target);
      if (!info) return send(404, { 'Content-Type': 'text/plain' }, 'Not found');
    }
    const type = MIME_TYPES[path.extname(target).toLowerCase()] ?? 'application/octet-stream';
    // Hashed assets never change; everything else (index.html, demo data) is revalidated.
    const cache = urlPath.startsWith('/assets/')
      ? 'public, max-age=31536000, immutable'
      : 'no-cache';
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': type,
      'Content-Length': info.size,
      'Cache-Control': cache,
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(target)
      .on('error', () => res.destroy())
      .pipe(res);
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 5173, host, () => resolve(undefined));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 5173);
  const url = `http://${host}:${port}/`;
  return {
    url,
    port,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Parses `[root] [--port N]` and `PORT`. */
function parseArgs(argv) {
  let root = 'dist';
  let port = process.env.PORT ? Number(process.env.PORT) : 5173;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port' || a === '-p') port = Number(argv[++i]);
    else if (a.startsWith('--port=')) port = Number(a.slice('--port='.length));
    else if (!a.startsWith('-')) root = a;
    else throw new Error(`Unknown option ${a}. Usage: serve.mjs [root] [--port N]`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`Bad port ${port}: use a number from 0 to 65535.`);
  }
  return { root, port };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { root, port } = parseArgs(process.argv.slice(2));
    const { url } = await startServer({ root, port });
    console.log(`Trainer Studio: ${url}  (serving ${path.resolve(root)}; Ctrl+C to stop)`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
