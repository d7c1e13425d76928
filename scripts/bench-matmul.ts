/**
 * Matmul speed on one thread, against the ceiling wasm can reach on this CPU and against
 * PyTorch on one thread:
 *
 *   npm run bench:matmul                       # bert-tiny and bert-base shapes, 3 rounds
 *   npm run bench:matmul -- --tfjs --rounds 5  # the README's table
 *   npm run bench:matmul -- --shapes base --skip-python
 *
 * - Peak: a register-only wasm loop of 12 independent f32x4 chains `c = c * x + y` (a mul and
 *   an add, 8 flops per lane group), and the same with `f32x4.relaxed_madd` where the runtime
 *   validates it: what one thread of wasm can do here at most, whatever the kernel.
 * - Products: the dense layers of BERT at bert-tiny (hidden 128, intermediate 512) and bert-base
 *   (768, 3072) sizes, over batch x length = 1,024 and 4,096 rows, each as the forward `x @ W`
 *   (NN), the input gradient `dy @ W^T` (NT) and the weight gradient `x^T @ dy` (TN), plus
 *   attention's batched products (`q @ k^T`, `p @ v`). They run through `tf.matMul` on the wasm
 *   backend, as training runs them.
 * - Variants: `plain` (f32x4 mul + add) and `relaxed` (f32x4.relaxed_madd, an FMA on x86), both
 *   measured interleaved, round by round (best of `--rounds`): this script turns V8's relaxed
 *   SIMD flag on, as the CLI does. `--tfjs` adds TF.js's own kernel (XNNPACK) for the plain 2-D
 *   products.
 * - PyTorch: the same products (transposes as views) with `torch.set_num_threads(1)`.
 *
 * Every time is the CPU time of the process (`process.cpuUsage`, Python's `time.process_time`):
 * on a shared machine wall time also counts the waits for a core.
 */
import { spawnSync } from 'node:child_process';
import v8 from 'node:v8';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const tf = await import('@tensorflow/tfjs');
type Tensor = import('@tensorflow/tfjs').Tensor;
const { selectBackend } = await import('../src/core/backend');
const kernels = await import('../src/core/kernels/wasmModule');

tf.env().set('PROD', true);
const argv = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
};
const has = (name: string): boolean => argv.includes(`--${name}`);
const rounds = Number(flag('rounds', '3'));
const shapeSets = flag('shapes', 'tiny,base').split(',');
const python = flag('python', process.env.PYTHON ?? 'python3');

interface Product {
  name: string;
  /** a, b as stored; the product is op(a) @ op(b). */
  a: number[];
  b: number[];
  ta: boolean;
  tb: boolean;
  flops: number;
}

function denseProducts(rows: number, inDim: number, outDim: number): Product[] {
  const flops = 2 * rows * inDim * outDim;
  const tag = `${rows}x${inDim}->${outDim}`;
  return [
    { name: `${tag} fwd NN`, a: [rows, inDim], b: [inDim, outDim], ta: false, tb: false, flops },
    { name: `${tag} dx NT`, a: [rows, outDim], b: [inDim, outDim], ta: false, tb: true, flops },
    { name: `${tag} dW TN`, a: [rows, inDim], b: [rows, outDim], ta: true, tb: false, flops },
  ];
}

function attentionProducts(label: string, heads: number, len: number, headDim: number): Product[] {
  const flops = 2 * heads * len * len * headDim;
  return [
    {
      name: `${label} q@k^T [${heads},${len},${headDim}]`,
      a: [heads, len, headDim],
      b: [heads, len, headDim],
      ta: false,
      tb: true,
      flops,
    },
    {
      name: `${label} p@v [${heads},${len},${len}]`,
      a: [heads, len, len],
      b: [heads, len, headDim],
      ta: false,
      tb: false,
      flops,
    },
  ];
}

const products: Product[] = [];
if (shapeSets.includes('tiny')) {
  for (const rows of [1024, 4096]) {
    products.push(...denseProducts(rows, 128, 128), ...denseProducts(rows, 128, 512));
    products.push(...denseProducts(rows, 512, 128));
  }
  products.push(...attentionProducts('tiny b32', 32 * 2, 128, 64));
}
if (shapeSets.includes('base')) {
  for (const rows of [1024, 4096]) {
    products.push(...denseProducts(rows, 768, 768), ...denseProducts(rows, 768, 3072));
    products.push(...denseProducts(rows, 3072, 768));
  }
  products.push(...attentionProducts('base b8', 8 * 12, 128, 64));
}

