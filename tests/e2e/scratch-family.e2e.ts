/**
 * From scratch, another family than BERT: the model panel's family choice sets the run's
 * model_type; a DistilBERT trains a few steps in the page, its export is a DistilBERT folder
 * (architectures, model_type, the sizes under DistilBERT's keys, its parameter names), and the
 * choice comes back from a share link and from the stored settings after a reload.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import type { E2EContext, E2ETest } from './harness';
import {
  TINY_MODEL,
  button,
  dropSms200,
  openStudio,
  pageState,
  readSafetensorsHeader,
  setField,
  textOf,
  waitFor,
  waitForBackend,
  waitForFileName,
} from './helpers';

const FAMILY_LABEL = 'From-scratch model family';

async function scratchDistilBert(ctx: E2EContext): Promise<void> {
  const page = await openStudio(ctx, '?backend=wasm');
  await waitForBackend(page);
  await waitForFileName(page, 'spam.csv', 120_000);
  await dropSms200(page);
  const family = page.getByRole('combobox', { name: FAMILY_LABEL, exact: true });
  await waitFor('the family list', async () =>
    (await family.locator('option').allTextContents()).includes('DistilBERT'),
  );
  assert.equal(await family.inputValue(), 'transformer', 'BERT is the default');
  assert.match(await textOf(page.locator('#step-model')), /of a small BERT, trained from scratch/);
  await family.selectOption('distilbert');
  const panel = await textOf(page.locator('#step-model'));
  assert.match(panel, /of a small DistilBERT, trained from scratch/);
  assert.doesNotMatch(panel, /small BERT/);
  for (const [k, v] of Object.entries(TINY_MODEL)) await setField(page, k, v);
  for (const [k, v] of Object.entries({ max_steps: 3, logging_steps: 1 })) {
    await setField(page, k, v);
  }
  await page.getByRole('combobox', { name: 'eval_strategy', exact: true }).selectOption('no');
  await waitFor(
    'the data to be prepared',
    async () =>
      /Ready to train/.test(await textOf(page.getByTestId('status'))) &&
      (await button(page, 'Train').isEnabled()),
    { timeoutMs: 120_000 },
    () => pageState(page),
  );

  // The share link carries the family: a fresh browser opened on it has DistilBERT chosen.
  await page.getByRole('button', { name: 'Copy link to these settings' }).click();
  const field = page.getByLabel('Link to these settings');
  await waitFor('the link to be shown', async () => (await field.count()) > 0);
  const link = await field.inputValue();
  const other = await openStudio(ctx, link.slice(ctx.baseUrl.length));
  await waitForBackend(other);
  const otherFamily = other.getByRole('combobox', { name: FAMILY_LABEL, exact: true });
  await waitFor(
    'the linked page to choose DistilBERT',
    async () => (await otherFamily.inputValue()) === 'distilbert',
  );
  await other.context().close();

  await button(page, 'Train').click();
  await waitFor(
    'the run to finish',
    async () => (await textOf(page.getByTestId('status'))) === 'Finished',
    { timeoutMs: 300_000, intervalMs: 500 },
    () => pageState(page),
  );
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }),
    button(page, 'Export model').click(),
  ]);
  const zipPath = path.join(ctx.outDir, 'scratch-distilbert.zip');
  await download.saveAs(zipPath);
  const files = unzipSync(new Uint8Array(await readFile(zipPath)));
  const entry = (base: string) => {
    const hit = Object.keys(files).find((n) => n === base || n.endsWith(`/${base}`));
    assert.ok(hit, `${base} in the zip`);
    return files[hit];
  };
  const config = JSON.parse(strFromU8(entry('config.json'))) as Record<string, unknown>;
  ctx.log(`config.json: architectures ${JSON.stringify(config.architectures)}`);
  assert.deepEqual(config.architectures, ['DistilBertForSequenceClassification']);
  assert.equal(config.model_type, 'distilbert');
  assert.equal(config.dim, TINY_MODEL.hidden_size);
  assert.equal(config.n_layers, TINY_MODEL.num_hidden_layers);
  assert.equal(config.n_heads, TINY_MODEL.num_attention_heads);
  assert.equal(config.hidden_dim, TINY_MODEL.intermediate_size);
  const tensors = readSafetensorsHeader(entry('model.safetensors'));
  assert.deepEqual(tensors['pre_classifier.weight']?.shape, [
    TINY_MODEL.hidden_size,
    TINY_MODEL.hidden_size,
  ]);

  // The stored settings keep the choice across a reload.
  await page.reload();
  await waitForBackend(page);
  const again = page.getByRole('combobox', { name: FAMILY_LABEL, exact: true });
  await waitFor('the reloaded page to keep DistilBERT', async () =>
    (await again.count()) > 0 ? (await again.inputValue()) === 'distilbert' : false,
  );
}

export const tests: E2ETest[] = [
  {
    name: 'from scratch: a DistilBERT trains, exports as one, and the choice is kept',
    fn: scratchDistilBert,
  },
];
