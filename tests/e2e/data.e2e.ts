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
import { mkdir } from 'node:fs/promises';
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
  textOf,
  waitFor,
  waitForBackend,
  waitForFileName,
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
      new RegExp(`^${c.truncated.replace('.', '\\.')} of rows .* max_length 64`),
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

export const tests: E2ETest[] = [
  {
    name: 'real data files (Kaggle spam, UCI SMS, SST-2 TSV, Parquet, gzip) reach the data report',
    fn: realFilesReachTheReport,
    timeoutMs: 10 * 60_000,
  },
];
