/** `studio evaluate`: eval metrics of a trained model folder on a validation file, as JSON. */
import { basename } from 'node:path';
import { StudioSession } from '../core/session';
import { evaluationContext, forwardWorthSplitting } from '../core/train/parallel/options';
import { formatHelp, parseFlags, type FlagSpec } from '../core/train/flags';
import { openDataFile } from './files';
import { dataFlags, runtimeFlags } from './flagSpecs';
import { loadModelDir } from './modelFiles';
import { log, replicasOf, startReplicas, useBackend } from './runtime';
import { StudioError } from '../core/run/errors';
import { readTaggedFile } from '../core/session/tagged';
import { evaluateTagged } from '../core/session/taggedSession';

export async function evaluateCommand(argv: string[]): Promise<void> {
  const specs: Record<string, FlagSpec> = {
    model_dir: {
      type: 'string',
      help: 'folder written by studio train (or any HF classifier folder of a family the studio builds)',
    },
    validation_file: dataFlags.validation_file,
    text_column: dataFlags.text_column,
    text_pair_column: dataFlags.text_pair_column,
    label_column: dataFlags.label_column,
    max_length: {
      type: 'number',
      help: "tokens per row (default: the model's, tokenizer_config.json's model_max_length within max_position_embeddings)",
    },
    per_device_eval_batch_size: {
      type: 'number',
      help: 'batch size (with replicas, each batch is split into their shares)',
      default: 32,
    },
    backend: runtimeFlags.backend,
    num_replicas: {
      type: 'number',
      help:
        'studio only: evaluate on this many threads (each batch split into contiguous shares of ' +
        "rows, logits gathered in order: the same metrics). Pays for the threads' ~0.7 s " +
        'start-up only on large enough work: e.g. from ~500 rows of 128 tokens at bert-tiny size. ' +
        'A batch under ~1 GFLOP of forward work (2 x encoder parameters x padded tokens) runs on ' +
        'this thread, and no thread starts when the largest batch is under it (the default model)',
      default: 1,
      group: 'Runtime',
    },
  };
  const { values, rest } = parseFlags(argv, specs);
  if (rest.includes('--help'))
    return void process.stdout.write(`${formatHelp(specs, 'studio evaluate')}\n`);
  const v = values as Record<string, string | number | undefined>;
  if (!v.model_dir || !v.validation_file)
    throw new StudioError('arguments', '--model_dir and --validation_file are required.', {
      remedy:
        'Give --model_dir (a folder written by studio train) and --validation_file (a CSV, TSV, JSON Lines or Parquet file).',
    });
  const backend = String(v.backend ?? specs.backend.default);
  await useBackend(backend);
  const session = new StudioSession();
  await loadModelDir(session, String(v.model_dir));
  const batchSize = Number(
    v.per_device_eval_batch_size ?? specs.per_device_eval_batch_size.default,
  );
  const model = session.model;
  if (!model)
    throw new StudioError('model-files', `No model was loaded from ${String(v.model_dir)}.`);
  // One thread unless asked: whether replicas pay for their start-up depends on the model size
  // and row lengths, not on the rows alone (see the flag's help).
  const replicas = v.num_replicas === undefined ? 1 : replicasOf(v, backend, batchSize);
  const maxLength = Number(v.max_length ?? session.exportMaxLength());
  // A model whose largest batch (rows padded to max_length) is too small to split starts none.
  const splits = replicas > 1 && forwardWorthSplitting(model, batchSize * maxLength);
  // Started now: the workers load while this thread reads and tokenizes the rows.
  const source = splits ? startReplicas(replicas, backend)?.(evaluationContext(model)) : null;
  if (splits) log(`data parallel: ${replicas} replicas (worker_threads), batches split`);
  else if (replicas > 1) {
    log(
      `evaluating on this thread: a batch of ${batchSize} x ${maxLength} tokens is under the ` +
        `~1 GFLOP of forward work worth splitting over ${replicas} replicas`,
    );
  }
  try {
    let metrics: Record<string, number>;
    if (model.head === 'token') {
      // A token classifier: seqeval's metrics on a tagged file, as its training logged them.
      const file = String(v.validation_file);
      const tagged = await readTaggedFile(
        basename(file),
        await openDataFile(file, '--validation_file'),
        { task: 'token-classification', labelNames: session.labels },
      );
      metrics = await evaluateTagged(
        session,
        tagged!.corpus,
        basename(file),
        v.max_length === undefined ? null : maxLength,
        batchSize,
        source?.forward,
      );
    } else {
      const table = await session.loadTable(
        basename(String(v.validation_file)),
        await openDataFile(String(v.validation_file), '--validation_file'),
      );
      metrics = await session.evaluateTable(
        {
          text: v.text_column ? String(v.text_column) : table.guess.text,
          label: v.label_column ? String(v.label_column) : table.guess.label,
          ...(v.text_pair_column ? { textPair: String(v.text_pair_column) } : {}),
        },
        maxLength,
        batchSize,
        source?.forward,
      );
    }
    process.stdout.write(`${JSON.stringify(metrics, null, 2)}\n`);
  } finally {
    await source?.close();
  }
}
