/**
 * The studio's side of `npm run bench:torch`, run in its own Node process so its peak RSS is its
 * own. It makes the calls `studio train` makes (src/cli/main.ts): the `wasm` backend, the bundled
 * bert-base-uncased tokenizer with the fast WordPiece encoder, `StudioSession.prepare` and
 * `StudioSession.train` with a from-scratch model, no checkpoints, data parallel over
 * worker_threads as the CLI's --num_replicas default (one replica per core with wasm, at most one
 * per row of a batch; `--replicas N` sets it, 1 = one thread); then evaluates the validation
 * file the way the Trainer's evaluate does (`Trainer.runEval`: forward only, loss and metrics, on
 * the run's replicas as `studio train`'s evaluations, each eval batch split into their shares).
 * `StudioSession.train`'s own steps (buildModel, newTrainer, runTrainer) are made here so the
 * Trainer, and its replicas, outlive the run for the timed evaluation. Prints one line
 * `BENCH_JSON {...}`:
 *
 *   train_samples_per_second  from the end of step `--skip` to the end of the last step
 *                             (on_step_end), so start-up and warm-up are left out
 *   eval_samples_per_second   an evaluation after the Trainer's own one (the warm-up; the
 *                             replicas' weights are sent again before it)
 *   peak_rss_mib              VmHWM of /proc/self/status at the end of the timed passes
 *   non_embedding_parameters  the parameters total_flos counts (6 x tokens x these per sample)
 *   kernels_per_step          with --kernels: TF.js kernels of one full training step (forward,
 *                             backward, clipping, AdamW), counted by tf.profile in a separate
 *                             3-step run on one thread (step 3; step 2 as a check)
 *
 * `--gradient-checkpointing` sets TrainingArguments' `gradient_checkpointing`.
 *
 * `--family MODEL_TYPE` (default bert) builds that family's `scratchConfig` with the sizes given
 * (hidden_size, num_hidden_layers, num_attention_heads, intermediate_size); `--config-out PATH`
 * writes the model's config.json there, for transformers' side to build the same model.
 *
 *   node --import tsx scripts/bench-torch-studio.ts --train train.csv --validation validation.csv \
 *     --hidden 64 --layers 2 --heads 4 --intermediate 128 --steps 20 [--kernels] \
 *     [--family roberta --config-out config.json]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendName } from '../src/core/backend';
import { StudioSession } from '../src/core/session';
import { fastTokenizer } from '../src/core/tokenize/fastWordPiece';
import { loadTokenizerFromDir } from '../src/core/tokenize/tokenizerNode';
import type { TrainerCallback } from '../src/core/train/callbacks';
import { SequenceClassifier } from '../src/core/model/classifier';
import { DEFAULT_FAMILY, familyForModelType } from '../src/core/model/families';
import { buildModel } from '../src/core/session/model';
import { nonEmbeddingParameterCount } from '../src/core/train/flos';
import { newTrainer, runTrainer } from '../src/core/session/training';
import { parseTrainingArguments } from '../src/core/train/args';
import { parallelGradients } from '../src/core/train/parallel/workerGradients';
import { paddedLength } from '../src/core/tokenize/collate';
import type { EncodedDataset } from '../src/core/tokenize/encode';

const argv = process.argv.slice(2);
const flag = (name: string, fallback?: string): string => {
  const i = argv.indexOf(`--${name}`);
  const v = i >= 0 ? argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
};
const num = (name: string, fallback: number) => Number(flag(name, String(fallback)));
const repoRoot = resolve(import.meta.dirname, '..');

/** Mean padded length of the first `steps` batches in file order (padding to the longest row). */
function meanPadded(encoded: EncodedDataset, batch: number, steps: number, maxLength: number) {
  const rows = encoded.offsets.length - 1;
  let sum = 0;
  for (let k = 0; k < steps; k++) {
    const idx = Array.from({ length: batch }, (_, r) => (k * batch + r) % rows);
    sum += paddedLength(encoded, idx, { padding: 'longest', maxLength, padId: 0 });
  }
  return sum / steps;
}

