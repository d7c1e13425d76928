/**
 * The studio against transformers' own Trainer, side by side on one machine in one session:
 * training and evaluation samples/s and peak RSS of each, for the same CSV, model shape, batch,
 * max_length and steps.
 *
 *   npm run bench:torch                                  # shapes default,tiny,mini, 20 steps
 *   npm run bench:torch -- --shapes tiny --steps 10      # fewer
 *   npm run bench:torch -- --skip-python --kernels       # the studio alone, kernels per step
 *   npm run bench:torch -- --family roberta --shapes tiny # another family (config.json model_type)
 *   npm run bench:torch -- --shapes base --batch 8 --steps 6 --eval-rows 16 --eval-batch 8
 *                                                      # bert-base-cased's shape and vocabulary
 *   ... --gradient-checkpointing                       # gradient_checkpointing on both sides
 *
 * Each side runs in its own child process, one after the other (never both at once):
 * scripts/bench_torch_trainer.py (the same model from scratch, Trainer, torch threads = all
 * cores) and scripts/bench-torch-studio.ts (the calls `studio train` makes:
 * wasm backend, StudioSession.train, data parallel with one replica per core as the CLI's
 * --num_replicas default; `--replicas N` sets it). The data (scripts/benchTorchData.ts) is long rows built from
 * the bundled SMS file, so every row reaches max_length and each batch padded to its longest row
 * (both sides' default) is [batch, max_length]. Train samples/s is timed from the end of step
 * `--skip` (2) to the end of the last step; eval samples/s is a second evaluation (forward only,
 * batch `--eval-batch`) after a first one. Peak RSS: ru_maxrss of the python process, VmHWM of
 * the Node one. Other flags: --batch 32, --max-length 128, --eval-rows 512, --python python3
 * (or $PYTHON), --torch-device cuda (the transformers side on a GPU).
 *
 * --data long,short (the default: both, one table row each per shape): `long` is the rows above,
 * every batch [batch, max_length]; `short` is the realistic mode, short texts as users' files
 * hold them: the SMS messages as they are, one a row (25 tokens on average with the bundled
 * bert-base-uncased tokenizer), each batch padded to its longest row (`padding="longest"`, the
 * studio's collate and transformers' DataCollatorWithPadding: about 67 tokens at batch 32), rows
 * in the same order on both sides (a seeded shuffle written to the file, trained with
 * `train_sampling_strategy="sequential"` on both). `--short-join 2` joins two messages of one
 * class a row (47 tokens on average, about 110 padded, nearer short news texts). The table gives
 * the mean tokens a row and the mean padded length of a step.
 *
 * --family MODEL_TYPE: the model is that family's from-scratch config (`family.scratchConfig`) at
 * each shape's sizes; the studio writes its config.json and transformers builds the same model
 * from it (`AutoConfig.for_model`). Besides samples/s of each and their ratio, it prints the
 * studio's training FLOP/s (total_flos' 6 x tokens x non-embedding parameters per second) against
 * BERT's of the same shape (one more studio run): samples/s per FLOP relative to BERT.
 *
 * --page also trains each shape in the built page (`npm run build` first) in headless Chromium's
 * worker (scripts/bench-torch-page.ts), train samples/s only: --page-backends wasm,webgpu,
 * --page-steps (default --steps), --page-timeout seconds per run (300). WebGPU here is
 * SwiftShader (Vulkan on the CPU), far slower than a GPU: the larger shapes may time out.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { benchPage, type PageRun } from './bench-torch-page';
import { writeBenchData, writeShortData, type BenchData } from './benchTorchData';

const repoRoot = resolve(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
const has = (name: string) => argv.includes(`--${name}`);

interface Shape {
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  /** The tokenizer (public/tokenizers/NAME), so the vocabulary is the model's. Default bert-base-uncased. */
  tokenizer?: string;
}
const SHAPES: Record<string, Shape> = {
  default: { hidden: 64, layers: 2, heads: 4, intermediate: 128 },
  tiny: { hidden: 128, layers: 2, heads: 2, intermediate: 512 },
  mini: { hidden: 256, layers: 4, heads: 4, intermediate: 1024 },
  // bert-base-cased's shape and vocabulary (28,996): the model the Trainer workflow fine-tunes.
  base: { hidden: 768, layers: 12, heads: 12, intermediate: 3072, tokenizer: 'bert-base-cased' },
};

