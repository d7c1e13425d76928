/**
 * Hostile inputs for the loaders' property tests (fast-check arbitraries), shared by the CI runs
 * in tests/unit/fuzz-*.test.ts and by `npm run fuzz` (tests/fuzz/loaders.ts, scripts/fuzz.ts).
 */
import fc from 'fast-check';
import { strToU8 } from 'fflate';

/** Byte-level mutations of a valid file: flips, truncation, splices, length-field attacks. */
export function mutatedBytes(base: Uint8Array): fc.Arbitrary<Uint8Array> {
  const flip = fc
    .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
    .map((edits) => {
      const b = base.slice();
      for (const [i, v] of edits) b[i % b.length] = v;
      return b;
    });
  const truncate = fc.nat({ max: base.length }).map((n) => base.slice(0, n));
  const splice = fc
    .tuple(fc.nat({ max: base.length }), fc.uint8Array({ maxLength: 64 }))
    .map(([at, ins]) => {
      const out = new Uint8Array(base.length + ins.length);
      out.set(base.subarray(0, at));
      out.set(ins, at);
      out.set(base.subarray(at), at + ins.length);
      return out;
    });
  const headerLen = fc
    .oneof(
      fc.constant(0),
      fc.constant(2 ** 53),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(Number),
      fc.nat(),
    )
    .map((n) => {
      const b = base.slice();
      new DataView(b.buffer).setBigUint64(0, BigInt(Math.min(n, Number.MAX_SAFE_INTEGER)), true);
      return b;
    });
  return fc.oneof(flip, truncate, splice, headerLen, fc.uint8Array({ maxLength: 256 }));
}

/** A safetensors file with an adversarial JSON header. */
export const hostileSafetensors: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.dictionary(
      fc.oneof(fc.string(), fc.constant('__metadata__'), fc.constant('__proto__')),
      fc.oneof(
        fc.record({
          dtype: fc.oneof(
            fc.constantFrom('F32', 'F16', 'BF16', 'F64', 'I64', 'U8', 'BOOL', 'X'),
            fc.jsonValue(),
          ),
          shape: fc.oneof(
            fc.array(fc.oneof(fc.nat(8), fc.integer(), fc.double(), fc.constant(2 ** 40))),
            fc.jsonValue(),
          ),
          data_offsets: fc.oneof(
            fc.tuple(fc.integer(), fc.integer()),
            fc.array(fc.nat(64)),
            fc.jsonValue(),
          ),
        }),
        fc.jsonValue(),
      ),
      { maxKeys: 4 },
    ),
    fc.uint8Array({ maxLength: 64 }),
  )
  .map(([header, data]) => {
    const h = strToU8(JSON.stringify(header));
    const out = new Uint8Array(8 + h.length + data.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
    out.set(h, 8);
    out.set(data, 8 + h.length);
    return out;
  });

/** A JSON object with some fields of `base` replaced, deleted or added with hostile values. */
export function mutatedObject(base: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(base);
  const hostile = fc.oneof(
    fc.jsonValue(),
    fc.constantFrom(NaN, Infinity, -Infinity, -1, 0, 2 ** 31, 1e308, '', null, [], {}, '__proto__'),
  );
  const edit = fc.oneof(
    fc.tuple(fc.constantFrom(...keys), hostile).map(([k, v]) => ({ k, v, del: false })),
    fc.tuple(fc.constantFrom(...keys), fc.constant(null)).map(([k]) => ({ k, v: null, del: true })),
    fc.tuple(fc.string(), hostile).map(([k, v]) => ({ k, v, del: false })),
  );
  return fc.oneof(
    {
      weight: 8,
      arbitrary: fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => {
        const o: Record<string, unknown> = structuredClone(base);
        for (const { k, v, del } of edits) {
          if (del) delete o[k];
          else o[k] = v;
        }
        return o;
      }),
    },
    { weight: 2, arbitrary: fc.anything() },
  );
}

/**
 * CSV-ish text: random fields with quotes, newlines, separators and NULs, one separator and one
 * line ending per file (drawn from the seed, so a seed replays the same text).
 */
export const csvText: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(
      fc.array(
        fc.oneof(fc.string(), fc.constantFrom('"', '""', '\r', '\n', ',', '\t', 'é', '\u0000')),
        { maxLength: 6 },
      ),
      { maxLength: 30 },
    ),
    fc.constantFrom(',', '\t', ';'),
    fc.constantFrom('\n', '\r\n', '\r'),
  )
  .map(([rows, sep, eol]) => rows.map((f) => f.join(sep)).join(eol));

/** `base` with up to `max` bytes set to random values at random places. */
export function flippedBytes(
  base: Uint8Array,
  { min = 0, max = 255, count = 20, from = 0 } = {},
): fc.Arbitrary<Uint8Array> {
  return fc
    .array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min, max })), { maxLength: count })
    .map((flips) => {
      const b = base.slice();
      for (const [i, v] of flips) if (i >= from) b[i] = v;
      return b;
    });
}

/** Records for JSON Lines and JSON arrays. */
export const jsonRecord = fc.dictionary(
  fc.string({ maxLength: 5 }),
  fc.jsonValue({ maxDepth: 3 }),
  {
    maxKeys: 4,
  },
);

/** Records shaped like a training table's ({"text": ..., "label": ...}, sometimes more keys). */
export const tableRecord = fc
  .tuple(
    fc.record({ text: fc.string(), label: fc.oneof(fc.string(), fc.integer(), fc.boolean()) }),
    jsonRecord,
  )
  .map(([r, extra]) => ({ ...extra, ...r }));
