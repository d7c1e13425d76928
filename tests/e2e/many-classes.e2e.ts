/**
 * Views that hold at any size, in real headless Chromium on the WASM backend: a CSV with 500
 * classes of 4 rows each (1 per class in validation) is read, the data report warns that the
 * split leaves too few validation rows per class, a tiny model trains a few steps, and when the
 * run ends the page keeps rendering with bounded views (top confusions instead of a 500 x 500
 * matrix, the per-class table and the mistakes in pages). A second test makes one panel throw
 * (the e2e build's `?e2e-panel-throw=` flag): the panel says what broke, the rest of the page
 * works, and its reload button brings it back.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { E2EContext, E2ETest } from './harness';
import {
  button,
  dropFile,
  openStudio,
  pageState,
  setField,
  textOf,
  waitFor,
  waitForBackend,
  waitForFileName,
  TINY_MODEL,
} from './helpers';

const CLASSES = 500;
const PER_CLASS = 4;
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];

/** `label,text` rows: class `c042` has 4 short texts naming it. */
function manyClassesCsv(): string {
  const lines = ['label,text'];
  for (let c = 0; c < CLASSES; c++) {
    const label = `c${String(c).padStart(3, '0')}`;
    for (let k = 0; k < PER_CLASS; k++) {
      lines.push(`${label},${WORDS[(c + k) % WORDS.length]} ${label} ${WORDS[(c * 3 + k) % 8]}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Elements in the document: the views' DOM stays bounded whatever the class count. */
const domSize = (page: Page) => page.evaluate(() => document.getElementsByTagName('*').length);

/** Whether the page still renders: its heading is there (a render crash empties the root). */
const pageAlive = async (page: Page) =>
  (await page.getByRole('heading', { name: 'Trainer Studio', level: 1 }).count()) === 1;

async function manyClasses(ctx: E2EContext): Promise<void> {
  const page = await openStudio(ctx, '?backend=wasm');
  await page.setViewportSize({ width: 1280, height: 900 });
  ctx.log(`backend: ${await waitForBackend(page)}`);
  await waitForFileName(page, 'spam.csv', 120_000);
  await dropFile(page, {
    name: 'many-classes.csv',
    bytes: new TextEncoder().encode(manyClassesCsv()),
    type: 'text/csv',
  });
  await waitForFileName(page, 'many-classes.csv');

  // The data report warns before training: one validation row per class says little.
  const warning = await waitFor(
    'the data report to warn about the split',
    async () => (await textOf(page.getByTestId('report-split-warning'))) || undefined,
    { timeoutMs: 60_000 },
    () => pageState(page),
  );
  ctx.log(`warning: ${warning}`);
  assert.match(warning, /\b500 classes\b/, 'says how many classes');
  assert.match(warning, /validation/i);
  assert.match(warning, /separate validation file|validation fraction/i, 'says what to do');
  await page
    .getByTestId('report-split-warning')
    .screenshot({ path: path.join(ctx.outDir, 'many-classes-warning.png') });

  for (const [k, v] of Object.entries(TINY_MODEL)) await setField(page, k, v);
  await setField(page, 'max_steps', 3);
  await waitFor('Train to be enabled', () => button(page, 'Train').isEnabled(), {
    timeoutMs: 120_000,
  });
  await button(page, 'Train').click();
  // The run ends and the evaluation arrives, or the page goes blank (a render crash).
  const end = await waitFor(
    'the evaluation view (or a blank page)',
    async () => {
      if (!(await pageAlive(page))) return 'blank';
      return (await page.getByTestId('eval-view').count()) > 0 ? 'eval' : undefined;
    },
    { timeoutMs: 300_000, intervalMs: 300 },
    () => pageState(page),
  );
  // A crash may come a moment after the view first renders: look again once it has settled.
  await page.waitForTimeout(0);
  assert.equal(end, 'eval', 'the page went blank when the run ended');
  await waitFor(
    'the run to finish',
    async () => /^Finished/.test(await textOf(page.getByTestId('status'))),
    { timeoutMs: 120_000 },
    () => pageState(page),
  );
  assert.ok(await pageAlive(page), 'the page heading is still there');
  assert.ok(await page.getByTestId('eval-view').isVisible(), 'the evaluation view is shown');

  // Confusions: a ranked list of the largest off-diagonal cells, the rest counted.
  const confusions = page.getByRole('table', { name: /^Top confusions/ });
  const confusionRows = await confusions.locator('tbody tr').count();
  ctx.log(`top confusions listed: ${confusionRows}`);
  assert.ok(confusionRows > 0 && confusionRows <= 20, `${confusionRows} confusions listed`);
  assert.equal(await page.getByTestId('confusion-matrix').count(), 0, 'no 500 x 500 matrix');
  assert.match(await textOf(page.getByTestId('confusion-rest')), /500 classes/);

  // The per-class table pages.
  const classTable = page.getByRole('table', { name: 'Per-class scores' });
  assert.equal(await classTable.locator('tbody tr').count(), 20, 'one page of classes');
  assert.equal(await textOf(page.getByTestId('class-table-page')), '1–20 of 500');
  await button(page, 'Next classes').click();
  assert.equal(await textOf(page.getByTestId('class-table-page')), '21–40 of 500');
  assert.equal(await textOf(classTable.locator('tbody tr th').first()), 'c020');

  // Curves: a bounded number of classes drawn, and said so.
  assert.match(await textOf(page.getByTestId('curve-chart')), /of 500 classes/);
  const mistakesRows = await page
    .getByRole('table', { name: 'Validation mistakes' })
    .locator('tbody tr')
    .count();
  assert.ok(mistakesRows <= 20, `${mistakesRows} mistakes rows`);

  const elements = await domSize(page);
  ctx.log(`elements in the page: ${elements}`);
  assert.ok(elements < 6000, `the page holds ${elements} elements`);
  await page
    .getByTestId('eval-view')
    .screenshot({ path: path.join(ctx.outDir, 'many-classes-eval.png') });
  await page
    .getByTestId('data-report')
    .screenshot({ path: path.join(ctx.outDir, 'many-classes-report.png') });
}

/** A panel that throws says so, the rest of the page works, and Reload brings it back. */
async function panelBoundary(ctx: E2EContext): Promise<void> {
  const page = await openStudio(ctx, '?backend=wasm&e2e-panel-throw=Evaluate');
  await waitForBackend(page);
  const broken = page.getByTestId('panel-error');
  await broken.waitFor({ timeout: 60_000 });
  const text = await textOf(broken);
  ctx.log(`broken panel: ${text}`);
  assert.match(text, /Evaluate/, 'names the panel');
  assert.match(text, /Simulated panel failure/, 'gives the error message');
  assert.ok(await pageAlive(page), 'the rest of the page renders');
  await waitForFileName(page, 'spam.csv', 120_000);
  await page.getByTestId('data-report').waitFor({ timeout: 60_000 }); // the data panel works
  await broken.screenshot({ path: path.join(ctx.outDir, 'panel-error.png') });
  const reload = button(page, 'Reload Evaluate');
  await reload.click();
  await page.getByRole('heading', { name: /Evaluate: what the model learned/ }).waitFor({
    timeout: 10_000,
  });
  assert.equal(await broken.count(), 0, 'the panel is back');
}

export const tests: E2ETest[] = [
  {
    name: 'many classes: 500 classes warn, train and keep the page rendering (wasm)',
    fn: manyClasses,
    timeoutMs: 8 * 60_000,
  },
  { name: 'panel boundary: a broken panel says so and reloads (wasm)', fn: panelBoundary },
];
