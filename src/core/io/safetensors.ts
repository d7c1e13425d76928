/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of JSON header (`{name: {dtype, shape, data_offsets: [begin, end]}}`,
 * plus optional `__metadata__` of strings), then the tensors' bytes, contiguous, in offset order.
 *
 * The reader validates the header strictly (as the Rust library does) before touching any data, so
 * a hostile file fails fast with a {@link SafetensorsError} instead of hanging or allocating more
 * than the file itself implies.
 */
import { StudioError } from '../util/errors';

/** A malformed or unexpected safetensors file. The message says what and where. */
export class SafetensorsError extends StudioError {
  constructor(message: string) {
    super('model-files', message, 'SafetensorsError');
  }
}

/** Bytes per element of each dtype this reader decodes. */
const DTYPE_BYTES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
} as const;

/** A dtype name as written in safetensors headers, among those this module decodes. */
export type SafetensorsDtype = keyof typeof DTYPE_BYTES;

/** A decoded tensor: the file's dtype and shape, values converted to float32 (row-major). */
export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array;
}

/** One header entry after validation. */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte range within the data section (after the header). */
  begin: number;
  end: number;
}

/** Headers above this are refused (the Rust library's limit is also 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

/** Options of {@link readSafetensors}. */
export interface ReadSafetensorsOptions {
  /**
   * Names and shapes that must be present. Missing names and shape mismatches throw a
   * SafetensorsError listing them (extra tensors are allowed: they may be heads to ignore).
   */
  expected?: Map<string, number[]>;
}

function fail(message: string): never {
  throw new SafetensorsError(`safetensors: ${message}`);
}

function fmtShape(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

/**
 * Parses and validates the header: lengths, JSON, dtypes, shapes against byte sizes, offsets in
 * range, contiguous and non-overlapping, covering the whole data section.
 */
export function parseSafetensorsHeader(bytes: Uint8Array): {
  entries: SafetensorsEntry[];
  metadata: Record<string, string> | null;
  /** Offset of the data section in `bytes`. */
  dataStart: number;
} {
  if (bytes.length < 8)
    fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) {
    fail(`header length ${n64} bytes is larger than the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const n = Number(n64);
  if (8 + n > bytes.length) {
    fail(`header length ${n} bytes runs past the end of the file (${bytes.length} bytes)`);
  }
  if (n < 2) fail(`header length ${n} is too short to hold a JSON object`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    fail('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    fail(`header must be a JSON object, got ${Array.isArray(header) ? 'an array' : typeof header}`);
  }
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  let metadata: Record<string, string> | null = null;
  const entries: SafetensorsEntry[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        fail('__metadata__ must be an object of strings');
      }
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__["${k}"] must be a string, got ${typeof v}`);
      }
      metadata = raw as Record<string, string>;
      continue;
    }
    entries.push(parseEntry(name, raw, dataLen));
  }
  // Offsets must tile [0, dataLen) exactly, in order: no gaps, no overlaps (as the Rust checks).
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of sorted) {
    if (e.begin < pos) {
      fail(
        `tensor "${e.name}" data_offsets [${e.begin}, ${e.end}] overlap the previous tensor (ends at ${pos})`,
      );
    }
    if (e.begin > pos) {
      fail(
        `tensor "${e.name}" data_offsets [${e.begin}, ${e.end}] leave a gap after byte ${pos} (offsets must be contiguous)`,
      );
    }
    pos = e.end;
  }
  if (pos !== dataLen) {
    fail(`tensors cover ${pos} bytes but the data section holds ${dataLen} bytes`);
  }
  return { entries, metadata, dataStart };
}

