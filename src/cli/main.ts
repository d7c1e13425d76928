/**
 * `studio train | evaluate | predict`: the command-line counterpart of a `transformers` training
 * script using `HfArgumentParser`. Same core as the browser studio.
 */
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { stat } from 'node:fs/promises';
import {
  fetchModelFiles,
  hubRepoId,
  OPTIONAL_MODEL_FILES,
  REQUIRED_MODEL_FILES,
} from '../core/io/modelSource';
import { selectBackend, type BackendName } from '../core/backend';
import { FsRunOutput, fsCheckpointStores } from '../core/run/fsStores';
import { RunService } from '../core/run/service';
import { StudioSession, type ColumnChoice, type PretrainedInfo } from '../core/session';
import { checkpointLengthLimit, fitMaxLength } from '../core/session/maxLength';
import type { DataReport } from '../core/data/report';
import { fetchTokenizer } from '../core/io/tokenizerSource';
import { loadTokenizerFromDir } from '../core/tokenize/tokenizerNode';
import { parseTrainingArguments, trainingArgumentFlagSpecs } from '../core/train/args';
import { STUDIO_ARGS_FILE, splitArgumentsJson } from '../core/config/argsFile';
import { formatHelp, parseFlags, type FlagSpec } from '../core/train/flags';
import { bundledTokenizerDir, folderName, openDataFile, readBytes, readJson } from './files';
import { formatLogLine, progressCallback } from './progress';
import { predictCommand } from './predict';
import { checkRunFlags, dataFlags, modelFlags, readOptionsOf, runtimeFlags } from './flagSpecs';
import { defaultDataArguments } from '../core/config/dataArguments';
import { defaultModelArguments } from '../core/config/modelArguments';
import { tokenizerOutputFiles } from './tokenizerFiles';
import { availableParallelism } from 'node:os';
import {
  closeUnclaimedWorkers,
  evaluationContext,
  parallelGradients,
} from '../core/train/parallel/workerGradients';

/**
 * The replicas' source factory for `replicas` > 1 (undefined for one thread), started now so the
 * workers load meanwhile. This thread computes a share too: as fast as only coordinating, and one
 * model copy fewer.
 */
function startReplicas(replicas: number, backend: string) {
  if (replicas <= 1) return undefined;
  return parallelGradients({
    replicas,
    mainReplica: true,
    backend: backend as 'wasm' | 'cpu',
    prestart: true,
  });
}

/**
 * --num_replicas, or one per core (at most one per row of a batch) on the wasm backend: its Node
 * build runs on one thread.
 */
function replicasOf(v: Record<string, unknown>, backend: string, batchSize: number): number {
  if (v.num_replicas === undefined) {
    return backend === 'wasm' ? Math.max(1, Math.min(availableParallelism(), batchSize)) : 1;
  }
  const n = Number(v.num_replicas);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`--num_replicas must be a positive integer (got ${String(v.num_replicas)}).`);
  }
  return n;
}

const USAGE = `Usage:
  studio train --train_file data.csv [--validation_file val.csv | --validation_split 0.1]
               --output_dir out [--text_column text --label_column label] [model and TrainingArguments flags]
  studio evaluate --model_dir out --validation_file val.csv
  studio predict --model_dir out --input_file rows.csv|inputs.json [--output_file preds.jsonl]
  studio <command> --help`;

/** The run config's defaults for the data and model flags not given. */
const DATA_DEFAULTS = defaultDataArguments();
const MODEL_DEFAULTS = defaultModelArguments();

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function useBackend(name: string): Promise<void> {
  if (!['wasm', 'cpu'].includes(name)) {
    throw new Error(`--backend must be wasm or cpu in Node (got "${name}").`);
  }
  // PROD silences TF.js's console banner suggesting tfjs-node (a native build we do not use).
  tf.env().set('PROD', true);
  const b = await selectBackend(name as BackendName);
  log(`backend: ${b.name}`);
}

