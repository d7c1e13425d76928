/**
 * What `studio train` and `studio export-script` share: the flags (and --args_json) read and
 * checked, the data read, the tokenizer chosen (or trained), the checkpoint loaded and the
 * splits prepared, up to the model spec a run would train.
 */
import { basename } from 'node:path';
import { stat } from 'node:fs/promises';
import { fsCheckpointStores } from '../core/run/fsStores';
import { RunService } from '../core/run/service';
import type { ColumnChoice, ModelSpec, StudioSession } from '../core/session';
import { fetchTokenizer } from '../core/io/tokenizerSource';
import { loadTokenizerFromDir } from '../core/tokenize/tokenizerNode';
import { trainingArgumentFlagSpecs, type TrainingArguments } from '../core/train/args';
import { formatHelp, parseFlags, type FlagSpec } from '../core/train/flags';
import type { GradientSourceFactory } from '../core/train/gradients';
import { bundledTokenizerDir, openDataFile } from './files';
import { checkedFileValue, readArgumentsJson } from './argsJson';
import { readRunConfigOption } from './runConfigFile';
import { logDataReport, logTaggedFile } from './dataReport';
import { checkpointMaxLength, readPretrained } from './modelFiles';
import { log, replicasOf, useBackend } from './runtime';
import { dataFlags, modelFlags, runConfigOfFlags, runtimeFlags } from './flagSpecs';
import {
  columnChoiceOf,
  modelSpecOf,
  prepareOptionsOf,
  resolveRun,
  type DataRef,
  type ResolvedRun,
} from '../core/config/resolveRun';
import type { ReadOptions } from '../core/data/read';
import { StudioError } from '../core/run/errors';

/** A run read from the command line, its data prepared, not yet trained. */
export interface PreparedRun {
  v: Record<string, string | number | boolean | undefined>;
  /** The run the flags describe, resolved against the data read (columns guessed, fingerprint). */
  resolved: ResolvedRun;
  args: TrainingArguments;
  service: RunService;
  session: StudioSession;
  outDir: string;
  trainFile: string;
  /** --model_name_or_path as given, or null from scratch. */
  pretrained: string | null;
  /** The tokenizer folder it was loaded from, or null (downloaded, trained, the checkpoint's). */
  tokDir: string | null;
  columns: ColumnChoice;
  maxLength: number;
  spec: ModelSpec;
  gradients: GradientSourceFactory | undefined;
}

export interface PrepareRunOptions {
  /** Starts the replicas once the arguments are known (before the data is read). */
  startGradients?: (
    v: Record<string, unknown>,
    backend: string,
    batchSize: number,
  ) => GradientSourceFactory | undefined;
}

