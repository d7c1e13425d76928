import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isDataError } from '../../src/core/data/errors';
import {
  detectTaggedFormat,
  readTagged,
  sentenceCount,
  sentenceTags,
  sentenceWords,
} from '../../src/core/data/tagged';
import { compareCodePoints } from '../../src/core/data/tagScheme';
import { WNUT_TAGS } from './helpers/tokenExport';

const wnut = (name: string) =>
  readFileSync(join(__dirname, '../fixtures/data/wnut17', name), 'utf8');

/** The DataError `fn` throws (fails when it throws none or another kind). */
function dataError(fn: () => unknown): { message: string; row?: number } {
  try {
    fn();
  } catch (e) {
    expect(isDataError(e)).toBe(true);
    return e as { message: string; row?: number };
  }
  throw new Error('expected a DataError');
}

describe('readTagged on WNUT 2017', () => {
  it('reads the training file: 3,394 sentences, 62,730 words, 13 IOB2 tags', () => {
    const text = wnut('wnut17train.conll');
    expect(detectTaggedFormat(text, 'wnut17train.conll')).toBe('conll');
    expect(detectTaggedFormat(text)).toBe('conll');
    const c = readTagged(text, { fileName: 'wnut17train.conll' });
    expect(c.format).toBe('conll');
    expect(sentenceCount(c)).toBe(3394);
    expect(c.words.length).toBe(62730);
    expect(c.labelNames).toEqual(WNUT_TAGS);
    expect(c.scheme).toBe('IOB2');
    expect(c.convertedTags).toBe(0);
    expect(c.issues).toEqual([]);
    // Tag counts as `cut -f2 | sort | uniq -c` gives them.
    const count = (tag: string) => c.tags.filter((t) => c.labelNames[t] === tag).length;
    expect(count('B-person')).toBe(660);
    expect(count('I-location')).toBe(245);
    expect(count('O')).toBe(59570);
    expect(sentenceWords(c, 0).slice(0, 3)).toEqual(['@paulwalk', 'It', "'s"]);
    expect(sentenceTags(c, 0).slice(14, 17)).toEqual(['B-location', 'I-location', 'I-location']);
    expect(c.lines[0]).toBe(1);
    expect(c.lines[sentenceCount(c) - 1]).toBe(66113);
  });

  it('reads the dev file (UTF-8 text): 1,009 sentences, 15,733 words', () => {
    const c = readTagged(wnut('emerging.dev.conll'));
    expect(sentenceCount(c)).toBe(1009);
    expect(c.words.length).toBe(15733);
    expect(c.labelNames).toEqual(WNUT_TAGS);
    expect(c.lines[sentenceCount(c) - 1]).toBe(16732);
  });
});

describe('readTagged: CoNLL variants', () => {
  it('takes space-separated columns, ignores middle columns, skips -DOCSTART-, CRLF', () => {
    const text =
      '-DOCSTART- -X- -X- O\r\n\r\nEU NNP B-NP B-ORG\r\nrejects VBZ B-VP O\r\nGerman JJ B-NP B-MISC\r\n\r\nPeter NNP B-NP B-PER\r\n';
    const c = readTagged(text);
    expect(sentenceCount(c)).toBe(2);
    expect(c.words).toEqual(['EU', 'rejects', 'German', 'Peter']);
    expect(sentenceTags(c, 0)).toEqual(['B-ORG', 'O', 'B-MISC']);
    expect(c.lines[0]).toBe(3);
    expect(c.issues).toEqual([
      { message: expect.stringContaining('-DOCSTART-'), lines: [1], count: 1 },
    ]);
  });

  it('converts IOB1 to IOB2 and counts the changed tags', () => {
    // CoNLL-2003's original scheme: I- everywhere, B- only between two entities of one type.
    const text =
      'U.N.\tI-ORG\nofficial\tO\nEkeus\tI-PER\nheads\tO\nfor\tO\nBaghdad\tI-LOC\n\nA\tI-PER\nB\tB-PER\nC\tI-PER\n';
    const c = readTagged(text, { fileName: 'x.iob' });
    expect(c.scheme).toBe('IOB1');
    expect(sentenceTags(c, 0)).toEqual(['B-ORG', 'O', 'B-PER', 'O', 'O', 'B-LOC']);
    expect(sentenceTags(c, 1)).toEqual(['B-PER', 'B-PER', 'I-PER']);
    expect(c.convertedTags).toBe(4);
    expect(c.labelNames).toEqual(['B-LOC', 'B-ORG', 'B-PER', 'I-PER', 'O']);
    expect(c.issues).toEqual([]);
  });

  it('reports an I-X after O or after another type in IOB2 with its lines, and keeps it', () => {
    const text = 'a\tB-x\nb\tI-x\nc\tO\nd\tI-x\n\ne\tB-y\nf\tI-x\ng\tI-x\n';
    const c = readTagged(text);
    expect(c.scheme).toBe('IOB2');
    expect(sentenceTags(c, 0)).toEqual(['B-x', 'I-x', 'O', 'I-x']);
    expect(sentenceTags(c, 1)).toEqual(['B-y', 'I-x', 'I-x']);
    expect(c.issues.map((i) => [i.message.split(' (')[0], i.lines, i.count])).toEqual([
      ['I-x after O', [4], 1],
      ['I-x after B-y', [7], 1],
    ]);
  });

  it('orders labels by code point, as Python sorts them', () => {
    const text = 'a\tO\nb\tB-\u00e9t\nc\tB-zz\nd\tB-\u{1F600}\ne\tB-\uFF21\n';
    const c = readTagged(text, { fileName: 'x.conll' });
    expect(c.labelNames).toEqual(['B-zz', 'B-\u00e9t', 'B-\uFF21', 'B-\u{1F600}', 'O']);
    // JS's default sort (UTF-16 units) would put U+1F600 before U+FF21.
    expect(['\u{1F600}', '\uFF21'].sort()).toEqual(['\u{1F600}', '\uFF21']);
    expect(compareCodePoints('\u{1F600}', '\uFF21')).toBeGreaterThan(0);
  });
});

