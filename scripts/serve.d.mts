/** Types for scripts/serve.mjs (a plain Node script, so it runs without a build step). */

/** The studio's Content-Security-Policy header value. */
export declare const CONTENT_SECURITY_POLICY: string;
/** COOP/COEP/CSP and friends, sent with every response (also by the Vite dev/preview server). */
export declare const SECURITY_HEADERS: Readonly<Record<string, string>>;
/** Content types by lower-case file extension (".wasm" -> "application/wasm"). */
export declare const MIME_TYPES: Readonly<Record<string, string>>;

/** Resolves a URL path under `root` (absolute); null when it escapes `root` or is malformed. */
export declare function resolveSafe(root: string, urlPath: string): string | null;

export interface StartedServer {
  /** Base URL ending with "/", e.g. "http://127.0.0.1:5173/". */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `root` (default "dist") on `host` (default 127.0.0.1) and `port` (default 5173; 0 picks a
 * free one). Rejects when `root/index.html` is missing.
 */
export declare function startServer(options?: {
  root?: string;
  port?: number;
  host?: string;
}): Promise<StartedServer>;
