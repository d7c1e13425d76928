/**
 * ModernBERT on WebGPU against transformers: a test-only page (tests/e2e/pages/modernbert/)
 * built with Vite runs the family in Chromium on the `webgpu` and `cpu` backends; both give the
 * reference logits (padded batch, sliding windows shorter than it) within 1e-5, the loss, and
 * every parameter's gradient norm within 1e-4 relative, leaking no tensors.
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

type Errors = {
  logits: number | null;
  loss: number | null;
  gradNorm: number | null;
  leaked: number;
};
type BackendResult = { backend: string; fixture: Errors; variant: Errors };

async function modernbertParity(ctx: E2EContext): Promise<void> {
  const root = path.join(here, 'pages/modernbert');
  const outDir = path.join(ctx.outDir, 'modernbert-parity-page');
  await build({
    configFile: false,
    root,
    base: './',
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      rollupOptions: { input: path.join(root, 'index.html') },
    },
  });
  await mkdir(path.join(outDir, 'fixture'), { recursive: true });
  await cp(path.join(FIXTURES, 'auto/modernbert'), path.join(outDir, 'fixture'), {
    recursive: true,
  });
  const server = await startServer({ root: outDir, port: 0 });
  try {
    const page = await ctx.browser.newPage();
    await page.goto(server.url);
    const result = (await waitFor(
      'the ModernBERT parity page to finish',
      () => page.evaluate(() => (window as unknown as { __parity?: unknown }).__parity),
      { timeoutMs: 300_000, intervalMs: 500 },
    )) as Record<string, BackendResult> & { error?: string };
    assert.equal(result.error, undefined, result.error);
    ctx.log(`ModernBERT: ${JSON.stringify(result)}`);
    assert.equal(result.webgpu.backend, 'webgpu');
    for (const r of [result.cpu, result.webgpu]) {
      for (const [which, e] of Object.entries({ fixture: r.fixture, variant: r.variant })) {
        const at = `${r.backend} ${which}`;
        // NaN arrives as null and fails these
        assert.ok(e.logits !== null && e.logits < 1e-5, `${at}: logits differ by ${e.logits}`);
        assert.ok(e.loss !== null && e.loss < 1e-5, `${at}: loss differs by ${e.loss}`);
        assert.ok(
          e.gradNorm !== null && e.gradNorm < 1e-4,
          `${at}: a gradient norm differs by ${e.gradNorm} (relative)`,
        );
        assert.equal(e.leaked, 0, `${at}: leaked ${e.leaked} tensors`);
      }
    }
  } finally {
    await server.close();
  }
}

export const tests = [
  { name: 'ModernBERT on WebGPU matches transformers and the cpu backend', fn: modernbertParity },
];
