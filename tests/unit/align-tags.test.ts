/**
 * Label alignment against the token-classification guide's `tokenize_and_align_labels` and
 * run_ner.py's `label_all_tokens`, as tests/python/make_word_ids_reference.py ran them with
 * bert-base-uncased on the WNUT 2017 sentences; the collator's -100 padding; words back from
 * the first sub-token.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTagged } from '../../src/core/data/tagged';
import { IGNORE_INDEX, type TaggedCorpus } from '../../src/core/data/taggedTypes';
import {
  bToILabel,
  collateTagLabels,
  encodeTagged,
  rowLabels,
  rowWordIds,
  wordTags,
} from '../../src/core/tokenize/alignTags';
import { fastTokenizer } from '../../src/core/tokenize/fastWordPiece';
import type { Tokenizer } from '../../src/core/tokenize/tokenizer';
import { loadTokenizerFromDir } from '../../src/core/tokenize/tokenizerNode';

const ROOT = join(__dirname, '../..');
interface Row {
  ids: number[];
  wordIds: (number | null)[];
  labels: number[];
  labelsAll: number[];
}
const REF = JSON.parse(
  readFileSync(join(ROOT, 'tests/fixtures/tagged/word_ids_reference.json'), 'utf8'),
) as {
  labelNames: string[];
  tokenizers: Record<string, { words: { maxLength: number; rows: Row[] }[] }>;
};

let tok: Tokenizer;
let corpus: TaggedCorpus;
beforeAll(async () => {
  tok = fastTokenizer(
    await loadTokenizerFromDir(join(ROOT, 'public/tokenizers/bert-base-uncased')),
  );
  corpus = readTagged(
    readFileSync(join(ROOT, 'tests/fixtures/data/wnut17/wnut17train.conll'), 'utf8'),
  );
});

/** A reference label (ids into the reference's label list) as an id into the corpus's. */
function ours(label: number): number {
  return label === IGNORE_INDEX ? label : corpus.labelNames.indexOf(REF.labelNames[label]);
}

describe('encodeTagged', () => {
  it("labels the first sub-token of each word and -100 elsewhere, as the guide's function", () => {
    for (const { maxLength, rows } of REF.tokenizers['bert-base-uncased'].words) {
      const enc = encodeTagged(tok, corpus, maxLength);
      expect(enc.offsets.length).toBe(3395);
      rows.forEach((row, i) => {
        expect(Array.from(enc.ids.subarray(enc.offsets[i], enc.offsets[i + 1]))).toEqual(row.ids);
        expect(Array.from(rowWordIds(enc, i))).toEqual(row.wordIds.map((w) => w ?? -1));
        expect({ i, maxLength, labels: Array.from(rowLabels(enc, i)) }).toEqual({
          i,
          maxLength,
          labels: row.labels.map(ours),
        });
      });
      const cut = rows.filter((r) => r.ids.length === maxLength).length;
      if (maxLength === 12) expect(cut).toBeGreaterThan(40);
      expect(enc.truncated).toBeGreaterThanOrEqual(maxLength === 12 ? cut : 0);
    }
  });

  it("with label_all_tokens: every sub-token, B-X as I-X after the first (run_ner.py's b_to_i_label)", () => {
    for (const { maxLength, rows } of REF.tokenizers['bert-base-uncased'].words) {
      const enc = encodeTagged(tok, corpus, maxLength, { labelAllTokens: true });
      rows.forEach((row, i) => {
        expect(Array.from(rowLabels(enc, i))).toEqual(row.labelsAll.map(ours));
      });
    }
    expect(Array.from(bToILabel(['B-a', 'B-b', 'I-a', 'O']))).toEqual([2, 1, 2, 3]);
  });
});

describe('collateTagLabels and wordTags', () => {
  it('pads labels with -100 to the batch length, in the order asked', () => {
    const enc = encodeTagged(tok, corpus, 16);
    const seqLen = 16;
    const out = collateTagLabels(enc, [2, 0], seqLen);
    expect(out.length).toBe(2 * seqLen);
    for (const [b, i] of [2, 0].entries()) {
      const row = Array.from(rowLabels(enc, i));
      const padded = [...row, ...new Array<number>(seqLen - row.length).fill(IGNORE_INDEX)];
      expect(Array.from(out.subarray(b * seqLen, (b + 1) * seqLen))).toEqual(padded);
    }
    // A seqLen shorter than a row: the row's tokens past it are dropped.
    const short = collateTagLabels(enc, [0], 4);
    expect(Array.from(short)).toEqual(Array.from(rowLabels(enc, 0)).slice(0, 4));
  });

  it("gives each word its first sub-token's tag and -1 to words truncation cut", () => {
    // [CLS] w0 w0 w1 w2 w2 [SEP], with w3 cut.
    const wordIds = [-1, 0, 0, 1, 2, 2, -1];
    const tags = [9, 4, 5, 6, 7, 8, 9];
    expect(Array.from(wordTags(tags, wordIds, 4))).toEqual([4, 6, 7, -1]);
    // On the gold labels of a real sentence, the words' tags come back.
    const enc = encodeTagged(tok, corpus, 128);
    const words = corpus.offsets[1] - corpus.offsets[0];
    expect(Array.from(wordTags(rowLabels(enc, 0), rowWordIds(enc, 0), words))).toEqual(
      Array.from(corpus.tags.subarray(0, words)),
    );
  });
});
