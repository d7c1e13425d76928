/**
 * Token classification in the page, as transformers' token-classification guide: drop the WNUT
 * 2017 training file (CoNLL) and its dev file as validation, train a tiny model from scratch for
 * a few steps, check the data report, the live eval_f1 chart, the per-entity-type table (every
 * WNUT type), the entity confusion and the sentence mistakes, Try it's entity marks, and export
 * the model: where python3 has transformers, `pipeline("token-classification",
 * aggregation_strategy="simple")` loads the exported folder and gives the entities Try it showed.
 * Screenshots of the NER views go to docs/screenshots/.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import type { E2EContext, E2ETest } from './harness';
import {
  button,
  chartPoints,
  dropFile,
  fixtureBytes,
  openStudio,
  pageState,
  setField,
  textOf,
  waitFor,
  waitForBackend,
  waitForFileName,
  TINY_MODEL,
} from './helpers';

const here = path.dirname(fileURLToPath(import.meta.url));
const SHOTS = path.resolve(here, '../../docs/screenshots');

const WNUT_TYPES = ['corporation', 'creative-work', 'group', 'location', 'person', 'product'];
const MODEL = { ...TINY_MODEL, hidden_size: 64, intermediate_size: 128, max_length: 64 };
const ARGS = {
  max_steps: 300,
  per_device_train_batch_size: 16,
  logging_steps: 20,
  eval_steps: 100,
  learning_rate: 0.003,
};
/** A sentence of the training file (its first, with "Empire State Building" a location). */
const TYPED = "It's the view from where I'm living for two weeks. Empire State Building = ESB.";

interface Mark {
  type: string;
  text: string;
  score: number;
}

