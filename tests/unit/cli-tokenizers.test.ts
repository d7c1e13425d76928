/**
 * `studio train` tokenizer flags: --train_tokenizer_model bpe trains and saves a byte-level BPE,
 * and --tokenizer_name_or_path takes a folder URL (as for a Hub id) served by a local server.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/runCli';

const TINY = ['--hidden_size', '16', '--num_hidden_layers', '1', '--num_attention_heads', '2'];
const TINY2 = ['--intermediate_size', '32', '--max_steps', '2', '--logging_steps', '1'];
const DATA = ['--train_file', 'tests/fixtures/data/sst2-train-300.tsv', '--max_length', '24'];

type Json = Record<string, unknown>;
const readJson = (dir: string, f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Json;

describe('studio train: tokenizer flags', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      const m = /^\/bert-base-cased\/resolve\/main\/(tokenizer\.json|tokenizer_config\.json)$/.exec(
        req.url ?? '',
      );
      if (!m) return void res.writeHead(404).end();
      res.end(readFileSync(join('public/tokenizers/bert-base-cased', m[1])));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('trains a byte-level BPE with --train_tokenizer_model bpe and saves it with the model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-cli-tok-'));
    const r = await runCli([
      'train',
      ...DATA,
      '--train_tokenizer_vocab_size',
      '400',
      '--train_tokenizer_model',
      'bpe',
      '--output_dir',
      dir,
      ...TINY,
      ...TINY2,
    ]);
    expect(r.err).toMatch(/trained a byte-level BPE tokenizer on "sentence": 400 tokens/);
    expect(r.code).toBe(0);
    const tok = readJson(dir, 'tokenizer.json') as { model: { type: string; merges: unknown[] } };
    expect(tok.model.type).toBe('BPE');
    expect(tok.model.merges).toHaveLength(400 - 261);
    expect(readJson(dir, 'tokenizer_config.json').tokenizer_class).toBe('RobertaTokenizer');
    expect(readJson(dir, 'config.json')).toMatchObject({ vocab_size: 400, pad_token_id: 1 });

    const bad = await runCli([
      'train',
      ...DATA,
      '--train_tokenizer_model',
      'unigram',
      '--output_dir',
      dir,
    ]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--train_tokenizer_model must be "wordpiece" or "bpe"/);
  }, 120_000);

  it('downloads --tokenizer_name_or_path when it is not a folder here', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-cli-tok-'));
    const r = await runCli([
      'train',
      ...DATA,
      '--tokenizer_name_or_path',
      `${base}/bert-base-cased/resolve/main`,
      '--output_dir',
      dir,
      ...TINY,
      ...TINY2,
    ]);
    expect(r.err).toMatch(/downloaded the tokenizer main \(28996 tokens\)/);
    expect(r.code).toBe(0);
    const saved = readJson(dir, 'tokenizer.json') as { model: { vocab: Json } };
    expect(Object.keys(saved.model.vocab)).toHaveLength(28996);
    expect(readJson(dir, 'config.json').vocab_size).toBe(28996);
  }, 120_000);
});