function parseEntry(name: string, raw: unknown, dataLen: number): SafetensorsEntry {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    fail(`tensor "${name}": header entry must be an object`);
  }
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== 'string') fail(`tensor "${name}": dtype must be a string`);
  if (!Object.prototype.hasOwnProperty.call(DTYPE_BYTES, dtype)) {
    fail(
      `tensor "${name}": unsupported dtype "${dtype}" (supported: ${Object.keys(DTYPE_BYTES).join(', ')})`,
    );
  }
  const bpe = DTYPE_BYTES[dtype as SafetensorsDtype];
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(
      `tensor "${name}": shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`,
    );
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
  ) {
    fail(
      `tensor "${name}": data_offsets must be two non-negative integers, got ${JSON.stringify(offsets)}`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) fail(`tensor "${name}": data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataLen) {
    fail(
      `tensor "${name}": data_offsets [${begin}, ${end}] are out of range (data section is ${dataLen} bytes)`,
    );
  }
  // Element count, checked against the (already bounded) byte range so it cannot overflow.
  let count = (shape as number[]).includes(0) ? 0 : 1;
  for (const d of count === 0 ? [] : (shape as number[])) {
    count *= d;
    if (count * bpe > end - begin) break;
  }
  if (count * bpe !== end - begin) {
    fail(
      `tensor "${name}": shape ${fmtShape(shape as number[])} of ${dtype} needs ` +
        `${(shape as number[]).reduce((a, b) => a * b, 1) * bpe} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: [...(shape as number[])], begin, end };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** IEEE half -> float32 bits, exact (subnormals, infinities and NaN included). */
export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function decode(bytes: Uint8Array, e: SafetensorsEntry, dataStart: number): Float32Array {
  const start = dataStart + e.begin;
  const count = (e.end - e.begin) / DTYPE_BYTES[e.dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, e.end - e.begin);
  const out = new Float32Array(count);
  switch (e.dtype) {
    case 'F32':
      if (LITTLE_ENDIAN) {
        // Copy (aligns the data) and reinterpret: the fast path for the usual dtype.
        out.set(new Float32Array(bytes.slice(start, start + count * 4).buffer));
      } else {
        for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      }
      break;
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      break;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = f16ToF32(view.getUint16(i * 2, true));
      break;
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      break;
    }
    case 'I64':
      for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(i * 8, true));
      break;
    case 'I32':
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
      break;
    case 'I16':
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true);
      break;
    case 'I8':
      for (let i = 0; i < count; i++) out[i] = view.getInt8(i);
      break;
    case 'U8':
    case 'BOOL':
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i);
      break;
  }
  return out;
}

/**
 * Reads every tensor of a safetensors file, converted to float32 (F32, F16, BF16, F64 and the
 * integer types). Throws {@link SafetensorsError} for any malformed header, and — with
 * `opts.expected` — for missing tensors or shape mismatches (naming the tensor and both shapes).
 */
export function readSafetensors(
  bytes: Uint8Array,
  opts: ReadSafetensorsOptions = {},
): Map<string, SafetensorsTensor> {
  const { entries, dataStart } = parseSafetensorsHeader(bytes);
  if (opts.expected) {
    const byName = new Map(entries.map((e) => [e.name, e]));
    const problems: string[] = [];
    for (const [name, shape] of opts.expected) {
      const e = byName.get(name);
      if (!e) problems.push(`tensor "${name}" ${fmtShape(shape)} is missing`);
      else if (e.shape.length !== shape.length || e.shape.some((d, i) => d !== shape[i])) {
        problems.push(
          `tensor "${name}": expected shape ${fmtShape(shape)}, file has ${fmtShape(e.shape)}`,
        );
      }
    }
    if (problems.length > 0) {
      const more = problems.length > 10 ? ` (and ${problems.length - 10} more)` : '';
      fail(`${problems.slice(0, 10).join('; ')}${more}`);
    }
  }
  const out = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    out.set(e.name, { dtype: e.dtype, shape: e.shape, data: decode(bytes, e, dataStart) });
  }
  return out;
}

/**
 * Writes float32 tensors as the Python library does (`safetensors.torch.save_file`): compact JSON
 * header with `__metadata__` first (default `{"format": "pt"}`, which transformers expects), tensors
 * sorted by name and laid out in that order, header padded with spaces to a multiple of 8 bytes.
 * A file written from tensors read out of a Python-written F32 file is byte-identical to it.
 */
export function writeSafetensors(
  tensors: ReadonlyMap<string, { shape: number[]; data: Float32Array }>,
  metadata?: Record<string, string>,
): Uint8Array {
  const names = [...tensors.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const meta = { format: 'pt', ...metadata };
  // Built by hand: JS objects put integer-like keys first, which would reorder the header.
  const parts: string[] = [`"__metadata__":${JSON.stringify(meta)}`];
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name) as { shape: number[]; data: Float32Array };
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new SafetensorsError(
        `safetensors: tensor "${name}" has shape ${fmtShape(t.shape)} (${count} values) but ${t.data.length} values`,
      );
    }
    const size = count * 4;
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"F32","shape":${JSON.stringify(t.shape)},"data_offsets":[${offset},${offset + size}]}`,
    );
    offset += size;
  }
  let header = new TextEncoder().encode(`{${parts.join(',')}}`);
  const pad = (8 - (header.length % 8)) % 8;
  if (pad > 0) {
    const padded = new Uint8Array(header.length + pad).fill(0x20);
    padded.set(header);
    header = padded;
  }
  const out = new Uint8Array(8 + header.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  let pos = 8 + header.length;
  for (const name of names) {
    const { data } = tensors.get(name) as { data: Float32Array };
    if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
    } else {
      for (let i = 0; i < data.length; i++) view.setFloat32(pos + i * 4, data[i], true);
    }
    pos += data.byteLength;
  }
  return out;
}