async function ner(ctx: E2EContext): Promise<void> {
  await mkdir(SHOTS, { recursive: true });
  const page = await openStudio(ctx, '?backend=wasm');
  await page.setViewportSize({ width: 1280, height: 900 });
  await waitForBackend(page);
  await waitForFileName(page, 'spam.csv', 120_000);
  await dropFile(page, {
    name: 'wnut17train.conll',
    bytes: await fixtureBytes('data/wnut17/wnut17train.conll'),
  });
  await waitForFileName(page, 'wnut17train.conll');
  await dropFile(
    page,
    { name: 'emerging.dev.conll', bytes: await fixtureBytes('data/wnut17/emerging.dev.conll') },
    'validation-dropzone',
  );
  for (const [k, v] of Object.entries(MODEL)) await setField(page, k, v);
  for (const [k, v] of Object.entries(ARGS)) await setField(page, k, v);
  await page.getByRole('combobox', { name: 'eval_strategy', exact: true }).selectOption('steps');

  // The data report says what the reader found: 3,394 sentences, the tags, IOB2, the entities.
  const found = await waitFor(
    'the tagged data report',
    async () => {
      const t = await textOf(page.getByTestId('tagged-found'));
      return /3,394 sentences/.test(t) ? t : undefined;
    },
    { timeoutMs: 120_000 },
    () => pageState(page),
  );
  ctx.log(`data report: ${found}`);
  assert.match(found, /CoNLL file/);
  assert.match(found, /13 tags/);
  assert.match(found, /scheme IOB2/);
  assert.equal(await textOf(page.getByTestId('report-task')), 'token classification');
  const perType = await textOf(page.getByTestId('tagged-entities'));
  for (const t of WNUT_TYPES) assert.ok(perType.includes(t), `entities per type lists ${t}`);
  assert.match(
    await textOf(page.getByTestId('tagged-truncation')),
    /^Truncation at max_length( \d+)? cuts [\d,]+ sentences? and [\d,]+ entit/,
  );
  await page
    .getByTestId('data-report')
    .screenshot({ path: path.join(SHOTS, 'ner-data-report.png') });

  await waitFor('Train to be enabled', () => button(page, 'Train').isEnabled(), {
    timeoutMs: 120_000,
  });
  const t0 = Date.now();
  await button(page, 'Train').click();
  const status = await waitFor(
    'the run to finish',
    async () => {
      const s = await textOf(page.getByTestId('status'));
      return /^Finished/.test(s) ? s : undefined;
    },
    { timeoutMs: 300_000, intervalMs: 300 },
    () => pageState(page),
  );
  ctx.log(`${status} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  // seqeval's metrics are logged and charted at every evaluation.
  for (const k of ['eval_f1', 'eval_precision', 'eval_recall', 'eval_accuracy']) {
    assert.equal(await chartPoints(page, k), ARGS.max_steps / ARGS.eval_steps, `${k} charted`);
  }

  // The per-entity-type table: every WNUT type, with its support in the dev file.
  const table = page.getByRole('table', { name: 'Per-entity-type scores' });
  await table.waitFor({ timeout: 120_000 });
  const types = await table
    .locator('tbody tr')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type') ?? ''));
  ctx.log(`per-type rows: ${types.join(', ')}`);
  for (const t of WNUT_TYPES) assert.ok(types.includes(t), `the table has ${t}`);
  const confusion = page.getByRole('table', { name: /^Entity confusion/ });
  const heads = await confusion.locator('thead th').allTextContents();
  for (const t of [...WNUT_TYPES, 'missed']) assert.ok(heads.includes(t), `confusion column ${t}`);
  assert.ok((await confusion.locator('tbody th').allTextContents()).includes('spurious'));
  const mistakes = page.getByRole('table', { name: 'Validation sentences with mistakes' });
  assert.ok((await mistakes.locator('tbody tr').count()) > 0, 'sentences with mistakes');
  assert.ok((await mistakes.locator('mark').count()) > 0, 'gold or predicted spans marked');
  ctx.log(await textOf(page.getByTestId('tagged-mistakes-count')));
  await page.getByTestId('eval-view').screenshot({ path: path.join(SHOTS, 'ner-evaluation.png') });
  // The first sentences only, from the top of the page (clear of the sticky run bar).
  await page.evaluate(() => window.scrollTo(0, 0));
  const first = await mistakes.boundingBox();
  const sixth = await mistakes.locator('tbody tr').nth(5).boundingBox();
  if (first && sixth) {
    const scrollY = await page.evaluate(() => window.scrollY);
    await page.screenshot({
      path: path.join(SHOTS, 'ner-mistakes.png'),
      fullPage: true,
      clip: {
        x: first.x,
        y: first.y + scrollY,
        width: first.width,
        height: sixth.y + sixth.height - first.y,
      },
    });
  }

  // Try it: the entities of a typed sentence, each mark with its type and score.
  await page.getByLabel('Text to tag', { exact: true }).fill(TYPED);
  const count = await waitFor(
    'entities of the typed sentence',
    async () => {
      const t = await textOf(page.getByTestId('entity-count'));
      return t ? t : undefined;
    },
    { timeoutMs: 30_000 },
    () => pageState(page),
  );
  ctx.log(`Try it: ${count}`);
  const marks: Mark[] = await page
    .getByTestId('entities')
    .locator('mark')
    .evaluateAll((ms) =>
      ms.map((m) => ({
        type: m.getAttribute('data-type') ?? '',
        text: (m.getAttribute('aria-label') ?? '').replace(/^[^:]*: /, ''),
        score: Number(m.getAttribute('data-score')),
      })),
    );
  assert.ok(marks.length > 0, `Try it marks entities in "${TYPED}" (${count})`);
  for (const m of marks) {
    assert.ok(WNUT_TYPES.includes(m.type), `a mark's type is a WNUT type: ${m.type}`);
    assert.ok(m.score > 0 && m.score <= 1, `a mark's score: ${m.score}`);
  }
  await page.getByTestId('prediction').screenshot({ path: path.join(SHOTS, 'ner-try-it.png') });

  // Export: the HF folder, with the tags in id2label.
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }),
    button(page, 'Export model').click(),
  ]);
  const zipPath = path.join(ctx.outDir, 'ner-model.zip');
  await download.saveAs(zipPath);
  const savedNote = page.getByTestId('export-saved');
  await savedNote.waitFor({ timeout: 30_000 });
  const saved = await textOf(savedNote);
  ctx.log(`export: ${saved}`);
  assert.ok(saved.includes(`Saved ${download.suggestedFilename()} (`), saved);
  assert.match(saved, /\(\d[\d.]* (KB|MB), \d+ files\)/, 'its size and file count');
  const zipped = unzipSync(new Uint8Array(await readFile(zipPath)));
  const top = `${download.suggestedFilename().replace(/\.zip$/, '')}/`;
  const dir = path.join(ctx.outDir, 'ner-model');
  await rm(dir, { recursive: true, force: true });
  for (const [name, bytes] of Object.entries(zipped)) {
    if (name.endsWith('/')) continue;
    const p = path.join(dir, name.startsWith(top) ? name.slice(top.length) : name);
    await mkdir(path.dirname(p), { recursive: true });
    await writeFile(p, bytes);
  }
  const config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as {
    architectures: string[];
    id2label: Record<string, string>;
  };
  assert.deepEqual(config.architectures, ['BertForTokenClassification']);
  assert.equal(Object.keys(config.id2label).length, 13, 'the 13 WNUT tags in id2label');
  assert.ok(Object.values(config.id2label).includes('B-location'));

  // The exported zip loaded back (Load exported model) tags the same entities in Try it.
  await page.getByLabel('Choose an exported model zip').setInputFiles(zipPath);
  await waitFor(
    'the exported model to load',
    async () => /^Loaded exported model/.test(await textOf(page.getByTestId('status'))),
    { timeoutMs: 60_000 },
    () => pageState(page),
  );
  await page.getByLabel('Text to tag', { exact: true }).fill(`${TYPED} `);
  const reloaded = await waitFor(
    'entities from the loaded model',
    async () => {
      const t = await textOf(page.getByTestId('entity-count'));
      return t === count ? t : undefined;
    },
    { timeoutMs: 30_000 },
    () => pageState(page),
  );
  ctx.log(`Try it with the loaded export: ${reloaded}`);

  const probe = spawnSync('python3', ['-c', 'import torch, transformers'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    ctx.log('ner: python3 lacks torch/transformers; the exported folder was not loaded');
    return;
  }
  const script = [
    'import json, sys',
    'from transformers import pipeline',
    'p = pipeline("token-classification", model=sys.argv[1], aggregation_strategy="simple")',
    'print(json.dumps([{"type": e["entity_group"], "start": int(e["start"]), "end": int(e["end"]),',
    '  "score": float(e["score"])} for e in p(sys.argv[2])]))',
  ].join('\n');
  const run = spawnSync('python3', ['-c', script, dir, TYPED], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr.slice(-2000));
  const hf = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '[]') as {
    type: string;
    start: number;
    end: number;
    score: number;
  }[];
  ctx.log(`transformers' pipeline: ${JSON.stringify(hf)}`);
  assert.deepEqual(
    hf.map((e) => [e.type, TYPED.slice(e.start, e.end)]),
    marks.map((m) => [m.type, m.text]),
    'the same entities as Try it',
  );
  hf.forEach((e, i) =>
    assert.ok(Math.abs(e.score - marks[i].score) < 1e-4, `score ${e.score} vs ${marks[i].score}`),
  );
}

