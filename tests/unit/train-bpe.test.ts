/**
 * Byte-level BPE training (RoBERTa / GPT-2 style): the tokenizer.json schema HF `tokenizers`
 * saves, the trainer's merge order, lossless round trips and transformers.js parity on real
 * texts, RoBERTa's special tokens and pair layout through our wrapper and the worker pool, and a
 * from-scratch model trained and exported with it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { RobertaTokenizer } from '@huggingface/transformers';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTableFile } from '../../src/core/data/read';
import { StudioSession } from '../../src/core/session';
import {
  BYTE_ALPHABET,
  GPT2_SPLIT,
  byteLevelWords,
  gpt2Split,
} from '../../src/core/tokenize/byteLevelBpe';
import { encodeDataset } from '../../src/core/tokenize/encode';
import { fastByteLevelBpeEncoder } from '../../src/core/tokenize/fastByteLevelBpe';
import { fastTokenizer, fastWordPieceEncoder } from '../../src/core/tokenize/fastWordPiece';
import { createNodeTokenizerPool } from '../../src/core/tokenize/poolNode';
import { loadTokenizer } from '../../src/core/tokenize/tokenizer';
import { trainBpeVocab, trainByteLevelBpe } from '../../src/core/tokenize/trainBpe';

const root = join(__dirname, '../..');

async function spamTexts(): Promise<string[]> {
  const t = await readTableFile(
    'spam.csv',
    new Uint8Array(readFileSync(join(root, 'public/demo/spam.csv'))),
  );
  const i = t.columns.indexOf('v2');
  return t.rows.map((r) => r[i]);
}

/** Real texts of other shapes: SST-2 sentences, UCI SMS lines, NLI pairs. */
function fixtureTexts(): string[] {
  const lines = (f: string) =>
    readFileSync(join(root, 'tests/fixtures/data', f), 'utf8')
      .split('\n')
      .filter(Boolean);
  return [
    ...lines('sst2-train-300.tsv')
      .slice(1)
      .map((l) => l.split('\t')[0]),
    ...lines('SMSSpamCollection-300.tsv').map((l) => l.split('\t')[1] ?? ''),
    ...lines('pairs.csv')
      .slice(1)
      .flatMap((l) => l.split(',').slice(0, 2)),
  ];
}

type Json = Record<string, unknown>;

