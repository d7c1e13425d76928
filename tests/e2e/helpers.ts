/**
 * Helpers for the e2e tests. They select elements only by the names in the UI's DOM contract
 * (accessible names, roles, data-testid), never by CSS classes or layout.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import type { E2EContext } from './harness';

const here = path.dirname(fileURLToPath(import.meta.url));
/** tests/fixtures */
export const FIXTURES = path.resolve(here, '../fixtures');

/** The tiny from-scratch model the e2e tests train (seconds per run on SwiftShader or WASM). */
export const TINY_MODEL = {
  hidden_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_length: 32,
} as const;

/** The button named exactly `name` in `scope` (the page or a part of it). */
export const button = (scope: Page | Locator, name: string) =>
  scope.getByRole('button', { name, exact: true });

/** Backend names the studio reports at the start of `data-testid="backend"`. */
const BACKEND_TEXT = /^(webgpu|webgl|wasm|cpu)\b/;

/**
 * Polls `probe` until it returns a value other than undefined/false, or throws after `timeoutMs`
 * with `what` and the last value seen (so a failure says what the page showed instead).
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  { timeoutMs = 60_000, intervalMs = 200 }: { timeoutMs?: number; intervalMs?: number } = {},
  lastSeen?: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const seen = lastSeen ? await lastSeen().catch(() => '?') : '';
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(
        `Timed out after ${timeoutMs / 1000} s waiting for ${what}${seen ? `; page shows: ${seen}` : ''}${why}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Visible text of a locator, '' when absent; never waits. */
export async function textOf(locator: Locator): Promise<string> {
  if ((await locator.count()) === 0) return '';
  return ((await locator.first().textContent({ timeout: 1000 })) ?? '').trim();
}

/** Page state for failure messages: status, error banner, backend. */
export async function pageState(page: Page): Promise<string> {
  const [status, error, backend] = await Promise.all([
    textOf(page.getByTestId('status')),
    textOf(page.getByTestId('error')),
    textOf(page.getByTestId('backend')),
  ]);
  return JSON.stringify({ status, error, backend });
}

