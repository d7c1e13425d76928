/**
 * A newcomer's first minutes with the page's data controls, in real headless Chromium: the
 * delimiter and header controls read the file again, a separate validation file replaces the
 * split (with its own report, and focus on it; kept for the next visit), focus lands on the text column after a file is
 * read, the token-length histogram is drawn before truncation with a max_length marker, and
 * (one short run) focus moves to Pause after Train and the mistakes table pages 20 at a time.
 */
import Papa from 'papaparse';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { E2EContext, E2ETest } from './harness';
import {
  button,
  TINY_MODEL,
  dropFile,
  dropSms200,
  fixtureBytes,
  openStudio,
  pageState,
  previewRows,
  setField,
  textOf,
  waitFor,
  waitForBackend,
  waitForFileName,
  waitForKept,
} from './helpers';

const utf8 = (s: string) => new TextEncoder().encode(s);
/** The accessible name (aria-label, else text) and tag of the focused element. */
async function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return 'body';
    return `${el.tagName.toLowerCase()}:${el.getAttribute('aria-label') ?? el.textContent?.trim() ?? ''}`;
  });
}

/** The dataset summary's "N train / M validation" once it adds up to `total`, if given. */
async function splitCounts(page: Page, total?: number): Promise<[number, number]> {
  return waitFor(
    'the dataset summary',
    async () => {
      const m = /([\d,]+) train \/ ([\d,]+) validation/.exec(
        await textOf(page.getByTestId('dataset-summary')),
      );
      if (!m) return undefined;
      const r: [number, number] = [Number(m[1].replace(/,/g, '')), Number(m[2].replace(/,/g, ''))];
      return total === undefined || r[0] + r[1] === total ? r : undefined;
    },
    { timeoutMs: 60_000 },
    () => pageState(page),
  );
}

/** sms-200.csv's rows (label, text). */
async function smsRows(): Promise<string[][]> {
  const text = new TextDecoder().decode(await fixtureBytes('e2e/sms-200.csv'));
  return Papa.parse<string[]>(text.trim(), { skipEmptyLines: true })
    .data.slice(1)
    .map((r) => [r[0], r[1]]);
}

