/**
 * Tokenizer training benchmark: trains a WordPiece (the reference) and a byte-level BPE tokenizer
 * of the same vocabulary size on the same texts (default: the review column of
 * ../shared/data/imdb/imdb_50k.csv) and prints both times, their ratio, and tokens per text and
 * encoding speed with each trained tokenizer on a sample.
 *
 *   node --import tsx scripts/bench-tokenizer-training.ts [file.csv] [--column review]
 *     [--vocab_size 8000] [--rows N]
 */
import { readFileSync } from 'node:fs';
import { benchInput } from './benchInput';
import { guessColumns } from '../src/core/data/columns';
import { readTableFile } from '../src/core/data/read';
import { fastTokenizer } from '../src/core/tokenize/fastWordPiece';
import { loadTokenizer, type Tokenizer } from '../src/core/tokenize/tokenizer';
import { trainByteLevelBpe } from '../src/core/tokenize/trainBpe';
import { trainWordPiece } from '../src/core/tokenize/trainWordPiece';

const { flag, file } = benchInput('bench-tokenizer-training');
const vocabSize = Number(flag('vocab_size') ?? 8000);

const table = await readTableFile(file, new Uint8Array(readFileSync(file)));
const column = flag('column') ?? guessColumns({ ...table, anomalies: [] }).text;
const ci = table.columns.indexOf(column);
if (ci < 0) throw new Error(`no column ${column}; columns: ${table.columns.join(', ')}`);
const rows = Number(flag('rows') ?? table.rows.length);
const texts = table.rows.slice(0, rows).map((r) => r[ci] ?? '');
const chars = texts.reduce((n, t) => n + t.length, 0);
console.log(
  `${texts.length} texts of "${column}" (${(chars / 1e6).toFixed(1)} M characters), vocab_size ${vocabSize}`,
);

const sample = texts.slice(0, 2000);
async function run(name: string, train: () => { tokenizerJson: object; tokenizerConfig: object }) {
  const t0 = performance.now();
  const files = train();
  const s = (performance.now() - t0) / 1000;
  // As the session encodes: the fast WordPiece path where it applies, transformers.js otherwise.
  const tok: Tokenizer = fastTokenizer(await loadTokenizer(files));
  const t1 = performance.now();
  const tokens = sample.reduce((n, t) => n + tok.encode(t).ids.length, 0);
  const rate = sample.length / ((performance.now() - t1) / 1000);
  console.log(
    `${name.padEnd(10)} ${s.toFixed(1).padStart(6)} s  ${tok.vocabSize} tokens; ` +
      `${(tokens / sample.length).toFixed(1)} tokens per text, encoded at ${rate.toFixed(0)} ` +
      `texts/s (first ${sample.length} texts, cold caches)`,
  );
  return s;
}

const wp = await run('WordPiece', () => trainWordPiece(texts, { vocabSize }));
const bpe = await run('BPE', () => trainByteLevelBpe(texts, { vocabSize }));
console.log(`BPE / WordPiece training time: ${(bpe / wp).toFixed(2)}`);
