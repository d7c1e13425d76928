/**
 * The model on WebGPU against PyTorch: a test-only page (tests/e2e/pages/) built with
 * Vite runs the studio's BERT in Chromium on the `webgpu` and `cpu` backends. On WebGPU the
 * fixture's logits match PyTorch to 1e-4, and a few seeded training steps (dropout on, AdamW,
 * clipping) give the same losses and grad norms as the cpu backend.
 */
import assert from 'node:assert/strict';
import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { startServer } from '../../scripts/serve.mjs';
import type { E2EContext } from './harness';
import { FIXTURES, waitFor } from './helpers';

const here = path.dirname(fileURLToPath(import.meta.url));

interface BackendResult {
  backend: string;
  fixture: { logits: number; loss: number; gradNorm: number };
  curve: { losses: number[]; norms: number[] };
  leaked: number;
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
  } finally {
    await server.close();
  }
}

export const tests = [
  { name: 'BERT on WebGPU matches PyTorch and the cpu backend', fn: webgpuParity },
];
