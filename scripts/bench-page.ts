/**
 * Training speed of the studio's model code in the browser, as the studio trains: a page
 * (scripts/bench-page/) built with Vite, served cross-origin isolated (scripts/serve.mjs), opened
 * in headless Chromium; each (shape, backend) run trains in a fresh dedicated worker with the
 * Trainer's update step (forward + loss + tf.variableGrads, flattened gradients, global-norm
 * clipping at 1, AdamW) on random ids (batch 32, 128 tokens, vocab 30522, 4 labels, dropout on).
 *
 *   npm run bench:page
 *   node --import tsx scripts/bench-page.ts --shapes default,tiny,mini --steps 6 --backends wasm1,wasmN
 *   npm run bench:page -- --shapes tiny --rounds 3 --user     # + the page driven as a user drives it
 *
 * By default: 1 worker (`wasm1`) against N workers (`workersN`) on each shape, interleaved over
 * `--rounds` rounds (3; best of them), beside transformers' Trainer (PyTorch, all cores) on the
 * same shapes (scripts/bench_torch_trainer.py on rows that all reach `--seq` tokens, so its
 * batches are [batch, seq] too; `--skip-python` leaves it out).
 *
 * Backends: `wasm1` (wasm, setThreadsCount(1): one worker), `workersN` (one wasm thread in each of
 * `--workers` Web Workers, default navigator.hardwareConcurrency: the page's data parallelism,
 * src/worker/replicas.ts, every step split), `wasmN` (wasm, one thread per core:
 * navigator.hardwareConcurrency), `webgpu` (SwiftShader here: emulated on the CPU, slow, so it
 * runs `--webgpu-steps` steps (default 3) and only the shapes of `--webgpu-shapes`, default
 * `default`; `all` for every shape). ms/step leaves out the first 2 steps (`--warmup`);
 * kernels/step is tf.profile of one more step; the heap is the wasm module's
 * memory.buffer.byteLength after the run (webgpu: tf.memory().numBytes). "studio kernels" is
 * whether wasmGelu() (src/core/kernels/wasmKernels.ts) found the backend's memory.
 *
 * `--user`: the studio itself (dist/, `npm run build` first) driven as a user drives it, for each
 * shape: a short-text CSV dropped (`--user-csv`, text and label columns; default the demo's SMS
 * file, ~25 tokens a row), the model's sizes typed in, batch `--batch`, max_length `--seq`, Workers
 * 1 then one per core, Train pressed, samples/s read off the run bar (scripts/bench-torch-page.ts);
 * and PyTorch's Trainer on the same CSV (dynamic padding, as the page). Interleaved over rounds
 * too; `--user-steps` steps (30), the first `--warmup` + 1 left out.
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../tests/e2e/chromium';
import type {
  BenchBackend,
  BenchRequest,
  BenchResult,
  BenchShape,
  MemoryReport,
} from './bench-page/protocol';
import { writeBenchData } from './benchTorchData';
import { best, times, torchOn, userDriven, type UserRow } from './benchPageTorch';
import { startServer } from './serve.mjs';

const repoRoot = path.resolve(import.meta.dirname, '..');
const pageRoot = path.join(repoRoot, 'scripts/bench-page');

const SHAPES: Record<string, BenchShape> = {
  default: { hidden: 64, layers: 2, heads: 4, intermediate: 128 },
  tiny: { hidden: 128, layers: 2, heads: 2, intermediate: 512 },
  mini: { hidden: 256, layers: 4, heads: 4, intermediate: 1024 },
};
const BACKENDS: BenchBackend[] = ['wasm1', 'workersN', 'wasmN', 'webgpu'];

const argv = process.argv.slice(2);
function flag(name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0 && argv[i + 1] !== undefined) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(`--${name}=`));
  return eq ? eq.slice(name.length + 3) : fallback;
}
function intFlag(name: string, fallback: number, min: number): number {
  const v = Number(flag(name, String(fallback)));
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be an integer >= ${min}`);
  return v;
}
const list = (s: string) => s.split(',').filter(Boolean);

const shapeNames = list(flag('shapes', 'default'));
for (const s of shapeNames) {
  if (!SHAPES[s]) throw new Error(`unknown shape ${s}: use ${Object.keys(SHAPES).join(', ')}`);
}
const backends = list(flag('backends', 'wasm1,workersN')) as BenchBackend[];
for (const b of backends) {
  if (!BACKENDS.includes(b)) throw new Error(`unknown backend ${b}: use ${BACKENDS.join(', ')}`);
}
const warmup = intFlag('warmup', 2, 0);
const steps = intFlag('steps', 6, warmup + 1);
const webgpuSteps = intFlag('webgpu-steps', Math.min(steps, 3), warmup + 1);
const webgpuShapes = flag('webgpu-shapes', 'default');
const batch = intFlag('batch', 32, 1);
const seqLen = intFlag('seq', 128, 1);
const timeoutS = intFlag('timeout', 600, 1);
const jsonOut = flag('json', '');
const rounds = intFlag('rounds', 3, 1);
/** Workers of `workersN` (0: the page's navigator.hardwareConcurrency). */
const workersFlag = intFlag('workers', 0, 0);
const skipPython = argv.includes('--skip-python');
const python = flag('python', process.env.PYTHON ?? 'python3');
const user = argv.includes('--user');
const userCsv = flag('user-csv', '');
const userSteps = intFlag('user-steps', 30, warmup + 2);
const side = { python, batch, seqLen };
/**
 * navigator.hardwareConcurrency as the worker (and so the emscripten module) sees it; 0 = the
 * machine's. TF.js's wasm backend caps its threads at hardwareConcurrency / 2, so on 2 cores
 * `--cores 4` is what lets wasmN really run 2 threads.
 */
