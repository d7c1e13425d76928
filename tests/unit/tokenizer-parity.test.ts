/**
 * The studio's tokenizers against Python's AutoTokenizer on every fixture checkpoint (WordPiece:
 * BERT, DistilBERT, ELECTRA; byte-level BPE: RoBERTa, ModernBERT; Unigram with Metaspace:
 * XLM-RoBERTa, DeBERTa-v3): ids, token_type_ids and attention masks of every train and validation
 * text, single and paired, at max_length 48 and 12, and of hard strings, as
 * tests/python/make_tokenizer_reference.py recorded them. Checked through `encode`, through the
 * fast encoders a dataset is prepared with, through `encodeDataset` and the collator's padding.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { collateBatch } from '../../src/core/tokenize/collate';
import { encodeDataset } from '../../src/core/tokenize/encode';
import { fastTokenizer } from '../../src/core/tokenize/fastWordPiece';
import { createNodeTokenizerPool } from '../../src/core/tokenize/poolNode';
import { loadTokenizer, type Tokenizer } from '../../src/core/tokenize/tokenizer';
import { tokenizerFilesFromFolder } from '../../src/core/tokenize/tokenizerFolder';

interface Case {
  a: number;
  b?: number;
  n: number;
  ids: number[];
  /** index of the first token_type_id 1 (-1: all 0); absent when Python returns none */
  type1?: number;
}

interface FixtureRef {
  checkpoint: string;
  tokenizer_class: string;
  model_input_names: string[];
  pad_token_id: number;
  cases: Case[];
  padded: { texts: number[]; input_ids: number[][]; attention_mask: number[][] };
}

/** The fixtures whose tokenizers a fast encoder (fastWordPiece.ts, fastByteLevelBpe.ts) takes. */
const FAST_PATHS = ['distilbert', 'electra', 'hf-trainer-run', 'roberta'];

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const ref = JSON.parse(readFileSync(`${fixtures}auto/tokenizer_reference.json`, 'utf8')) as {
  texts: string[];
  fixtures: Record<string, FixtureRef>;
};

/** The checkpoint folder's files, as a dropped folder gives them. */
function folderFiles(dir: string, only?: string[]): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.safetensors') || (only && !only.includes(name))) continue;
    files.set(name, new Uint8Array(readFileSync(`${dir}/${name}`)));
  }
  return files;
}

async function load(fx: FixtureRef, only?: string[]): Promise<Tokenizer> {
  const dir = `${fixtures}${fx.checkpoint}`;
  const files = tokenizerFilesFromFolder(folderFiles(dir, only), { name: fx.checkpoint });
  if (!files) throw new Error(`no tokenizer files in ${dir}`);
  return loadTokenizer(files);
}

function typeIdsOf(c: Case, length: number): number[] {
  return Array.from({ length }, (_, i) =>
    c.type1 !== undefined && c.type1 >= 0 && i >= c.type1 ? 1 : 0,
  );
}

/** The cases whose encoding differs from the reference, shown as text, want and got. */
function mismatches(tok: Tokenizer, fx: FixtureRef) {
  const bad: { text: string; pair?: string; n: number; want: number[]; got: number[] }[] = [];
  for (const c of fx.cases) {
    const text = ref.texts[c.a];
    const pair = c.b === undefined ? undefined : ref.texts[c.b];
    const enc = tok.encode(text, pair, c.n);
    const types = typeIdsOf(c, c.ids.length);
    if (JSON.stringify(enc.ids) !== JSON.stringify(c.ids)) {
      bad.push({ text, pair, n: c.n, want: c.ids, got: enc.ids });
    } else if (JSON.stringify(enc.typeIds) !== JSON.stringify(types)) {
      bad.push({ text, pair, n: c.n, want: types, got: enc.typeIds });
    }
  }
  return bad;
}

/** The worker pool a page or `studio train` tokenizes large datasets with. */
const pool = createNodeTokenizerPool(2);
afterAll(() => pool.close());

describe.each(Object.entries(ref.fixtures))('%s tokenizer', (name, fx) => {
  it('says whether it returns token_type_ids as model_input_names does', async () => {
    const tok = await load(fx);
    expect(tok.tokenTypeIds).toBe(fx.model_input_names.includes('token_type_ids'));
    expect(tok.padId).toBe(fx.pad_token_id);
  });

  it("gives AutoTokenizer's ids and token_type_ids through encode", async () => {
    const tok = await load(fx);
    expect(mismatches(tok, fx).slice(0, 5)).toEqual([]);
  });

  it('gives the same through the fast encoder a dataset is prepared with', async () => {
    const base = await load(fx);
    const tok = fastTokenizer(base);
    // WordPiece with BERT's pipeline and RoBERTa's byte-level BPE take a fast path; ModernBERT's
    // BPE (a TemplateProcessing) and the Unigram ones are declined to transformers.js
    expect(tok !== base, 'a fast encoder').toBe(FAST_PATHS.includes(name));
    expect(mismatches(tok, fx).slice(0, 5)).toEqual([]);
  });

  it('gives the same ids, type ids and attention masks through encodeDataset and the collator', async () => {
    const tok = fastTokenizer(await load(fx));
    for (const n of [48, 12]) {
      for (const paired of [false, true]) {
        const cases = fx.cases.filter((c) => c.n === n && (c.b !== undefined) === paired);
        const ds = encodeDataset(
          tok,
          cases.map((c) => ref.texts[c.a]),
          paired ? cases.map((c) => ref.texts[c.b as number]) : null,
          n,
        );
        cases.forEach((c, i) => {
          const row = Array.from(ds.ids.subarray(ds.offsets[i], ds.offsets[i + 1]));
          expect(row, `${name} row ${i} n=${n}`).toEqual(c.ids);
          if (ds.typeIds) {
            const types = Array.from(ds.typeIds.subarray(ds.offsets[i], ds.offsets[i + 1]));
            const want = tok.tokenTypeIds ? typeIdsOf(c, c.ids.length) : c.ids.map(() => 0);
            expect(types, `${name} row ${i} n=${n}`).toEqual(want);
          }
        });
      }
    }
    const texts = fx.padded.texts.map((i) => ref.texts[i]);
    const ds = encodeDataset(tok, texts, null, 48);
    const batch = collateBatch(
      ds,
      texts.map((_, i) => i),
      { padding: 'longest', maxLength: 48, padId: tok.padId },
    );
    expect(Array.from(batch.inputIds)).toEqual(fx.padded.input_ids.flat());
    expect(Array.from(batch.attentionMask)).toEqual(fx.padded.attention_mask.flat());
  });

  it('gives the same through the worker pool (the tokenizer rebuilt from its files)', async () => {
    const tok = await load(fx);
    const cases = fx.cases.filter((c) => c.n === 48 && c.b !== undefined);
    const ds = await pool.encode(
      tok.files,
      cases.map((c) => ref.texts[c.a]),
      { pairs: cases.map((c) => ref.texts[c.b as number]), maxLength: 48 },
    );
    const rows = cases.map((_, i) => Array.from(ds.ids.subarray(ds.offsets[i], ds.offsets[i + 1])));
    expect(rows).toEqual(cases.map((c) => c.ids));
  });

  it('loads from tokenizer.json and tokenizer_config.json alone (no vocab.txt)', async () => {
    const tok = await load(fx, ['tokenizer.json', 'tokenizer_config.json']);
    expect(mismatches(tok, fx).slice(0, 5)).toEqual([]);
  });
});
