/**
 * "Use it in your web page": a tiny model trained in the page is exported with its ONNX files
 * (fp32 and q8), and the live check runs them with transformers.js (onnxruntime-web, WASM) in
 * the same page, under the studio's Content-Security-Policy: both give the studio's top label,
 * fp32 within 1e-4 of its probabilities and q8 within 0.02.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import type { E2EContext, E2ETest } from './harness';
import {
  TINY_MODEL,
  button,
  openStudio,
  pageState,
  setField,
  textOf,
  waitFor,
  waitForBackend,
} from './helpers';

const SCREENSHOTS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../docs/screenshots',
);
const TEXT = 'Are we still meeting for lunch tomorrow? I can bring the notes.';

async function exportedOnnxRunsInThePage(ctx: E2EContext): Promise<void> {
  const page = await openStudio(ctx, '?backend=wasm');
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await waitForBackend(page);
  await waitFor(
    'the demo to be prepared',
    async () => /Ready to train/.test(await textOf(page.getByTestId('status'))),
    { timeoutMs: 120_000 },
    () => pageState(page),
  );
  for (const [k, v] of Object.entries({ ...TINY_MODEL, max_steps: 60, learning_rate: 0.003 })) {
    await setField(page, k, v);
  }
  await waitFor('Train to be enabled', () => button(page, 'Train').isEnabled(), {
    timeoutMs: 120_000,
  });
  await button(page, 'Train').click();
  await waitFor(
    'the run to finish',
    async () => /^Finished/.test(await textOf(page.getByTestId('status'))),
    { timeoutMs: 300_000 },
    () => pageState(page),
  );
  await page.getByLabel('Text to classify').fill(TEXT);
  await waitFor('a prediction', async () =>
    /\d\.\d/.test(await textOf(page.getByTestId('prediction'))),
  );

  // No panel before an export; the export holds both ONNX files.
  const panel = page.getByRole('region', { name: 'Use it in your web page' });
  assert.equal(await panel.count(), 0, 'no web page panel before an export');
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }),
    button(page, 'Export model').click(),
  ]);
  // Named after the data set and the model, and unzipping as that folder.
  assert.equal(download.suggestedFilename(), 'spam-bert.zip');
  const zipPath = path.join(ctx.outDir, 'web-page-model.zip');
  await download.saveAs(zipPath);
  const inFolder = unzipSync(new Uint8Array(await readFile(zipPath)));
  const names = Object.keys(inFolder);
  assert.ok(
    names.every((n) => n.startsWith('spam-bert/')),
    `every file in spam-bert/ (${names.join(', ')})`,
  );
  const files = Object.fromEntries(
    Object.entries(inFolder).map(([k, v]) => [k.slice('spam-bert/'.length), v]),
  );
  for (const f of ['onnx/model.onnx', 'onnx/model_quantized.onnx']) {
    assert.ok(files[f]?.length > 0, `${f} in the zip (${Object.keys(files).join(', ')})`);
  }
  const [fp32, q8] = [files['onnx/model.onnx'].length, files['onnx/model_quantized.onnx'].length];
  ctx.log(`onnx/model.onnx ${fp32} B, onnx/model_quantized.onnx ${q8} B`);

  // The panel: the folder to serve and the snippets name the exported folder.
  await waitFor('the web page panel', async () => (await panel.count()) === 1);
  const layout = await textOf(panel.getByLabel('Folder to serve'));
  assert.match(layout, /spam-bert\//);
  assert.match(layout, /onnx\/model_quantized\.onnx/);
  assert.match(await textOf(panel), /pipeline\('text-classification', 'spam-bert'\)/);

  await button(panel, 'Check it in this page').click();
  const table = panel.getByTestId('web-page-check');
  await waitFor(
    'the check in this page',
    async () => (await table.locator('tbody tr').count()) === 3,
    { timeoutMs: 120_000 },
    async () => `${await textOf(panel.getByRole('alert'))} ${await pageState(page)}`,
  );
  const row = (runtime: string) => table.locator(`tr[data-runtime="${runtime}"]`);
  const studioTop = await row('studio').getAttribute('data-top-label');
  assert.ok(studioTop, 'the studio row names its top label');
  const margin = Number(await row('studio').getAttribute('data-margin'));
  for (const [dtype, tolerance] of [
    ['fp32', 1e-4],
    ['q8', 0.02],
  ] as const) {
    const r = row(`transformers.js ${dtype}`);
    const diff = Number(await r.getAttribute('data-max-difference'));
    assert.ok(Number.isFinite(diff) && diff <= tolerance, `${dtype}: difference ${diff}`);
    // The top label can only change where the studio's two best are within twice the difference.
    if (margin > 2 * diff) {
      assert.equal(await r.getAttribute('data-top-label'), studioTop, `${dtype} top label`);
    }
    ctx.log(`${dtype}: ${(await textOf(r)).replace(/\s+/g, ' ')}`);
  }
  assert.deepEqual(
    errors.filter((e) => /Content Security Policy|Refused to/i.test(e)),
    [],
    'no CSP violation',
  );
  // The panel below the sticky run bar, whole, for the README.
  await page.setViewportSize({ width: 1100, height: 1500 });
  await panel.evaluate((el) => window.scrollTo(0, el.getBoundingClientRect().top + scrollY - 130));
  const box = await panel.boundingBox();
  assert.ok(box, 'the panel has a box');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'web-page.png'), clip: box });
}

export const tests: E2ETest[] = [
  {
    name: 'exported ONNX runs with transformers.js in the page (fp32 and q8)',
    fn: exportedOnnxRunsInThePage,
  },
];
