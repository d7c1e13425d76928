import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeBytes } from '../../src/core/data/decode';
import { DataError } from '../../src/core/data/errors';

const enc = new TextEncoder();

function utf16(text: string, bigEndian: boolean, bom: boolean): Uint8Array {
  const out = new Uint8Array((text.length + (bom ? 1 : 0)) * 2);
  let o = 0;
  const put = (c: number): void => {
    out[o++] = bigEndian ? c >> 8 : c & 0xff;
    out[o++] = bigEndian ? c & 0xff : c >> 8;
  };
  if (bom) put(0xfeff);
  for (let i = 0; i < text.length; i++) put(text.charCodeAt(i));
  return out;
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return (e as DataError).code;
  }
  return undefined;
}

describe('decodeBytes', () => {
  it('reads plain UTF-8, keeping non-ASCII characters', () => {
    const r = decodeBytes(enc.encode('text,label\nCafé £5 😀,pos\n'));
    expect(r.encoding).toBe('utf-8');
    expect(r.text).toBe('text,label\nCafé £5 😀,pos\n');
  });

  it('strips a UTF-8 BOM and says it was there', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode('a,b\n1,2')]);
    const r = decodeBytes(bytes);
    expect(r.encoding).toBe('utf-8-bom');
    expect(r.text).toBe('a,b\n1,2');
  });

  it('reads UTF-16 LE and BE with a BOM', () => {
    const text = 'sentence\tlabel\nnaïve — ok\t1\n';
    expect(decodeBytes(utf16(text, false, true))).toEqual({ text, encoding: 'utf-16le' });
    expect(decodeBytes(utf16(text, true, true))).toEqual({ text, encoding: 'utf-16be' });
  });

  it('recognises BOM-less UTF-16 LE by its NUL pattern instead of calling it binary', () => {
    const text = 'text,label\nhello there,pos\ngood bye,neg\n';
    expect(decodeBytes(utf16(text, false, false))).toEqual({ text, encoding: 'utf-16le' });
  });

  it('falls back to Windows-1252 for the Kaggle spam.csv (invalid UTF-8)', () => {
    const bytes = new Uint8Array(readFileSync('public/demo/spam.csv'));
    const r = decodeBytes(bytes);
    expect(r.encoding).toBe('windows-1252');
    expect(r.text.startsWith('v1,v2,,,\r\nham,"Go until jurong point')).toBe(true);
    // 0xA3 is '£' in Windows-1252; a UTF-8 or Latin-1 mix-up would give U+FFFD or a wrong char.
    expect(r.text).toContain('£');
    expect(r.text).not.toContain('\uFFFD');
    // 0x92 (right single quote) maps to U+2019 in Windows-1252, not to the C1 control U+0092.
    expect(r.text).not.toMatch(/[\u0080-\u009f]/);
  });

  it('maps every Windows-1252 byte as browsers do (Node TextDecoder gives Latin-1)', () => {
    // 0xE9 is invalid UTF-8 on its own, so the file is read as Windows-1252.
    const bytes = new Uint8Array([0x80, 0x92, 0x93, 0x94, 0x96, 0x85, 0x81, 0x9f, 0xe9, 0x41]);
    const r = decodeBytes(bytes);
    expect(r.encoding).toBe('windows-1252');
    expect(r.text).toBe('\u20ac\u2019\u201c\u201d\u2013\u2026\u0081\u0178\u00e9A');
  });

  it('rejects empty files and whitespace-only files', () => {
    expect(codeOf(() => decodeBytes(new Uint8Array(0)))).toBe('empty-file');
    expect(codeOf(() => decodeBytes(new Uint8Array([0xef, 0xbb, 0xbf])))).toBe('empty-file');
    expect(codeOf(() => decodeBytes(enc.encode(' \r\n\n ')))).toBe('empty-file');
  });

  it('rejects binary files (NUL bytes, control characters) with an actionable message', () => {
    const png = new Uint8Array([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49,
    ]);
    expect(codeOf(() => decodeBytes(png))).toBe('binary-file');
    const zipLike = new Uint8Array(400);
    for (let i = 0; i < zipLike.length; i++) zipLike[i] = (i * 7) % 32 || 1;
    expect(codeOf(() => decodeBytes(zipLike))).toBe('binary-file');
    try {
      decodeBytes(png);
    } catch (e) {
      expect((e as Error).message).toMatch(/CSV/);
    }
  });
});
