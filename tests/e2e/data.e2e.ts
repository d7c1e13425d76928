/**
 * Real-world data files dropped on the studio reach the data report with the right counts: the
 * Kaggle SMS spam CSV (windows-1252, bare CRs), the UCI SMSSpamCollection (tab-separated, no
 * header, an unbalanced quote), a 5,000-row slice of SST-2's TSV, a Parquet file and a gzip'd
 * CSV. Class counts were computed independently (Python over the raw files, see the fixtures'
 * notes below); token-length numbers are the report's at the default max_length of 64 over its
 * 5,000-row sample. Also switches the tokenizer (bundled cased, then dropped files).
 * Nothing trains here.
 */
import assert from 'node:assert/strict';
import { mkdir, open, rm, stat, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { E2EContext, E2ETest } from './harness';
import {
  FIXTURES,
  dropFile,
  fixtureBytes,
  openStudio,
  pageState,
  previewRows,
  textOf,
  waitFor,
  waitForBackend,
  waitForFileName,
  waitForKept,
} from './helpers';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '../..');

interface Case {
  name: string;
  /** Relative to the repository root. */
  file: string;
  format: RegExp;
  rows: number;
  classes: Record<string, number>;
  anomalies: number;
  /** Anomaly kind -> first row numbers shown. */
  anomalyRows?: Record<string, number[]>;
  /** The truncated share at max_length 64, as the report prints it. */
  truncated: string;
  duplicates: number;
}

const CASES: Case[] = [
  {
    // Kaggle's spam.csv: 5,572 messages, ham 4,825 / spam 747 (the dataset's published counts).
    name: 'spam.csv',
    file: 'public/demo/spam.csv',
    format: /^comma-separated$/,
    rows: 5572,
    classes: { ham: 4825, spam: 747 },
    anomalies: 2,
    anomalyRows: { 'bare-cr': [100, 2793] },
    truncated: '1.9%',
    duplicates: 403,
  },
  {
    // UCI SMSSpamCollection: 5,574 lines "label<TAB>text", no header, 4,827 ham / 747 spam.
    name: 'SMSSpamCollection',
    file: 'tests/fixtures/e2e/SMSSpamCollection',
    format: /^tab-separated$/,
    rows: 5574,
    classes: { ham: 4827, spam: 747 },
    anomalies: 1,
    anomalyRows: { quote: [283] },
    truncated: '1.8%',
    duplicates: 403,
  },
  {
    // The first 5,000 rows of SST-2's train.tsv: 2,242 negative (0) / 2,758 positive (1).
    name: 'sst2-5000.tsv',
    file: 'tests/fixtures/e2e/sst2-5000.tsv',
    format: /^tab-separated$/,
    rows: 5000,
    classes: { '0': 2242, '1': 2758 },
    anomalies: 0,
    truncated: '0.0%',
    duplicates: 1,
  },
  {
    // SST-2's first 200 training rows as Parquet: 98 negative / 102 positive.
    name: 'sst2-200.parquet',
    file: 'tests/fixtures/data/sst2-200.parquet',
    format: /^Parquet$/,
    rows: 200,
    classes: { '0': 98, '1': 102 },
    anomalies: 0,
    truncated: '0.0%',
    duplicates: 0,
  },
  {
    name: 'spam.csv.gz',
    file: 'tests/fixtures/e2e/spam.csv.gz',
    format: /^comma-separated \(gzip\)$/,
    rows: 5572,
    classes: { ham: 4825, spam: 747 },
    anomalies: 2,
    truncated: '1.9%',
    duplicates: 403,
  },
];

const int = (s: string) => Number(s.replace(/[^\d]/g, ''));

/** The report's class table as label -> rows. */
async function classCounts(page: Page): Promise<Record<string, number>> {
  const rows = await page
    .getByTestId('report-classes')
    .evaluate((t) =>
      Array.from((t as HTMLTableElement).tBodies[0].rows, (r) =>
        Array.from(r.cells, (c) => (c.textContent ?? '').trim()),
      ),
    );
  return Object.fromEntries(rows.map(([label, n]) => [label, int(n)]));
}