describe('readTagged: bad lines', () => {
  it('a line with one column names the line and what was expected', () => {
    const e = dataError(() => readTagged('a\tO\nb\tO\n\nlonely\n', { fileName: 'x.conll' }));
    expect(e.row).toBe(4);
    expect(e.message).toMatch(/Line 4 \("lonely"\) has one column; expected a token and its tag/);
  });

  it('an empty tag names the line', () => {
    const e = dataError(() => readTagged('a\tO\nb\t\n', { fileName: 'x.conll' }));
    expect(e.row).toBe(2);
    expect(e.message).toMatch(/Line 2 .* has an empty tag; expected a tag such as O, B-X or I-X/);
  });

  it('with the format forced, a file detection rejects gets its bad line named', () => {
    const text = 'a\tO\nlonely\n';
    expect(detectTaggedFormat(text)).toBeNull();
    const e = dataError(() => readTagged(text, { format: 'conll' }));
    expect(e.row).toBe(2);
    expect(e.message).toMatch(/Line 2 \("lonely"\) has one column/);
  });

  it('a file that is neither says what a tagged file looks like', () => {
    const e = dataError(() => readTagged('text,label\nhello world,positive\n'));
    expect(e.message).toMatch(/not token-classification data/);
    expect(detectTaggedFormat('text\tlabel\nhello world\tpositive\n')).toBeNull();
    expect(detectTaggedFormat('hello\tpositive\nworld\tnegative\n')).toBeNull();
  });
});

describe('readTagged: JSON Lines', () => {
  const rows = [
    { id: '0', tokens: ['Empire', 'State', 'is', 'tall'], ner_tags: [7, 8, 0, 0] },
    { id: '1', tokens: ['Bob'], ner_tags: [11] },
  ];
  const names = [
    'O',
    'B-corporation',
    'I-corporation',
    'B-creative-work',
    'I-creative-work',
    'B-group',
    'I-group',
    'B-location',
    'I-location',
    'B-person',
    'I-person',
    'B-product',
    'I-product',
  ];
  const jsonl = rows.map((r) => JSON.stringify(r)).join('\n');

  it('integer tags take the names given, in id order', () => {
    expect(detectTaggedFormat(jsonl, 'train.jsonl')).toBe('jsonl');
    const c = readTagged(jsonl, { labelNames: names });
    expect(c.format).toBe('jsonl');
    expect(c.labelNames).toEqual(names);
    expect(Array.from(c.tags)).toEqual([7, 8, 0, 0, 11]);
    expect(sentenceTags(c, 1)).toEqual(['B-product']);
    expect(Array.from(c.lines)).toEqual([1, 2]);
  });

  it("or the file's own names (a label_names line or a features block)", () => {
    const withNames = JSON.stringify({ label_names: names }) + '\n' + jsonl;
    expect(readTagged(withNames).labelNames).toEqual(names);
    const features = JSON.stringify({ features: { ner_tags: { feature: { names } } } });
    expect(readTagged(features + '\n' + jsonl).labelNames).toEqual(names);
  });

  it('tag names are sorted as from CoNLL', () => {
    const text = JSON.stringify({ tokens: ['a', 'b'], ner_tags: ['I-x', 'O'] });
    const c = readTagged(text);
    // An I-x opening an entity with no B- anywhere: IO, converted.
    expect(c.scheme).toBe('IO');
    expect(c.labelNames).toEqual(['B-x', 'O']);
  });

  it('integer tags without names, an id out of range, a length mismatch: errors', () => {
    expect(dataError(() => readTagged(jsonl)).message).toMatch(
      /integer ids .* expected the tag names/,
    );
    expect(dataError(() => readTagged(jsonl, { labelNames: names.slice(0, 9) })).message).toMatch(
      /Line 2: tag id 11 has no name; expected ids 0 to 8/,
    );
    const bad = JSON.stringify({ tokens: ['a', 'b'], ner_tags: ['O'] });
    const e = dataError(() => readTagged(bad));
    expect(e.row).toBe(1);
    expect(e.message).toMatch(/2 tokens but 1 ner_tags/);
  });
});
