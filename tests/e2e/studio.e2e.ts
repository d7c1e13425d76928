/**
 * The whole studio path on WebGPU, in real headless Chromium: demo data loads, a real CSV file
 * (Windows-1252, CRLF, ragged columns) is dropped, a tiny BERT trains for a few steps with live
 * charts, the exported zip is an HF folder, and a fresh page loads that zip and classifies text.
 *
 * The WebGPU adapter here is SwiftShader (CPU-emulated), so the model is tiny and runs 6 steps.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import Papa from 'papaparse';
import type { Page } from 'playwright-core';
import type { E2EContext, E2ETest } from './harness';
import {
  button,
  chartPoints,
  dropFile,
  fixtureBytes,
  openStudio,
  pageState,
  parseProbabilities,
  previewRows,
  readSafetensorsHeader,
  selectedOption,
  setField,
  textOf,
  waitFor,
  waitForBackend,
  waitForFileName,
  TINY_MODEL,
} from './helpers';

const FIXTURE = 'e2e/sms-200.csv';
const FILE_NAME = 'sms-200.csv';
const LABELS = ['ham', 'spam'];

/** The tiny model and the few steps the software WebGPU adapter can run quickly. */
const MODEL = TINY_MODEL;
const ARGS = {
  max_steps: 6,
  per_device_train_batch_size: 8,
  logging_steps: 1,
  eval_steps: 3,
  learning_rate: 0.001,
};

/** Waits until Train is enabled: backend, data, tokenizer and the prepared dataset are ready. */
async function waitTrainable(page: Page, timeoutMs = 120_000) {
  await waitFor(
    'the Train button to be enabled',
    () => button(page, 'Train').isEnabled(),
    { timeoutMs },
    () => pageState(page),
  );
}

/** Waits for a dataset summary of the dropped file and checks its numbers. */
async function checkDatasetSummary(page: Page): Promise<string> {
  const summary = await waitFor(
    'the dataset summary of sms-200.csv',
    async () => {
      const t = await textOf(page.getByTestId('dataset-summary'));
      const m = /([\d,]+) train \/ ([\d,]+) validation/.exec(t);
      // The 200-row file: train + validation = 200 (no row of it has empty text).
      return m && Number(m[1].replace(/,/g, '')) + Number(m[2].replace(/,/g, '')) === 200
        ? t
        : undefined;
    },
    { timeoutMs: 60_000 },
    async () => `summary "${await textOf(page.getByTestId('dataset-summary'))}"`,
  );
  const m = /([\d,]+) train \/ ([\d,]+) validation/.exec(summary)!;
  // validation fraction 0.1 of 200 rows, stratified: 20 held out (rounding may move one row).
  const validation = Number(m[2]);
  assert.ok(validation >= 19 && validation <= 21, `validation rows: ${summary}`);
  assert.match(summary, /2 labels: ham, spam/, `dataset summary: ${summary}`);
  return summary;
}

/** Opens the studio on `backend`, drops the 200-row file and sets the tiny model and `args`. */
async function tinyRunOn(
  ctx: E2EContext,
  backend: string,
  args: Record<string, number>,
  evalStrategy: 'no' | 'steps',
): Promise<{ page: Page; backendText: string }> {
  const page = await openStudio(ctx, backend === 'auto' ? '' : `?backend=${backend}`);
  const backendText = await waitForBackend(page);
  if (backend !== 'auto') {
    assert.ok(backendText.startsWith(backend), `expected ${backend}, got "${backendText}"`);
  }
  await waitForFileName(page, 'spam.csv', 120_000);
  await dropFile(page, { name: FILE_NAME, bytes: await fixtureBytes(FIXTURE), type: 'text/csv' });
  await waitForFileName(page, FILE_NAME);
  for (const [k, v] of Object.entries(MODEL)) await setField(page, k, v);
  for (const [k, v] of Object.entries(args)) await setField(page, k, v);
  await page
    .getByRole('combobox', { name: 'eval_strategy', exact: true })
    .selectOption(evalStrategy);
  await waitFor(
    'the reloaded page to prepare its data',
    async () => /Ready to train/.test(await textOf(page.getByTestId('status'))),
    { timeoutMs: 120_000 },
    () => pageState(page),
  );
  await waitTrainable(page);
  return { page, backendText };
}