const cores = intFlag('cores', 0, 0);

const mb = (bytes: number | null | undefined) =>
  bytes === null || bytes === undefined ? '–' : (bytes / 2 ** 20).toFixed(1);
const fixed = (x: number | null, d: number) => (x === null ? '–' : x.toFixed(d));

async function buildPage(outDir: string): Promise<void> {
  await build({
    configFile: false,
    root: pageRoot,
    base: './',
    logLevel: 'warn',
    assetsInclude: ['**/*.wasm'],
    worker: { format: 'es' },
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      chunkSizeWarningLimit: 8192,
      rollupOptions: { input: path.join(pageRoot, 'index.html') },
    },
  });
}

interface Row {
  req: BenchRequest;
  result?: BenchResult;
  error?: string;
}

async function runOne(page: Page, req: BenchRequest): Promise<BenchResult> {
  return page.evaluate(
    ([r, ms]) =>
      (
        window as unknown as {
          __benchRun: (req: BenchRequest, timeoutMs: number) => Promise<BenchResult>;
        }
      ).__benchRun(r, ms),
    [req, timeoutS * 1000] as const,
  );
}

function memoryNote(m: MemoryReport | null): string {
  if (!m) return '–';
  return (
    `asm.memory ${m.asmMemory ? 'yes' : 'no'}, wasmMemory ${m.wasmMemory ? 'yes' : 'no'}, ` +
    `memories at [${m.memoriesAt.join(', ')}], shared ${m.shared}, threads ${m.threads}, ` +
    `memory ${mb(m.memoryBytes)} MB, HEAPU8 ${mb(m.heapU8Bytes)} MB`
  );
}

