/**
 * Where a training step's time goes, as `studio train` runs it (wasm backend, data parallel over
 * worker_threads replicas, this thread holding share 0): a Trainer on the short-text data of
 * `npm run bench:torch -- --data short` (SMS messages one a row, the file's order), bert-tiny's
 * shape by default. Prints one table, milliseconds per step averaged over the timed steps:
 *
 *   batch assembly      collating the step's rows, labels, cutting shares (this thread)
 *   send weights        this thread's weights written where the replicas read them
 *   forward+backward    share 0 on this thread (the replicas' own time beside it)
 *   read gradients      share 0's gradients read back from the backend
 *   wait for replicas   after share 0, until every replica has answered
 *   sum shares          the shares' gradients summed into tensors
 *   flatten             the gradients laid out in AdamW's buckets
 *   clip + read norm    the global norm, the clipping and reading norm and loss (one sync)
 *   AdamW               the update of every parameter
 *   rest of the step    what the Trainer does besides (schedule, state, callbacks)
 *
 *   npm run bench:step                               # bert-tiny, batch 32, 30 steps
 *   npm run bench:step -- --hidden 256 --layers 4 --heads 4 --intermediate 1024 --replicas 2
 *
 * Flags: --steps 30 --skip 5 --batch 32 --max-length 128 --replicas (cores) --short-join 1
 * (messages a row) --hidden 128 --layers 2 --heads 2 --intermediate 512.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/core/backend';
import { StudioSession } from '../src/core/session';
import { buildModel } from '../src/core/session/model';
import { newTrainer } from '../src/core/session/training';
import { fastTokenizer } from '../src/core/tokenize/fastWordPiece';
import { loadTokenizerFromDir } from '../src/core/tokenize/tokenizerNode';
import type { AdamW } from '../src/core/train/adamw';
import { parseTrainingArguments } from '../src/core/train/args';
import type { FlatGrads } from '../src/core/train/flatParams';
import {
  ParallelGradients,
  emptyTimings,
  parallelGradients,
  type StepTimings,
} from '../src/core/train/parallel/workerGradients';
import { writeShortData } from './benchTorchData';

const argv = process.argv.slice(2);
const num = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const repoRoot = resolve(import.meta.dirname, '..');

async function main() {
  const steps = num('steps', 30);
  const skip = num('skip', 5);
  const batch = num('batch', 32);
  const maxLength = num('max-length', 128);
  const replicas = num('replicas', Math.min(availableParallelism(), batch));
  const data = writeShortData(
    join(tmpdir(), 'trainer-studio-bench-step'),
    steps * batch,
    64,
    num('short-join', 1),
  );
  tf.env().set('PROD', true);
  await selectBackend('wasm');
  const session = new StudioSession();
  await session.loadTable(basename(data.train), new Uint8Array(readFileSync(data.train)));
  await session.loadValidationTable(
    basename(data.validation),
    new Uint8Array(readFileSync(data.validation)),
  );
  session.tokenizer = fastTokenizer(
    await loadTokenizerFromDir(resolve(repoRoot, 'public/tokenizers/bert-base-uncased')),
  );
  session.prepare({
    columns: { text: 'text', label: 'label' },
    validationFraction: 0,
    maxLength,
    seed: 42,
  });
  const p = session.prepared;
  const tok = session.tokenizer;
  if (!p || !tok) throw new Error('no prepared data');
  const args = parseTrainingArguments({
    max_steps: steps,
    per_device_train_batch_size: batch,
    learning_rate: 5e-5,
    seed: 42,
    save_strategy: 'no',
    eval_strategy: 'no',
    logging_strategy: 'no',
    train_sampling_strategy: 'sequential',
  }).args;
  const spec = {
    kind: 'scratch' as const,
    hidden_size: num('hidden', 128),
    num_hidden_layers: num('layers', 2),
    num_attention_heads: num('heads', 2),
    intermediate_size: num('intermediate', 512),
    max_length: maxLength,
  };
  const model = buildModel(spec, p, tok, null, args.seed).model;

  // Step parts timed around the Trainer's calls (the gradient source, AdamW's flattening and step).
  const parts = { compute: 0, flatten: 0, clip: 0, adamw: 0, step: 0 };
  let timing = false;
  let src: ParallelGradients | null = null;
  let mark = 0;
  let stepStart = 0;
  if (replicas <= 1) throw new Error('bench:step times the replicas: --replicas 2 or more');
  const factory = parallelGradients({ replicas, mainReplica: true, backend: 'wasm' });
  const trainer = newTrainer(model, args, p, tok, maxLength, {
    gradients: (ctx) => {
      src = factory(ctx) as ParallelGradients;
      return src;
    },
    callbacks: [
      {
        // Steps skip+1.. are timed: from the end of the step before to their own end.
        on_step_end: (_a, st) => {
          const now = performance.now();
          if (timing) parts.step += now - stepStart;
          stepStart = now;
          if (st.global_step === skip && src) Object.assign(src.timings, emptyTimings());
          timing = st.global_step >= skip;
        },
      },
    ],
  });
  if (!src) throw new Error('bench:step: the Trainer made no gradient source');
  const source: ParallelGradients = src;
  const optimizer = (trainer as unknown as { optimizer: AdamW }).optimizer;
  const compute = source.compute.bind(source);
  source.compute = async (groups, step) => {
    const t = performance.now();
    const out = await compute(groups, step);
    mark = performance.now();
    if (timing) parts.compute += mark - t;
    return out;
  };
  const flatten = optimizer.flattenGrads.bind(optimizer);
  optimizer.flattenGrads = (grads) => {
    const t = performance.now();
    const out = flatten(grads);
    mark = performance.now();
    if (timing) parts.flatten += mark - t;
    return out;
  };
  const stepFn = optimizer.step.bind(optimizer);
  optimizer.step = (grads: Map<string, tf.Tensor> | FlatGrads, lr: number) => {
    const t = performance.now();
    if (timing) parts.clip += t - mark;
    stepFn(grads, lr);
    if (timing) parts.adamw += performance.now() - t;
  };
  await trainer.train();
  const timed = steps - skip;
  const all: StepTimings = source.timings;
  const per = (x: number) => x / timed;
  const rows: [string, number][] = [
    ['batch assembly', per(all.assemble)],
    ['send weights', per(all.broadcast)],
    ['forward+backward (this thread, share 0)', per(all.mainForwardBackward)],
    ['read gradients (share 0)', per(all.mainRead)],
    ['wait for replicas', per(all.wait)],
    ['sum shares into tensors', per(all.sum)],
    ['flatten', per(parts.flatten)],
    ['clip + read norm and loss', per(parts.clip)],
    ['AdamW', per(parts.adamw)],
  ];
  const known = rows.reduce((a, [, v]) => a + v, 0);
  rows.push(['rest of the step', per(parts.step) - known]);
  const total = per(parts.step);
  console.log(
    `bench:step: bert ${spec.hidden_size}/${spec.num_hidden_layers}/${spec.num_attention_heads}/` +
      `${spec.intermediate_size}, batch ${batch}, ${replicas} replicas, short-text data ` +
      `(${p.train.size} rows), steps ${skip + 1}..${steps} timed`,
  );
  console.log('');
  console.log('| part | ms/step | share |');
  console.log('|---|---:|---:|');
  for (const [name, v] of rows) {
    console.log(`| ${name} | ${v.toFixed(2)} | ${((100 * v) / total).toFixed(0)}% |`);
  }
  console.log(`| **step** | **${total.toFixed(2)}** | |`);
  console.log('');
  console.log(
    `replicas' own forward+backward (weights in, gradients out): ` +
      `${per(all.replicaCompute).toFixed(2)} ms/step; ` +
      `${((1000 * batch) / total).toFixed(1)} samples/s`,
  );
  trainer.dispose();
}

await main();