const shapeNames = flag('shapes', 'default,tiny,mini').split(',').filter(Boolean);
for (const s of shapeNames) {
  if (!SHAPES[s]) {
    console.error(`bench:torch: unknown shape "${s}" (known: ${Object.keys(SHAPES).join(', ')})`);
    process.exit(2);
  }
}
const steps = Number(flag('steps', '20'));
const skip = Number(flag('skip', '2'));
const batch = Number(flag('batch', '32'));
const maxLength = Number(flag('max-length', '128'));
const evalRows = Number(flag('eval-rows', '512'));
const evalBatch = Number(flag('eval-batch', '128'));
const python = flag('python', process.env.PYTHON ?? 'python3');
const family = has('family') ? flag('family', 'bert') : null;
const dataModes = flag('data', 'long,short').split(',').filter(Boolean);
for (const d of dataModes) {
  if (d !== 'long' && d !== 'short') {
    console.error(`bench:torch: unknown --data "${d}" (known: long, short)`);
    process.exit(2);
  }
}
const shortJoin = Number(flag('short-join', '1'));
if (!(Number.isInteger(shortJoin) && shortJoin >= 1)) {
  console.error(
    `bench:torch: --short-join must be a positive integer, got ${flag('short-join', '')}`,
  );
  process.exit(2);
}
if (!(steps > skip)) {
  console.error(`bench:torch: --steps (${steps}) must be over --skip (${skip})`);
  process.exit(2);
}

type Json = Record<string, unknown>;

/** Runs a child to its end; resolves with its BENCH_JSON object (or an error text). */
function runChild(cmd: string, args: string[]): Promise<{ json: Json | null; log: string }> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    child.on('error', (e) => done({ json: null, log: `${log}\n${e.message}` }));
    child.on('close', () => {
      const line = log.split('\n').find((l) => l.startsWith('BENCH_JSON '));
      done({ json: line ? (JSON.parse(line.slice(11)) as Json) : null, log });
    });
  });
}

const shapeArgs = (s: Shape) => [
  '--tokenizer',
  join(repoRoot, 'public/tokenizers', s.tokenizer ?? 'bert-base-uncased'),
  '--hidden',
  String(s.hidden),
  '--layers',
  String(s.layers),
  '--heads',
  String(s.heads),
  '--intermediate',
  String(s.intermediate),
];

/** Whether python3 imports torch and transformers; the reason when not. */
function pythonProblem(): string | null {
  const r = spawnSync(python, ['-c', 'import torch, transformers, accelerate'], {
    encoding: 'utf8',
  });
  if (r.error) return `${python} is not runnable (${r.error.message})`;
  if (r.status !== 0) {
    const last = (r.stderr ?? '').trim().split('\n').at(-1) ?? '';
    return `${python} cannot import torch/transformers/accelerate (${last})`;
  }
  return null;
}

const fmt = (x: unknown, digits = 1) =>
  typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '–';
const ratio = (a: unknown, b: unknown) =>
  typeof a === 'number' && typeof b === 'number' && b > 0 ? `${(a / b).toFixed(2)}×` : '–';