/** A gzip-compressed CoNLL file (`gzip -9n` of WNUT's first 100 sentences) is read as tagged. */
async function gzipConll(ctx: E2EContext): Promise<void> {
  const page = await openStudio(ctx, '?backend=wasm');
  await waitForBackend(page);
  await waitForFileName(page, 'spam.csv', 120_000);
  await dropFile(page, {
    name: 'wnut17train-head100.conll.gz',
    bytes: await fixtureBytes('data/wnut17/wnut17train-head100.conll.gz'),
    type: 'application/gzip',
  });
  await waitForFileName(page, 'wnut17train-head100.conll.gz');
  assert.equal(await textOf(page.getByTestId('file-format')), 'CoNLL (gzip)');
  const found = await waitFor(
    'the tagged data report',
    async () => {
      const t = await textOf(page.getByTestId('tagged-found'));
      return /100 sentences/.test(t) ? t : undefined;
    },
    { timeoutMs: 60_000 },
    () => pageState(page),
  );
  ctx.log(`data report: ${found}`);
  assert.match(found, /^CoNLL file: 100 sentences, 1,929 words, 12 tags/);
  assert.equal(await textOf(page.getByTestId('report-task')), 'token classification');
}

export const tests: E2ETest[] = [
  {
    name: 'token classification: WNUT 2017 data report, training, entity views, Try it, export',
    fn: ner,
    timeoutMs: 8 * 60_000,
  },
  {
    name: 'token classification: a gzip-compressed CoNLL file is read as tagged sentences',
    fn: gzipConll,
  },
];
