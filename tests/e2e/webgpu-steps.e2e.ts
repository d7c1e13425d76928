/**
 * The WebGPU training step as a real GPU runs it, counted on SwiftShader (whose counts equal a
 * GPU's: they come from the program, not the device): a test-only page (tests/e2e/webgpu-steps/)
 * built with Vite runs the studio's Trainer on the default model and reads the backend's own
 * counters at each step's end and each log entry. In the steady state (past the first logging
 * interval, away from log entries) a step reads nothing back to the CPU, allocates no new GPU
 * memory (past the buffer pool's growth) and dispatches at most half of the 585 TF.js kernels a
 * step took with only TF.js's generic kernels; a log entry reads its values once. A few steps
 * give the cpu backend's losses and grad norms.
 * (Before the studio's WGSL kernels and the step log: 409 dispatches and 2 reads per step.)
 *
 * `STEPS_BERT_BASE=1` adds bert-base-cased's shape (768/12/12/3072, vocabulary 28,996): two
 * steps on WebGPU within the adapter's limits (minutes on SwiftShader).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { startServer } from '../../scripts/serve.mjs';
import type { WebGpuCounts } from '../../src/core/kernels/webgpu/counters';
import type { E2EContext, E2ETest } from './harness';
import { waitFor } from './helpers';
import type { RunResult } from './webgpu-steps/steps';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * TF.js kernels in one default-model step with only its generic kernels (`tf.profile`, as
 * `npm run bench:page` counts them; 409 of them dispatched, by these counters): the figure to halve.
 */
const GENERIC_DISPATCHES = 585;

async function openPage(
  ctx: E2EContext,
  run: string,
  timeoutMs: number,
): Promise<Record<string, RunResult>> {
  const outDir = path.join(ctx.outDir, 'webgpu-steps-page');
  await build({
    configFile: false,
    root: path.join(here, 'webgpu-steps'),
    base: './',
    logLevel: 'warn',
    // Unminified: the counters name each program by its class.
    build: { outDir, emptyOutDir: true, target: 'es2022', minify: false },
  });
  const server = await startServer({ root: outDir, port: 0 });
  try {
    const page = await ctx.browser.newPage();
    await page.goto(`${server.url}?run=${run}`);
    const result = (await waitFor(
      `the ${run} run to finish`,
      () => page.evaluate(() => (window as unknown as { __steps?: unknown }).__steps),
      { timeoutMs, intervalMs: 500 },
    )) as Record<string, RunResult> & { error?: string };
    assert.equal(result.error, undefined, result.error);
    return result;
  } finally {
    await server.close();
  }
}

const brief = (c: WebGpuCounts) =>
  `${c.dispatches} dispatches, ${c.reads} reads, ${c.uploadBytes} bytes uploaded, ` +
  `${c.allocatedBytes} bytes allocated`;

async function countedSteps(ctx: E2EContext): Promise<void> {
  const { webgpu } = await openPage(ctx, 'count', 300_000);
  assert.equal(webgpu.backend, 'webgpu');
  for (const s of webgpu.steps) {
    ctx.log(
      `step ${s.step}: ${brief(s.step_counts)}` +
        (s.log_counts ? `; its log entry: ${brief(s.log_counts)}` : ''),
    );
  }
  const top = Object.entries(webgpu.steps.at(-1)!.step_counts.byProgram)
    .sort((a, b) => b[1] - a[1])
    .map(([n, c]) => `${n} ${c}`)
    .join(', ');
  ctx.log(`programs of the last step: ${top}`);
  assert.equal(webgpu.steps.length, 12);
  // Steps 9-12: past two logging intervals, so every shape, and every phase of TF.js's batched
  // submits against a read, has been seen (the buffer pool has grown to what a step needs).
  for (const s of webgpu.steps.slice(8)) {
    const c = s.step_counts;
    assert.equal(c.reads, 0, `step ${s.step} read ${c.reads} times from the GPU`);
    // No buffer of a tensor's size: only the pool of uniform buffers may still grow by a few.
    assert.ok(c.allocatedBytes < 4096, `step ${s.step} allocated ${c.allocatedBytes} bytes`);
    assert.ok(
      c.dispatches <= GENERIC_DISPATCHES / 2,
      `step ${s.step}: ${c.dispatches} dispatches, more than half of ${GENERIC_DISPATCHES}`,
    );
  }
  // A log entry (steps 4, 8 and 12) reads its values back, once.
  for (const s of [webgpu.steps[3], webgpu.steps[7], webgpu.steps[11]]) {
    assert.ok(s.log_counts, `step ${s.step} logged`);
    assert.equal(s.log_counts.reads, 1, `the log entry of step ${s.step}: ${brief(s.log_counts)}`);
  }
  assert.equal(webgpu.leaked, 0, `leaked ${webgpu.leaked} tensors`);
}

async function parity(ctx: E2EContext): Promise<void> {
  const { cpu, webgpu } = await openPage(ctx, 'parity', 300_000);
  const train = (r: RunResult) =>
    r.log.filter((e) => 'loss' in e) as unknown as Record<string, number>[];
  const [c, g] = [train(cpu), train(webgpu)];
  ctx.log(
    `losses cpu ${c.map((e) => e.loss.toFixed(5))} webgpu ${g.map((e) => e.loss.toFixed(5))}`,
  );
  assert.equal(c.length, 4);
  assert.equal(g.length, 4);
  c.forEach((e, i) => {
    assert.ok(Math.abs(e.loss - g[i].loss) < 1e-4, `step ${i + 1} loss: ${e.loss} vs ${g[i].loss}`);
    assert.ok(
      Math.abs(e.grad_norm - g[i].grad_norm) < 1e-4,
      `step ${i + 1} grad norm: ${e.grad_norm} vs ${g[i].grad_norm}`,
    );
  });
  assert.notEqual(g[0].loss, g[3].loss);
  for (const r of [cpu, webgpu]) assert.equal(r.leaked, 0, `${r.backend} leaked ${r.leaked}`);
}

async function bertBase(ctx: E2EContext): Promise<void> {
  const { webgpu } = await openPage(ctx, 'bert-base', 1_500_000);
  const train = webgpu.log.filter((e) => 'loss' in e) as unknown as Record<string, number>[];
  ctx.log(
    `bert-base on WebGPU: losses ${train.map((e) => e.loss)}, grad norms ` +
      `${train.map((e) => e.grad_norm)} in ${webgpu.seconds.toFixed(0)} s; the device allows ` +
      `tensors of ${webgpu.maxTensorBytes} bytes; ${webgpu.allocatedBytes} bytes of GPU buffers`,
  );
  assert.equal(train.length, 2);
  for (const e of train) assert.ok(Number.isFinite(e.loss) && Number.isFinite(e.grad_norm));
}

export const tests: E2ETest[] = [
  {
    name: 'WebGPU: a steady-state training step reads nothing back and dispatches half as much',
    fn: countedSteps,
  },
  { name: 'WebGPU: the Trainer steps equal the cpu backend', fn: parity },
  ...(process.env.STEPS_BERT_BASE === '1'
    ? [{ name: 'WebGPU: bert-base trains two steps', fn: bertBase, timeoutMs: 1_600_000 }]
    : []),
];