/** Waits for status `Finished` (or `Stopped at step N`) and returns it. */
async function waitForRunEnd(page: Page, timeoutMs = 300_000): Promise<string> {
  return waitFor(
    'the run to end',
    async () => {
      const s = await textOf(page.getByTestId('status'));
      return /^(Finished|Stopped at step \d+)/.test(s) ? s : undefined;
    },
    { timeoutMs, intervalMs: 300 },
    () => pageState(page),
  );
}

/** Presses "Export model", saves the download under outDir and returns its path and entries. */
async function exportZip(
  page: Page,
  outDir: string,
  saveAs?: string,
): Promise<{
  zipPath: string;
  size: number;
  entry: (base: string) => Uint8Array;
  names: string[];
}> {
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }),
    button(page, 'Export model').click(),
  ]);
  const zipPath = path.join(outDir, saveAs ?? (download.suggestedFilename() || 'model.zip'));
  await download.saveAs(zipPath);
  const zipBytes = new Uint8Array(await readFile(zipPath));
  const files = unzipSync(zipBytes);
  const names = Object.keys(files);
  const entry = (base: string) => {
    const hit = names.find((n) => n === base || n.endsWith(`/${base}`));
    assert.ok(hit, `${base} in the zip (has ${names.join(', ')})`);
    return files[hit];
  };
  return { zipPath, size: zipBytes.length, entry, names };
}

type LogEntry = Record<string, number>;

/** trainer_state.json's per-step training entries (those with `loss` and `grad_norm`). */
function trainingLogs(entry: (base: string) => Uint8Array): LogEntry[] {
  const state = JSON.parse(strFromU8(entry('trainer_state.json'))) as { log_history: LogEntry[] };
  return state.log_history.filter((e) => 'loss' in e && 'grad_norm' in e);
}