async function main() {
  const dir = join(tmpdir(), 'trainer-studio-bench-torch');
  const datasets: { mode: string; data: BenchData }[] = dataModes.map((mode) => ({
    mode,
    data:
      mode === 'short'
        ? writeShortData(dir, steps * batch, evalRows, shortJoin)
        : // About 4 characters a token: rows over max_length at 512 too (700 at 128).
          writeBenchData(dir, steps * batch, evalRows, Math.max(700, 5 * maxLength)),
  }));
  let skipPython = has('skip-python');
  if (!skipPython) {
    const problem = pythonProblem();
    if (problem) {
      console.log(
        `bench:torch: ${problem}.\n  The transformers side needs: pip install "torch<2.14" transformers accelerate\n` +
          `  Printing the studio's side alone.`,
      );
      skipPython = true;
    }
  }
  console.log(
    `bench:torch: ${steps} steps (steps ${skip + 1}..${steps} timed), batch ${batch}, max_length ` +
      `${maxLength}, eval batch ${evalBatch} over ${evalRows} rows; data (${steps * batch} + ` +
      `${evalRows} rows, from public/demo/spam.csv): ${dataModes
        .map((m) =>
          m === 'long'
            ? `long = messages joined past max_length (every batch [${batch}, ${maxLength}])`
            : `short = ${shortJoin === 1 ? 'one message' : `${shortJoin} messages`} a row, ` +
              'each batch padded to its longest row, the same order on both sides',
        )
        .join('; ')}; ${cpus().length} cores`,
  );
  const dataArgs = (d: BenchData, mode: string) => [
    '--train',
    d.train,
    '--validation',
    d.validation,
    ...(mode === 'short' ? ['--sequential'] : []),
  ];
  const common = [
    '--steps',
    String(steps),
    '--skip',
    String(skip),
    '--batch',
    String(batch),
    '--max-length',
    String(maxLength),
    '--eval-batch',
    String(evalBatch),
  ];
  const results: {
    name: string;
    mode: string;
    torch: Json | null;
    studio: Json | null;
    bert: Json | null;
  }[] = [];
  const studioRun = async (
    name: string,
    s: Shape,
    modelType: string | null,
    input: string[],
    configOut?: string,
  ) => {
    process.stdout.write(`  ${name}: studio${modelType ? ` ${modelType}` : ''}… `);
    const r = await runChild(process.execPath, [
      '--import',
      'tsx',
      'scripts/bench-torch-studio.ts',
      ...input,
      ...common,
      ...shapeArgs(s),
      ...(modelType ? ['--family', modelType] : []),
      ...(configOut ? ['--config-out', configOut] : []),
      ...(has('kernels') ? ['--kernels'] : []),
      ...(has('replicas') ? ['--replicas', flag('replicas', '1')] : []),
      ...(has('gradient-checkpointing') ? ['--gradient-checkpointing'] : []),
    ]);
    const studio = r.json;
    if (!studio) console.log(`failed:\n${r.log.trim().split('\n').slice(-15).join('\n')}`);
    else console.log(`${fmt(studio.train_samples_per_second)} samples/s`);
    return studio;
  };
  for (const { mode, data } of datasets)
    for (const name of shapeNames) {
      const label = `${name}, ${mode}`;
      const input = dataArgs(data, mode);
      const s = SHAPES[name];
      let torch: Json | null = null;
      // With --family the studio goes first: transformers builds the model from its config.json.
      const configPath = join(tmpdir(), `trainer-studio-bench-${family ?? 'bert'}-${name}.json`);
      const studio = family ? await studioRun(label, s, family, input, configPath) : null;
      if (!skipPython && (!family || studio)) {
        process.stdout.write(`  ${label}: transformers Trainer… `);
        const r = await runChild(python, [
          'scripts/bench_torch_trainer.py',
          ...input,
          ...common,
          ...shapeArgs(s),
          ...(family ? ['--config', configPath] : []),
          '--threads',
          String(cpus().length),
          '--device',
          flag('torch-device', 'cpu'),
          ...(has('gradient-checkpointing') ? ['--gradient-checkpointing'] : []),
        ]);
        torch = r.json;
        if (!torch || torch.error) {
          console.log(`failed:\n${r.log.trim().split('\n').slice(-15).join('\n')}`);
          torch = null;
        } else {
          console.log(`${fmt(torch.train_samples_per_second)} samples/s`);
        }
      }
      const ours = family ? studio : await studioRun(label, s, null, input);
      // BERT of the same shape, for the FLOP/s comparison.
      const bert = family && family !== 'bert' ? await studioRun(label, s, 'bert', input) : null;
      results.push({
        name,
        mode,
        torch,
        studio: ours,
        bert: bert ?? (family === 'bert' ? ours : null),
      });
    }

  let page: Map<string, PageRun[]> | null = null;
  const pageBackends = flag('page-backends', 'wasm,webgpu').split(',').filter(Boolean);
  if (has('page')) {
    const pageSteps = Number(flag('page-steps', String(steps)));
    console.log(
      `page: ${pageSteps} steps per run in headless Chromium (dist/), ${datasets[0].mode} data`,
    );
    page = await benchPage({
      shapes: shapeNames.map((name) => ({ name, shape: SHAPES[name] })),
      trainFile: datasets[0].data.train,
      steps: pageSteps,
      skip,
      batch,
      maxLength,
      backends: pageBackends,
      timeoutMs: 1000 * Number(flag('page-timeout', '300')),
    }).catch((e: Error) => {
      console.log(
        `page: failed (${e.message}); is dist/ built (npm run build) and Chromium there?`,
      );
      return null;
    });
  }

  const first = results.find((r) => r.torch)?.torch;
  const firstStudio = results.find((r) => r.studio)?.studio;
  console.log('');
  console.log(
    `transformers ${first ? `${String(first.transformers)}, torch ${String(first.torch)} (${String(first.threads)} threads, optim ${String(first.optim)})` : 'not run'}; ` +
      `studio: TF.js ${String(firstStudio?.tfjs ?? '?')} ${String(firstStudio?.backend ?? '?')} (the CLI's default backend), ` +
      `${String(firstStudio?.replicas ?? '?')} replica(s). ` +
      `Ratio = studio ÷ torch.`,
  );
  console.log('');
  const header = [
    'shape',
    'data',
    'tokens/row (padded/step)',
    'params',
    'train torch samples/s',
    'train studio samples/s',
    'ratio',
    'eval torch samples/s',
    'eval studio samples/s',
    'ratio',
    'peak RSS torch MiB',
    'peak RSS studio MiB',
    'ratio',
  ];
  if (has('kernels')) header.push('kernels/step');
  if (page) for (const b of pageBackends) header.push(`train page ${b} samples/s`);
  const rows = results.map(({ name, mode, torch, studio }) => {
    const s = SHAPES[name];
    const row = [
      `${name} (${s.hidden}/${s.layers}/${s.heads}/${s.intermediate})`,
      mode,
      `${fmt(studio?.mean_tokens ?? torch?.mean_tokens)} (${fmt(studio?.mean_padded)})`,
      studio ? `${((studio.parameters as number) / 1e6).toFixed(2)}M` : '–',
      fmt(torch?.train_samples_per_second),
      fmt(studio?.train_samples_per_second),
      ratio(studio?.train_samples_per_second, torch?.train_samples_per_second),
      fmt(torch?.eval_samples_per_second, 0),
      fmt(studio?.eval_samples_per_second, 0),
      ratio(studio?.eval_samples_per_second, torch?.eval_samples_per_second),
      fmt(torch?.peak_rss_mib, 0),
      fmt(studio?.peak_rss_mib, 0),
      ratio(studio?.peak_rss_mib, torch?.peak_rss_mib),
    ];
    if (has('kernels')) row.push(String(studio?.kernels_per_step ?? '–'));
    if (page) {
      for (const b of pageBackends) {
        const run =
          mode === datasets[0].mode ? page.get(name)?.find((x) => x.backend === b) : undefined;
        const fellBack =
          run && !run.reported.startsWith(b) ? ` (${run.reported.split(/\s/)[0]})` : '';
        row.push(run?.samplesPerSecond ? `${fmt(run.samplesPerSecond)}${fellBack}` : '–');
      }
    }
    return row;
  });
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  if (family) {
    // total_flos' count: 6 x tokens x non-embedding parameters per sample (the mean real
    // tokens of a row: max_length with the long data).
    const flops = (j: Json | null) =>
      j && typeof j.train_samples_per_second === 'number'
        ? j.train_samples_per_second *
          6 *
          ((j.mean_tokens as number | undefined) ?? maxLength) *
          (j.non_embedding_parameters as number)
        : null;
    console.log('');
    for (const { name, mode, studio, bert } of results) {
      const [f, b] = [flops(studio), flops(bert)];
      const dims = studio?.dims ? JSON.stringify(studio.dims) : '?';
      console.log(
        `${name}, ${mode}: studio ${family} ${f === null ? '–' : (f / 1e9).toFixed(2)} GFLOP/s ` +
          `(sizes ${dims}), BERT of the same shape ${b === null ? '–' : (b / 1e9).toFixed(2)} ` +
          `GFLOP/s: samples/s per FLOP ${ratio(f, b)} BERT's`,
      );
    }
  }
  if (has('kernels')) {
    for (const { name, mode, studio } of results) {
      const top = studio?.kernels_top as [string, number][] | null | undefined;
      if (top)
        console.log(
          `  ${name}, ${mode} kernels/step by name: ${top.map(([k, n]) => `${k} ${n}`).join(', ')}`,
        );
    }
  }
}

await main();