const outDir = path.join(repoRoot, 'out/bench-page');
console.log(`building the page into ${path.relative(repoRoot, outDir)}…`);
await buildPage(outDir);
const server = await startServer({ root: outDir, port: 0 });
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
const rows: (Row & { round: number })[] = [];
/** PyTorch's samples/s per shape, one per round. */
const torchRuns = new Map<string, (number | null)[]>();
const torchData = writeBenchData(
  path.join(tmpdir(), 'trainer-studio-bench-page'),
  steps * batch,
  8,
);
let workers = workersFlag;
try {
  const page = await browser.newPage();
  page.on('console', (msg) => {
    if (msg.text().startsWith('[bench]')) process.stdout.write(`    ${msg.text().slice(8)}\n`);
  });
  page.on('pageerror', (err) => console.log(`    page error: ${err.message}`));
  await page.goto(server.url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  const isolated = await page.evaluate(() => ({
    isolated: crossOriginIsolated,
    cores: navigator.hardwareConcurrency,
  }));
  workers ||= Math.max(2, isolated.cores);
  console.log(
    `page: crossOriginIsolated ${isolated.isolated}, hardwareConcurrency ${isolated.cores}; ` +
      `batch ${batch} x ${seqLen} tokens, ${steps} steps (webgpu ${webgpuSteps}), ` +
      `first ${warmup} left out; workersN: ${workers} workers; ${rounds} rounds, interleaved`,
  );
  for (let round = 1; round <= rounds; round++) {
    for (const shapeName of shapeNames) {
      for (const backend of backends) {
        if (
          backend === 'webgpu' &&
          webgpuShapes !== 'all' &&
          !list(webgpuShapes).includes(shapeName)
        ) {
          continue;
        }
        const req: BenchRequest = {
          shapeName,
          shape: SHAPES[shapeName],
          backend,
          steps: backend === 'webgpu' ? webgpuSteps : steps,
          warmup,
          batch,
          seqLen,
          vocab: 30522,
          numLabels: 4,
          lr: 5e-5,
          seed: 42,
          profile: backend !== 'workersN',
          emulateCores: cores,
          workers,
        };
        console.log(`  round ${round}: ${shapeName} on ${backend}:`);
        try {
          const result = await runOne(page, req);
          rows.push({ req, result, round });
          console.log(
            `    ${fixed(result.msPerStep, 0)} ms/step, ${result.kernels ?? '–'} kernels/step ` +
              `(${result.topKernels.join(', ')}), tensors left ${result.tensorsLeft}, ` +
              `losses ${result.losses.map((l) => l.toFixed(4)).join(' ')}`,
          );
          if (result.endMemory) console.log(`    memory: ${memoryNote(result.endMemory)}`);
          else console.log(`    ${result.reason}; fallback adapter ${result.fallbackAdapter}`);
        } catch (e) {
          const error = (e as Error).message.replace(/^page\.evaluate: (Error: )?/, '');
          rows.push({ req, error, round });
          console.log(`    failed: ${error}`);
        }
      }
      if (!skipPython) {
        process.stdout.write(`  round ${round}: ${shapeName} on PyTorch… `);
        const t = await torchOn(
          side,
          torchData.train,
          torchData.validation,
          SHAPES[shapeName],
          steps,
          warmup,
        );
        const runs = torchRuns.get(shapeName) ?? [];
        runs.push(t.sps);
        torchRuns.set(shapeName, runs);
        console.log(t.sps !== null ? `${t.sps.toFixed(1)} samples/s` : `failed: ${t.error}`);
      }
    }
  }
} finally {
  await browser.close();
  await server.close();
}

const table = [
  '| shape | backend | round | ms/step | samples/s | kernels/step | wasm heap MB | studio kernels active |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
];
for (const { req, result: r, error, round } of rows) {
  if (!r) {
    table.push(
      `| ${req.shapeName} | ${req.backend} | ${round} | failed: ${error?.split('\n')[0]} | | | | |`,
    );
    continue;
  }
  const threads = r.endMemory?.threads;
  const label =
    r.backend === 'webgpu'
      ? 'webgpu'
      : r.backend === 'workersN'
        ? `workersN (${r.workers} workers x 1 thr)`
        : `${r.backend} (${threads ?? '?'} of ${r.requestedThreads} thr)`;
  const heap =
    r.backend === 'webgpu'
      ? `tf.memory ${mb(r.tfMemoryBytes)}`
      : mb(r.endMemory?.memoryBytes ?? r.endMemory?.heapU8Bytes);
  const active = r.kernelsActive === null ? 'n/a' : r.kernelsActive ? 'yes' : 'NO';
  table.push(
    `| ${r.shape} | ${label} | ${round} | ${fixed(r.msPerStep, 0)} | ${fixed(r.samplesPerSecond, 1)} | ` +
      `${r.kernels ?? '–'} | ${heap} | ${active} |`,
  );
}
console.log(`\n${table.join('\n')}`);

// 1 worker vs N workers vs PyTorch, best of the rounds.
const bestOf = (shape: string, backend: BenchBackend) =>
  best(
    rows
      .filter((r) => r.req.shapeName === shape && r.req.backend === backend)
      .map((r) => r.result?.samplesPerSecond),
  );
/**
 * N workers on N idle cores, projected from one round: the 1-worker run's gradient time split N
 * ways, plus the N-worker run's serial parts (batch assembly, weights out, the first share's
 * gradients read back, the shares summed) and the optimizer. A check of what the exchange costs
 * where other jobs share the cores (the measured ratio then says more about the scheduler).
 */
function projected(shape: string): { ms: number; speedup: number; serial: number } | null {
  let bestRow: { ms: number; speedup: number; serial: number } | null = null;
  for (let round = 1; round <= rounds; round++) {
    const pick = (b: BenchBackend) =>
      rows.find((r) => r.round === round && r.req.shapeName === shape && r.req.backend === b)
        ?.result;
    const one = pick('wasm1');
    const many = pick('workersN');
    const src = many?.parts.source;
    if (!one?.msPerStep || !many || !src) continue;
    const serial = src.assemble + src.broadcast + src.mainRead + src.sum;
    const ms = one.parts.gradients / many.workers + serial + one.parts.optimizer;
    const row = { ms, speedup: one.msPerStep / ms, serial };
    if (!bestRow || row.speedup > bestRow.speedup) bestRow = row;
  }
  return bestRow;
}

const summary = [
  `\nBest of ${rounds} interleaved rounds, samples/s (batch ${batch} x ${seqLen} tokens):`,
  `| shape | 1 worker | ${workers} workers | ${workers} vs 1 | projected on ${workers} idle cores | PyTorch | 1 worker / PyTorch | ${workers} workers / PyTorch |`,
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
];
for (const shape of shapeNames) {
  const one = bestOf(shape, 'wasm1');
  const many = bestOf(shape, 'workersN');
  const torch = best(torchRuns.get(shape) ?? []);
  const p = projected(shape);
  const proj = p
    ? `${p.speedup.toFixed(2)}x (${p.ms.toFixed(0)} ms/step, ${p.serial.toFixed(0)} ms serial)`
    : '–';
  summary.push(
    `| ${shape} | ${fixed(one, 1)} | ${fixed(many, 1)} | ${times(many, one)} | ${proj} | ` +
      `${fixed(torch, 1)} | ${times(one, torch)} | ${times(many, torch)} |`,
  );
}
console.log(summary.join('\n'));
for (const r of rows) {
  const p = r.result?.parts;
  if (!p) continue;
  const src = p.source
    ? '; ' +
      Object.entries(p.source)
        .filter(([k]) => k !== 'steps')
        .map(([k, v]) => `${k} ${v.toFixed(0)}`)
        .join(', ')
    : '';
  console.log(
    `  round ${r.round} ${r.req.shapeName} ${r.req.backend}: ms per step: gradients ` +
      `${p.gradients.toFixed(0)}, optimizer ${p.optimizer.toFixed(0)}${src}`,
  );
}

const wasmN = rows.find((r) => r.result?.backend === 'wasmN')?.result;
if (wasmN) {
  console.log(
    `\nwasmN (threaded build, worker hardwareConcurrency ${wasmN.hardwareConcurrency}, ` +
      `crossOriginIsolated ${wasmN.crossOriginIsolated}): studio kernels ` +
      `${wasmN.kernelsActive ? 'active' : 'NOT active'}; ` +
      memoryNote(wasmN.startMemory),
  );
}
for (const { req, error } of rows.filter((r) => r.error)) {
  console.log(`\n${req.shapeName} on ${req.backend} failed:\n${error}`);
}

const userRows: UserRow[] = user
  ? await userDriven({
      side,
      shapes: shapeNames.map((name) => ({ name, shape: SHAPES[name] })),
      rounds,
      steps: userSteps,
      skip: warmup + 1,
      userCsv,
      skipPython,
    })
  : [];

if (jsonOut) {
  await writeFile(
    jsonOut,
    JSON.stringify({ rows, torch: Object.fromEntries(torchRuns), user: userRows }, null, 2),
  );
}
process.exitCode = rows.some((r) => r.error) ? 1 : 0;
