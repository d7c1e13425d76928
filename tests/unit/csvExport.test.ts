import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import Papa from 'papaparse';
import { csvCell, recordsToCsv, toCsv } from '../../src/core/io/csvExport';

describe('csvExport', () => {
  it('neutralises formula-like cells with a leading apostrophe (OWASP)', () => {
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvCell('+1+2')).toBe("'+1+2");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tcmd')).toBe("'\tcmd");
    expect(csvCell('\rcmd')).toBe(`"'\rcmd"`);
    expect(csvCell('plain text')).toBe('plain text');
    expect(csvCell('a = b')).toBe('a = b');
  });

  it('keeps numbers as numbers, and neutralises non-finite ones as text', () => {
    expect(csvCell(-0.5)).toBe('-0.5');
    expect(csvCell(3)).toBe('3');
    expect(csvCell(-Infinity)).toBe("'-Infinity");
    expect(csvCell(null)).toBe('');
  });

  it('writes log_history records with a union of keys', () => {
    const csv = recordsToCsv([
      { loss: 0.7, step: 1 },
      { eval_loss: 0.6, step: 2 },
    ]);
    expect(csv).toBe('loss,step,eval_loss\r\n0.7,1,\r\n,2,0.6\r\n');
  });

  it('round-trips any text through a CSV parser, with formulas prefixed (fuzzed)', () => {
    let tried = 0;
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string(), { minLength: 1, maxLength: 4 }), {
          minLength: 1,
          maxLength: 5,
        }),
        (rows) => {
          tried++;
          const width = rows[0].length;
          const rect = rows.map((r) => Array.from({ length: width }, (_, i) => r[i] ?? 'x'));
          const parsed = Papa.parse<string[]>(toCsv(rect), {
            newline: '\r\n',
            delimiter: ',',
          }).data;
          // Papa yields a trailing empty row for the final CRLF.
          const body = parsed.slice(0, rect.length);
          rect.forEach((r, i) =>
            r.forEach((cell, j) => {
              const got = body[i][j];
              expect(got).toBe(/^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell);
              expect(/^[=+\-@\t\r]/.test(got)).toBe(false);
            }),
          );
        },
      ),
      { numRuns: 500 },
    );
    expect(tried).toBe(500);
  });
});