async function studioOnWebGpu(ctx: E2EContext): Promise<void> {
  const { log, outDir } = ctx;
  const page = await openStudio(ctx, '?backend=webgpu');
  assert.equal(await page.title(), 'Trainer Studio');

  const backend = await waitForBackend(page);
  log(`backend: ${backend}`);
  assert.ok(backend.startsWith('webgpu'), `expected the webgpu backend, got "${backend}"`);

  // The bundled demo loads by itself: the full SMS spam file.
  await waitForFileName(page, 'spam.csv', 120_000);
  const demoSummary = await waitFor(
    'the demo dataset summary',
    async () => {
      const t = await textOf(page.getByTestId('dataset-summary'));
      return /[\d,]+ train \/ [\d,]+ validation/.test(t) ? t : undefined;
    },
    { timeoutMs: 120_000 },
    () => pageState(page),
  );
  assert.match(demoSummary, /2 labels: ham, spam/);
  log(`demo: ${demoSummary}`);
  await waitTrainable(page);

  // Drop a real file: the first 200 rows of spam.csv as its original bytes.
  const bytes = await fixtureBytes(FIXTURE);
  assert.ok(bytes.includes(0x0d), 'fixture keeps its CRLF line ends');
  await dropFile(page, { name: FILE_NAME, bytes, type: 'text/csv' });
  await waitForFileName(page, FILE_NAME);
  const rows = await previewRows(page);
  const cells = rows.flat().join(' | ');
  assert.ok(rows.length >= 3, `preview has rows: ${JSON.stringify(rows)}`);
  assert.match(cells, /Go until jurong point, crazy\.\./, 'first message in the preview');
  assert.match(cells, /Ok lar\.\.\. Joking wif u oni\.\.\./, 'second message in the preview');
  assert.doesNotMatch(cells, /\uFFFD/, 'no replacement characters (encoding detected)');
  assert.equal(await selectedOption(page, 'Text column'), 'v2');
  assert.equal(await selectedOption(page, 'Label column'), 'v1');
  const summary = await checkDatasetSummary(page);
  log(`dropped ${FILE_NAME}: ${summary}`);
  // The data report's class table against the file's own label column, counted here.
  const fileRows = Papa.parse<string[]>(strFromU8(await fixtureBytes(`e2e/${FILE_NAME}`)), {
    skipEmptyLines: true,
  }).data.slice(1);
  const count = (label: string) => fileRows.filter((r) => r[0] === label).length;
  await waitFor('the class table of the data report', () =>
    page.getByTestId('report-classes').isVisible(),
  );
  const shown = await page
    .getByTestId('report-classes')
    .evaluate((t) =>
      Array.from((t as HTMLTableElement).tBodies[0].rows, (r) =>
        Array.from(r.cells, (c) => (c.textContent ?? '').trim()).join(' '),
      ),
    );
  const share = (n: number) => ((100 * n) / fileRows.length).toFixed(1);
  assert.deepEqual(shown, [
    `ham ${count('ham')} ${share(count('ham'))}%`,
    `spam ${count('spam')} ${share(count('spam'))}%`,
  ]);

  // A tiny model and a few steps.
  for (const [k, v] of Object.entries(MODEL)) await setField(page, k, v);
  for (const [k, v] of Object.entries(ARGS)) await setField(page, k, v);
  await page.getByRole('combobox', { name: 'eval_strategy', exact: true }).selectOption('steps');
  // max_length changed: the data is re-tokenized before Train is offered again.
  await waitTrainable(page);

  const started = Date.now();
  await button(page, 'Train').click();
  await waitFor('Stop to be enabled while training', () => button(page, 'Stop').isEnabled(), {
    timeoutMs: 30_000,
  });
  assert.ok(await button(page, 'Train').isDisabled(), 'Train is disabled while training');
  assert.match(await textOf(page.getByTestId('status')), /Training/);

  await waitFor(
    'the loss chart to have >= 3 points and eval_accuracy >= 1',
    async () =>
      (await chartPoints(page, 'loss')) >= 3 && (await chartPoints(page, 'eval_accuracy')) >= 1,
    { timeoutMs: 300_000, intervalMs: 500 },
    async () =>
      `loss ${await chartPoints(page, 'loss')} points, eval_accuracy ${await chartPoints(page, 'eval_accuracy')}; ` +
      `${await textOf(page.getByTestId('progress-text'))} ${await pageState(page)}`,
  );
  const bar = page.getByRole('progressbar');
  assert.equal(await bar.getAttribute('aria-valuemax'), String(ARGS.max_steps));
  log(`charts filling: ${await textOf(page.getByTestId('progress-text'))}`);

  // Six steps finish quickly; then the status, the progress and the final metrics show it.
  const status = await waitFor(
    'the run to finish',
    async () => {
      const s = await textOf(page.getByTestId('status'));
      return /^(Finished|Stopped at step \d+)/.test(s) ? s : undefined;
    },
    { timeoutMs: 300_000, intervalMs: 500 },
    () => pageState(page),
  );
  const trainSeconds = (Date.now() - started) / 1000;
  assert.equal(status, 'Finished');
  assert.equal(await bar.getAttribute('aria-valuenow'), String(ARGS.max_steps));
  assert.match(await textOf(page.getByTestId('progress-text')), /step 6 \/ 6/);
  assert.ok(await button(page, 'Stop').isDisabled(), 'Stop is disabled after the run');
  assert.ok(await button(page, 'Train').isEnabled(), 'Train is enabled again after the run');
  assert.equal(await chartPoints(page, 'loss'), ARGS.max_steps, 'one loss point per step');
  assert.equal(await chartPoints(page, 'learning_rate'), ARGS.max_steps);
  // Evaluations at steps 3 and 6 (the final evaluation at step 6 may add a point of its own).
  const evalPoints = await chartPoints(page, 'eval_accuracy');
  assert.ok(evalPoints >= 2 && evalPoints <= 3, `eval_accuracy points: ${evalPoints}`);
  assert.ok((await chartPoints(page, 'eval_loss')) >= 2);

  const metrics = await textOf(page.getByTestId('final-metrics'));
  for (const key of ['eval_accuracy', 'eval_f1_macro', 'eval_loss']) {
    assert.match(metrics, new RegExp(`${key}\\D*\\d+\\.\\d{4}`), `final metrics: ${metrics}`);
  }
  const acc = Number(/eval_accuracy\D*(\d+\.\d{4})/.exec(metrics)![1]);
  assert.ok(acc >= 0 && acc <= 1, `eval_accuracy ${acc}`);
  log(
    `trained ${ARGS.max_steps} steps in ${trainSeconds.toFixed(1)} s; ${metrics.replace(/\s+/g, ' ')}`,
  );
  await page.screenshot({ path: path.join(outDir, 'trained.png'), fullPage: true });

  // Export: an HF folder in a zip.
  const { zipPath, size, entry, names } = await exportZip(page, outDir);
  log(`exported ${path.basename(zipPath)} (${(size / 1024).toFixed(0)} KiB): ${names.join(', ')}`);
  const config = JSON.parse(strFromU8(entry('config.json'))) as Record<string, unknown>;
  assert.deepEqual(config.id2label, { '0': 'ham', '1': 'spam' });
  assert.deepEqual(config.label2id, { ham: 0, spam: 1 });
  assert.equal(config.num_labels ?? Object.keys(config.id2label as object).length, 2);
  if ('num_labels' in config) assert.equal(config.num_labels, 2);
  assert.equal(config.model_type, 'bert');
  for (const k of [
    'hidden_size',
    'num_hidden_layers',
    'num_attention_heads',
    'intermediate_size',
  ] as const) {
    assert.equal(config[k], MODEL[k], `config.json ${k}`);
  }
  const tensors = readSafetensorsHeader(entry('model.safetensors'));
  assert.deepEqual(tensors['classifier.weight']?.shape, [2, MODEL.hidden_size]);
  assert.deepEqual(tensors['bert.embeddings.word_embeddings.weight']?.shape, [
    30522,
    MODEL.hidden_size,
  ]);
  assert.deepEqual(tensors['bert.encoder.layer.0.attention.self.query.weight']?.shape, [16, 16]);
  assert.deepEqual(tensors['bert.encoder.layer.0.intermediate.dense.weight']?.shape, [32, 16]);
  assert.equal(tensors['bert.encoder.layer.1.attention.self.query.weight'], undefined);
  const logs = trainingLogs(entry);
  assert.deepEqual(
    logs.map((e) => e.step),
    [1, 2, 3, 4, 5, 6],
    'trainer_state.json logs every step',
  );
  for (const e of logs) assert.ok(Number.isFinite(e.loss) && e.grad_norm > 0, JSON.stringify(e));
  // Final metrics show the run's last evaluation (step 6), as trainer_state.json recorded it.
  const evals = (
    JSON.parse(strFromU8(entry('trainer_state.json'))) as {
      log_history: { step: number; eval_accuracy?: number }[];
    }
  ).log_history.filter((e) => e.eval_accuracy !== undefined);
  assert.equal(evals.at(-1)?.step, ARGS.max_steps, 'an evaluation at the last step');
  assert.equal(
    acc.toFixed(4),
    evals.at(-1)?.eval_accuracy?.toFixed(4),
    'final metrics: the last evaluation',
  );
  // The bundled bert-base-uncased tokenizer travels with the model (a WordPiece vocabulary).
  const tokenizer = JSON.parse(strFromU8(entry('tokenizer.json'))) as {
    model?: { vocab?: Record<string, number>; continuing_subword_prefix?: string };
  };
  assert.equal(Object.keys(tokenizer.model?.vocab ?? {}).length, 30522);
  assert.equal(tokenizer.model?.vocab?.['[CLS]'], 101);
  assert.equal(tokenizer.model?.continuing_subword_prefix, '##');

  // A fresh page (same storage), load the zip, classify a text.
  await page.reload();
  const backend2 = await waitForBackend(page);
  assert.ok(backend2.startsWith('webgpu'), `after reload: ${backend2}`);
  // Let the page finish its own start-up (demo data prepared) before loading the zip, as a user
  // would; otherwise the start-up's status lines overwrite the import's.
  await waitFor(
    'the reloaded page to prepare its data',
    async () => /Ready to train/.test(await textOf(page.getByTestId('status'))),
    { timeoutMs: 120_000 },
    () => pageState(page),
  );
  const textBox = page.getByRole('textbox', { name: 'Text to classify' });
  await textBox.waitFor({ state: 'visible' });
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser', { timeout: 30_000 }),
    button(page, 'Load exported model').click(),
  ]);
  await chooser.setFiles(zipPath);
  await waitFor(
    'the exported model to load',
    async () =>
      /Loaded exported model|labels: ham, spam/.test(await textOf(page.getByTestId('status'))),
    { timeoutMs: 120_000 },
    () => pageState(page),
  );
  await textBox.fill(
    'WINNER!! You have been selected to receive a £900 prize. Call 09061701461 to claim now',
  );
  const prediction = await waitFor(
    'a prediction with probabilities for ham and spam',
    async () => {
      const t = await textOf(page.getByTestId('prediction'));
      return Object.keys(parseProbabilities(t, LABELS)).length === 2 ? t : undefined;
    },
    { timeoutMs: 60_000 },
    async () =>
      `prediction "${await textOf(page.getByTestId('prediction'))}" ${await pageState(page)}`,
  );
  const probs = parseProbabilities(prediction, LABELS);
  const sum = probs.ham + probs.spam;
  assert.ok(Math.abs(sum - 1) <= 0.02, `probabilities sum to ${sum}: ${prediction}`);
  // The predicted label comes first; its probability is the highest (ties at 2 decimals allowed:
  // 6 steps leave the model close to uniform).
  const first = /\b(ham|spam)\b/.exec(prediction)![1] as 'ham' | 'spam';
  const other = first === 'ham' ? 'spam' : 'ham';
  assert.ok(
    probs[first] >= probs[other],
    `the predicted label has the top probability: ${prediction}`,
  );
  log(`prediction: ${prediction}`);
  await page.screenshot({ path: path.join(outDir, 'predicted.png'), fullPage: true });
}

