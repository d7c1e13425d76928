/**
 * Data benchmark: read and tokenize a large CSV (default ../shared/data/imdb/imdb_50k.csv) with
 * bert-base-uncased at max_length 512, in a pool of worker threads (one per core), against a
 * single-thread run of the same tokenizer in the same process.
 *
 *   node --import tsx scripts/bench-data.ts [file.csv] [--max_length 512] [--workers N]
 *
 * Targets (issue "Real-world data at scale", 2-core machine): read + tokenize < 20 s, tokenized
 * set < 120 MB.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { benchInput, repoRoot } from './benchInput';
import { guessColumns } from '../src/core/data/columns';
import { readTableFile } from '../src/core/data/read';
import { computeDataReport, measureCapFor } from '../src/core/data/report';
import { encodeDataset } from '../src/core/tokenize/encode';
import { withFastEncode } from '../src/core/tokenize/fastWordPiece';
import { encodedBytes } from '../src/core/tokenize/parallel';
import { createNodeTokenizerPool } from '../src/core/tokenize/poolNode';
import { loadTokenizer } from '../src/core/tokenize/tokenizer';

const { flag, file } = benchInput('bench-data');
const root = repoRoot;
const maxLength = Number(flag('max_length') ?? 512);
const workers = Number(flag('workers') ?? availableParallelism());

const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const dir = resolve(root, 'public/tokenizers/bert-base-uncased');
const files = {
  tokenizerJson: JSON.parse(readFileSync(resolve(dir, 'tokenizer.json'), 'utf8')) as object,
  tokenizerConfig: JSON.parse(
    readFileSync(resolve(dir, 'tokenizer_config.json'), 'utf8'),
  ) as object,
};

console.log(
  `bench-data: ${file}, bert-base-uncased, max_length ${maxLength}, ${workers} workers, ${availableParallelism()} cores`,
);
const pool = createNodeTokenizerPool(workers);
// Start the workers (and their tokenizer) while the file is read: part of the measured time.
const t0 = performance.now();
const warm = pool.encode(files, ['warm up'], { maxLength });
const table = await readTableFile(
  file.split('/').pop() ?? file,
  new Uint8Array(readFileSync(file)),
);
const tRead = performance.now() - t0;
const cols = guessColumns({ ...table, anomalies: [] });
const ti = table.columns.indexOf(cols.text);
const li = table.columns.indexOf(cols.label);
const texts = table.rows.map((r) => r[ti] ?? '');
await warm;
const ds = await pool.encode(files, texts, { maxLength });
const tTotal = performance.now() - t0;
const tTok = tTotal - tRead;
const tokens = ds.offsets[ds.offsets.length - 1];
const heldBytes = encodedBytes(ds);
console.log(
  `read: ${table.rows.length} rows, ${table.columns.length} columns, ${table.encoding}, ${table.anomalies.length} anomalies in ${s(tRead)}`,
);
console.log(
  `pool (${workers} workers): ${tokens} tokens, ${ds.truncated} rows truncated, tokenize ${s(tTok)}: ${(texts.length / (tTok / 1000)).toFixed(0)} rows/s, ${(tokens / (tTok / 1000) / 1e6).toFixed(2)} M tokens/s`,
);
console.log(`read + tokenize: ${s(tTotal)} (target < 20 s) ${tTotal < 20_000 ? 'OK' : 'MISSED'}`);
console.log(
  `tokenized set held in ${mb(heldBytes)} (${ds.ids.constructor.name} ids; target < 120 MB) ${heldBytes < 120e6 ? 'OK' : 'MISSED'}`,
);

const t1 = performance.now();
await pool.encode(files, texts, { maxLength });
console.log(
  `second run, same data + tokenizer: ${s(performance.now() - t1)} (cache hits: ${pool.cacheHits})`,
);
pool.close();

// Single thread, same (fast) tokenizer, same rows, in this process.
const tok = withFastEncode(await loadTokenizer(files));
const t2 = performance.now();
const single = encodeDataset(tok, texts, null, maxLength);
const tSingle = performance.now() - t2;
const same = single.ids.length === ds.ids.length && single.ids.every((v, i) => v === ds.ids[i]);
console.log(
  `single thread: ${s(tSingle)}: ${(texts.length / (tSingle / 1000)).toFixed(0)} rows/s, ${(tokens / (tSingle / 1000) / 1e6).toFixed(2)} M tokens/s; pool speed-up x${(tSingle / tTok).toFixed(2)}; ids identical: ${same}`,
);

// transformers.js's own path on a sample, for reference.
const plain = await loadTokenizer(files);
const sample = texts.slice(0, 2000);
const t3 = performance.now();
let plainTokens = 0;
for (const t of sample) plainTokens += plain.encode(t, undefined, maxLength).ids.length;
const tPlain = performance.now() - t3;
console.log(
  `transformers.js path (2,000-row sample): ${(sample.length / (tPlain / 1000)).toFixed(0)} rows/s, ${(plainTokens / (tPlain / 1000) / 1e6).toFixed(2)} M tokens/s`,
);

// The report measures lengths before truncation (up to a cap far past max_length).
const measureCap = measureCapFor(maxLength);
const full = encodeDataset(tok, texts, null, measureCap);
const lengths = new Uint32Array(full.offsets.length - 1);
for (let i = 0; i < lengths.length; i++) lengths[i] = full.offsets[i + 1] - full.offsets[i];
const report = computeDataReport(
  {
    texts,
    pairs: null,
    labels: table.rows.map((r) => r[li] ?? ''),
    rowNumbers: table.rowNumbers,
    columns: table.columns,
    anomalies: table.anomalies,
  },
  { tokenLengths: { tokenizer: 'bert-base-uncased', maxLength, lengths, measureCap } },
);
console.log(
  `report: task ${report.task.problemType}, classes ${report.classBalance.map((c) => `${c.label} ${c.count}`).join(', ')}, duplicates ${report.duplicates.count}, truncated ${(100 * (report.tokenLengths?.truncatedShare ?? 0)).toFixed(1)}%, mean ${report.tokenLengths?.mean.toFixed(1)} tokens`,
);
console.log(`peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}`);