/** Peak resident set of this process in MiB (Linux; NaN elsewhere). */
function peakRssMib(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function main() {
  const trainFile = flag('train');
  const validationFile = flag('validation');
  const maxLength = num('max-length', 128);
  const batch = num('batch', 32);
  const evalBatch = num('eval-batch', 128);
  const steps = num('steps', 20);
  const skip = Math.min(num('skip', 2), steps - 1);
  const spec = {
    kind: 'scratch' as const,
    hidden_size: num('hidden', 64),
    num_hidden_layers: num('layers', 2),
    num_attention_heads: num('heads', 4),
    intermediate_size: num('intermediate', 128),
    max_length: maxLength,
  };
  // As the CLI's useBackend: PROD silences TF.js's banner suggesting tfjs-node.
  tf.env().set('PROD', true);
  const backend = await selectBackend(flag('backend', 'wasm') as BackendName);
  const replicas = num(
    'replicas',
    backend.name === 'wasm' ? Math.max(1, Math.min(availableParallelism(), batch)) : 1,
  );

  const session = new StudioSession();
  await session.loadTable(basename(trainFile), new Uint8Array(readFileSync(trainFile)));
  await session.loadValidationTable(
    basename(validationFile),
    new Uint8Array(readFileSync(validationFile)),
  );
  session.tokenizer = fastTokenizer(
    await loadTokenizerFromDir(
      flag('tokenizer', resolve(repoRoot, 'public/tokenizers/bert-base-uncased')),
    ),
  );
  const ds = session.prepare({
    columns: { text: 'text', label: 'label' },
    validationFraction: 0,
    maxLength,
    seed: 42,
  });
  const args = {
    max_steps: steps,
    per_device_train_batch_size: batch,
    per_device_eval_batch_size: evalBatch,
    learning_rate: 5e-5,
    seed: 42,
    save_strategy: 'no',
    eval_strategy: 'no',
    logging_strategy: 'no',
    gradient_checkpointing: argv.includes('--gradient-checkpointing'),
    // --sequential: the file's order, as transformers' side (the short-text data)
    ...(argv.includes('--sequential') ? { train_sampling_strategy: 'sequential' } : {}),
  };
  const ends: number[] = [];
  const timer: TrainerCallback = { on_step_end: () => void ends.push(performance.now()) };
  const t0 = performance.now();
  const p = session.prepared;
  const tok = session.tokenizer;
  if (!p || !tok) throw new Error('no prepared data');
  // As StudioSession.train.
  const parsed = parseTrainingArguments(args).args;
  const family = familyForModelType(flag('family', 'bert'));
  // BERT as `studio train` builds it; another family from its scratchConfig at the same sizes.
  const model =
    family === DEFAULT_FAMILY
      ? buildModel(spec, p, tok, null, parsed.seed).model
      : SequenceClassifier.create(
          family,
          family.scratchConfig({
            vocabSize: tok.vocabSize,
            maxLength,
            id2label: p.maps.id2label,
            padTokenId: tok.padId,
            problemType: p.problemType,
            settings: {
              hidden_size: spec.hidden_size,
              num_hidden_layers: spec.num_hidden_layers,
              num_attention_heads: spec.num_attention_heads,
              intermediate_size: spec.intermediate_size,
            },
          }),
          parsed.seed,
        );
  const configOut = argv.includes('--config-out') ? flag('config-out') : null;
  if (configOut) writeFileSync(configOut, model.family.configToJson(model.config));
  const trainer = newTrainer(model, parsed, p, tok, maxLength, {
    callbacks: [timer],
    gradients:
      replicas > 1
        ? parallelGradients({
            replicas,
            mainReplica: true,
            backend: backend.name as 'wasm' | 'cpu',
          })
        : undefined,
  });
  // Ends with the Trainer's evaluation (no eval_strategy): the eval warm-up.
  const result = await runTrainer(trainer, []);
  const trainWall = (performance.now() - t0) / 1000;
  const window = (ends[ends.length - 1] - (skip > 0 ? ends[skip - 1] : t0)) / 1000;
  const timedSteps = ends.length - skip;

  const t1 = performance.now();
  await trainer.runEval(p.validation);
  const evalSeconds = (performance.now() - t1) / 1000;
  trainer.dispose();
  const peak = peakRssMib();
  let parameters = 0;
  for (const v of model.params.values()) parameters += v.size;

  let kernels: { step2: number; step: number; top: [string, number][] } | null = null;
  if (argv.includes('--kernels')) {
    const marks: number[] = [];
    const marker: TrainerCallback = {
      on_step_end: () => void marks.push(tf.engine().state.activeProfile.kernels.length),
    };
    const profile = await tf.profile(async () => {
      await session.train(spec, { ...args, max_steps: 3 }, { callbacks: [marker] });
    });
    const counts = new Map<string, number>();
    for (const k of profile.kernels.slice(marks[1], marks[2])) {
      counts.set(k.name, (counts.get(k.name) ?? 0) + 1);
    }
    kernels = {
      step2: marks[1] - marks[0],
      step: marks[2] - marks[1],
      top: [...counts].sort((a, b) => b[1] - a[1]).slice(0, 8),
    };
  }
  const out = {
    backend: backend.name,
    replicas,
    tfjs: tf.version.tfjs,
    steps: result.globalStep,
    timed_steps: timedSteps,
    train_samples_per_second: (timedSteps * batch) / window,
    train_step_ms: (1000 * window) / timedSteps,
    train_wall_s: trainWall,
    eval_samples: p.validation.size,
    eval_samples_per_second: p.validation.size / evalSeconds,
    mean_tokens: ds.meanTokens,
    mean_padded: meanPadded(p.train.encoded, batch, steps, maxLength),
    truncated_rows: ds.truncatedRows,
    train_rows: ds.trainRows,
    parameters,
    non_embedding_parameters: nonEmbeddingParameterCount(model),
    model_type: model.config.model_type,
    dims: model.family.dims(model.config),
    peak_rss_mib: peak,
    kernels_per_step: kernels?.step ?? null,
    kernels_step2: kernels?.step2 ?? null,
    kernels_top: kernels?.top ?? null,
  };
  process.stdout.write(`BENCH_JSON ${JSON.stringify(out)}\n`);
}

await main();