/**
 * Stop ends a longer run early, at a step boundary, and leaves a usable model. Runs on the
 * default backend ('auto': what a user gets; WASM on a machine whose WebGPU is a software one).
 */
async function stopEarly(ctx: E2EContext): Promise<void> {
  const { page, backendText } = await tinyRunOn(ctx, 'auto', { ...ARGS, max_steps: 200 }, 'no');
  ctx.log(`backend: ${backendText}`);
  await button(page, 'Train').click();
  await waitFor('two loss points', async () => (await chartPoints(page, 'loss')) >= 2, {
    timeoutMs: 300_000,
    intervalMs: 100,
  });
  await button(page, 'Stop').click();
  const status = await waitForRunEnd(page, 120_000);
  assert.match(status, /^Stopped at step \d+$/);
  const step = Number(/\d+/.exec(status)![0]);
  assert.ok(step >= 2 && step < 200, status);
  assert.equal(await page.getByRole('progressbar').getAttribute('aria-valuenow'), String(step));
  assert.ok(await button(page, 'Train').isEnabled(), 'Train is enabled after stopping');
  assert.ok(await button(page, 'Stop').isDisabled(), 'Stop is disabled after stopping');
  const metrics = await textOf(page.getByTestId('final-metrics'));
  assert.match(metrics, /eval_accuracy\D*\d+\.\d{4}/, `final metrics after stop: ${metrics}`);
  ctx.log(`${status}; ${metrics.replace(/\s+/g, ' ')}`);
}

