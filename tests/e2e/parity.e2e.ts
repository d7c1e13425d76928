/**
 * The model on WebGPU against PyTorch: a test-only page (tests/e2e/pages/) built with
 * Vite runs the studio's BERT in Chromium on the `webgpu` and `cpu` backends. On WebGPU the
 * fixture's logits match PyTorch to 1e-4, and a few seeded training steps (dropout on, AdamW,
 * clipping) give the same losses and grad norms as the cpu backend; so does every other
 * registered family with a fixture (tests/fixtures/auto/<model_type>), against transformers'
 * logits and the cpu backend's steps.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Papa from 'papaparse';
import { build } from 'vite';
import { startServer } from '../../scripts/serve.mjs';
import { FAMILIES } from '../../src/core/model/families';
import { encodeDataset } from '../../src/core/tokenize/encode';
import { fastTokenizer } from '../../src/core/tokenize/fastWordPiece';
import { loadTokenizerFromDir } from '../../src/core/tokenize/tokenizerNode';

import type { E2EContext } from './harness';
import type { FamilyParity } from './pages/familyParity';
import { FIXTURES, waitFor } from './helpers';

const here = path.dirname(fileURLToPath(import.meta.url));

interface BackendResult {
  backend: string;
  fixture: { logits: number; loss: number; gradNorm: number };
  curve: { losses: number[]; norms: number[] };
  leaked: number;
  families: Record<string, FamilyParity>;
}

async function webgpuParity(ctx: E2EContext): Promise<void> {
  const outDir = path.join(ctx.outDir, 'parity-page');
  await build({
    configFile: false,
    root: path.join(here, 'pages'),
    base: './',
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      rollupOptions: { input: path.join(here, 'pages/index.html') },
    },
  });
  await mkdir(path.join(outDir, 'fixture'), { recursive: true });
  await cp(path.join(FIXTURES, 'bert-tiny-random'), path.join(outDir, 'fixture'), {
    recursive: true,
  });
  // Every registered family with a transformers fixture (tests/fixtures/auto/<model_type>): its
  // checkpoint, transformers' logits of validation.csv, and the first 16 of those rows as the
  // studio tokenizes them with the checkpoint's tokenizer (padded to the longest).
  const types = FAMILIES.flatMap((f) => f.modelTypes).filter((t) =>
    existsSync(path.join(FIXTURES, 'auto', t, 'initial_logits.json')),
  );
  for (const t of types) {
    const from = path.join(FIXTURES, 'auto', t);
    const to = path.join(outDir, 'auto', t);
    await mkdir(to, { recursive: true });
    for (const f of [
      'checkpoint/config.json',
      'checkpoint/model.safetensors',
      'initial_logits.json',
    ]) {
      await cp(path.join(from, f), path.join(to, path.basename(f)));
    }
    const tok = fastTokenizer(await loadTokenizerFromDir(path.join(from, 'checkpoint')));
    const csv = await readFile(path.join(from, 'validation.csv'), 'utf8');
    const texts = Papa.parse<{ text: string }>(csv, { header: true, skipEmptyLines: true })
      .data.slice(0, 16)
      .map((r) => r.text);
    const enc = encodeDataset(tok, texts, null, 48); // the fixtures' max_length
    const len = (i: number) => enc.offsets[i + 1] - enc.offsets[i];
    const T = Math.max(...texts.map((_, i) => len(i)));
    const rows = (f: (i: number, j: number) => number) =>
      texts.map((_, i) => Array.from({ length: T }, (_, j) => f(i, j)));
    const batch = {
      input_ids: rows((i, j) => (j < len(i) ? enc.ids[enc.offsets[i] + j] : tok.padId)),
      attention_mask: rows((i, j) => (j < len(i) ? 1 : 0)),
      token_type_ids: rows(() => 0),
    };
    await writeFile(path.join(to, 'batch.json'), JSON.stringify(batch));
  }
  await writeFile(path.join(outDir, 'auto', 'families.json'), JSON.stringify(types));
  ctx.log('parity page built');
  const server = await startServer({ root: outDir, port: 0 });
  try {
    const page = await ctx.browser.newPage();
    await page.goto(server.url);
    const result = (await waitFor(
      'the parity page to finish',
      () => page.evaluate(() => (window as unknown as { __parity?: unknown }).__parity),
      { timeoutMs: 300_000, intervalMs: 500 },
    )) as Record<string, BackendResult> & { error?: string };
    assert.equal(result.error, undefined, result.error);
    const { cpu, webgpu } = result;
    ctx.log(
      `webgpu vs PyTorch: ${JSON.stringify(webgpu.fixture)}; cpu: ${JSON.stringify(cpu.fixture)}`,
    );
    assert.equal(webgpu.backend, 'webgpu');
    for (const r of [cpu, webgpu]) {
      assert.ok(
        r.fixture.logits < 1e-4,
        `${r.backend} logits differ from PyTorch by ${r.fixture.logits}`,
      );
      assert.ok(r.fixture.loss < 1e-4, `${r.backend} loss differs by ${r.fixture.loss}`);
      assert.ok(
        r.fixture.gradNorm < 1e-4,
        `${r.backend} grad norm differs by ${r.fixture.gradNorm}`,
      );
      assert.equal(r.leaked, 0, `${r.backend} leaked ${r.leaked} tensors`);
    }
    ctx.log(
      `losses cpu ${cpu.curve.losses.map((x) => x.toFixed(5))} webgpu ${webgpu.curve.losses.map((x) => x.toFixed(5))}`,
    );
    cpu.curve.losses.forEach((l, i) => {
      assert.ok(
        Math.abs(l - webgpu.curve.losses[i]) < 1e-4,
        `step ${i + 1} loss: cpu ${l}, webgpu ${webgpu.curve.losses[i]}`,
      );
      const n = webgpu.curve.norms[i];
      assert.ok(
        Math.abs(cpu.curve.norms[i] - n) < 1e-4,
        `step ${i + 1} grad norm: cpu ${cpu.curve.norms[i]}, webgpu ${n}`,
      );
    });
    // The curve moved: the steps really trained.
    assert.notEqual(webgpu.curve.losses[0], webgpu.curve.losses[3]);
    // The other families: transformers' logits on both backends, the same training steps.
    assert.deepEqual(Object.keys(webgpu.families), types);
    // Every family is run and logged before the verdict, so one report names all that differ.
    const problems: string[] = [];
    const check = (ok: boolean, message: string) => {
      if (!ok) problems.push(message);
    };
    for (const t of types) {
      const [c, g] = [cpu.families[t], webgpu.families[t]];
      ctx.log(
        `${t}: logits vs transformers cpu ${c.logits.toExponential(2)}, webgpu ` +
          `${g.logits.toExponential(2)}; losses cpu ${c.losses.map((x) => x.toFixed(5))} ` +
          `webgpu ${g.losses.map((x) => x.toFixed(5))}`,
      );
      for (const [backend, r] of [
        ['cpu', c],
        ['webgpu', g],
      ] as const) {
        check(
          r.logits < 1e-4,
          `${t} on ${backend}: logits differ from transformers' by ${r.logits}`,
        );
        check(r.leaked === 0, `${t} on ${backend} leaked ${r.leaked} tensors`);
      }
      c.losses.forEach((l, i) => {
        check(Math.abs(l - g.losses[i]) < 1e-4, `${t} step ${i + 1} loss: ${l} vs ${g.losses[i]}`);
        check(
          Math.abs(c.norms[i] - g.norms[i]) < 1e-4,
          `${t} step ${i + 1} grad norm: ${c.norms[i]} vs ${g.norms[i]}`,
        );
      });
      check(g.losses[0] !== g.losses[2], `${t}: the steps did not train`);
    }
    assert.deepEqual(problems, []);
  } finally {
    await server.close();
  }
}

export const tests = [
  {
    name: 'BERT and the other families on WebGPU match PyTorch and the cpu backend',
    fn: webgpuParity,
  },
];
