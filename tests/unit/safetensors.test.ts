/** safetensors reader/writer: the PyTorch-written fixture, dtype decoding, and hostile files. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import {
  MAX_HEADER_BYTES,
  SafetensorsError,
  f16ToF32,
  parseSafetensorsHeader,
  readSafetensors,
  writeSafetensors,
} from '../../src/core/io/safetensors';

const fixture = new Uint8Array(
  readFileSync(
    fileURLToPath(new URL('../fixtures/bert-tiny-random/model.safetensors', import.meta.url)),
  ),
);

/** Builds a file from a header (object or raw text) and data bytes, as the format lays it out. */
function makeFile(
  header: unknown,
  data: Uint8Array = new Uint8Array(0),
  headerLen?: bigint,
): Uint8Array {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  const h = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLen ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function u16le(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const v = new DataView(out.buffer);
  values.forEach((x, i) => v.setUint16(i * 2, x, true));
  return out;
}

function expectError(
  bytes: Uint8Array,
  pattern: RegExp,
  opts?: { expected?: Map<string, number[]> },
): void {
  let caught: unknown;
  try {
    readSafetensors(bytes, opts);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(SafetensorsError);
  expect((caught as Error).message).toMatch(pattern);
}

const f32 = (n: number): { dtype: string; shape: number[]; data_offsets: [number, number] } => ({
  dtype: 'F32',
  shape: [n],
  data_offsets: [0, 4 * n],
});

describe('readSafetensors / writeSafetensors on the PyTorch fixture', () => {
  it('reads every tensor and rewrites the file byte for byte', () => {
    const tensors = readSafetensors(fixture);
    expect(tensors.size).toBe(41);
    const emb = tensors.get('bert.embeddings.word_embeddings.weight');
    expect(emb?.dtype).toBe('F32');
    expect(emb?.shape).toEqual([120, 32]);
    expect(emb?.data.length).toBe(3840);
    const ln = tensors.get('bert.embeddings.LayerNorm.weight')?.data ?? new Float32Array(0);
    expect(ln.length).toBe(32);
    expect(ln.every((x) => Number.isFinite(x) && x !== 0)).toBe(true);
    const { metadata } = parseSafetensorsHeader(fixture);
    expect(metadata).toEqual({ format: 'pt' });

    const rewritten = writeSafetensors(tensors);
    expect(rewritten.length).toBe(fixture.length);
    let firstDiff = -1;
    for (let i = 0; i < fixture.length && firstDiff < 0; i++)
      if (rewritten[i] !== fixture[i]) firstDiff = i;
    expect(firstDiff).toBe(-1);
  });

  it('checks expected names and shapes, naming the tensor and both shapes', () => {
    const ok = new Map([['classifier.weight', [3, 32]]]);
    expect(readSafetensors(fixture, { expected: ok }).size).toBe(41);
    expectError(
      fixture,
      /tensor "classifier\.weight": expected shape \[5, 32\], file has \[3, 32\]/,
      {
        expected: new Map([['classifier.weight', [5, 32]]]),
      },
    );
    expectError(fixture, /tensor "bert\.pooler\.dense\.kernel" \[32, 32\] is missing/, {
      expected: new Map([['bert.pooler.dense.kernel', [32, 32]]]),
    });
  });

  it('writes 8-byte-aligned space-padded headers, sorted names, format pt metadata', () => {
    const bytes = writeSafetensors(
      new Map([
        ['b', { shape: [2], data: new Float32Array([1, 2]) }],
        ['10', { shape: [1, 1], data: new Float32Array([3]) }],
        ['a', { shape: [0], data: new Float32Array(0) }],
      ]),
      { note: 'x' },
    );
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(header).toBe(
      (
        `{"__metadata__":{"format":"pt","note":"x"},"10":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]},` +
        `"a":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`
      ).padEnd(n, ' '),
    );
    const back = readSafetensors(bytes);
    expect(Array.from(back.get('b')?.data ?? [])).toEqual([1, 2]);
    expect(back.get('10')?.shape).toEqual([1, 1]);
    expect(back.get('a')?.data.length).toBe(0);
    expect(() =>
      writeSafetensors(new Map([['x', { shape: [3], data: new Float32Array(2) }]])),
    ).toThrow(SafetensorsError);
  });
});

describe('dtype decoding', () => {
  it('decodes F16 exactly (normals, subnormals, infinities, NaN, signed zero)', () => {
    const bits = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x3555, 0x7c00, 0xfc00, 0x7e00, 0x8000, 0x0400];
    const expected = [
      1,
      -2,
      65504,
      2 ** -24,
      0.333251953125,
      Infinity,
      -Infinity,
      NaN,
      -0,
      2 ** -14,
    ];
    const file = makeFile(
      { h: { dtype: 'F16', shape: [2, 5], data_offsets: [0, 20] } },
      u16le(bits),
    );
    const t = readSafetensors(file).get('h');
    expect(t?.dtype).toBe('F16');
    expect(t?.shape).toEqual([2, 5]);
    expect(Array.from(t?.data ?? [])).toEqual(expected);
    expect(Object.is(f16ToF32(0x8000), -0)).toBe(true);
  });

  it('decodes BF16 as the top half of float32', () => {
    const bits = [0x3f80, 0xc040, 0x3eab, 0x4049, 0x7f80, 0x0000];
    const expected = [1, -3, 0.333984375, 3.140625, Infinity, 0];
    const file = makeFile({ b: { dtype: 'BF16', shape: [6], data_offsets: [0, 12] } }, u16le(bits));
    expect(Array.from(readSafetensors(file).get('b')?.data ?? [])).toEqual(expected);
  });

  it('decodes F64 and I64 (e.g. position_ids buffers)', () => {
    const data = new Uint8Array(32);
    const v = new DataView(data.buffer);
    v.setFloat64(0, 0.1, true);
    v.setFloat64(8, -2.5, true);
    v.setBigInt64(16, 511n, true);
    v.setBigInt64(24, -7n, true);
    const file = makeFile(
      {
        d: { dtype: 'F64', shape: [2], data_offsets: [0, 16] },
        i: { dtype: 'I64', shape: [1, 2], data_offsets: [16, 32] },
      },
      data,
    );
    const t = readSafetensors(file);
    expect(Array.from(t.get('d')?.data ?? [])).toEqual([Math.fround(0.1), -2.5]);
    expect(Array.from(t.get('i')?.data ?? [])).toEqual([511, -7]);
  });
});

describe('malformed files fail with a specific SafetensorsError', () => {
  const four = new Uint8Array(16);

  it('rejects files shorter than 8 bytes', () => {
    expectError(new Uint8Array(0), /shorter than the 8-byte header length/);
    expectError(new Uint8Array(7), /file is 7 bytes/);
  });

  it('rejects header lengths beyond the file or absurd', () => {
    expectError(makeFile({}, new Uint8Array(0), 1000n), /runs past the end of the file/);
    expectError(
      makeFile({}, new Uint8Array(0), 0xffffffffffffffffn),
      /larger than the 100000000-byte limit/,
    );
    expectError(makeFile({}, new Uint8Array(0), BigInt(MAX_HEADER_BYTES + 1)), /limit/);
  });

  it('rejects headers that are not a JSON object', () => {
    expectError(makeFile('{"a": '), /not valid JSON/);
    expectError(makeFile('[1, 2]'), /must be a JSON object, got an array/);
    expectError(makeFile('"text"'), /must be a JSON object, got string/);
    const bad = makeFile('{"a":1}  ');
    bad[10] = 0xff; // invalid UTF-8 inside the header
    expectError(bad, /not valid UTF-8/);
    expectError(makeFile('{"x": [1]}'), /tensor "x": header entry must be an object/);
    expectError(
      makeFile({ __metadata__: { format: 1 } }),
      /__metadata__\["format"\] must be a string/,
    );
  });

  it('rejects unknown dtypes', () => {
    expectError(
      makeFile({ w: { dtype: 'F8_E4M3', shape: [4], data_offsets: [0, 4] } }, four.subarray(0, 4)),
      /tensor "w": unsupported dtype "F8_E4M3"/,
    );
  });

  it('rejects shapes whose byte size does not match data_offsets', () => {
    expectError(
      makeFile({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }, four),
      /tensor "w": shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 16\] hold 16/,
    );
    expectError(
      makeFile({ w: { dtype: 'F16', shape: [4], data_offsets: [0, 16] } }, four),
      /needs 8 bytes/,
    );
    // A shape claiming 2^104 elements is refused without allocating anything.
    expectError(
      makeFile({ w: { dtype: 'F32', shape: [2 ** 52, 2 ** 52], data_offsets: [0, 16] } }, four),
      /tensor "w": shape/,
    );
    expectError(
      makeFile({ w: { dtype: 'F32', shape: [-4], data_offsets: [0, 16] } }, four),
      /non-negative integers/,
    );
    expectError(
      makeFile({ w: { dtype: 'F32', shape: [1.5], data_offsets: [0, 16] } }, four),
      /non-negative integers/,
    );
  });

  it('rejects offsets out of range, reversed, overlapping, with gaps or leaving bytes uncovered', () => {
    expectError(
      makeFile({ w: { dtype: 'F32', shape: [8], data_offsets: [0, 32] } }, four),
      /out of range/,
    );
    expectError(
      makeFile({ w: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, four),
      /end before they begin/,
    );
    expectError(
      makeFile({ w: { dtype: 'F32', shape: [2], data_offsets: [0] } }, four),
      /two non-negative integers/,
    );
    expectError(
      makeFile(
        {
          a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] },
          b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
        },
        four,
      ),
      /tensor "b" data_offsets \[8, 16\] overlap/,
    );
    expectError(
      makeFile(
        {
          a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
          b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
        },
        four,
      ),
      /tensor "b" .* leave a gap after byte 4/,
    );
    expectError(makeFile({ a: f32(2) }, four), /cover 8 bytes but the data section holds 16/);
  });

  it('never hangs on truncated or corrupted copies of a real file', () => {
    for (let len = 0; len < fixture.length; len += 97) {
      expect(() => readSafetensors(fixture.subarray(0, len))).toThrow(SafetensorsError);
    }
    // Flip bytes inside the header: either a clean error or a successful read, never anything else.
    const n = Number(new DataView(fixture.buffer, fixture.byteOffset).getBigUint64(0, true));
    for (let i = 8; i < 8 + n; i += 13) {
      const copy = fixture.slice();
      copy[i] ^= 0x5a;
      try {
        readSafetensors(copy);
      } catch (e) {
        expect(e).toBeInstanceOf(SafetensorsError);
      }
    }
  });
});
