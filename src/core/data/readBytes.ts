/**
 * A table file's bytes: read in chunks up to the byte budget (Blob, stream or buffer) with
 * progress, gzip decompressed up to the same budget, and the magic bytes that pick the format.
 */
import { Gunzip } from 'fflate';
import { decodeBytes } from './decode';
import { DataError } from './errors';
import type { ReadInput, ReadProgress } from './readTypes';

/** Chunk size when reading a Blob (the browser hands File objects over as Blobs). */
const CHUNK_BYTES = 4 * 1024 * 1024;

export function isBlob(x: unknown): x is Blob {
  return typeof Blob !== 'undefined' && x instanceof Blob;
}

export interface Collected {
  bytes: Uint8Array;
  bytesRead: number;
  capped: boolean;
}

/** Read up to maxBytes (+1, to know whether there was more) in chunks, reporting progress. */
export async function collect(
  input: ReadInput,
  maxBytes: number,
  totalBytes: number | null,
  onProgress?: (p: ReadProgress) => void,
): Promise<Collected> {
  if (input instanceof Uint8Array) {
    onProgress?.({ phase: 'reading', bytes: input.length, totalBytes, maxBytes });
    // Compressed input may expand: keep all of it when gzip, the decompressor applies the cap.
    const gz = input[0] === 0x1f && input[1] === 0x8b;
    if (gz || input.length <= maxBytes) {
      return { bytes: input, bytesRead: input.length, capped: false };
    }
    return { bytes: input.subarray(0, maxBytes), bytesRead: maxBytes, capped: true };
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  let capped = false;
  let gz: boolean | null = null;
  const push = (c: Uint8Array): boolean => {
    gz ??= c[0] === 0x1f && c[1] === 0x8b;
    // A gzip file's compressed size is capped at the same budget: a bomb still ends in time.
    const room = maxBytes - size;
    if (c.length > room) {
      chunks.push(c.subarray(0, room));
      size += room;
      capped = true;
      return false;
    }
    chunks.push(c);
    size += c.length;
    onProgress?.({ phase: 'reading', bytes: size, totalBytes, maxBytes });
    return true;
  };
  if (isBlob(input)) {
    for (let start = 0; start < input.size; start += CHUNK_BYTES) {
      const part = new Uint8Array(
        await input.slice(start, Math.min(start + CHUNK_BYTES, input.size)).arrayBuffer(),
      );
      if (!push(part)) break;
    }
  } else {
    const reader = input.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!push(value)) {
          await reader.cancel();
          break;
        }
      }
    } finally {
      reader.releaseLock();
    }
  }
  return { bytes: concat(chunks, size), bytesRead: size, capped };
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Decompress gzip up to maxBytes of output (a bomb stops at the budget). */
export function gunzip(
  bytes: Uint8Array,
  maxBytes: number,
): { bytes: Uint8Array; capped: boolean } {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let capped = false;
  const g = new Gunzip((chunk) => {
    if (capped) return;
    const room = maxBytes - size;
    if (chunk.length > room) {
      chunks.push(chunk.slice(0, room));
      size += room;
      capped = true;
      return;
    }
    chunks.push(chunk);
    size += chunk.length;
  });
  try {
    const STEP = 1 << 20;
    for (let at = 0; at < bytes.length && !capped; at += STEP) {
      const end = Math.min(at + STEP, bytes.length);
      g.push(bytes.subarray(at, end), end === bytes.length);
    }
  } catch (e) {
    // A truncated or corrupt stream: keep what decompressed before the damage when there is some.
    if (size === 0) {
      throw new DataError(
        'binary-file',
        `This gzip file could not be decompressed (${(e as Error).message}). It may be damaged ` +
          'or cut short: download it again.',
      );
    }
    capped = true;
  }
  return { bytes: concat(chunks, size), capped };
}

export function isParquet(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x41 && b[2] === 0x52 && b[3] === 0x31;
}

export function firstNonSpace(b: Uint8Array): number {
  const start = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  for (let i = start; i < Math.min(b.length, 4096); i++) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return c;
  }
  return -1;
}

/** When the bytes were cut at the budget, drop the partial last line. */
export function cutAtLine(b: Uint8Array, capped: boolean): Uint8Array {
  if (!capped) return b;
  const nl = b.lastIndexOf(0x0a);
  if (nl <= 0) return b;
  // UTF-16LE puts a 0x00 after the newline byte; keep the pair whole.
  const end = b[nl + 1] === 0x00 && (nl + 2) % 2 === 0 ? nl + 2 : nl + 1;
  return b.subarray(0, end);
}

export function decodeText(b: Uint8Array): string {
  return decodeBytes(b).text;
}