describe('trainByteLevelBpe', () => {
  it('writes tokenizer.json and tokenizer_config.json in the schema HF tokenizers saves', () => {
    const files = trainByteLevelBpe(['low lower lowest', 'new newer newest'], {
      vocabSize: 270,
      minFrequency: 1,
      name: 'tiny-bpe',
    });
    const json = files.tokenizerJson as Json;
    expect(Object.keys(json)).toEqual([
      'version',
      'truncation',
      'padding',
      'added_tokens',
      'normalizer',
      'pre_tokenizer',
      'post_processor',
      'decoder',
      'model',
    ]);
    expect(json.version).toBe('1.0');
    expect(json.truncation).toBeNull();
    expect(json.padding).toBeNull();
    expect(json.normalizer).toBeNull();
    expect(json.added_tokens).toEqual(
      ['<s>', '<pad>', '</s>', '<unk>', '<mask>'].map((content, id) => ({
        id,
        content,
        single_word: false,
        lstrip: content === '<mask>',
        rstrip: false,
        normalized: false,
        special: true,
      })),
    );
    expect(json.pre_tokenizer).toEqual({
      type: 'ByteLevel',
      add_prefix_space: false,
      trim_offsets: true,
      use_regex: true,
    });
    expect(json.post_processor).toEqual({
      type: 'RobertaProcessing',
      sep: ['</s>', 2],
      cls: ['<s>', 0],
      trim_offsets: true,
      add_prefix_space: false,
    });
    expect(json.decoder).toEqual({
      type: 'ByteLevel',
      add_prefix_space: true,
      trim_offsets: true,
      use_regex: true,
    });
    const model = json.model as Json & { vocab: Record<string, number>; merges: string[][] };
    expect(Object.keys(model)).toEqual([
      'type',
      'dropout',
      'unk_token',
      'continuing_subword_prefix',
      'end_of_word_suffix',
      'fuse_unk',
      'byte_fallback',
      'ignore_merges',
      'vocab',
      'merges',
    ]);
    expect(model).toMatchObject({
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
    });
    // Specials 0-4, then the 256 byte characters in code point order, then merged tokens.
    const ids = Object.entries(model.vocab).sort((a, b) => a[1] - b[1]);
    expect(ids.map(([, id]) => id)).toEqual(ids.map((_, i) => i));
    expect(ids.slice(5, 261).map(([t]) => t)).toEqual(BYTE_ALPHABET);
    expect(ids[5][0]).toBe('!');
    expect(model.vocab['Ġ']).toBeDefined();
    expect(Object.keys(model.vocab)).toHaveLength(270);
    expect(model.merges).toHaveLength(270 - 261);
    for (const m of model.merges) {
      expect(m).toHaveLength(2);
      expect(model.vocab[m[0] + m[1]]).toBeGreaterThanOrEqual(261);
    }

    const config = files.tokenizerConfig as Json;
    expect(config).toMatchObject({
      add_prefix_space: false,
      bos_token: '<s>',
      eos_token: '</s>',
      sep_token: '</s>',
      cls_token: '<s>',
      unk_token: '<unk>',
      pad_token: '<pad>',
      mask_token: '<mask>',
      model_max_length: 512,
      tokenizer_class: 'RobertaTokenizer',
      trim_offsets: true,
      name_or_path: 'tiny-bpe',
    });
    expect(Object.keys(config.added_tokens_decoder as Json)).toEqual(['0', '1', '2', '3', '4']);
  });

  it('merges as BpeTrainer does: most frequent pair first, ties to the smaller ids', () => {
    // "ab" 3x (as "ab", "Ġab", "Ġab"), "cd" 1x: (a, b) first; then Ġ+ab (2) before c+d (1).
    const { vocab, merges } = trainBpeVocab(['ab ab ab', 'cd'], {
      vocabSize: 264,
      minFrequency: 1,
    });
    expect(merges).toEqual([
      ['a', 'b'],
      ['Ġ', 'ab'],
      ['c', 'd'],
    ]);
    expect(vocab.slice(261)).toEqual(['ab', 'Ġab', 'cd']);
    // Equal counts: ("a","b") has smaller ids than ("c","d") and goes first whatever the order.
    expect(trainBpeVocab(['cd', 'ab'], { vocabSize: 263, minFrequency: 1 }).merges).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    // Overlapping pairs merge left to right: "aaa" -> "aa" "a", then "aa" + "a".
    expect(trainBpeVocab(['aaa'], { vocabSize: 263, minFrequency: 1 }).merges).toEqual([
      ['a', 'a'],
      ['aa', 'a'],
    ]);
  });

  it('splits ASCII text with the faster ASCII regex exactly as with GPT-2 regex', async () => {
    for (const text of [...(await spamTexts()), ...fixtureTexts(), "it's 12 o'clock\t\v\f  x"]) {
      expect(gpt2Split(text)).toEqual(text.match(GPT2_SPLIT));
    }
  });

  it('honours min_frequency and the vocabulary size limits', () => {
    const texts = ['the cat sat on the mat', 'the cat ate the rat', 'a hat'];
    const a = trainByteLevelBpe(texts, { vocabSize: 300 });
    expect(trainByteLevelBpe(texts, { vocabSize: 300 })).toEqual(a); // deterministic
    const counted = trainBpeVocab(texts, { vocabSize: 300, minFrequency: 2 });
    // "the" x4, "at" x5...: pairs seen twice or more are learnt; then the texts run out.
    expect(counted.vocab.length).toBeLessThan(300);
    expect(counted.vocab).toContain('Ġthe');
    expect(counted.vocab).not.toContain('Ġhat'); // "Ġh"+"at" is seen once
    expect(trainBpeVocab(texts, { vocabSize: 300, minFrequency: 100 }).merges).toEqual([]);
    expect(() => trainBpeVocab(texts, { vocabSize: 260 })).toThrow(/at least 261/);
  });

  it('round-trips every spam text losslessly and matches transformers.js ids on real texts', async () => {
    const texts = await spamTexts();
    const t0 = performance.now();
    const files = trainByteLevelBpe(texts, { vocabSize: 3000, name: 'spam-bpe' });
    console.log(
      `trained a 3,000-token byte-level BPE on ${texts.length} texts in ${(performance.now() - t0).toFixed(0)} ms`,
    );
    const tok = await loadTokenizer(files);
    expect(tok.name).toBe('spam-bpe');
    expect(tok.vocabSize).toBe(3000);
    expect(tok.modelType).toBe('BPE');
    expect([tok.clsId, tok.padId, tok.sepId]).toEqual([0, 1, 2]);
    expect(tok.tokenTypeIds).toBe(false);
    // The WordPiece fast path does not apply; the byte-level BPE one does (checked below).
    expect(fastWordPieceEncoder(files.tokenizerJson)).toBeNull();
    expect(fastByteLevelBpeEncoder(files.tokenizerJson)).not.toBeNull();
    const fast = fastTokenizer(tok);
    expect(fast).not.toBe(tok);

    const reference = new RobertaTokenizer(files.tokenizerJson, files.tokenizerConfig);
    const all = [
      ...texts,
      ...fixtureTexts(),
      'Ünïcödé — “quotes”, emoji 🤗 and 中文 too.',
      'tab\there\u0000nul\u200bzero-width',
      "don't stop-believing!!!   spaces  \n\n new lines",
      'a'.repeat(300),
    ];
    let pieces = 0;
    let words = 0;
    for (const text of all) {
      const enc = tok.encode(text);
      expect(enc.ids).toEqual(reference.encode(text));
      expect(fast.encode(text)).toEqual(enc);
      expect(fast.encode(text, undefined, 16)).toEqual(tok.encode(text, undefined, 16));
      expect(fast.encode(text, 'a second text', 24)).toEqual(tok.encode(text, 'a second text', 24));
      expect(enc.ids[0]).toBe(0);
      expect(enc.ids.at(-1)).toBe(2);
      // Byte-level BPE loses nothing: decoding gives the text back, whatever it holds.
      expect(tok.decodeIds(enc.ids.slice(1, -1))).toBe(text);
      pieces += enc.ids.length - 2;
      words += byteLevelWords(text).length;
    }
    // Added tokens' text goes to transformers.js: specials split out, <mask> eats the space
    // before it (lstrip, as RoBERTa's), so this one text does not come back as it was.
    const special = 'Hello <mask>! and </s> inside';
    expect(fast.encode(special)).toEqual(tok.encode(special));
    expect(tok.encode(special).ids).toEqual(reference.encode(special));
    expect(tok.tokens(tok.encode(special).ids)).toContain('<mask>');
    expect(tok.decodeIds(tok.encode(special).ids.slice(1, -1))).toBe(
      'Hello<mask>! and </s> inside',
    );
    // A lone surrogate is no text UTF-8 can hold: it encodes as U+FFFD's bytes, both ways.
    const lone = 'lone \ud800 surrogate';
    expect(fast.encode(lone)).toEqual(tok.encode(lone));
    expect(tok.encode(lone).ids).toEqual(reference.encode(lone));
    // A vocabulary learnt from the data needs few pieces per word on it.
    expect(pieces / words).toBeLessThan(1.5);

    // Pairs as RoBERTa: <s> A </s></s> B </s>, token_type_ids all 0 (HF passes none).
    const pair = tok.encode('Free entry', 'to win');
    expect(tok.tokens(pair.ids)).toEqual([
      '<s>',
      'Free',
      'Ġentry',
      '</s>',
      '</s>',
      'to',
      'Ġwin',
      '</s>',
    ]);
    expect(pair.typeIds).toEqual(new Array(8).fill(0));
    expect(pair.ids).toEqual(reference.encode('Free entry', { text_pair: 'to win' }));
    // Truncation keeps the specials: 4 of them for a pair.
    const cut = tok.encode(texts[0], texts[1], 12);
    expect(cut.ids).toHaveLength(12);
    expect(cut.truncated).toBe(true);
    expect(tok.tokens(cut.ids).filter((t) => t === '</s>')).toHaveLength(3);
  }, 60_000);

  it('reaches a 30,000-token vocabulary where the texts allow it, and loads', async () => {
    const texts = await spamTexts();
    const files = trainByteLevelBpe(texts, { vocabSize: 30_000, minFrequency: 1 });
    const tok = await loadTokenizer(files);
    // The spam texts hold fewer distinct merges than that: training stops when pairs run out.
    expect(tok.vocabSize).toBeGreaterThan(10_000);
    expect(tok.vocabSize).toBeLessThanOrEqual(30_000);
    const text = texts[3];
    expect(tok.decodeIds(tok.encode(text).ids.slice(1, -1))).toBe(text);
    const fast = fastTokenizer(tok);
    for (const t of texts.slice(0, 500))
      expect(fast.encode(t, undefined, 64)).toEqual(tok.encode(t, undefined, 64));
  }, 60_000);
});

