/**
 * A run config in a page link: `#config=` and the config as base64url JSON. Opening such a link
 * restores the settings; the data file, dropped files and trained models are not in it.
 */
import { parseRunConfig, RunConfigError, type RunConfig } from './runConfig';

const PREFIX = 'config=';

/** What a link cannot carry, said when one is opened. */
export const LINK_CANNOT_CARRY =
  'A link carries settings only: not the data file, dropped tokenizer or checkpoint files, ' +
  'or a trained model. Drop your data file to train.';

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s: string): string {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return new TextDecoder('utf-8', { fatal: true }).decode(
    Uint8Array.from(bin, (c) => c.charCodeAt(0)),
  );
}

/** The link's hash for `config` (`#config=...`). */
export function shareLinkHash(config: RunConfig): string {
  return `#${PREFIX}${toBase64Url(JSON.stringify(config))}`;
}

/**
 * The JSON a page hash carries (not yet read as a run config), or null when the hash holds none.
 * @throws RunConfigError when it cannot be decoded.
 */
export function configJsonFromHash(hash: string): unknown {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!h.startsWith(PREFIX)) return null;
  try {
    return JSON.parse(fromBase64Url(h.slice(PREFIX.length))) as unknown;
  } catch {
    throw new RunConfigError(
      'The link holds settings that cannot be read (it may have been cut when it was copied).',
    );
  }
}

/**
 * The config in a page hash, or null when the hash holds none.
 * @throws RunConfigError when the hash holds a config that cannot be read.
 */
export function configFromHash(hash: string): { config: RunConfig; notices: string[] } | null {
  const json = configJsonFromHash(hash);
  return json === null ? null : parseRunConfig(json);
}
