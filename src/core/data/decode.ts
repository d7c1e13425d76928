/**
 * Bytes -> text for users' table files. Spreadsheet exports arrive as UTF-8 (with or without a
 * BOM), UTF-16 ("Unicode text" from Excel) or Windows-1252 (older Excel/Kaggle files such as the
 * SMS Spam CSV), and nothing in a CSV says which. We decide from the bytes, never from the name.
 */
import { DataError } from './errors';

export type TextEncodingName = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export interface DecodedText {
  /** The text without any BOM. */
  text: string;
  encoding: TextEncodingName;
}

/** How many leading bytes the binary/UTF-16 sniffers look at. */
const SNIFF_BYTES = 8192;
/** Above this share of control characters (other than tab, LF, CR, FF) the file is not text. */
const MAX_CONTROL_SHARE = 0.1;

/**
 * Decode a file's bytes: BOM first, then BOM-less UTF-16 (by its NUL pattern), then strict UTF-8,
 * else Windows-1252 (which maps every byte, so it is the last resort).
 * @throws DataError 'empty-file' for no bytes (or only a BOM / whitespace), 'binary-file' for
 *   content that is not text (NUL bytes, many control characters).
 */
export function decodeBytes(bytes: Uint8Array): DecodedText {
  if (bytes.length === 0) throw emptyFile();
  let result: DecodedText;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    result = { text: decode('utf-8', bytes.subarray(3)), encoding: 'utf-8-bom' };
  } else if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    result = { text: decode('utf-16le', bytes.subarray(2)), encoding: 'utf-16le' };
  } else if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    result = { text: decode('utf-16be', bytes.subarray(2)), encoding: 'utf-16be' };
  } else {
    const utf16 = sniffUtf16(bytes);
    if (utf16) {
      result = { text: decode(utf16, bytes), encoding: utf16 };
    } else {
      if (hasNul(bytes)) throw binaryFile('it contains NUL bytes');
      let text: string | null = null;
      try {
        text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
      } catch {
        text = null;
      }
      result =
        text !== null
          ? { text, encoding: 'utf-8' }
          : { text: decodeWindows1252(bytes), encoding: 'windows-1252' };
    }
  }
  if (result.text.trim() === '') throw emptyFile();
  const share = controlShare(result.text);
  if (share > MAX_CONTROL_SHARE) {
    throw binaryFile(`${Math.round(share * 100)}% of its first characters are control codes`);
  }
  return result;
}

function decode(label: string, bytes: Uint8Array): string {
  // Non-fatal: a stray bad byte in a UTF-16 file becomes U+FFFD rather than losing the file.
  return new TextDecoder(label, { ignoreBOM: true }).decode(bytes);
}

/** Windows-1252 code points for bytes 0x80-0x9F (WHATWG table); every other byte maps to itself. */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152,
  0x8d, 0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122,
  0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

/**
 * Our own Windows-1252 decoder: Node's TextDecoder('windows-1252') decodes as Latin-1 (0x92 ->
 * U+0092 instead of U+2019), browsers do it right; a table makes both hosts agree.
 */
export function decodeWindows1252(bytes: Uint8Array): string {
  const CHUNK = 8192;
  const units = new Uint16Array(Math.min(bytes.length, CHUNK));
  let out = '';
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const end = Math.min(start + CHUNK, bytes.length);
    for (let i = start; i < end; i++) {
      const b = bytes[i];
      units[i - start] = b >= 0x80 && b < 0xa0 ? CP1252_HIGH[b - 0x80] : b;
    }
    out += String.fromCharCode.apply(null, Array.from(units.subarray(0, end - start)));
  }
  return out;
}

/**
 * BOM-less UTF-16 shows as NULs in every other byte for Latin text: many NULs at odd offsets
 * (LE) or even offsets (BE), almost none at the other parity.
 */
function sniffUtf16(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  const n = Math.min(bytes.length, SNIFF_BYTES) & ~1;
  if (n < 4) return null;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenNul++;
    if (bytes[i + 1] === 0) oddNul++;
  }
  const pairs = n / 2;
  if (oddNul > 0.4 * pairs && evenNul < 0.05 * pairs) return 'utf-16le';
  if (evenNul > 0.4 * pairs && oddNul < 0.05 * pairs) return 'utf-16be';
  return null;
}

function hasNul(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, SNIFF_BYTES);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true;
  return false;
}

/** Share of C0/C1 control characters (tab, LF, CR, FF excepted) in the first characters. */
function controlShare(text: string): number {
  const n = Math.min(text.length, SNIFF_BYTES);
  if (n === 0) return 0;
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 13 && c !== 12) || c === 0x7f) bad++;
  }
  return bad / n;
}

function emptyFile(): DataError {
  return new DataError(
    'empty-file',
    'The file is empty. Choose a CSV or TSV file with a header row and at least one data row.',
  );
}

function binaryFile(why: string): DataError {
  return new DataError(
    'binary-file',
    `This does not look like a text table: ${why}. Choose a CSV or TSV file (if it is an Excel ` +
      'workbook, save it as "CSV UTF-8" first).',
  );
}