/**
 * The same seeded run on WebGPU and on the CPU backend (TF.js's reference kernels) logs the same
 * loss and gradient norm at every step: WebGPU trains the same model, not just some model.
 */
async function webGpuMatchesCpu(ctx: E2EContext): Promise<void> {
  const args = { ...ARGS, max_steps: 3 };
  const runs: Record<string, LogEntry[]> = {};
  for (const backend of ['cpu', 'webgpu']) {
    const { page } = await tinyRunOn(ctx, backend, args, 'no');
    await button(page, 'Train').click();
    assert.equal(await waitForRunEnd(page), 'Finished');
    const { entry } = await exportZip(page, ctx.outDir, `parity-${backend}.zip`);
    runs[backend] = trainingLogs(entry);
    await page.context().close();
    const shown = runs[backend].map((e) => `${e.step}: loss ${e.loss} grad_norm ${e.grad_norm}`);
    ctx.log(`${backend}: ${shown.join('; ')}`);
  }
  const [cpu, gpu] = [runs.cpu, runs.webgpu];
  assert.equal(gpu.length, args.max_steps);
  assert.equal(cpu.length, args.max_steps);
  for (let i = 0; i < cpu.length; i++) {
    const where = `step ${cpu[i].step}: webgpu ${JSON.stringify(gpu[i])} vs cpu ${JSON.stringify(cpu[i])}`;
    // Losses are logged to 4 decimals; float32 kernels differ in the last bits only.
    assert.ok(Math.abs(gpu[i].loss - cpu[i].loss) <= 2e-4, `loss differs at ${where}`);
    assert.ok(
      Math.abs(gpu[i].grad_norm - cpu[i].grad_norm) <= 1e-3 * Math.max(1, cpu[i].grad_norm),
      `grad_norm differs at ${where}`,
    );
  }
}

export const tests: E2ETest[] = [
  { name: 'drop a CSV, train on WebGPU, export, reload and predict', fn: studioOnWebGpu },
  { name: 'WebGPU training matches the CPU backend step for step', fn: webGpuMatchesCpu },
  { name: 'Stop ends a run early', fn: stopEarly },
];
