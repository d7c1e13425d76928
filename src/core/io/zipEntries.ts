/**
 * Zip entries for the studio's exports (fflate): how each file is compressed.
 */
/** Weights and other binary files: deflate saves a few per cent on float data at a high cost. */
const BINARY = /\.(safetensors|bin|onnx)$/;

/**
 * fflate's zip entries for `files`: binary files stored as they are (level 0), text deflated.
 * A bert-base export (1.3 GB) then zips in seconds rather than a minute and a half.
 */
export function storedOrDeflated(
  files: Record<string, Uint8Array>,
): Record<string, [Uint8Array, { level: 0 | 6 }]> {
  return Object.fromEntries(
    Object.entries(files).map(([name, bytes]) => [
      name,
      [bytes, { level: BINARY.test(name) ? 0 : 6 }],
    ]),
  );
}