/** Waits for a data report whose rows read equal `rows` (the report of this file). */
async function waitForReport(page: Page, rows: number, timeoutMs = 180_000): Promise<void> {
  await waitFor(
    `the data report with ${rows} rows`,
    async () => int(await textOf(page.getByTestId('report-rows'))) === rows,
    { timeoutMs },
    async () =>
      `report-rows "${await textOf(page.getByTestId('report-rows'))}" ${await pageState(page)}`,
  );
}

async function realFilesReachTheReport(ctx: E2EContext): Promise<void> {
  const page = await openStudio(ctx, '?backend=wasm');
  await page.setViewportSize({ width: 1280, height: 900 });
  ctx.log(`backend: ${await waitForBackend(page)}`);
  await waitForFileName(page, 'spam.csv', 120_000);
  let screenshot = false;
  for (const c of CASES) {
    const t0 = Date.now();
    // The demo is already spam.csv: dropping it again still re-reads and re-reports it.
    await dropFile(page, {
      name: c.name,
      bytes: await fixtureBytes(path.relative(FIXTURES, path.join(ROOT, c.file))),
    });
    await waitForFileName(page, c.name);
    await waitForReport(page, c.rows);
    const fmt = await textOf(page.getByTestId('file-format'));
    assert.match(fmt, c.format, `${c.name}: format "${fmt}"`);
    assert.equal(
      int(await textOf(page.getByTestId('report-rows-used'))),
      c.rows,
      `${c.name} rows used`,
    );
    assert.equal(
      int(await textOf(page.getByTestId('report-anomalies'))),
      c.anomalies,
      `${c.name} anomalies`,
    );
    assert.deepEqual(await classCounts(page), c.classes, `${c.name} class counts`);
    assert.match(await textOf(page.getByTestId('report-task')), /single-label classification/);
    assert.match(
      await textOf(page.getByTestId('report-task-reason')),
      /\b2 (classes|whole numbers)/,
    );
    assert.equal(
      await textOf(page.getByTestId('report-truncated')),
      c.truncated,
      `${c.name} truncated`,
    );
    assert.match(
      await textOf(page.getByTestId('report-lengths')),
      new RegExp(
        `^Measured before truncation\\. ${c.truncated.replace('.', '\\.')} of rows .* max_length 64`,
      ),
    );
    const dups = await textOf(page.getByTestId('report-duplicates'));
    assert.equal(int(dups.split(' ')[0]), c.duplicates, `${c.name} duplicates: "${dups}"`);
    const kinds = await textOf(page.getByTestId('report-anomaly-kinds'));
    for (const [kind, rows] of Object.entries(c.anomalyRows ?? {})) {
      assert.ok(
        kinds.includes(kind) && rows.every((r) => kinds.includes(String(r))),
        `${c.name}: "${kinds}"`,
      );
    }
    ctx.log(`${c.name}: report in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (c.name === 'spam.csv' && !screenshot) {
      screenshot = true;
      const dir = path.join(ROOT, 'docs/screenshots');
      await mkdir(dir, { recursive: true });
      await page.getByTestId('data-report').screenshot({ path: path.join(dir, 'data-report.png') });
    }
  }

  // All of SST-2's train.tsv (67,349 rows, gzip'd): more than 20,000 rows, so the worker
  // tokenizes it in a pool of Web Workers (status "Tokenizing in N workers…").
  await page.getByTestId('status').evaluate((el) => {
    const seen: string[] = [];
    (window as unknown as { __statuses: string[] }).__statuses = seen;
    new MutationObserver(() => seen.push(el.textContent ?? '')).observe(el, {
      childList: true,
      subtree: true,
      characterData: true,
    });
  });
  const t0 = Date.now();
  await dropFile(page, {
    name: 'sst2-train.tsv.gz',
    bytes: await fixtureBytes('e2e/sst2-train.tsv.gz'),
  });
  await waitForFileName(page, 'sst2-train.tsv.gz');
  await waitForReport(page, 67349);
  // Python over the raw file: 29,780 negative (0) / 37,569 positive (1).
  assert.deepEqual(await classCounts(page), { '0': 29780, '1': 37569 });
  const statuses = await page.evaluate(
    () => (window as unknown as { __statuses: string[] }).__statuses,
  );
  const pooled = statuses.find((s) => /Tokenizing in \d+ workers/.test(s));
  assert.ok(pooled, `the pool tokenized the file; statuses: ${JSON.stringify(statuses.slice(-8))}`);
  ctx.log(
    `sst2-train.tsv.gz (67,349 rows): report in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${pooled}`,
  );

  // Another tokenizer: bundled bert-base-cased, then the same as dropped files. The report is
  // recomputed at the new tokenizer.
  await page
    .getByRole('combobox', { name: 'Tokenizer', exact: true })
    .selectOption('bert-base-cased');
  await waitFor(
    'the report at bert-base-cased',
    async () => /bert-base-cased/.test(await textOf(page.getByTestId('data-report'))),
    { timeoutMs: 120_000 },
    () => pageState(page),
  );
  const tokDir = path.join(ROOT, 'public/tokenizers/bert-base-uncased');
  await page
    .getByLabel('Choose tokenizer files')
    .setInputFiles([
      path.join(tokDir, 'tokenizer.json'),
      path.join(tokDir, 'tokenizer_config.json'),
    ]);
  await waitFor(
    'the report at the dropped tokenizer files',
    async () => /\(bert-base-uncased\)/.test(await textOf(page.getByTestId('data-report'))),
    { timeoutMs: 120_000 },
    () => pageState(page),
  );
  // A WordPiece tokenizer trained on the data's texts (2,000 tokens): the report is redone at it.
  await page.getByRole('combobox', { name: 'Tokenizer', exact: true }).selectOption('train-2000');
  await waitFor(
    'the report at the trained tokenizer',
    async () => /\(wordpiece-2000-sst2-train\)/.test(await textOf(page.getByTestId('data-report'))),
    { timeoutMs: 180_000 },
    () => pageState(page),
  );
  assert.match(await textOf(page.getByTestId('status')), /Ready/);
  assert.equal(await page.getByRole('alert').count(), 0, 'no alert');
}

/** Row length of the generated large file, newline included: every row has exactly this many bytes. */
const BIG_ROW_BYTES = 100;
const BIG_HEADER = 'text,label\n';
const GIB = 1024 ** 3;
/** The reader's byte budget (DEFAULT_MAX_BYTES in src/core/data/read.ts). */
const BUDGET = 128 * 1024 * 1024;

/** Row i of the large file: a 100-byte line "review 0000000042 xxxx…,pos". */
function bigRow(i: number): string {
  const label = i % 3 === 0 ? 'neg' : 'pos';
  const head = `review ${String(i).padStart(10, '0')} `;
  return `${head.padEnd(BIG_ROW_BYTES - label.length - 2, 'x')},${label}\n`;
}

/**
 * Writes a CSV of exactly `bytes` bytes (rows of BIG_ROW_BYTES) to `file`: one 4 MB block of
 * 40,000 numbered rows, written again and again (so rows repeat every 40,000; writing is then
 * as fast as the disk). Where the disk has less than 4 GB free, only the first `realBytes` are
 * rows and the rest is a hole (zeros that take no space): the reader must stop at its budget
 * and never see them. Returns whether the file is rows to the end.
 */
async function writeBigCsv(file: string, bytes: number, realBytes: number): Promise<boolean> {
  const free = await statfs(tmpdir())
    .then((f) => f.bavail * f.bsize)
    .catch(() => 0);
  const whole = free > 4 * GIB;
  const upTo = whole ? bytes : Math.min(bytes, realBytes);
  const rowsPerBlock = 40_000;
  const block = Buffer.from(Array.from({ length: rowsPerBlock }, (_, i) => bigRow(i)).join(''));
  const out = await open(file, 'w');
  try {
    await out.write(BIG_HEADER);
    for (let at = BIG_HEADER.length; at < upTo; at += block.length) {
      await out.write(block.subarray(0, Math.min(block.length, upTo - at)));
    }
    if (upTo < bytes) await out.truncate(bytes);
  } finally {
    await out.close();
  }
  return whole;
}

/**
 * A 1 GB CSV chosen with the file picker streams into the worker: the page passes the File (a
 * reference) and never holds its bytes, the worker reads the first 128 MB in chunks with
 * progress, and the table says how much was read. Rows are all 100 bytes, so the rows inside
 * the budget are known exactly (the cut last line is dropped).
 */
async function gigabyteFileStreams(ctx: E2EContext): Promise<void> {
  const file = path.join(tmpdir(), `trainer-studio-e2e-${process.pid}-1gb.csv`);
  const whole = await writeBigCsv(file, GIB, BUDGET + 8 * 1024 * 1024);
  try {
    const size = (await stat(file)).size;
    ctx.log(
      `wrote ${file}: ${size.toLocaleString('en-US')} bytes` +
        (whole ? '' : ' (rows for the first 136 MB, then a hole: little free disk space)'),
    );
    const page = await openStudio(ctx, '?backend=wasm');
    await waitForBackend(page);
    await waitForFileName(page, 'spam.csv', 120_000);
    const started = Date.now();
    await page.getByLabel('Choose a data file').setInputFiles(file);
    // The progress line names the budget and the file's size while it reads (or parses).
    const progress = page.getByTestId('reading-text').filter({ hasText: /of a 1\.00 GB file/ });
    await progress.waitFor({ timeout: 60_000 });
    ctx.log(`progress: ${await textOf(page.getByTestId('reading-text'))}`);
    await page
      .getByRole('region', { name: /Data/ })
      .first()
      .screenshot({ path: path.join(ROOT, 'docs/screenshots/data-reading.png') })
      .catch((err: unknown) => ctx.log(`no screenshot: ${String(err)}`));
    await waitForFileName(page, path.basename(file), 300_000);
    ctx.log(`read in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const expectedRows = Math.floor((BUDGET - BIG_HEADER.length) / BIG_ROW_BYTES);
    const fileLine = await textOf(page.getByTestId('dropzone'));
    assert.match(fileLine, new RegExp(`${expectedRows.toLocaleString('en-US')} rows`), fileLine);
    assert.match(
      await textOf(page.getByTestId('file-capped')),
      /only the first 128 MB of 1024 MB were read/,
    );
    assert.deepEqual((await previewRows(page))[1], [bigRow(0).split(',')[0], 'neg']);
    // The page's own memory: the 1 GB never became an ArrayBuffer here (the worker holds the
    // 128 MB it read). Array buffers count in V8's backing-store size.
    const cdp = await page.context().newCDPSession(page);
    const heap = (await cdp.send('Runtime.getHeapUsage')) as {
      usedSize: number;
      backingStorageSize?: number;
    };
    const pageBytes = heap.usedSize + (heap.backingStorageSize ?? 0);
    ctx.log(
      `page heap ${(heap.usedSize / 2 ** 20).toFixed(0)} MB, array buffers ` +
        `${((heap.backingStorageSize ?? 0) / 2 ** 20).toFixed(0)} MB`,
    );
    assert.ok(pageBytes < 200 * 2 ** 20, `the page holds ${pageBytes} bytes`);
    // The 128 MB read are kept for the next visit (as a Blob: Chromium refuses an IndexedDB
    // value over ~127 MB, so kept as bytes it failed with "The serialized keys and/or value are
    // too large" once the keep, which runs after the reply, got there).
    await waitFor(
      'the file kept in IndexedDB',
      async () =>
        (await keptDataBytes(page)) >= BUDGET - 4 * 2 ** 20 ||
        (await page.getByRole('alert').count()) > 0,
      { timeoutMs: 120_000 },
    );
    assert.deepEqual(await page.getByRole('alert').allTextContents(), [], 'no alert');
    await page.reload();
    await waitForFileName(page, path.basename(file), 120_000);
    ctx.log('the 128 MB reopened after a reload');
    assert.deepEqual(await page.getByRole('alert').allTextContents(), [], 'no alert');
  } finally {
    await rm(file, { force: true });
  }
}

/** The size of the data file the studio keeps in IndexedDB for the next visit (0: none). */
function keptDataBytes(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('trainer-studio');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const get = db.transaction('blobs', 'readonly').objectStore('blobs').get('kept/data');
          get.onerror = () => reject(get.error);
          get.onsuccess = () => {
            const v: unknown = get.result;
            db.close();
            resolve(v instanceof Blob ? v.size : v instanceof Uint8Array ? v.byteLength : 0);
          };
        };
      }),
  );
}