/**
 * Milliseconds of CPU time `fn` takes: the machine may be shared, and CPU time leaves out the
 * time this process waited for a core (wall-clock time under load is several times longer).
 */
function cpuMs(fn: () => void): number {
  const t0 = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
}

// ---- wasm peak: register-only chains ----

/** One multiply-add on f32x4 values: `c + a * b`. */
const madd = (relaxed: boolean, a: string, b: string, c: string): string =>
  relaxed ? `(f32x4.relaxed_madd ${a} ${b} ${c})` : `(f32x4.add ${c} (f32x4.mul ${a} ${b}))`;

/**
 * The register-only loop of the peak, as `[locals, loop body, multiply-adds per body]`: 12
 * independent chains `c = c * x + y`. (A loop of `c += x_i * y_j` over invariant operands is no
 * measure: V8 computes the products once and leaves only the adds.)
 */
function peakLoop(relaxed: boolean): [string, string, number] {
  const get = (n: string): string => `(local.get $${n})`;
  const set = (n: string, v: string): string => `(local.set $${n} ${v})`;
  const k = (v: number): string => `(v128.const f32x4 ${v} ${v} ${v} ${v})`;
  const names = Array.from({ length: 12 }, (_, i) => `c${i}`);
  const locals = [...names, 'x', 'y'].map((n) => `(local $${n} v128)`).join(' ');
  const init = `${set('x', k(0.999))} ${set('y', k(0.001))}`;
  const body = names.map((c) => set(c, madd(relaxed, get(c), get('x'), get('y'))));
  return [`${locals} ${init}`, body.join('\n'), names.length];
}

/** GFLOP/s of {@link peakLoop}, or null where the runtime lacks relaxed SIMD. */
async function peakGflops(relaxed: boolean): Promise<number | null> {
  const { default: wabtInit } = await import('wabt');
  const wabt = await wabtInit();
  const unroll = 4;
  const [locals, step, madds] = peakLoop(relaxed);
  const text = `(module (func (export "run") (param $n i32) (result f32) ${locals}
    (loop $l ${Array.from({ length: unroll }, () => step).join('\n')}
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))
    (f32x4.extract_lane 0 (f32x4.add (local.get $c0) (local.get $c1)))))`;
  const mod = wabt.parseWat('peak.wat', text, { simd: true, relaxed_simd: true });
  const bytes = new Uint8Array(mod.toBinary({}).buffer);
  mod.destroy();
  if (!WebAssembly.validate(bytes)) return null;
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  const run = exports.run as (n: number) => number;
  const iters = 2_000_000;
  // V8 compiles with its baseline compiler first and tiers a function up after some calls.
  for (let i = 0; i < 2000; i++) run(100);
  let best = Infinity;
  for (let r = 0; r < 5; r++)
    best = Math.min(
      best,
      cpuMs(() => run(iters)),
    );
  return (iters * unroll * madds * 8) / (best * 1e6);
}

// ---- products through tf.matMul on the wasm backend ----

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

const sizeOf = (s: number[]): number => s.reduce((p, d) => p * d, 1);

type Variant = 'plain' | 'relaxed' | 'tfjs';

function timeProduct(p: Product, a: Tensor, b: Tensor): number {
  let y: Tensor | undefined;
  const ms = cpuMs(() => {
    // The wasm backend runs the kernel inside the call (no read-back: training reads none).
    y = tf.matMul(a, b, p.ta, p.tb);
  });
  y?.dispose();
  return ms;
}

function setVariant(v: Variant): void {
  kernels.setWasmKernelsEnabled(v !== 'tfjs');
  kernels.setWasmRelaxedSimd(v === 'relaxed');
}

// ---- PyTorch, one thread ----

