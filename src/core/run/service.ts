/**
 * The run service: one studio session's runs, recorded, resumed, checkpointed and exported
 * through the stores it is given (`./stores.ts`): IndexedDB and Web Locks in the worker, the
 * file system on the command line. It holds the state a run needs beyond the session (the data
 * file it was read from, the preparation, the tokenizer's name, the live run, a lost device);
 * the worker's handlers and the CLI only translate their requests into its calls.
 */
import { strToU8, zipSync } from 'fflate';
import { recordedRunOfStored, runArgumentFileBytes } from '../config/runFiles';
import { blobKey, isInterrupted, lastCheckpoint, type RunRecord } from '../io/runStore';
import { exportScriptBundle, ownSetup, type ScriptExport } from './scriptExport';
import { outputFolderFiles } from './outputFolder';
import { exportFolderName } from '../session/exportImport';
import { trainerStateJson } from '../io/trainerState';
import type { ModelSpec, TrainResult } from '../session';
import { parseTrainingArguments } from '../train/args';
import type { TrainerCallback } from '../train/callbacks';
import { StudioError, isResumableFailure, runFailure } from './errors';
import { RunInputs, messageOf, storedBytes } from './inputs';
import { RunRecorder } from './recorder';
import { storedModelSpec, storedPrepareOptions } from './storedRun';
import type { RunOutput, RunStore } from './stores';
import type { ExportedFile, OpenedRun, OutputOptions, RunList, TrainOptions } from './types';

export { POOL_MIN_ROWS } from './inputs';
export type * from './types';

const byStep = (a: string, b: string) => Number(a.split('-')[1]) - Number(b.split('-')[1]);
/** A model's config.json as a plain object, or null without a model. */
const configJson = (model: { config: object } | null) =>
  model ? (JSON.parse(JSON.stringify(model.config)) as Record<string, unknown>) : null;

export class RunService extends RunInputs {
  /** The run in progress' record id (live: not "interrupted"). */
  private liveRunId: string | null = null;
  /** Set when the GPU device is lost: the reason, shown instead of the raw failure. */
  private deviceLostReason: string | null = null;
  /** The last finished run's result (for its output folder). */
  private lastResult: TrainResult | null = null;
  /** The stored run the session last trained (its checkpoints go with "Run it elsewhere"). */
  private lastRunId: string | null = null;

  /** The GPU device was lost: the run in progress stops and fails as `device-lost`. */
  deviceLost(reason: string): void {
    this.deviceLostReason = reason;
    this.session.stop();
    this.warn(`The GPU device was lost (${reason}).`);
  }

  // --- Runs ---

  /** Trains a new run on the prepared data, recorded (when there is a run store). */
  async train(spec: ModelSpec, args: object, opts: TrainOptions = {}): Promise<TrainResult> {
    return this.exclusive(() => this.run(spec, { ...args }, null, opts));
  }

