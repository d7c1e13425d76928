/**
 * The short-text data of `npm run bench:torch -- --data short` (scripts/benchTorchData.ts): the
 * bundled SMS messages as they are, in a seeded order that is the same on every call (both sides
 * of the benchmark read one file), each message once before any repeats, with its own class.
 */
import { readFileSync } from 'node:fs';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { shortRows } from '../../scripts/benchTorchData';

/** The bundled file's messages, whitespace collapsed as the benchmark does. */
function messages(): { text: string; label: string }[] {
  const csv = readFileSync(new URL('../../public/demo/spam.csv', import.meta.url), 'utf8');
  const rows = Papa.parse<string[]>(csv, { skipEmptyLines: true }).data.slice(1);
  return rows
    .filter(([label, text]) => label && text)
    .map(([label, text]) => ({ label, text: text.replace(/\s+/g, ' ').trim() }));
}

const sorted = (texts: string[]) => [...texts].sort();

describe('bench:torch short-text data', () => {
  it('is every message once with its class, in a seeded order', () => {
    const all = messages();
    const rows = shortRows(all.length, 1);
    expect(sorted(rows.map((r) => r.text))).toEqual(sorted(all.map((m) => m.text)));
    const labelOf = new Map(all.map((m) => [m.text, m.label]));
    for (const r of rows) expect(r.label).toBe(labelOf.get(r.text));
    expect(shortRows(300, 1)).toEqual(rows.slice(0, 300));
    expect(shortRows(300, 2)).not.toEqual(rows.slice(0, 300));
    expect(rows.slice(0, 300).map((r) => r.text)).not.toEqual(all.slice(0, 300).map((m) => m.text));
  });

  it('joins two messages of one class a row with --short-join 2', () => {
    const byLabel = new Map<string, Set<string>>();
    for (const m of messages())
      byLabel.set(m.label, (byLabel.get(m.label) ?? new Set()).add(m.text));
    for (const r of shortRows(60, 1, 2)) {
      const texts = byLabel.get(r.label) as Set<string>;
      let split = -1;
      for (let i = r.text.indexOf(' '); i > 0; i = r.text.indexOf(' ', i + 1)) {
        if (texts.has(r.text.slice(0, i)) && texts.has(r.text.slice(i + 1))) split = i;
      }
      expect(split).toBeGreaterThan(0);
    }
  });
});
