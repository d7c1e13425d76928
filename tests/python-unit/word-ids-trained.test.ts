/**
 * Word ids and offsets of the tokenizers the studio trains on the data (byte-level BPE,
 * WordPiece), exported as an export writes them, against transformers' AutoTokenizer on the same
 * folder (tests/python/word_ids_check.py). Skipped, saying why, without transformers (failed
 * under CI).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readTagged, sentenceCount, sentenceWords } from '../../src/core/data/tagged';
import { exportedTokenizerConfigJson } from '../../src/core/tokenize/exportConfig';
import { fastTokenizer } from '../../src/core/tokenize/fastWordPiece';
import { loadTokenizer, type TokenizerFiles } from '../../src/core/tokenize/tokenizer';
import { trainByteLevelBpe } from '../../src/core/tokenize/trainBpe';
import { trainWordPiece } from '../../src/core/tokenize/trainWordPiece';
import { requirePython } from '../unit/helpers/python';

const python = requirePython('word-ids-trained', ['transformers']);
const MAX_LENGTH = 40;
const TEXTS = [
  'Empire State Building = ESB . Pretty bad storm here last evening .',
  ' leading space, Héllo Wörld, café naïve @paulwalk #NYC  twice',
  "don't I'm we'll U.S.A. 3/4 12,345.67 😀",
];

interface Out {
  class: string;
  words: { ids: number[]; wordIds: (number | null)[] }[];
  texts: { ids: number[]; offsets: [number, number][]; special: number[] }[];
}

describe.skipIf(!python)('tokenizers trained on the data: word ids and offsets', () => {
  it("equal transformers' for byte-level BPE and WordPiece", async () => {
    const corpus = readTagged(readFileSync('tests/fixtures/data/wnut17/wnut17train.conll', 'utf8'));
    const sentences = Array.from({ length: sentenceCount(corpus) }, (_, i) =>
      sentenceWords(corpus, i),
    );
    const texts = sentences.map((w) => w.join(' '));
    const trained: [string, TokenizerFiles][] = [
      ['bpe', trainByteLevelBpe(texts, { vocabSize: 800 })],
      ['wordpiece', trainWordPiece(texts, { vocabSize: 800 })],
    ];
    const tmp = mkdtempSync(join(tmpdir(), 'word-ids-'));
    const sample = sentences.slice(0, 120);
    const cases = trained.map(([name, files]) => {
      const dir = join(tmp, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(files.tokenizerJson));
      writeFileSync(
        join(dir, 'tokenizer_config.json'),
        exportedTokenizerConfigJson(files.tokenizerConfig, files.tokenizerJson, MAX_LENGTH, 512),
      );
      return {
        dir,
        add_prefix_space: name === 'bpe',
        sentences: sample,
        texts: TEXTS,
        max_length: MAX_LENGTH,
      };
    });
    writeFileSync(join(tmp, 'in.json'), JSON.stringify({ cases }));
    await promisify(execFile)('python3', [
      'tests/python/word_ids_check.py',
      join(tmp, 'in.json'),
      join(tmp, 'out.json'),
    ]);
    const out = JSON.parse(readFileSync(join(tmp, 'out.json'), 'utf8')) as Out[];
    expect(out.map((o) => o.class)).toEqual(['RobertaTokenizer', 'BertTokenizer']);
    for (const [c, [, files]] of trained.entries()) {
      const config = JSON.parse(
        exportedTokenizerConfigJson(files.tokenizerConfig, files.tokenizerJson, MAX_LENGTH, 512),
      ) as object;
      const tok = await loadTokenizer({ ...files, tokenizerConfig: config });
      for (const t of [tok, fastTokenizer(tok)]) {
        sample.forEach((words, i) => {
          const enc = t.encodeWords(words, MAX_LENGTH);
          expect({ c, i, ids: enc.ids, wordIds: enc.wordIds }).toEqual({
            c,
            i,
            ...out[c].words[i],
          });
        });
        TEXTS.forEach((text, i) => {
          const enc = t.encodeWithOffsets(text, MAX_LENGTH);
          const ref = out[c].texts[i];
          // The texts are in the Basic Multilingual Plane but for the emoji at the end.
          const cps = Array.from(text);
          const at = (n: number) => cps.slice(0, n).join('').length;
          expect({ c, text, ids: enc.ids, offsets: enc.offsets, special: enc.special }).toEqual({
            c,
            text,
            ids: ref.ids,
            offsets: ref.offsets.map(([s, e]) => [at(s), at(e)]),
            special: ref.special.map((s) => s === 1),
          });
        });
      }
    }
  });
});