async function dataControls(ctx: E2EContext): Promise<void> {
  const page = await openStudio(ctx);
  ctx.log(`backend: ${await waitForBackend(page)}`);
  await waitForFileName(page, 'spam.csv', 120_000);

  // The histogram of the demo (Kaggle spam, max_length 64): measured before truncation, so
  // bars run past max_length, the marker sits at the first of them, and the rows those bars hold
  // are the rows the text says are cut.
  const bars = page.getByTestId('report-length-bars');
  await bars.waitFor({ timeout: 120_000 });
  const nBins = Number(await bars.getAttribute('data-bins'));
  const cutBin = Number(await bars.getAttribute('data-cut-bin'));
  const cutRows = Number(await bars.getAttribute('data-cut-rows'));
  assert.ok(cutBin > 0 && cutBin < nBins, `bars past max_length: cut bin ${cutBin} of ${nBins}`);
  assert.equal(await textOf(bars.getByTestId('bars-marker')), 'max_length 64');
  const lengths = await textOf(page.getByTestId('report-lengths'));
  ctx.log(lengths);
  const m = /\(([\d,]+) of ([\d,]+) measured/.exec(lengths);
  assert.ok(m, lengths);
  assert.equal(Number(m[1].replace(/,/g, '')), cutRows, 'cut rows = rows in the bars past it');
  assert.ok(cutRows > 0, 'the demo has rows past 64 tokens');
  const p95 = Number(/95th percentile (\d+)/.exec(lengths)?.[1]);
  const titles = await bars.locator('rect title').allTextContents();
  const lastFrom = Number(/^(\d+)/.exec(titles[titles.length - 1])?.[1]);
  assert.ok(lastFrom > 64, `the last bar starts past max_length: ${titles.at(-1)}`);
  assert.ok(p95 > 0 && p95 <= lastFrom + 200, `p95 ${p95}`);

  // A headerless comma file: the header is detected as absent; "yes" reads row 1 as names.
  const rows = await smsRows();
  const headerless = rows
    .slice(0, 40)
    .map((r) => Papa.unparse([r]))
    .join('\n');
  await dropFile(page, { name: 'noheader.csv', bytes: utf8(headerless), type: 'text/csv' });
  await waitForFileName(page, 'noheader.csv');
  assert.equal(await focused(page), 'select:Text column', 'focus on the text column after a drop');
  const header = page.getByRole('combobox', { name: 'Header row', exact: true });
  const delimiter = page.getByRole('combobox', { name: 'Delimiter', exact: true });
  const firstBefore = (await previewRows(page))[0];
  await header.selectOption('yes');
  await waitFor(
    'row 1 read as the header',
    async () => JSON.stringify((await previewRows(page))[0]) === JSON.stringify(rows[0]),
    { timeoutMs: 30_000 },
    async () => JSON.stringify(await previewRows(page)),
  );
  assert.notDeepEqual(firstBefore, rows[0], 'auto read row 1 as data');
  // The choice holds for the kept file after a reload.
  await page.reload();
  await waitForFileName(page, 'noheader.csv');
  await waitFor(
    'row 1 read as the header after a reload',
    async () => JSON.stringify((await previewRows(page))[0]) === JSON.stringify(rows[0]),
    { timeoutMs: 60_000 },
    async () => JSON.stringify(await previewRows(page)),
  );
  assert.equal(await header.inputValue(), 'yes', 'the header choice shown after a reload');
  await header.selectOption('no');
  await waitFor(
    'row 1 read as data again',
    async () => (await previewRows(page))[1]?.join('|') === rows[0].join('|'),
    { timeoutMs: 30_000 },
    async () => JSON.stringify(await previewRows(page)),
  );

  // Pipe on a comma file (no pipe in it): one column, and the alert names the file and the control.
  await delimiter.selectOption('|');
  const alert = page.getByRole('alert');
  const message = await waitFor(
    'the one-column alert',
    async () => {
      const t = await textOf(alert);
      return t ? t : undefined;
    },
    { timeoutMs: 30_000 },
    () => pageState(page),
  );
  assert.match(message, /Only one column was found in noheader\.csv .*Delimiter control above/);
  await delimiter.selectOption(',');
  await waitFor('the alert to go', async () => (await alert.count()) === 0, { timeoutMs: 30_000 });
  assert.equal(await textOf(page.getByTestId('file-name')), 'noheader.csv');

  // A new file is read as detected again: the choice was for the file before.
  await header.selectOption('yes');
  await waitFor('the header read', async () => (await previewRows(page))[0]?.[0] === rows[0][0]);
  await dropSms200(page);
  assert.equal(await header.inputValue(), '', 'header back to auto for a new file');
  assert.equal(await delimiter.inputValue(), '', 'delimiter back to auto for a new file');
  // A validation file instead of the split: the fraction field gives way to its report.
  const fraction = page.getByLabel('validation fraction', { exact: true });
  assert.equal(await fraction.count(), 1);
  const [train0, val0] = await splitCounts(page, 200);
  ctx.log(`split: ${train0} train / ${val0} validation`);
  const valCsv = Papa.unparse([['v1', 'v2'], ...rows.slice(0, 50)]);
  await dropFile(page, { name: 'val.csv', bytes: utf8(valCsv) }, 'validation-dropzone');
  const summary = page.getByTestId('validation-summary');
  await summary.waitFor({ timeout: 30_000 });
  assert.match(await textOf(summary), /^50 rows · 2 columns \(v1, v2\) · 0 unusual rows/);
  assert.equal(await focused(page), 'h3:Validation file: val.csv', 'focus on the validation file');
  assert.equal(await fraction.count(), 0, 'the split control gives way');
  const [train1, val1] = await splitCounts(page, 250);
  assert.deepEqual([train1, val1], [200, 50], 'all 200 rows train, the 50 validate');
  await page.screenshot({
    path: `${ctx.outDir}/first-minutes-data.png`,
    clip: (await page.getByRole('region', { name: /Data/ }).first().boundingBox()) ?? undefined,
  });

  // Both files are kept for the next visit.
  await waitForKept(page, 'kept/name', 'sms-200.csv');
  await waitForKept(page, 'kept/validation-name', 'val.csv');
  await page.reload();
  await waitForBackend(page);
  await waitForFileName(page, 'sms-200.csv', 120_000);
  await waitFor('Train to be enabled', () => button(page, 'Train').isEnabled(), {
    timeoutMs: 120_000,
  });
  await waitForFileName(page, 'sms-200.csv');
  await summary.waitFor({ timeout: 60_000 });
  assert.match(await textOf(page.getByTestId('validation-file')), /val\.csv/);
  assert.match(await textOf(summary), /^50 rows · 2 columns/);
  assert.deepEqual(await splitCounts(page, 250), [200, 50], 'the kept validation file is used');

  // A bad validation file: the alert names it, and the good one stays.
  await button(page, 'Use a split of the training file instead').click();
  await splitCounts(page, 200);
  await dropFile(
    page,
    { name: 'val.png', bytes: new Uint8Array([0x89, 0x50, 0, 0, 0, 1, 2]) },
    'validation-dropzone',
  );
  const bad = await waitFor('the alert', async () => (await textOf(alert)) || undefined, {
    timeoutMs: 30_000,
  });
  assert.match(bad, /^val\.png is not a table: /);
  assert.equal(await fraction.count(), 1, 'still the split');
  await page.reload();
  await waitForBackend(page);
  await waitForFileName(page, 'sms-200.csv', 120_000);
  await waitFor('Train to be enabled', () => button(page, 'Train').isEnabled(), {
    timeoutMs: 120_000,
  });
  await waitForFileName(page, 'sms-200.csv');
  await splitCounts(page, 200);
  assert.equal(
    await page.getByTestId('validation-file').count(),
    0,
    'the split, after a reload too',
  );
}

/** One short run: focus to Pause after Train, and the mistakes table in pages of 20. */
async function trainFocusAndMistakes(ctx: E2EContext): Promise<void> {
  const page = await openStudio(ctx, '?backend=wasm');
  ctx.log(`backend: ${await waitForBackend(page)}`);
  await waitForFileName(page, 'spam.csv', 120_000);
  await dropSms200(page);
  // A balanced validation file, twice over: a barely trained model gets dozens wrong.
  const rows = await smsRows();
  const spam = rows.filter((r) => r[0] === 'spam');
  const ham = rows.filter((r) => r[0] === 'ham').slice(0, spam.length);
  const val = [...spam, ...ham, ...spam, ...ham];
  await dropFile(
    page,
    { name: 'val.csv', bytes: utf8(Papa.unparse([['v1', 'v2'], ...val])) },
    'validation-dropzone',
  );
  await page.getByTestId('validation-summary').waitFor({ timeout: 30_000 });
  for (const [k, v] of Object.entries(TINY_MODEL)) await setField(page, k, v);
  await setField(page, 'max_steps', 2);
  await setField(page, 'learning_rate', 0.000001);
  await splitCounts(page, 200 + val.length);
  await waitFor('Train to be enabled', () => button(page, 'Train').isEnabled(), {
    timeoutMs: 120_000,
  });
  await button(page, 'Train').focus();
  await page.keyboard.press('Enter');
  await waitFor(
    'focus on Pause',
    async () => ((await focused(page)).startsWith('button:Pause') ? true : undefined),
    { timeoutMs: 20_000, intervalMs: 50 },
    () => focused(page),
  );
  await waitFor(
    'the run to finish',
    async () => /^Finished/.test(await textOf(page.getByTestId('status'))),
    { timeoutMs: 300_000, intervalMs: 300 },
    () => pageState(page),
  );
  // The run has ended once Train is enabled again: focus moved in that same commit.
  await waitFor('Train to be enabled after the run', () => button(page, 'Train').isEnabled(), {
    timeoutMs: 60_000,
  });
  assert.equal(await focused(page), 'button:Train', 'focus back on Train after the run');

  const count = await waitFor(
    'the mistakes count',
    async () => {
      const m = /^(\d+) of (\d+) validation rows are wrong/.exec(
        await textOf(page.getByTestId('mistakes-count')),
      );
      return m ? [Number(m[1]), Number(m[2])] : undefined;
    },
    { timeoutMs: 60_000 },
    () => pageState(page),
  );
  const [wrong, total] = count;
  ctx.log(`${wrong} of ${total} wrong`);
  assert.equal(total, val.length);
  assert.ok(wrong > 20, `more than a page of mistakes: ${wrong}`);
  const table = page.getByRole('table', { name: 'Validation mistakes' });
  const bodyRows = () => table.locator('tbody tr').count();
  const label = page.getByTestId('mistakes-page');
  assert.equal(await bodyRows(), 20);
  assert.equal(await textOf(label), `1–20 of ${wrong}`);
  const prev = button(page, 'Previous mistakes');
  const next = button(page, 'Next mistakes');
  assert.ok(await prev.isDisabled(), 'no page before the first');
  const firstPage = await table.locator('tbody').textContent();
  await next.click();
  assert.equal(await textOf(label), `21–${Math.min(40, wrong)} of ${wrong}`);
  assert.equal(await bodyRows(), Math.min(20, wrong - 20));
  assert.notEqual(await table.locator('tbody').textContent(), firstPage, 'another page');
  const pages = Math.ceil(wrong / 20);
  for (let i = 2; i < pages; i++) await next.click();
  assert.ok(await next.isDisabled(), 'no page after the last');
  assert.equal(await textOf(label), `${(pages - 1) * 20 + 1}–${wrong} of ${wrong}`);
  // The search covers every page and starts again at the first.
  await page.getByLabel('Search mistakes').fill('spam');
  await waitFor(
    'the search count',
    async () => /match “spam”/.test(await textOf(page.getByTestId('mistakes-count'))),
    { timeoutMs: 10_000 },
  );
  const hits = Number(/; (\d+) match/.exec(await textOf(page.getByTestId('mistakes-count')))?.[1]);
  ctx.log(`search "spam": ${hits}`);
  assert.ok(hits > 0);
  assert.equal(await bodyRows(), Math.min(20, hits));
  if (hits > 20) assert.equal(await textOf(label), `1–20 of ${hits}`);
}

/** The element focus is on: its id, or (as `focused`) its tag and accessible name. */
async function focusedId(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return 'body';
    return el.id || el.dataset.testid || `${el.tagName.toLowerCase()}:${el.textContent?.trim()}`;
  });
}