describe('a trained BPE in the tokenizer pool', () => {
  const pool = createNodeTokenizerPool(2);
  afterAll(() => pool.close());

  it('worker threads give the single-thread ids, pairs with all-zero type ids', async () => {
    const texts = Array.from({ length: 8 }, () => fixtureTexts()).flat();
    const tok = await loadTokenizer(trainByteLevelBpe(texts, { vocabSize: 1000 }));
    const single = encodeDataset(tok, texts, null, 32);
    const ds = await pool.encode(tok.files, texts, { maxLength: 32 });
    expect(Array.from(ds.offsets)).toEqual(Array.from(single.offsets));
    expect(Array.from(ds.ids)).toEqual(Array.from(single.ids));
    const pairs = await pool.encode(tok.files, texts.slice(0, 60), {
      maxLength: 32,
      pairs: texts.slice(60, 120),
    });
    const reference = encodeDataset(tok, texts.slice(0, 60), texts.slice(60, 120), 32);
    expect(Array.from(pairs.ids)).toEqual(Array.from(reference.ids));
    expect((pairs.typeIds ?? []).every((t) => t === 0)).toBe(true);
    expect(pairs.typeIds?.length).toBe(pairs.ids.length);
  }, 60_000);
});

describe('a from-scratch model with a trained BPE tokenizer', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('trains (finite, falling loss) and exports the tokenizer files with the model', async () => {
    const rows = readFileSync(join(root, 'tests/fixtures/data/sst2-train-300.tsv'), 'utf8');
    const s = new StudioSession();
    await s.loadTable('sst2.tsv', new TextEncoder().encode(rows));
    const tok = await s.trainTokenizer('sentence', 600, { model: 'bpe' });
    expect(tok.name).toBe('bpe-600-sst2');
    expect(tok.modelType).toBe('BPE');
    const ds = s.prepare({
      columns: { text: 'sentence', label: 'label' },
      validationFraction: 0.1,
      maxLength: 32,
      seed: 3,
    });
    expect(ds.trainRows).toBeGreaterThan(200);
    // Every row starts with <s> (0) and pads with <pad> (1) in the collated batches.
    const before = tf.memory().numTensors;
    const r = await s.train(
      {
        kind: 'scratch',
        hidden_size: 32,
        num_hidden_layers: 1,
        num_attention_heads: 2,
        intermediate_size: 64,
        max_length: 32,
      },
      { max_steps: 24, per_device_train_batch_size: 16, logging_steps: 1, learning_rate: 3e-3 },
    );
    const losses = r.logHistory.filter((e) => 'loss' in e).map((e) => e.loss as number);
    expect(losses).toHaveLength(24);
    expect(losses.every(Number.isFinite)).toBe(true);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-6))).toBeLessThan(mean(losses.slice(0, 6)));
    expect(s.model?.config.pad_token_id).toBe(1);
    expect(s.model?.config.vocab_size).toBe(600);

    const zip = unzipSync(await s.exportZip());
    const json = JSON.parse(strFromU8(zip['tokenizer.json'])) as Json & { model: Json };
    expect(json.model.type).toBe('BPE');
    const config = JSON.parse(strFromU8(zip['tokenizer_config.json'])) as Json;
    expect(config.tokenizer_class).toBe('RobertaTokenizer');
    const modelConfig = JSON.parse(strFromU8(zip['config.json'])) as Json;
    expect(modelConfig).toMatchObject({ vocab_size: 600, pad_token_id: 1 });
    // The exported folder loads back with the same tokenizer.
    const back = new StudioSession();
    await back.importZip(await s.exportZip());
    expect(back.modelTokenizer?.encode('a gripping film').ids).toEqual(
      s.tokenizer?.encode('a gripping film').ids,
    );
    back.model?.dispose();
    s.model?.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);
});
