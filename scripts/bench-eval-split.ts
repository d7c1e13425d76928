/**
 * Whether an evaluation batch pays for splitting over the replicas: the time of one eval batch's
 * logits on this thread alone against the same batch split over 2 replicas (this thread and one
 * worker_thread, already started and holding the weights), for the default model and bert-tiny's
 * widths (BERT's 30,522-token vocabulary) at several [rows, tokens] shapes, beside the batch's
 * forward work (2 x encoder parameters x tokens, `forwardWorthSplitting`). Rounds alternate the
 * two, best of each kept. Also the once-per-evaluation cost of a split evaluation: all weights
 * written to the shared buffer and read by the worker (the first split batch after `begin`).
 *
 *   node --import tsx scripts/bench-eval-split.ts [--rounds 5]
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/core/backend';
import { bertFamily } from '../src/core/model/bert';
import { smallBertConfig } from '../src/core/model/bert/config';
import { SequenceClassifier } from '../src/core/model/classifier';
import type { CollatedBatch } from '../src/core/tokenize/collate';
import { inProcessLogits } from '../src/core/train/evaluate';
import { encoderFlops, MIN_SPLIT_FLOPS } from '../src/core/train/parallel/options';
import {
  ParallelGradients,
  closeUnclaimedWorkers,
  evaluationContext,
} from '../src/core/train/parallel/workerGradients';
import { createRng } from '../src/core/util/rng';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUNDS = arg('rounds', 5);
const VOCAB = 30522;

const SHAPES = [
  { name: 'default (64/2/4/128)', hidden: 64, layers: 2, heads: 4, inter: 128 },
  { name: 'bert-tiny (128/2/2/512)', hidden: 128, layers: 2, heads: 2, inter: 512 },
];
const BATCHES: [number, number][] = [
  [8, 32],
  [8, 64],
  [8, 128],
  [16, 128],
  [32, 128],
  [64, 128],
];

function batch(rows: number, seqLen: number, seed: number): CollatedBatch {
  const rng = createRng(seed);
  const n = rows * seqLen;
  return {
    inputIds: Int32Array.from({ length: n }, () => 5 + rng.nextInt(VOCAB - 5)),
    attentionMask: new Int32Array(n).fill(1),
    tokenTypeIds: new Int32Array(n),
    batchSize: rows,
    seqLen,
  };
}

/** Milliseconds of `fn`. */
async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function main(): Promise<void> {
  tf.env().set('PROD', true);
  await selectBackend('wasm');
  console.log(`threshold: ${MIN_SPLIT_FLOPS / 1e9} GFLOP of forward work; best of ${ROUNDS}`);
  for (const s of SHAPES) {
    const config = smallBertConfig({
      vocabSize: VOCAB,
      numLabels: 2,
      maxLength: 128,
      hiddenSize: s.hidden,
      numLayers: s.layers,
      numHeads: s.heads,
      intermediateSize: s.inter,
      hiddenDropoutProb: 0,
      attentionProbsDropoutProb: 0,
    });
    const model = SequenceClassifier.create(bertFamily, config, 1);
    const local = inProcessLogits(model);
    const split = new ParallelGradients(evaluationContext(model), {
      replicas: 2,
      mainReplica: true,
      minSplitFlops: 0,
    });
    // Workers started and the weights sent once, outside the timings below.
    await split.forward.begin();
    await split.forward.logits(batch(2, 8, 0));
    const once: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      await split.forward.begin();
      once.push(await time(() => split.forward.logits(batch(2, 8, r))));
    }
    console.log(
      `\n${s.name}: an evaluation's first split batch (all weights sent) ` +
        `${Math.min(...once).toFixed(1)} ms at [2, 8]`,
    );
    console.log('rows x tokens | forward GFLOP | this thread ms | 2 replicas ms | split/this');
    for (const [rows, T] of BATCHES) {
      const b = batch(rows, T, 7);
      const best = { local: Infinity, split: Infinity };
      for (let r = 0; r < ROUNDS; r++) {
        best.local = Math.min(best.local, await time(() => local.logits(b)));
        best.split = Math.min(best.split, await time(() => split.forward.logits({ ...b })));
      }
      const gflop = encoderFlops(model, rows * T) / 3 / 1e9;
      console.log(
        `${rows} x ${T} | ${gflop.toFixed(2)} | ${best.local.toFixed(1)} | ` +
          `${best.split.toFixed(1)} | ${(best.split / best.local).toFixed(2)}`,
      );
    }
    await split.close();
    model.dispose();
  }
  await closeUnclaimedWorkers();
}

await main();