/** Reloads the page and waits for the studio to reopen `fileName`. */
async function reloadStudio(page: Page, fileName: string): Promise<void> {
  await page.reload();
  await waitForBackend(page);
  await waitForFileName(page, fileName, 120_000);
}

/**
 * The user's file survives a reload (kept in IndexedDB), and so do a tokenizer trained on it
 * (trained again) and tokenizer files the user dropped; "Open the demo data
 * instead" brings the demo back and forgets the file, so the next reload opens the demo.
 */
async function droppedFileReopens(ctx: E2EContext): Promise<void> {
  const page = await openStudio(ctx, '?backend=wasm');
  await waitForBackend(page);
  await waitForFileName(page, 'spam.csv', 120_000);
  assert.equal(await page.getByRole('button', { name: 'Open the demo data instead' }).count(), 0);
  await dropFile(page, {
    name: 'SMSSpamCollection',
    bytes: await fixtureBytes('e2e/SMSSpamCollection'),
  });
  await waitForFileName(page, 'SMSSpamCollection');
  const line = await textOf(page.getByTestId('dropzone'));
  // A byte-level BPE trained on it: trained again on the reopened file after the reload.
  const tokenizer = page.getByRole('combobox', { name: 'Tokenizer', exact: true });
  await tokenizer.selectOption('train-bpe-2000');
  const trained = /\(bpe-2000-SMSSpamCollection\)/;
  await waitFor(
    'the report at the trained BPE',
    async () => trained.test(await textOf(page.getByTestId('data-report'))),
    { timeoutMs: 120_000 },
    () => pageState(page),
  );
  await waitForKept(page, 'kept/name', 'SMSSpamCollection');
  await reloadStudio(page, 'SMSSpamCollection');
  assert.equal(
    await textOf(page.getByTestId('dropzone')).then((t) => t.replace(/Open the demo.*$/, '')),
    line.replace(/Open the demo.*$/, ''),
    'the same file line after the reload',
  );
  assert.match(line, /5,574 rows/);
  await waitFor(
    'the report at the BPE trained again',
    async () =>
      trained.test(await textOf(page.getByTestId('data-report'))) &&
      /bpe-2000-SMSSpamCollection/.test(await textOf(page.getByTestId('tokenizer-summary'))),
    { timeoutMs: 120_000 },
    () => pageState(page),
  );
  assert.equal(await page.getByRole('alert').count(), 0, 'no alert');
  // Tokenizer files the user drops come back after a reload too (kept in IndexedDB).
  const tiny = path.join(FIXTURES, 'bert-tiny-random');
  await page
    .getByLabel('Choose tokenizer files')
    .setInputFiles([path.join(tiny, 'tokenizer.json'), path.join(tiny, 'tokenizer_config.json')]);
  const dropped = /\(bert-tiny-random\)/;
  await waitFor(
    'the report at the dropped tokenizer files',
    async () => dropped.test(await textOf(page.getByTestId('data-report'))),
    { timeoutMs: 120_000 },
    () => pageState(page),
  );
  await waitForKept(page, 'kept/tokenizer');
  await reloadStudio(page, 'SMSSpamCollection');
  await waitFor(
    'the report at the dropped tokenizer after the reload',
    async () =>
      dropped.test(await textOf(page.getByTestId('data-report'))) &&
      /bert-tiny-random/.test(await textOf(page.getByTestId('tokenizer-summary'))),
    { timeoutMs: 120_000 },
    () => pageState(page),
  );
  assert.equal(await page.getByRole('alert').count(), 0, 'no alert');
  await page.getByRole('button', { name: 'Open the demo data instead' }).click();
  await waitForFileName(page, 'spam.csv');
  await reloadStudio(page, 'spam.csv');
  ctx.log('the dropped file reopened after a reload; the demo after "Open the demo data"');
}

export const tests: E2ETest[] = [
  {
    name: 'real data files (Kaggle spam, UCI SMS, SST-2 TSV, Parquet, gzip) reach the data report',
    fn: realFilesReachTheReport,
    timeoutMs: 10 * 60_000,
  },
  {
    name: 'a 1 GB CSV streams into the worker: first 128 MB read with progress, the page holds none of it',
    fn: gigabyteFileStreams,
    timeoutMs: 8 * 60_000,
  },
  {
    name: 'a dropped file reopens after a reload; the demo can be opened again',
    fn: droppedFileReopens,
  },
];