/** Reads the flags of `command` and prepares the run; null when --help was asked for. */
export async function prepareRun(
  argv: string[],
  command: string,
  opts: PrepareRunOptions = {},
): Promise<PreparedRun | null> {
  const trainingSpecs = trainingArgumentFlagSpecs();
  const specs = { ...dataFlags, ...modelFlags, ...runtimeFlags, ...trainingSpecs };
  const { values, rest } = parseFlags(argv, specs);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${formatHelp(specs, command)}\n`);
    return null;
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
  const fromConfig = v.config ? await readRunConfigOption(String(v.config)) : null;
  if (fromConfig) {
    fromConfig.notices.forEach((n) => log(`notice: --config: ${n}`));
    // Checked against the field tables already; flags and --args_json win.
    const { data, model } = fromConfig.config;
    for (const [k, value] of Object.entries({ ...data, ...model })) {
      if (v[k] === undefined && value !== null) v[k] = value as string | number | boolean;
    }
    if (v.num_replicas === undefined && fromConfig.numReplicas !== null) {
      v.num_replicas = fromConfig.numReplicas;
      log(`num_replicas ${v.num_replicas} (--config's compute.num_replicas)`);
    }
  }
  const rawArgs: Record<string, unknown> = {
    ...fromConfig?.config.training,
    ...fromJson?.training,
  };
  for (const k of Object.keys(trainingSpecs)) if (k in values) rawArgs[k] = values[k];
  if (!v.train_file)
    throw new StudioError('arguments', '--train_file is required (a CSV or TSV file).', {
      remedy:
        'Give --train_file a CSV, TSV, JSON Lines or Parquet file with a text and a label column.',
    });
  // The flags as a run config, resolved with the field tables' defaults (as the page's runs).
  const config = runConfigOfFlags(v, rawArgs);
  const early = resolveRun(config);
  early.notices.forEach((n) => log(`notice: ${n}`));
  const args = early.training;
  const backend = String(v.backend ?? runtimeFlags.backend.default);
  await useBackend(backend);
  // Started now, so the workers load while this thread reads and tokenizes (a tagged file too:
  // the replicas take the token head and the per-token labels).
  const gradients = opts.startGradients?.(v, backend, args.per_device_train_batch_size);
  const outDir = args.output_dir;
  // The page's run service, on the file system: checkpoints and the output folder in output_dir.
  const service = new RunService({
    events: { warning: (message) => log(`warning: ${message}`) },
    checkpoints: fsCheckpointStores(outDir),
  });
  const session = service.session;
  // A CoNLL or tagged JSON Lines file is read as tagged sentences unless --task says otherwise.
  session.setTagging({ task: early.data.task, labelNames: early.data.label_names });
  // A bad --num_replicas is refused before the data is read (replicasOf checks the flag).
  if (v.num_replicas !== undefined) replicasOf(v, backend, args.per_device_train_batch_size);
  const trainFile = String(v.train_file);
  const readOpts: ReadOptions = {
    ...(early.data.header !== null && { hasHeader: early.data.header }),
    ...(early.data.delimiter !== null && { delimiter: early.data.delimiter }),
  };
  const table = await service.loadTable(
    basename(trainFile),
    await openDataFile(trainFile, '--train_file'),
    { read: readOpts },
  );
  if (table.tagged) logTaggedFile(trainFile, table);
  else {
    log(
      `read ${trainFile}: ${table.rowCount} rows, columns [${table.columns.join(', ')}], ` +
        `${table.encoding}, delimiter ${JSON.stringify(table.delimiter)}, ` +
        `${table.hasHeader ? 'header' : 'no header'}, ${table.anomalyCount} anomalies`,
    );
    for (const a of table.anomalies.slice(0, 5)) log(`  row ${a.row}: ${a.message}`);
  }
  const ref: DataRef = { train: { name: trainFile, bytes: (await stat(trainFile)).size } };
  if (early.data.validation_file !== null) {
    const vf = early.data.validation_file;
    await session.loadValidationTable(
      basename(vf),
      await openDataFile(vf, '--validation_file'),
      readOpts,
    );
    ref.validation = { name: vf, bytes: (await stat(vf)).size };
  }
  const resolved = resolveRun(config, { ...ref, guess: table.guess });
  const pretrained =
    resolved.model.source === 'pretrained' ? resolved.model.model_name_or_path : null;
  const checkpoint = pretrained ? await readPretrained(pretrained) : null;
  const info = checkpoint
    ? await session.loadPretrained(checkpoint.files, checkpoint.name, checkpoint.hubId)
    : null;
  if (info) {
    log(
      `loaded ${pretrained}: ${info.family}, ${info.parameters.toLocaleString('en-US')} parameters ` +
        `(${info.num_hidden_layers} layers, hidden ${info.hidden_size}, ${info.dtypes.join('/')}); ` +
        `tokenizer ${info.tokenizer ?? '(none in the checkpoint)'}`,
    );
  }
  // As run_glue.py: the tokenizer defaults to the model's own files.
  const tokSource = resolved.data.tokenizer;
  const tokDir =
    tokSource.source === 'trained'
      ? null
      : tokSource.source === 'named'
        ? tokSource.name_or_path
        : tokSource.source === 'checkpoint' && session.tokenizer
          ? null
          : bundledTokenizerDir();
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
  const columns: ColumnChoice = columnChoiceOf(resolved.data.columns);
  if (tokSource.source === 'trained') {
    const t1 = performance.now();
    const tok = await service.trainTokenizer(columns.text, tokSource.vocab_size, {
      pairColumn: columns.textPair,
      model: tokSource.model,
    });
    log(
      `trained a ${tokSource.model === 'bpe' ? 'byte-level BPE' : 'WordPiece'} tokenizer on "${columns.text}": ${tok.vocabSize} tokens in ` +
        `${((performance.now() - t1) / 1000).toFixed(1)} s (saved as tokenizer.json with the model)`,
    );
  }
  const maxLength = checkpointMaxLength(resolved.data.max_length, info, session);
  const t0 = performance.now();
  const ds = await service.prepare(prepareOptionsOf(resolved, maxLength));
  if (ds.tagged) {
    log(`tags ${ds.labels.map((l, i) => `${l} (${ds.classCounts[i]})`).join(', ')}`);
  } else {
    log(
      `text column "${columns.text}", label column "${columns.label}"; labels ${ds.labels
        .map((l, i) => `${l} (${ds.classCounts[i]})`)
        .join(', ')}`,
    );
  }
  const rows = ds.tagged ? 'sentences' : 'rows';
  log(
    `train ${ds.trainRows} ${rows}, validation ${ds.validationRows} ${rows}; ` +
      (ds.tagged ? '' : `${ds.skippedRows.length} rows skipped; `) +
      `${ds.truncatedRows} truncated at ${maxLength} tokens; mean ${ds.meanTokens.toFixed(1)} tokens; ` +
      `tokenized in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  if (ds.skippedMessage) log(`  ${ds.skippedMessage}`);
  if (ds.overlap > 0) log(`  warning: ${ds.overlap} validation texts also appear in train`);
  logDataReport(session.dataReport(columns, maxLength), maxLength);

  const spec: ModelSpec = modelSpecOf(resolved.model, maxLength);
  return {
    v,
    resolved,
    args,
    service,
    session,
    outDir,
    trainFile,
    pretrained,
    tokDir: tokIsDir ? tokDir : null,
    columns,
    maxLength,
    spec,
    gradients,
  };
}