async function trainCommand(argv: string[]): Promise<void> {
  const trainingSpecs = trainingArgumentFlagSpecs();
  const specs = { ...dataFlags, ...modelFlags, ...runtimeFlags, ...trainingSpecs };
  const { values, rest } = parseFlags(argv, specs);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${formatHelp(specs, 'studio train')}\n`);
    return;
  }
  const v = { ...values } as Record<string, string | number | boolean | undefined>;
  const fromJson = v.args_json ? await readArgumentsJson(String(v.args_json)) : null;
  if (fromJson) {
    fromJson.notices.forEach((n) => log(`notice: ${n}`));
    // Flags win over the file; the file's data and model keys fill the flags not given.
    for (const [k, value] of Object.entries({ ...fromJson.data, ...fromJson.model })) {
      if (!(k in values)) v[k] = checkedFileValue(k, value, (specs as Record<string, FlagSpec>)[k]);
    }
  }
  const rawArgs: Record<string, unknown> = { ...fromJson?.training };
  for (const k of Object.keys(trainingSpecs)) if (k in values) rawArgs[k] = values[k];
  const { args, notices } = parseTrainingArguments(rawArgs);
  notices.forEach((n) => log(`notice: ${n}`));
  if (!v.train_file) throw new Error('--train_file is required (a CSV or TSV file).');
  checkRunFlags(v);
  const backend = String(v.backend ?? 'wasm');
  await useBackend(backend);
  const replicas = replicasOf(v, backend, args.per_device_train_batch_size);
  // Started now, so the workers load while this thread reads and tokenizes the data.
  const gradients = startReplicas(replicas, backend);
  if (replicas > 1) {
    log(`data parallel: ${replicas} replicas (worker_threads), gradients summed each step`);
  }

  const outDir = args.output_dir;
  // The page's run service, on the file system: checkpoints and the output folder in output_dir.
  const service = new RunService({
    events: { warning: (message) => log(`warning: ${message}`) },
    checkpoints: fsCheckpointStores(outDir),
  });
  const session = service.session;
  const trainFile = String(v.train_file);
  const readOpts = readOptionsOf(v);
  const table = await service.loadTable(
    basename(trainFile),
    await openDataFile(trainFile, '--train_file'),
    { read: readOpts },
  );
  log(
    `read ${trainFile}: ${table.rowCount} rows, columns [${table.columns.join(', ')}], ` +
      `${table.encoding}, delimiter ${JSON.stringify(table.delimiter)}, ` +
      `${table.hasHeader ? 'header' : 'no header'}, ${table.anomalyCount} anomalies`,
  );
  for (const a of table.anomalies.slice(0, 5)) log(`  row ${a.row}: ${a.message}`);
  if (v.validation_file) {
    const vf = String(v.validation_file);
    await session.loadValidationTable(
      basename(vf),
      await openDataFile(vf, '--validation_file'),
      readOpts,
    );
  }
  const pretrained = v.model_name_or_path ? String(v.model_name_or_path) : null;
  const checkpoint = pretrained ? await readPretrained(pretrained) : null;
  const info = checkpoint
    ? await session.loadPretrained(checkpoint.files, checkpoint.name, checkpoint.hubId)
    : null;
  if (info) {
    log(
      `loaded ${pretrained}: ${info.parameters.toLocaleString('en-US')} parameters ` +
        `(${info.num_hidden_layers} layers, hidden ${info.hidden_size}, ${info.dtypes.join('/')}); ` +
        `tokenizer ${info.tokenizer ?? '(none in the checkpoint)'}`,
    );
  }
  // As run_glue.py: the tokenizer defaults to the model's own files.
  const trainVocab =
    v.train_tokenizer_vocab_size !== undefined ? Number(v.train_tokenizer_vocab_size) : null;
  const tokDir =
    trainVocab !== null
      ? null
      : v.tokenizer_name_or_path
        ? String(v.tokenizer_name_or_path)
        : pretrained && session.tokenizer
          ? null
          : bundledTokenizerDir();
  const tokModel = (v.train_tokenizer_model ?? MODEL_DEFAULTS.train_tokenizer_model) as
    'wordpiece' | 'bpe';
  const tokIsDir =
    tokDir !== null &&
    (await stat(tokDir).then(
      (st) => st.isDirectory(),
      () => false,
    ));
  if (tokDir !== null && tokIsDir) {
    service.useTokenizer(await loadTokenizerFromDir(tokDir), tokDir);
  } else if (tokDir !== null) {
    // Not a folder here: a Hub id or folder URL (no Cache API in Node: downloaded each run).
    const fetched = await fetchTokenizer(tokDir, { cache: null });
    service.useTokenizer(fetched.tokenizer, fetched.name);
    log(`downloaded the tokenizer ${fetched.name} (${fetched.tokenizer.vocabSize} tokens)`);
  }
  const columns: ColumnChoice = {
    text: v.text_column ? String(v.text_column) : table.guess.text,
    label: v.label_column ? String(v.label_column) : table.guess.label,
    ...(v.text_pair_column ? { textPair: String(v.text_pair_column) } : {}),
  };
  if (trainVocab !== null) {
    const t1 = performance.now();
    const tok = await service.trainTokenizer(columns.text, trainVocab, {
      pairColumn: columns.textPair,
      model: tokModel,
    });
    log(
      `trained a ${tokModel === 'bpe' ? 'byte-level BPE' : 'WordPiece'} tokenizer on "${columns.text}": ${tok.vocabSize} tokens in ` +
        `${((performance.now() - t1) / 1000).toFixed(1)} s (saved as tokenizer.json with the model)`,
    );
  }
  const maxLength = checkpointMaxLength(
    Number(v.max_length ?? DATA_DEFAULTS.max_length),
    info,
    session,
  );
  const t0 = performance.now();
  const ds = await service.prepare({
    columns,
    validationFraction: Number(v.validation_split ?? DATA_DEFAULTS.validation_split),
    maxLength,
    seed: args.seed,
  });
  log(
    `text column "${columns.text}", label column "${columns.label}"; labels ${ds.labels
      .map((l, i) => `${l} (${ds.classCounts[i]})`)
      .join(', ')}`,
  );
  log(
    `train ${ds.trainRows} rows, validation ${ds.validationRows} rows; ${ds.skippedRows.length} rows skipped; ` +
      `${ds.truncatedRows} truncated at ${maxLength} tokens; mean ${ds.meanTokens.toFixed(1)} tokens; ` +
      `tokenized in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  if (ds.skippedMessage) log(`  ${ds.skippedMessage}`);
  if (ds.overlap > 0) log(`  warning: ${ds.overlap} validation texts also appear in train`);
  logDataReport(session.dataReport(columns, maxLength));

  const result = await service.train(
    pretrained
      ? { kind: 'pretrained', max_length: maxLength }
      : {
          kind: 'scratch',
          hidden_size: Number(v.hidden_size ?? MODEL_DEFAULTS.hidden_size),
          num_hidden_layers: Number(v.num_hidden_layers ?? MODEL_DEFAULTS.num_hidden_layers),
          num_attention_heads: Number(v.num_attention_heads ?? MODEL_DEFAULTS.num_attention_heads),
          intermediate_size: Number(v.intermediate_size ?? MODEL_DEFAULTS.intermediate_size),
          max_length: maxLength,
        },
    args,
    { callbacks: [progressCallback(process.stderr)], gradients },
  );
  const model = session.model;
  const tok = session.tokenizer;
  if (!model || !tok) throw new Error('Training produced no model.');
  const tokenizerFiles = await tokenizerOutputFiles(
    tok,
    tokIsDir ? tokDir : null,
    session.exportMaxLength(),
    model.config.max_position_embeddings,
  );
  await service.saveOutput(new FsRunOutput(outDir), {
    tokenizerFiles,
    studioArgs: {
      max_length: maxLength,
      text_column: columns.text,
      label_column: columns.label,
      text_pair_column: columns.textPair,
      ...(pretrained
        ? {}
        : {
            model_type: 'transformer' as const,
            hidden_size: Number(v.hidden_size ?? MODEL_DEFAULTS.hidden_size),
            num_hidden_layers: Number(v.num_hidden_layers ?? MODEL_DEFAULTS.num_hidden_layers),
            num_attention_heads: Number(
              v.num_attention_heads ?? MODEL_DEFAULTS.num_attention_heads,
            ),
            intermediate_size: Number(v.intermediate_size ?? MODEL_DEFAULTS.intermediate_size),
          }),
    },
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

/**
 * An --args_json file split into data, model and TrainingArguments keys. A studio_args.json
 * beside it (the studio's extras, written with every training_args.json) is read under it.
 */
async function readArgumentsJson(path: string) {
  const file = await readJson(path, '--args_json');
  const siblingPath = join(dirname(path), STUDIO_ARGS_FILE);
  const readSibling =
    basename(path) !== STUDIO_ARGS_FILE &&
    (await stat(siblingPath).then(
      (st) => st.isFile(),
      () => false,
    ));
  const sibling = readSibling ? await readJson(siblingPath, STUDIO_ARGS_FILE) : {};
  const split = splitArgumentsJson({ ...sibling, ...file }, `--args_json ${path}`);
  if (readSibling) split.notices.unshift(`read ${siblingPath} too (the studio's own arguments)`);
  return split;
}

/** A data or model argument from --args_json, checked against its flag's type. */
function checkedFileValue(
  key: string,
  value: unknown,
  spec: FlagSpec | undefined,
): string | number | boolean | undefined {
  if (value === null || value === undefined) return undefined;
  const want = spec?.type === 'number' ? 'number' : spec?.type === 'boolean' ? 'boolean' : 'string';
  if (typeof value !== want) {
    throw new Error(
      `--args_json: '${key}' must be a ${want} (got ${JSON.stringify(value)}). ${spec?.help ?? ''}`.trim(),
    );
  }
  return value as string | number | boolean;
}

/** The data report's lines the summary above lacks: rows used, anomaly kinds, task, lengths. */
function logDataReport(r: DataReport): void {
  const kinds = Object.entries(r.anomaliesByKind).map(([k, n]) => `${k} ${n}`);
  log(
    `data report: rows read ${r.rows}, rows used ${r.rowsUsed}, ${r.columns.length} columns; ` +
      `anomalies ${r.anomalyCount}${kinds.length ? ` (${kinds.join(', ')})` : ''}`,
  );
  log(`  task: ${r.task.problemType} (${r.task.reason})`);
  const tl = r.tokenLengths;
  if (tl) {
    log(
      `  tokens per row at ${tl.tokenizer}: mean ${tl.mean.toFixed(1)}, median ${tl.median}, p95 ${tl.p95}; ` +
        `${(tl.truncatedShare * 100).toFixed(1)}% of rows truncated at max_length ${tl.maxLength}` +
        (tl.measured < r.rows ? ` (sample of ${tl.measured})` : ''),
    );
  }
  log(
    `  empty rows ${r.empty.count}${r.empty.rows.length ? ` (rows ${r.empty.rows.slice(0, 10).join(', ')})` : ''}; ` +
      `duplicate texts ${r.duplicates.count}` +
      (r.duplicates.conflictingLabels
        ? `, ${r.duplicates.conflictingLabels} with a different label`
        : ''),
  );
  if (r.capped) log(`  warning: ${r.capped}`);
}

/**
 * max_length for the run: `requested`, lowered with a notice to what a pretrained checkpoint
 * (`info`) and the tokenizer chosen for it take, as transformers' example scripts do.
 */
function checkpointMaxLength(
  requested: number,
  info: PretrainedInfo | null,
  session: StudioSession,
): number {
  if (!info) return requested;
  const limit = checkpointLengthLimit(
    info.max_position_embeddings,
    session.tokenizer?.modelMaxLength ?? Infinity,
  );
  const fit = fitMaxLength(requested, limit);
  if (fit.notice) log(`notice: ${fit.notice}`);
  return fit.maxLength;
}

/**
 * A checkpoint's files from a local folder (named after the folder), or downloaded from a folder
 * URL / Hub id (its Hub id kept for the model card's base_model).
 */
async function readPretrained(
  source: string,
): Promise<{ files: Record<string, Uint8Array>; name: string; hubId: string | null }> {
  const isDir = await stat(source).then(
    (st) => st.isDirectory(),
    () => false,
  );
  if (isDir) {
    const files: Record<string, Uint8Array> = {};
    for (const f of [...REQUIRED_MODEL_FILES, ...OPTIONAL_MODEL_FILES]) {
      const path = join(source, f);
      if (
        await stat(path).then(
          () => true,
          () => false,
        )
      )
        files[f] = await readBytes(path, f);
    }
    return { files, name: folderName(source), hubId: null };
  }
  let lastPct = -1;
  const fetched = await fetchModelFiles(source, {
    cache: null,
    onProgress: (p) => {
      if (p.total === null || p.total < 1e6) return;
      const pct = Math.floor((100 * p.loaded) / p.total / 10) * 10;
      if (pct !== lastPct)
        log(`downloading ${p.file}: ${pct}% of ${(p.total / 1e6).toFixed(1)} MB`);
      lastPct = pct;
    },
  });
  return { files: fetched.files, name: fetched.name, hubId: hubRepoId(source) };
}

async function loadModelDir(session: StudioSession, dir: string): Promise<void> {
  await session.loadModel({
    config: await readJson(join(dir, 'config.json'), 'config'),
    weights: await readBytes(join(dir, 'model.safetensors'), 'weights'),
    tokenizerJson: await readJson(join(dir, 'tokenizer.json'), 'tokenizer'),
    tokenizerConfig: await readJson(join(dir, 'tokenizer_config.json'), 'tokenizer config'),
  });
}

async function evaluateCommand(argv: string[]): Promise<void> {
  const specs: Record<string, FlagSpec> = {
    model_dir: {
      type: 'string',
      help: 'folder written by studio train (or any HF BERT classifier folder)',
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
        'start-up only on large enough work: e.g. from ~500 rows of 128 tokens at bert-tiny size; ' +
        'never at the default model size with short rows',
      default: 1,
      group: 'Runtime',
    },
  };
  const { values, rest } = parseFlags(argv, specs);
  if (rest.includes('--help'))
    return void process.stdout.write(`${formatHelp(specs, 'studio evaluate')}\n`);
  const v = values as Record<string, string | number | undefined>;
  if (!v.model_dir || !v.validation_file)
    throw new Error('--model_dir and --validation_file are required.');
  const backend = String(v.backend ?? 'wasm');
  await useBackend(backend);
  const session = new StudioSession();
  await loadModelDir(session, String(v.model_dir));
  const table = await session.loadTable(
    basename(String(v.validation_file)),
    await openDataFile(String(v.validation_file), '--validation_file'),
  );
  const model = session.model;
  if (!model) throw new Error('No model was loaded.');
  const batchSize = Number(v.per_device_eval_batch_size ?? 32);
  // One thread unless asked: whether replicas pay for their start-up depends on the model size
  // and row lengths, not on the rows alone (see the flag's help).
  const replicas = v.num_replicas === undefined ? 1 : replicasOf(v, backend, batchSize);
  // Started now: the workers load while this thread tokenizes the rows.
  const source = startReplicas(replicas, backend)?.(evaluationContext(model)) ?? null;
  if (replicas > 1) log(`data parallel: ${replicas} replicas (worker_threads), batches split`);
  try {
    const metrics = await session.evaluateTable(
      {
        text: v.text_column ? String(v.text_column) : table.guess.text,
        label: v.label_column ? String(v.label_column) : table.guess.label,
        ...(v.text_pair_column ? { textPair: String(v.text_pair_column) } : {}),
      },
      Number(v.max_length ?? session.exportMaxLength()),
      batchSize,
      source?.forward,
    );
    process.stdout.write(`${JSON.stringify(metrics, null, 2)}\n`);
  } finally {
    await source?.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'train') await trainCommand(rest);
    else if (command === 'evaluate') await evaluateCommand(rest);
    else if (command === 'predict') await predictCommand(rest, { loadModelDir, useBackend });
    else {
      process.stdout.write(`${USAGE}\n`);
      return command === undefined || command === '--help' || command === '-h' ? 0 : 2;
    }
    return 0;
  } catch (e) {
    const err = e as Error;
    log(`error: ${err.message}`);
    if (process.env.STUDIO_DEBUG) log(err.stack ?? '');
    return 1;
  } finally {
    await closeUnclaimedWorkers();
  }
}
