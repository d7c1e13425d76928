/**
 * `studio train | evaluate | predict`: the command-line counterpart of a `transformers` training
 * script using `HfArgumentParser`. Same core as the browser studio.
 */
import { basename } from 'node:path';
import { errorCode, errorRemedy, StudioError } from '../core/run/errors';
import { FsRunOutput } from '../core/run/fsStores';
import { formatLogLine, progressCallback } from './progress';
import { predictCommand } from './predict';
import { evaluateCommand } from './evaluate';
import { exportScriptCommand } from './exportScript';
import { loadModelDir } from './modelFiles';
import { prepareRun } from './prepareRun';
import { log, replicasOf, startReplicas, useBackend } from './runtime';
import { tokenizerOutputFiles } from './tokenizerFiles';
import { closeUnclaimedWorkers } from '../core/train/parallel/workerGradients';

const USAGE = `Usage:
  studio train --train_file data.csv [--validation_file val.csv | --validation_split 0.1]
               --output_dir out [--text_column text --label_column label] [model and TrainingArguments flags]
  studio evaluate --model_dir out --validation_file val.csv
  studio predict --model_dir out --input_file rows.csv|inputs.json [--output_file preds.jsonl]
  studio export-script [the flags of train] --output_dir bundle   (train.py for transformers' Trainer)
  studio <command> --help`;

async function trainCommand(argv: string[]): Promise<void> {
  const run = await prepareRun(argv, 'studio train', {
    startGradients: (v, backend, batchSize) => {
      const replicas = replicasOf(v, backend, batchSize);
      // Started now, so the workers load while this thread reads and tokenizes the data.
      const gradients = startReplicas(replicas, backend);
      if (replicas > 1) {
        log(`data parallel: ${replicas} replicas (worker_threads), gradients summed each step`);
      }
      return gradients;
    },
  });
  if (!run) return;
  const { args, service, session, outDir, trainFile } = run;
  const result = await service.train(run.spec, args, {
    callbacks: [progressCallback(process.stderr)],
    gradients: run.gradients,
  });
  const model = session.model;
  const tok = session.tokenizer;
  if (!model || !tok) throw new StudioError('internal', 'Training produced no model.');
  const tokenizerFiles = await tokenizerOutputFiles(
    tok,
    run.tokDir,
    session.exportMaxLength(),
    model.maxInputLength(),
  );
  await service.saveOutput(new FsRunOutput(outDir), {
    tokenizerFiles,
    datasetName: basename(trainFile),
  });
  const json = (x: unknown) => JSON.stringify(x, null, 2);
  for (const n of result.notices ?? []) log(`notice: ${n}`);
  log(
    formatLogLine({
      ...result.metrics,
      epoch: result.state.epoch,
      step: result.globalStep,
    } as never),
  );
  log(`saved the model, tokenizer and trainer_state.json to ${outDir}`);
  process.stdout.write(`${json(result.metrics)}\n`);
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'train') await trainCommand(rest);
    else if (command === 'evaluate') await evaluateCommand(rest);
    else if (command === 'predict') await predictCommand(rest, { loadModelDir, useBackend });
    else if (command === 'export-script') await exportScriptCommand(rest);
    else {
      process.stdout.write(`${USAGE}\n`);
      return command === undefined || command === '--help' || command === '-h' ? 0 : 2;
    }
    return 0;
  } catch (e) {
    // The message, then the error's code (the catalogue's, src/core/run/errors.ts) and remedy.
    const err = e instanceof Error ? e : new Error(String(e));
    log(`error: ${err.message}`);
    log(`  (${errorCode(e)}) what to do: ${errorRemedy(e)}`);
    if (process.env.STUDIO_DEBUG) log(err.stack ?? '');
    return 1;
  } finally {
    await closeUnclaimedWorkers();
  }
}
