/**
 * A minimal Parquet writer for tests (no Parquet writer is installed): one row group, one
 * uncompressed PLAIN data page per column, REQUIRED columns of UTF-8 strings (BYTE_ARRAY) or
 * int64, Thrift compact protocol metadata. Enough for hyparquet (and pyarrow) to read.
 */
type Col = { name: string; values: string[] } | { name: string; ints: number[] };

class Compact {
  bytes: number[] = [];
  private last: number[] = [0];
  varint(n: bigint | number): void {
    let v = BigInt(n);
    while (v >= 0x80n) {
      this.bytes.push(Number((v & 0x7fn) | 0x80n));
      v >>= 7n;
    }
    this.bytes.push(Number(v));
  }
  zigzag(n: number | bigint): void {
    const v = BigInt(n);
    this.varint(v >= 0n ? v << 1n : (-v << 1n) - 1n);
  }
  field(id: number, type: number): void {
    const delta = id - this.last[this.last.length - 1];
    if (delta > 0 && delta <= 15) this.bytes.push((delta << 4) | type);
    else {
      this.bytes.push(type);
      this.zigzag(id);
    }
    this.last[this.last.length - 1] = id;
  }
  i32(id: number, v: number): void {
    this.field(id, 5);
    this.zigzag(v);
  }
  i64(id: number, v: number): void {
    this.field(id, 6);
    this.zigzag(v);
  }
  str(id: number, s: string): void {
    this.field(id, 8);
    const b = new TextEncoder().encode(s);
    this.varint(b.length);
    this.bytes.push(...b);
  }
  beginStruct(id?: number): void {
    if (id !== undefined) this.field(id, 12);
    this.last.push(0);
  }
  endStruct(): void {
    this.bytes.push(0);
    this.last.pop();
  }
  list(id: number, elemType: number, n: number): void {
    this.field(id, 9);
    if (n < 15) this.bytes.push((n << 4) | elemType);
    else {
      this.bytes.push(0xf0 | elemType);
      this.varint(n);
    }
  }
}

function plain(col: Col): Uint8Array {
  const out: number[] = [];
  if ('values' in col) {
    for (const v of col.values) {
      const b = new TextEncoder().encode(v);
      out.push(b.length & 0xff, (b.length >> 8) & 0xff, (b.length >> 16) & 0xff, b.length >>> 24);
      out.push(...b);
    }
  } else {
    for (const x of col.ints) {
      const dv = new DataView(new ArrayBuffer(8));
      dv.setBigInt64(0, BigInt(x), true);
      out.push(...new Uint8Array(dv.buffer));
    }
  }
  return Uint8Array.from(out);
}

/** Write columns (all the same length) as a Parquet file. */
export function writeParquet(cols: Col[]): Uint8Array {
  const n = 'values' in cols[0] ? cols[0].values.length : cols[0].ints.length;
  const parts: number[] = [0x50, 0x41, 0x52, 0x31];
  const metas: { offset: number; size: number; col: Col }[] = [];
  for (const col of cols) {
    const data = plain(col);
    const h = new Compact();
    h.beginStruct();
    h.i32(1, 0); // DATA_PAGE
    h.i32(2, data.length);
    h.i32(3, data.length);
    h.beginStruct(5);
    h.i32(1, n);
    h.i32(2, 0); // PLAIN
    h.i32(3, 3); // RLE
    h.i32(4, 3);
    h.endStruct();
    h.endStruct();
    const offset = parts.length;
    parts.push(...h.bytes, ...data);
    metas.push({ offset, size: h.bytes.length + data.length, col });
  }
  const m = new Compact();
  m.beginStruct();
  m.i32(1, 1);
  m.list(2, 12, cols.length + 1);
  m.beginStruct();
  m.str(4, 'schema');
  m.i32(5, cols.length);
  m.endStruct();
  for (const c of cols) {
    m.beginStruct();
    m.i32(1, 'values' in c ? 6 : 2);
    m.i32(3, 0); // REQUIRED
    m.str(4, c.name);
    if ('values' in c) m.i32(6, 0); // UTF8
    m.endStruct();
  }
  m.i64(3, n);
  m.list(4, 12, 1);
  m.beginStruct();
  m.list(1, 12, cols.length);
  let total = 0;
  for (const { offset, size, col } of metas) {
    total += size;
    m.beginStruct();
    m.i64(2, offset);
    m.beginStruct(3);
    m.i32(1, 'values' in col ? 6 : 2);
    m.list(2, 5, 1);
    m.zigzag(0);
    m.list(3, 8, 1);
    const nb = new TextEncoder().encode(col.name);
    m.varint(nb.length);
    m.bytes.push(...nb);
    m.i32(4, 0);
    m.i64(5, n);
    m.i64(6, size);
    m.i64(7, size);
    m.i64(9, offset);
    m.endStruct();
    m.endStruct();
  }
  m.i64(2, total);
  m.i64(3, n);
  m.endStruct();
  m.endStruct();
  const footer = m.bytes;
  parts.push(...footer);
  const len = footer.length;
  parts.push(len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff, len >>> 24, 0x50, 0x41, 0x52, 0x31);
  return Uint8Array.from(parts);
}