/** Waits until focus is on `want` (focus moves in the commit that shows the result). */
async function focusOn(page: Page, what: string, want: (f: string) => boolean): Promise<string> {
  return waitFor(
    `focus on ${what}`,
    async () => {
      const f = await focusedId(page);
      return want(f) ? f : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 50 },
    () => focusedId(page),
  );
}

/**
 * Where focus goes when what a keyboard user started ends: the text column after "Use your own
 * file" (whose button goes away), the export's confirmation after Export model, the reopened
 * run's Train step after "Reopen the last run" (whose line goes away).
 */
async function focusAfterFileExportReopen(ctx: E2EContext): Promise<void> {
  const page = await openStudio(ctx, '?backend=wasm');
  await waitForBackend(page);
  await waitForFileName(page, 'spam.csv', 120_000);
  await waitFor('Use your own file to be enabled', () =>
    button(page, 'Use your own file').isEnabled(),
  );
  // Focus on the button, and the file the picker returns (the picker itself is the browser's):
  // the button is disabled while the file is read, and the notice goes once it is.
  await button(page, 'Use your own file').focus();
  await page.getByLabel('Choose your own data file').setInputFiles({
    name: 'sms-200.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(await fixtureBytes('e2e/sms-200.csv')),
  });
  await waitForFileName(page, 'sms-200.csv');
  assert.equal(await page.getByTestId('demo-notice').count(), 0, 'the demo notice is gone');
  const textColumn = await page.getByLabel('Text column', { exact: true }).getAttribute('id');
  await focusOn(page, 'the text column', (f) => f === textColumn);

  for (const [k, v] of Object.entries(TINY_MODEL)) await setField(page, k, v);
  await setField(page, 'max_steps', 2);
  await waitFor('Train to be enabled', () => button(page, 'Train').isEnabled(), {
    timeoutMs: 120_000,
  });
  await button(page, 'Train').click();
  await waitFor(
    'the run to finish',
    async () => /^Finished/.test(await textOf(page.getByTestId('status'))),
    { timeoutMs: 300_000, intervalMs: 300 },
    () => pageState(page),
  );

  // Export model from the keyboard: the download, then focus on what it saved.
  await waitFor('Export to be enabled', () => button(page, 'Export model').isEnabled());
  await button(page, 'Export model').focus();
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }),
    page.keyboard.press('Enter'),
  ]);
  const saved = page.getByTestId('export-saved');
  await saved.waitFor({ timeout: 30_000 });
  await focusOn(page, 'the export confirmation', (f) => f === 'export-saved');
  const note = await textOf(saved);
  ctx.log(`export: ${note}`);
  assert.ok(note.includes(`Saved ${download.suggestedFilename()} (`), note);
  assert.match(note, /\(\d[\d.]* (KB|MB), \d+ files\)/, 'its size and file count');
  await saved.screenshot({ path: `${ctx.outDir}/export-saved.png` });

  // After a reload, "Reopen the last run" from the keyboard: focus on the run's Train step.
  await page.reload();
  await waitForBackend(page);
  await waitForFileName(page, 'sms-200.csv', 120_000);
  await waitFor('Train to be enabled', () => button(page, 'Train').isEnabled(), {
    timeoutMs: 120_000,
  });
  const reopen = button(page.getByTestId('last-run'), 'Reopen the last run');
  await reopen.waitFor({ timeout: 60_000 });
  await reopen.focus();
  await page.keyboard.press('Enter');
  await waitFor(
    'the reopened run',
    async () => (await textOf(page.getByTestId('status'))).startsWith('Showing a reopened run'),
    { timeoutMs: 60_000 },
    () => pageState(page),
  );
  await focusOn(page, "the reopened run's Train step", (f) => f === 'step-train');
}

export const tests: E2ETest[] = [
  {
    name: 'first minutes: delimiter and header controls, a validation file, focus, the histogram past max_length',
    fn: dataControls,
  },
  {
    name: 'first minutes: focus after Use your own file, Export and Reopen (wasm)',
    fn: focusAfterFileExportReopen,
    timeoutMs: 8 * 60_000,
  },
  {
    name: 'first minutes: focus to Pause after Train, mistakes in pages of 20 (wasm)',
    fn: trainFocusAndMistakes,
    timeoutMs: 8 * 60_000,
  },
];
