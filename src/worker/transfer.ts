/** How requests' files and replies' zips cross between the page and the worker. */
import type { TableReadChoice } from './protocol';

/** Transfers a typed array's bytes as a standalone ArrayBuffer. */
const ownBuffer = (bytes: Uint8Array): ArrayBuffer =>
  bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? (bytes.buffer as ArrayBuffer)
    : (bytes.slice().buffer as ArrayBuffer);

export const fileOf = ({ fileName, zip }: { fileName: string; zip: Uint8Array }) => ({
  fileName,
  zip: ownBuffer(zip),
});

export const bytesOf = (file: Blob | ArrayBuffer) =>
  file instanceof ArrayBuffer ? new Uint8Array(file) : file;

export const readOptions = (read: TableReadChoice | undefined) => ({
  ...(read?.delimiter !== undefined && { delimiter: read.delimiter }),
  ...(read?.hasHeader !== undefined && { hasHeader: read.hasHeader }),
});

/** The buffers a reply transfers (a zip's bytes) instead of copying. */
export function transferOf(result: unknown): Transferable[] {
  if (result && typeof result === 'object' && 'zip' in result) {
    const z = (result as { zip: unknown }).zip;
    if (z instanceof ArrayBuffer) return [z];
  }
  return [];
}
