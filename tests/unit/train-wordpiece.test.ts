import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTableFile } from '../../src/core/data/read';
import { fastWordPieceEncoder } from '../../src/core/tokenize/fastWordPiece';
import { loadTokenizer } from '../../src/core/tokenize/tokenizer';
import { wordPieceTokenizerFiles } from '../../src/core/tokenize/wordpiece';
import { bertWords, trainWordPiece } from '../../src/core/tokenize/trainWordPiece';

const root = join(__dirname, '../..');

async function spamTexts(): Promise<string[]> {
  const t = await readTableFile(
    'spam.csv',
    new Uint8Array(readFileSync(join(root, 'public/demo/spam.csv'))),
  );
  const i = t.columns.indexOf('v2');
  return t.rows.map((r) => r[i]);
}

describe('trainWordPiece', () => {
  it('trains a 2,000-token WordPiece on the spam texts that transformers.js loads and round-trips', async () => {
    const texts = await spamTexts();
    expect(texts.length).toBe(5572);
    const t0 = performance.now();
    const files = trainWordPiece(texts, { vocabSize: 2000, name: 'spam-wordpiece' });
    const ms = performance.now() - t0;
    console.log(`trained a 2,000-token WordPiece on 5,572 texts in ${ms.toFixed(0)} ms`);
    const reference = JSON.parse(
      readFileSync(join(root, 'public/tokenizers/bert-base-uncased/tokenizer.json'), 'utf8'),
    ) as Record<string, unknown>;
    const json = files.tokenizerJson as Record<string, unknown>;
    // Same schema as bert-base-uncased's tokenizer.json (only ids and the vocabulary differ).
    expect(Object.keys(json).sort()).toEqual(Object.keys(reference).sort());
    for (const k of ['normalizer', 'pre_tokenizer', 'decoder', 'truncation', 'padding']) {
      expect(json[k]).toEqual(reference[k]);
    }
    const vocab = (json.model as { vocab: Record<string, number> }).vocab;
    expect(Object.keys(vocab)).toHaveLength(2000);
    expect(vocab['[PAD]']).toBe(0);
    expect(vocab['[UNK]']).toBe(1);
    expect(Object.keys(vocab).some((t) => t.startsWith('##') && t.length > 3)).toBe(true);

    const tok = await loadTokenizer(files);
    expect(tok.vocabSize).toBe(2000);
    expect(tok.name).toBe('spam-wordpiece');
    const fast = fastWordPieceEncoder(files.tokenizerJson);
    expect(fast).not.toBeNull();
    let tokens = 0;
    for (const text of texts.slice(0, 500)) {
      const enc = tok.encode(text);
      // The fast encoder reads the trained file as it reads bert-base-uncased's.
      expect(fast!(text)).toEqual(enc);
      expect(enc.ids[0]).toBe(tok.clsId);
      expect(enc.ids.at(-1)).toBe(tok.sepId);
      const pieces = tok.tokens(enc.ids.slice(1, -1));
      // No [UNK]: every character of the training texts is in the alphabet.
      expect(pieces).not.toContain('[UNK]');
      // Round trip: pieces glue back into the normalised words.
      const words: string[] = [];
      for (const p of pieces) {
        if (p.startsWith('##')) words[words.length - 1] += p.slice(2);
        else words.push(p);
      }
      expect(words).toEqual(bertWords(text, true));
      tokens += pieces.length;
    }
    // A 2,000-token vocabulary learnt from the data needs few pieces per word.
    const words = texts.slice(0, 500).reduce((n, t) => n + bertWords(t, true).length, 0);
    expect(tokens / words).toBeLessThan(1.6);
    expect(tok.decodeIds(tok.encode('Free entry to win a prize!').ids)).toBe(
      '[CLS] free entry to win a prize! [SEP]',
    );
  }, 60_000);

  it('is deterministic and respects a small vocabulary', () => {
    const texts = ['the cat sat on the mat', 'the cat ate the rat', 'a hat'];
    const a = trainWordPiece(texts, { vocabSize: 30 });
    const b = trainWordPiece(texts, { vocabSize: 30 });
    expect(a).toEqual(b);
    const vocab = (a.tokenizerJson as { model: { vocab: Record<string, number> } }).model.vocab;
    expect(Object.keys(vocab).length).toBeLessThanOrEqual(30);
    expect(vocab.the ?? vocab.th).toBeDefined();
    expect(() => trainWordPiece(texts, { vocabSize: 3 })).toThrow(RangeError);
  });

  it('keeps vocabulary tokens named like Object.prototype members', async () => {
    const vocab = [
      '[PAD]',
      '[UNK]',
      '[CLS]',
      '[SEP]',
      '[MASK]',
      'constructor',
      'tostring',
      '__proto__',
      'a',
    ];
    const files = wordPieceTokenizerFiles(vocab, { doLowerCase: true, name: 'proto' });
    const json = JSON.parse(JSON.stringify(files.tokenizerJson)) as { model: { vocab: object } };
    expect(Object.keys(json.model.vocab)).toEqual(vocab);
    const tok = await loadTokenizer(files);
    expect(tok.encode('constructor toString a').ids).toEqual([2, 5, 6, 8, 3]);
  });
});
