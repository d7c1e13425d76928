/**
 * Bad files dropped on the studio: each shows an alert (role="alert") that names the problem and,
 * under it, what to do (the error's remedy, in the banner and in the run bar), and what was
 * loaded before stays loaded. Runs on the default ('auto') backend: nothing trains here.
 */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { REMEDIES } from '../../src/core/util/errors';
import type { E2EContext, E2ETest } from './harness';
import {
  dropFile,
  fixtureBytes,
  openStudio,
  pageState,
  previewRows,
  textOf,
  waitFor,
  waitForBackend,
  waitForFileName,
} from './helpers';

const GOOD = { name: 'sms-200.csv', fixture: 'e2e/sms-200.csv' };

/** Deterministic "random" bytes with NULs in them, like an image or a zip. */
function binaryBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = 0x2545f491;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = i % 7 === 0 ? 0 : x & 0xff;
  }
  return out;
}

const utf8 = (s: string) => new TextEncoder().encode(s);

interface BadFile {
  name: string;
  bytes: Uint8Array;
  /** What the alert must say. */
  message: RegExp;
  /** What to do, shown under the message (the catalogue's remedy for the error's code). */
  remedy: string;
}

const BAD_FILES: BadFile[] = [
  {
    name: 'empty.csv',
    bytes: new Uint8Array(0),
    message: /^empty\.csv is empty/,
    remedy: REMEDIES['empty-file'],
  },
  {
    name: 'sms.png',
    bytes: binaryBytes(4096),
    message: /^sms\.png is not a table: /,
    remedy: REMEDIES['binary-file'],
  },
  {
    name: 'one-column.csv',
    bytes: utf8('message\nhello there\nsee you at 5\nwin a prize now\nok\n'),
    message: /^Only one column was found in one-column\.csv .*choose it .* Delimiter control above/,
    remedy: REMEDIES['one-column'],
  },
];

const ONE_CLASS: BadFile = {
  name: 'one-class.csv',
  bytes: utf8(
    'text,label\nhello there,ham\nsee you at 5,ham\ncall me later,ham\nok thanks,ham\nlunch?,ham\n',
  ),
  message: /only one (class|distinct value)/i,
  remedy: REMEDIES['single-class'],
};

async function loaded(page: Page) {
  return {
    fileName: await textOf(page.getByTestId('file-name')),
    preview: JSON.stringify(await previewRows(page)),
  };
}

/**
 * Drops `file`, waits for the alert, checks its message and the remedy under it (in the banner
 * and in the run bar), dismisses it; returns the message.
 */
async function dropExpectingAlert(page: Page, file: BadFile, screenshot?: string): Promise<string> {
  await dropFile(page, file);
  const alert = page.getByRole('alert');
  const message = await waitFor(
    `an alert about ${file.name}`,
    async () => {
      const t = await textOf(page.getByTestId('error').locator('.error-message'));
      return t ? t : undefined;
    },
    { timeoutMs: 30_000 },
    () => pageState(page),
  );
  assert.match(message, file.message, `alert for ${file.name}: "${message}"`);
  assert.equal(
    await textOf(page.getByTestId('error-remedy')),
    `What to do: ${file.remedy}`,
    `the banner says what to do about ${file.name}`,
  );
  assert.equal(
    await textOf(page.getByTestId('run-error-remedy')),
    `What to do: ${file.remedy}`,
    `the run bar says what to do about ${file.name}`,
  );
  if (screenshot) await page.getByTestId('error').screenshot({ path: screenshot });
  await page.getByTestId('error').getByRole('button', { name: 'Dismiss' }).click();
  await waitFor('the alert to be dismissed', async () => (await alert.count()) === 0, {
    timeoutMs: 5_000,
  });
  return message;
}

async function badFilesKeepData(ctx: E2EContext): Promise<void> {
  const page = await openStudio(ctx);
  ctx.log(`backend: ${await waitForBackend(page)}`);
  await waitForFileName(page, 'spam.csv', 120_000);
  await dropFile(page, { name: GOOD.name, bytes: await fixtureBytes(GOOD.fixture) });
  await waitForFileName(page, GOOD.name);
  const before = await loaded(page);
  assert.match(before.preview, /Go until jurong point/);
  assert.equal(await page.getByRole('alert').count(), 0, 'no alert before the bad files');

  for (const file of BAD_FILES) {
    const shot = file.name === 'sms.png' ? join(tmpdir(), 'trainer-studio-error-remedy.png') : '';
    const message = await dropExpectingAlert(page, file, shot);
    if (shot) ctx.log(`screenshot of the banner: ${shot}`);
    ctx.log(`${file.name}: ${message}`);
    assert.deepEqual(await loaded(page), before, `after ${file.name} the loaded data is unchanged`);
  }

  // An arguments file that is not JSON: the page's own error, with what to do.
  await page.getByLabel('Choose a training_args.json').setInputFiles({
    name: 'training_args.json',
    mimeType: 'application/json',
    buffer: Buffer.from('output_dir: out\nlearning_rate: 2e-5\n'),
  });
  const argsError = await waitFor(
    'an alert about training_args.json',
    // A bad file's alert above may still be shown until this error replaces it.
    async () => {
      const text = await textOf(page.getByTestId('error').locator('.error-message'));
      return /training_args\.json/.test(text) ? text : undefined;
    },
    { timeoutMs: 30_000 },
    () => pageState(page),
  );
  assert.equal(argsError, 'training_args.json is not valid JSON.');
  assert.match(
    await textOf(page.getByTestId('error-remedy')),
    /^What to do: Choose the training_args\.json \(or studio_args\.json\) a run wrote/,
  );
  await page.getByTestId('error').getByRole('button', { name: 'Dismiss' }).click();

  // One class in the label column: the file parses, but it cannot be trained on.
  const message = await dropExpectingAlert(page, ONE_CLASS);
  ctx.log(`${ONE_CLASS.name}: ${message}`);
  assert.match(message, /"label"/, 'the alert names the label column');
  assert.ok(
    await page.getByRole('button', { name: 'Train', exact: true }).isDisabled(),
    'Train is disabled for single-class data',
  );

  // And the studio recovers: the good file loads and is trainable again.
  await dropFile(page, { name: GOOD.name, bytes: await fixtureBytes(GOOD.fixture) });
  await waitForFileName(page, GOOD.name);
  assert.deepEqual(await loaded(page), before);
  await waitFor(
    'Train to be enabled again',
    () => page.getByRole('button', { name: 'Train', exact: true }).isEnabled(),
    { timeoutMs: 60_000 },
    () => pageState(page),
  );
  assert.equal(await page.getByRole('alert').count(), 0, 'no alert after the good file');
}

export const tests: E2ETest[] = [
  { name: 'bad files show an alert and keep the loaded data', fn: badFilesKeepData },
];