  /** Runs `fn` as the one run in progress (`busy` while another is). */
  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.assertIdle();
    this.starting = true;
    try {
      return await fn();
    } finally {
      this.starting = false;
    }
  }

  /**
   * Resumes a stored run from its last checkpoint: reloads its data file and settings, prepares
   * the data as before and trains on with `resume_from_checkpoint` (same record, same losses).
   */
  async resume(id: string, opts: TrainOptions = {}): Promise<TrainResult> {
    return this.exclusive(() => this.resumeStored(id, opts));
  }

  private async resumeStored(id: string, opts: TrainOptions): Promise<TrainResult> {
    const { runs, rec } = await this.stored(id);
    const base = this.session.pretrained?.config;
    const spec = storedModelSpec(rec, base ? (base as unknown as Record<string, unknown>) : null);
    const bytes = await runs.getBlob(blobKey.data(id));
    if (!bytes) {
      throw new StudioError(
        'not-found',
        `The data file of this run (${rec.fileName}) was not stored.`,
      );
    }
    this.status(`Resuming ${rec.fileName}…`);
    await this.session.loadTable(rec.fileName, bytes);
    this.tableFile = { fileName: rec.fileName, data: bytes, bytesRead: bytes.length };
    const prep = storedPrepareOptions(rec);
    this.session.prepare(prep);
    this.lastPrepare = prep;
    this.status('Training…');
    return this.run(spec, { ...rec.args }, id, opts);
  }

  /**
   * Opens a stored run again: its final model (the zip stored at its end) becomes the session's
   * model, as an imported one does, and its validation rows are evaluated on its data file as
   * the run prepared it. The page's own data file and preparation stay the session's.
   */
  async openRun(id: string): Promise<OpenedRun> {
    this.assertIdle('A run is in progress: stop it first.');
    const { runs, rec } = await this.stored(id);
    const notices: string[] = [];
    const zip = rec.hasModelZip ? await runs.getBlob(blobKey.modelZip(id)) : null;
    const model = zip ? await this.session.importZip(zip) : null;
    if (!model) notices.push('The final model of this run was not stored.');
    const bytes = model ? await runs.getBlob(blobKey.data(id)) : null;
    if (model && !bytes)
      notices.push(`The data file of this run (${rec.fileName}) was not stored.`);
    const s = this.session;
    const page = {
      table: s.table,
      validationTable: s.validationTable,
      prepared: s.prepared,
      tokenizer: s.tokenizer,
    };
    let dataset = null;
    let evalRows = null;
    try {
      if (bytes) {
        await s.loadTable(rec.fileName, bytes);
        s.validationTable = null;
        // The run's rows as the run tokenized them: with its own tokenizer (the stored zip's).
        s.tokenizer = s.modelTokenizer;
        dataset = s.prepare(storedPrepareOptions(rec));
        evalRows = await s.evalRows();
      }
    } catch (e) {
      notices.push(messageOf(e));
    } finally {
      Object.assign(s, page);
    }
    return { record: rec, model, dataset, evalRows, notices };
  }

  /** The run store and run `id`'s record, or a `not-found` error. */
  private async stored(id: string): Promise<{ runs: RunStore; rec: RunRecord }> {
    const runs = this.deps.runs;
    const rec = runs ? await runs.get(id) : null;
    if (!runs || !rec) throw new StudioError('not-found', `There is no stored run ${id}.`);
    return { runs, rec };
  }

  /** The record of a new run, or of the run `resumeId` set running again; null: not recorded. */
  private async recorder(
    spec: ModelSpec,
    args: Record<string, unknown>,
    resumeId: string | null,
  ): Promise<RunRecorder | null> {
    const runs = this.deps.runs;
    const warn = (m: string) => this.warn(m);
    if (resumeId) {
      const stored = await this.stored(resumeId);
      const r = new RunRecorder(stored.runs, stored.rec, warn);
      await r.update({ status: 'running', reason: null, backend: this.backend });
      return r;
    }
    if (!runs || !this.tableFile || !this.lastPrepare) return null;
    return RunRecorder.start(
      runs,
      {
        fileName: this.tableFile.fileName,
        tokenizer: { name: this.tokenizerName, vocabSize: this.session.tokenizer?.vocabSize ?? 0 },
        model: { ...spec },
        prepare: { ...this.lastPrepare },
        args,
        backend: this.backend,
        maxSteps: 0,
      },
      await storedBytes(this.tableFile),
      warn,
    );
  }

  /**
   * Trains with persistence: a run record (created or continued), checkpoints in the run's store
   * (with `resumable`: saved at each evaluation by default, at most 2 kept), its lock held while
   * it trains, the final model's zip and status at the end, a failure classified (a lost device
   * or memory: "interrupted", resumable; else "failed").
   */
  private async run(
    spec: ModelSpec,
    args: Record<string, unknown>,
    resumeId: string | null,
    opts: TrainOptions,
  ): Promise<TrainResult> {
    this.withCheckpointDefaults(args);
    const rec = await this.recorder(spec, args, resumeId);
    const id = rec?.record.id ?? null;
    this.lastRunId = id;
    const store = this.deps.checkpoints?.forRun(id, {
      onQuota: (e) => this.warn(e.message),
      simulateQuota: this.deps.hooks?.checkpointQuota(),
    });
    const checkpointNames = async () => (store ? (await store.list()).sort(byStep) : []);
    if (resumeId && rec) {
      const last = lastCheckpoint(await checkpointNames());
      if (!last) {
        throw new StudioError('not-resumable', 'This run has no stored checkpoint to resume from.');
      }
      args.resume_from_checkpoint = last;
      // The log history continues from the checkpoint's (restored by the trainer).
      rec.record.logHistory = rec.record.logHistory.filter(
        (e) => e.step <= Number(last.split('-')[1]),
      );
    }
    let release: (() => void) | undefined;
    if (rec && id) {
      this.liveRunId = id;
      this.deps.events.run?.(id);
      // Held while this run trains: another tab (or this one after a reload) sees it live.
      release = this.deps.locks?.hold(id);
    }
    const hooks = this.deps.hooks;
    const session = this.session;
    const recordCallback: TrainerCallback = {
      on_log(_a, state, _c, entry) {
        rec?.log(entry, state.global_step);
        if (rec && rec.record.maxSteps !== state.max_steps) rec.record.maxSteps = state.max_steps;
      },
      on_step_end(_a, state) {
        hooks?.afterStep(state.global_step);
      },
      on_save() {
        if (rec) {
          // The model's config with its first checkpoint: a resume checks its base against it.
          rec.record.modelConfig ??= configJson(session.model);
          void checkpointNames().then((names) => {
            rec.record.checkpoints = names;
            return rec.update({});
          });
        }
      },
    };
    try {
      const result = await this.session.train(spec, args, {
        callbacks: [...(opts.callbacks ?? []), recordCallback],
        yieldEachStep: opts.yieldEachStep,
        gradients: opts.gradients,
        checkpoints: store,
      });
      // A lost device stops the trainer (the `lost` handler) rather than failing a step: that is
      // still a fault, reported as one, and the run stays resumable.
      if (this.deviceLostReason !== null) throw new Error('GPU device lost');
      if (rec) await this.finish(rec, result, await checkpointNames());
      this.lastResult = result;
      return result;
    } catch (err) {
      const e = runFailure(err, this.deviceLostReason);
      if (rec) {
        await rec.update({
          status: isResumableFailure(e) ? 'interrupted' : 'failed',
          reason: e.message,
          // What a resume can start from (the last on_save's update may still be on its way).
          checkpoints: await checkpointNames().catch(() => rec.record.checkpoints),
        });
      }
      throw e;
    } finally {
      this.liveRunId = null;
      release?.();
    }
  }

  /** Closes a finished (or stopped) run's record, with its final model's zip when it fits. */
  private async finish(rec: RunRecorder, result: TrainResult, checkpoints: string[]) {
    let hasModelZip = false;
    try {
      await rec.store.putBlob(blobKey.modelZip(rec.record.id), await this.session.exportZip());
      hasModelZip = true;
    } catch (e) {
      this.warn(messageOf(e));
    }
    const model = this.session.model;
    await rec.update({
      status: result.stopped ? 'stopped' : 'finished',
      logHistory: result.logHistory,
      metrics: result.metrics,
      globalStep: result.globalStep,
      modelConfig: configJson(model),
      checkpoints,
      hasModelZip,
    });
  }

  /** Stored runs, newest first; interrupted ones (not live, with a checkpoint) to resume. */
  async listRuns(): Promise<RunList> {
    const runs = this.deps.runs;
    if (!runs) return { runs: [], interrupted: [], storage: { usage: null, quota: null } };
    const list = await runs.list();
    const live = new Set<string>(this.deps.locks ? await this.deps.locks.held() : []);
    if (this.liveRunId) live.add(this.liveRunId);
    const interrupted = list
      .filter((r) => isInterrupted(r, live) && r.checkpoints.length > 0)
      .map((r) => r.id);
    return { runs: list, interrupted, storage: await runs.storage() };
  }

  /** Deletes a stored run with its checkpoints, data file and model zip (not the live one). */
  async deleteRun(id: string): Promise<void> {
    if (id === this.liveRunId) {
      throw new StudioError(
        'busy',
        'This run is in progress: stop it before deleting it.',
        'RunInProgressError',
      );
    }
    const runs = this.deps.runs;
    if (!runs) throw new StudioError('not-found', `There is no stored run ${id}.`);
    await runs.delete(id);
  }

  /**
   * A stored run as a file: its HF zip when the final model is stored, else its
   * trainer_state.json (HF's full shape, filled from the stored log), training_args.json and
   * studio_args.json.
   */
  async exportRun(id: string): Promise<ExportedFile> {
    const { runs, rec } = await this.stored(id);
    const zip = rec.hasModelZip ? await runs.getBlob(blobKey.modelZip(id)) : null;
    if (zip) return { fileName: `${id}.zip`, zip };
    const parsed = parseTrainingArguments(rec.args).args;
    const state = trainerStateJson(null, {
      logHistory: rec.logHistory,
      globalStep: rec.globalStep,
      maxSteps: rec.maxSteps,
      args: parsed,
    });
    return {
      fileName: `${id}-state.zip`,
      zip: zipSync({
        'trainer_state.json': strToU8(state),
        ...runArgumentFileBytes(recordedRunOfStored(rec, parsed)),
      }),
    };
  }

  /**
   * A transformers Trainer script bundle (core/run/scriptExport.ts): of `setup` (the model and
   * arguments as the page holds them, for a run not started here, e.g. one too large for the
   * tab), else of the last run, with its last checkpoint when it stopped early.
   */
  exportScript(setup?: { model: ModelSpec; args: object }): Promise<ScriptExport> {
    const own = setup
      ? ownSetup(this.session, {
          model: setup.model,
          args: this.withCheckpointDefaults({ ...setup.args } as Record<string, unknown>),
        })
      : null;
    if (own) {
      own.notices.forEach((message) => this.warn(message));
      return exportScriptBundle(this.session, undefined, own);
    }
    const store = this.deps.checkpoints?.forRun(this.lastRunId, { onQuota: () => {} });
    return exportScriptBundle(this.session, store);
  }

  /** A page run's checkpoints (`resumable`): saved at each evaluation by default, 2 kept. */
  private withCheckpointDefaults(args: Record<string, unknown>): Record<string, unknown> {
    if (this.deps.resumable) {
      args.save_steps ??= args.eval_steps ?? args.logging_steps ?? 500;
      args.save_total_limit ??= 2;
    }
    return args;
  }

  /** The session's model as the studio's zip, named after it and unzipping as its folder. */
  async exportModel(): Promise<ExportedFile> {
    const name = exportFolderName({
      baseModel: this.session.baseModel,
      datasetName: this.session.table?.fileName ?? null,
    });
    return { fileName: `${name}.zip`, zip: await this.session.exportZip(name) };
  }

  /**
   * The output folder of the last finished run, as `transformers`' example scripts write it:
   * the HF model files, the ONNX files (onnx/), the tokenizer, training_args.json,
   * studio_args.json, trainer_state.json, train/eval/all_results.json and the model card.
   */
  async outputFiles(o: OutputOptions): Promise<Record<string, Uint8Array | string>> {
    if (!this.lastResult) throw new StudioError('internal', 'Training produced no model.');
    return outputFolderFiles(this.session, this.lastResult, o);
  }

  /** Writes the last run's output folder ({@link outputFiles}) to `output`. */
  async saveOutput(output: RunOutput, o: OutputOptions): Promise<void> {
    await output.write(await this.outputFiles(o));
  }
}
