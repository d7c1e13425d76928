/**
 * Tokenizers beyond the bundled ones, in the real page: a Hugging Face Hub id typed into the
 * picker is downloaded by the worker (huggingface.co answered from the bundled bert-base-cased
 * files on disk through `page.route`; the browser's fetch and Cache API stay real), the data
 * report's token lengths follow it, and after a reload it is still chosen, read from the cache.
 * Then a byte-level BPE trained on the data replaces it.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { E2EContext, E2ETest } from './harness';
import { pageState, openStudio, textOf, waitFor, waitForBackend, waitForFileName } from './helpers';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HUB_ID = 'google-bert/bert-base-cased';

/** "Mean 23.4 tokens" of the report's token-length line, with the tokenizer it names. */
async function tokenLengths(page: Page): Promise<{ tokenizer: string; mean: number } | undefined> {
  const report = await textOf(page.getByTestId('data-report'));
  const tokenizer = /Tokens per row \(([^)]+)\)/.exec(report)?.[1];
  const mean = /Mean ([\d.]+) tokens/.exec(await textOf(page.getByTestId('report-lengths')))?.[1];
  return tokenizer && mean ? { tokenizer, mean: Number(mean) } : undefined;
}

async function waitForLengthsAt(page: Page, tokenizer: string, timeoutMs = 180_000) {
  return waitFor(
    `the data report's token lengths at ${tokenizer}`,
    async () => {
      const t = await tokenLengths(page);
      return t?.tokenizer === tokenizer ? t : undefined;
    },
    { timeoutMs },
    async () => `${JSON.stringify(await tokenLengths(page))} ${await pageState(page)}`,
  );
}

async function hubTokenizerSurvivesReload(ctx: E2EContext): Promise<void> {
  const page = await openStudio(ctx, '?backend=wasm');
  ctx.log(`backend: ${await waitForBackend(page)}`);
  await waitForFileName(page, 'spam.csv', 120_000);
  const uncased = await waitForLengthsAt(page, 'bert-base-uncased');

  // huggingface.co, answered from disk: /<id>/resolve/main/<file> of the bundled cased files.
  const served: string[] = [];
  await page.route('https://huggingface.co/**', async (route) => {
    const url = new URL(route.request().url());
    served.push(url.pathname);
    const m = /^\/google-bert\/bert-base-cased\/resolve\/main\/(tokenizer(_config)?\.json)$/.exec(
      url.pathname,
    );
    const headers = { 'access-control-allow-origin': '*' };
    if (!m) return route.fulfill({ status: 404, headers, body: 'Entry not found' });
    const body = await readFile(path.join(ROOT, 'public/tokenizers/bert-base-cased', m[1]));
    return route.fulfill({
      status: 200,
      headers: { ...headers, 'content-type': 'application/json' },
      body,
    });
  });

  const idField = page.getByLabel('Tokenizer Hub id');
  const load = page.getByRole('button', { name: 'Load from the Hub' });
  // A repo without tokenizer files: an error that says what to check, the tokenizer unchanged.
  await idField.fill('someone/missing');
  await load.click();
  await waitFor(
    'an error about the missing tokenizer files',
    async () => /no tokenizer files .*check the id/i.test(await textOf(page.getByTestId('error'))),
    { timeoutMs: 60_000 },
    () => pageState(page),
  );
  assert.match(await textOf(page.getByTestId('tokenizer-summary')), /bert-base-uncased/);

  await idField.fill(HUB_ID);
  await load.click();
  const cased = await waitForLengthsAt(page, HUB_ID);
  assert.match(
    await textOf(page.getByTestId('tokenizer-summary')),
    /google-bert\/bert-base-cased \(WordPiece, 28,996 tokens\)/,
  );
  assert.deepEqual(served.slice(-2), [
    '/google-bert/bert-base-cased/resolve/main/tokenizer.json',
    '/google-bert/bert-base-cased/resolve/main/tokenizer_config.json',
  ]);
  // Cased WordPiece splits the spam texts into more pieces than the uncased one.
  assert.ok(cased.mean > uncased.mean, `mean ${cased.mean} (cased) vs ${uncased.mean} (uncased)`);
  ctx.log(`mean tokens per row: ${uncased.mean} (bert-base-uncased) -> ${cased.mean} (${HUB_ID})`);
  assert.equal(await page.getByRole('alert').count(), 0, 'no alert after the good load');

  // A reload: the choice is remembered and its files come from the Cache API, not the network.
  const requests = served.length;
  await page.reload();
  await waitForBackend(page);
  const again = await waitForLengthsAt(page, HUB_ID);
  assert.equal(again.mean, cased.mean);
  assert.equal(
    served.length,
    requests,
    `no new Hub requests after the reload: ${served.slice(requests)}`,
  );
  assert.match(await textOf(page.getByTestId('tokenizer-summary')), /google-bert\/bert-base-cased/);
  await page.screenshot({ path: path.join(ctx.outDir, 'hub-tokenizer.png'), fullPage: true });

  // Download again: a cached `main` is fetched over the network once more.
  await idField.fill(HUB_ID);
  await page.getByRole('button', { name: 'Download again' }).click();
  await waitFor(
    'the tokenizer fetched again',
    async () =>
      served.length >= requests + 2 && (await textOf(page.getByTestId('status'))) === 'Ready',
    { timeoutMs: 60_000 },
    async () => `served ${served.slice(requests).join(', ')} ${await pageState(page)}`,
  );
  assert.deepEqual(served.slice(requests), [
    '/google-bert/bert-base-cased/resolve/main/tokenizer.json',
    '/google-bert/bert-base-cased/resolve/main/tokenizer_config.json',
  ]);
  assert.match(await textOf(page.getByTestId('tokenizer-summary')), /google-bert\/bert-base-cased/);

  // A byte-level BPE trained on the data's texts: RoBERTa-style, and the report follows it.
  await page
    .getByRole('combobox', { name: 'Tokenizer', exact: true })
    .selectOption({ label: 'train byte-level BPE on the data (2,000 tokens)' });
  const bpe = await waitForLengthsAt(page, 'bpe-2000-spam');
  assert.match(
    await textOf(page.getByTestId('tokenizer-summary')),
    /bpe-2000-spam \(BPE, 2,000 tokens\)/,
  );
  ctx.log(`mean tokens per row at a 2,000-token BPE trained on the data: ${bpe.mean}`);
  assert.match(await textOf(page.getByTestId('status')), /Ready/);
}

export const tests: E2ETest[] = [
  {
    name: 'a Hub tokenizer by id: downloaded, reported, remembered across a reload; a trained BPE',
    fn: hubTokenizerSurvivesReload,
    timeoutMs: 8 * 60_000,
  },
];