function torchGflops(): Map<string, number> | string {
  if (has('skip-python')) return 'skipped (--skip-python)';
  const code = `
import json, sys, time, torch
torch.set_num_threads(1)
products = json.loads(sys.stdin.read())
rounds = ${rounds}
out = {}
for p in products:
    a = torch.rand(p['a']) * 2 - 1
    b = torch.rand(p['b']) * 2 - 1
    opa = a.transpose(-1, -2) if p['ta'] else a
    opb = b.transpose(-1, -2) if p['tb'] else b
    torch.matmul(opa, opb)
    best = float('inf')
    for _ in range(rounds):
        t0 = time.process_time(); torch.matmul(opa, opb); best = min(best, time.process_time() - t0)
    out[p['name']] = p['flops'] / best / 1e9
print(json.dumps(out))
`;
  const r = spawnSync(python, ['-c', code], {
    input: JSON.stringify(products),
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) return `${python} failed: ${(r.stderr || r.error?.message || '').trim()}`;
  return new Map(Object.entries(JSON.parse(r.stdout) as Record<string, number>));
}

// ---- run ----

const backend = await selectBackend('wasm');
if (backend.name !== 'wasm') throw new Error(`the wasm backend did not start: ${backend.reason}`);
const relaxedAvailable = kernels.relaxedSimdSupported();
const peakPlain = (await peakGflops(false)) ?? NaN;
const peakRelaxed = relaxedAvailable ? await peakGflops(true) : null;
console.log(
  `wasm peak, one thread: ${peakPlain.toFixed(1)} GFLOP/s f32x4 mul+add` +
    (peakRelaxed
      ? `, ${peakRelaxed.toFixed(1)} GFLOP/s f32x4.relaxed_madd`
      : ', relaxed SIMD: not available'),
);

const variants: Variant[] = [
  'plain',
  ...(relaxedAvailable ? (['relaxed'] as const) : []),
  ...(has('tfjs') ? (['tfjs'] as const) : []),
];
const results = new Map<string, Map<Variant, number>>();
for (const p of products) {
  const a = tf.tensor(values(sizeOf(p.a), 1), p.a);
  const b = tf.tensor(values(sizeOf(p.b), 2), p.b);
  const best = new Map<Variant, number>();
  for (const v of variants) {
    if (v === 'tfjs' && (p.ta || p.tb || p.a.length > 2)) continue;
    setVariant(v);
    timeProduct(p, a, b); // warm-up
  }
  for (let r = 0; r < rounds; r++) {
    for (const v of variants) {
      if (v === 'tfjs' && (p.ta || p.tb || p.a.length > 2)) continue;
      setVariant(v);
      best.set(v, Math.min(best.get(v) ?? Infinity, timeProduct(p, a, b)));
    }
  }
  tf.dispose([a, b]);
  const gflops = new Map([...best].map(([v, ms]) => [v, p.flops / (ms * 1e6)] as const));
  results.set(p.name, gflops);
  process.stderr.write(
    `  ${p.name}: ${[...gflops].map(([v, g]) => `${v} ${g.toFixed(1)}`).join(', ')}\n`,
  );
}
setVariant('relaxed');

const torch = torchGflops();
if (typeof torch === 'string') console.log(`PyTorch: ${torch}`);

const pct = (x: number, peak: number | null): string =>
  peak ? `${((100 * x) / peak).toFixed(0)} %` : '-';
const header = ['product', 'plain GFLOP/s', 'of peak'];
if (relaxedAvailable) header.push('relaxed GFLOP/s', 'of peak');
if (has('tfjs')) header.push('TF.js own');
header.push('torch 1 thread', 'best/torch');
const rows = [header];
for (const p of products) {
  const g = results.get(p.name)!;
  const plain = g.get('plain')!;
  const relaxed = g.get('relaxed');
  const row = [p.name, plain.toFixed(1), pct(plain, peakPlain)];
  if (relaxedAvailable) row.push(relaxed!.toFixed(1), pct(relaxed!, peakRelaxed));
  if (has('tfjs')) row.push(g.get('tfjs')?.toFixed(1) ?? '-');
  const t = typeof torch === 'string' ? undefined : torch.get(p.name);
  row.push(t ? t.toFixed(1) : '-', t ? (Math.max(plain, relaxed ?? 0) / t).toFixed(2) : '-');
  rows.push(row);
}
const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows)
  console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