/** Opens the studio in a fresh browser context (its own storage, so no saved settings). */
export async function openStudio(ctx: E2EContext, query = ''): Promise<Page> {
  const context = await ctx.browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${ctx.baseUrl}${query}`);
  return page;
}

/** Waits until the backend is chosen and returns the text of `data-testid="backend"`. */
export async function waitForBackend(page: Page, timeoutMs = 120_000): Promise<string> {
  const el = page.getByTestId('backend');
  return waitFor(
    'the backend to be chosen (data-testid=backend)',
    async () => {
      const t = await textOf(el);
      return BACKEND_TEXT.test(t) ? t : undefined;
    },
    { timeoutMs },
    () => pageState(page),
  );
}

/** Waits for `data-testid="file-name"` to read `name`. */
export async function waitForFileName(page: Page, name: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `file-name to be "${name}"`,
    async () => (await textOf(page.getByTestId('file-name'))) === name,
    { timeoutMs },
    async () =>
      `file-name "${await textOf(page.getByTestId('file-name'))}" ${await pageState(page)}`,
  );
}

/** The rows of the preview table as cell texts (header row included when it uses <th>). */
export async function previewRows(page: Page): Promise<string[][]> {
  const table = page.getByRole('table', { name: 'Data preview' });
  if ((await table.count()) === 0) return [];
  return table.evaluate((t) =>
    Array.from((t as HTMLTableElement).rows, (r) =>
      Array.from(r.cells, (c) => (c.textContent ?? '').trim()),
    ),
  );
}

/** The visible text of the selected option of a `<select>` found by its accessible name. */
export async function selectedOption(page: Page, label: string): Promise<string> {
  return page
    .getByRole('combobox', { name: label, exact: true })
    .evaluate((s) => ((s as HTMLSelectElement).selectedOptions[0]?.textContent ?? '').trim());
}

/**
 * Drops a file on `data-testid="dropzone"` the way a browser does: dragenter, dragover and drop
 * events carrying a DataTransfer that holds a File with exactly these bytes.
 */
export async function dropFile(
  page: Page,
  file: { name: string; bytes: Uint8Array; type?: string },
  zoneTestId = 'dropzone',
): Promise<void> {
  const zone = page.getByTestId(zoneTestId);
  const dataTransfer = await page.evaluateHandle(
    ({ name, b64, type }) => {
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], name, { type }));
      return dt;
    },
    { name: file.name, b64: Buffer.from(file.bytes).toString('base64'), type: file.type ?? '' },
  );
  for (const type of ['dragenter', 'dragover', 'drop']) {
    await zone.dispatchEvent(type, { dataTransfer });
  }
  await dataTransfer.dispose();
}

/** Reads a fixture (path under tests/fixtures) as bytes. */
export async function fixtureBytes(relative: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path.join(FIXTURES, relative)));
}

/** Sets a number/text input found by its exact aria-label. */
export async function setField(page: Page, label: string, value: string | number): Promise<void> {
  const input = page.getByLabel(label, { exact: true });
  await input.fill(String(value));
  const now = await input.inputValue();
  if (Number(now) !== Number(value) && now !== String(value)) {
    throw new Error(`Field ${label} shows "${now}" after typing "${value}".`);
  }
}

/** `data-points` of the chart `data-testid="chart-<key>"`, 0 when absent. */
export async function chartPoints(page: Page, key: string): Promise<number> {
  const chart = page.getByTestId(`chart-${key}`);
  if ((await chart.count()) === 0) return 0;
  return Number((await chart.getAttribute('data-points', { timeout: 1000 })) ?? 0);
}

/** Parses "spam 0.97 · ham 0.03" into {spam: 0.97, ham: 0.03} for the given labels. */
export function parseProbabilities(text: string, labels: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const label of labels) {
    const m = new RegExp(`\\b${label}\\b\\s*:?\\s*(\\d+(?:\\.\\d+)?)(\\s*%)?`).exec(text);
    if (m) out[label] = Number(m[1]) / (m[2] ? 100 : 1);
  }
  return out;
}

/**
 * Reads a safetensors file's header: tensor name -> {dtype, shape, data_offsets}, and checks
 * every tensor's byte range lies inside the file and matches its shape.
 */
export function readSafetensorsHeader(
  bytes: Uint8Array,
): Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen <= 0 || 8 + headerLen > bytes.length) {
    throw new Error(`safetensors header length ${headerLen} does not fit in ${bytes.length} bytes`);
  }
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const dataLen = bytes.length - 8 - headerLen;
  const width: Record<string, number> = { F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4 };
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [start, end] = t.data_offsets;
    const expected = t.shape.reduce((a, b) => a * b, 1) * (width[t.dtype] ?? NaN);
    if (!(end <= dataLen && end - start === expected)) {
      throw new Error(
        `safetensors tensor ${name} has offsets ${start}-${end}, expected ${expected} bytes`,
      );
    }
  }
  return header;
}

/**
 * Whether IndexedDB's blob store holds `key` now ("kept/name" holding `text`, or any value when
 * `text` is absent).
 */
export async function keptNow(page: Page, key: string, text?: string): Promise<boolean> {
  return page.evaluate(
    ([k, t]) =>
      new Promise<boolean>((resolve) => {
        const open = indexedDB.open('trainer-studio');
        open.onerror = () => resolve(false);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('blobs')) return resolve(false);
          const q = db.transaction('blobs').objectStore('blobs').get(k);
          q.onerror = () => resolve(false);
          q.onsuccess = () => {
            const v = q.result as Uint8Array | undefined;
            db.close();
            resolve(v !== undefined && (t === null || new TextDecoder().decode(v) === t));
          };
        };
      }),
    [key, text ?? null] as const,
  );
}

/** Waits until IndexedDB holds `key` (see keptNow): the worker keeps files after it replies. */
export async function waitForKept(page: Page, key: string, text?: string): Promise<void> {
  await waitFor(`IndexedDB to keep ${key}`, () => keptNow(page, key, text));
}

/** Drops the e2e fixture tests/fixtures/e2e/sms-200.csv as the data file and waits until it is read. */
export async function dropSms200(page: Page): Promise<void> {
  await dropFile(page, {
    name: 'sms-200.csv',
    bytes: await fixtureBytes('e2e/sms-200.csv'),
    type: 'text/csv',
  });
  await waitForFileName(page, 'sms-200.csv');
}

/** Waits for the model picker to show the dropped checkpoint; returns its info line. */
export async function waitForCheckpoint(page: Page): Promise<string> {
  return waitFor(
    'the checkpoint to load',
    async () => {
      const t = await textOf(page.getByTestId('pretrained-info'));
      return /Checkpoint:/.test(t) ? t : undefined;
    },
    { timeoutMs: 60_000 },
    () => pageState(page),
  );
}

/**
 * Sets `fields`, turns evaluation off, waits for the dataset summary to match `dataset` (the data
 * tokenized with the checkpoint's tokenizer) and Train to be enabled, then trains to the end;
 * logs and returns the status line it finished with.
 */
export async function trainToEnd(
  ctx: E2EContext,
  page: Page,
  fields: Record<string, string | number>,
  dataset: { what: string; summary: RegExp },
): Promise<string> {
  for (const [k, v] of Object.entries(fields)) await setField(page, k, v);
  await page.getByRole('combobox', { name: 'eval_strategy', exact: true }).selectOption('no');
  await waitFor(
    dataset.what,
    async () => dataset.summary.test(await textOf(page.getByTestId('dataset-summary'))),
    { timeoutMs: 60_000 },
    () => pageState(page),
  );
  await waitFor(
    'Train to be enabled',
    () => button(page, 'Train').isEnabled(),
    { timeoutMs: 60_000 },
    () => pageState(page),
  );
  const t0 = Date.now();
  await button(page, 'Train').click();
  const status = await waitFor(
    'the run to finish',
    async () => {
      const s = await textOf(page.getByTestId('status'));
      return /^(Finished|Stopped)/.test(s) ? s : undefined;
    },
    { timeoutMs: 300_000, intervalMs: 300 },
    () => pageState(page),
  );
  ctx.log(`${status} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return status;
}
