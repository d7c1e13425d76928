/**
 * The run service: one studio session's runs, recorded, resumed, checkpointed and exported
 * through the stores it is given (`./stores.ts`): IndexedDB and Web Locks in the worker, the
 * file system on the command line. It holds the one run (`./run.ts`: its state machine and
 * snapshots) and the state a run needs beyond the session (the data files it was read from, the
 * preparation and its fingerprint, the tokenizer's name, a lost device); the worker's handlers
 * and the CLI only translate their requests into its calls. Stored runs (Reopen, imports, the
 * list) are `./storedRuns.ts`, a run's inputs `./inputs.ts`.
 */
import { strToU8, zipSync } from 'fflate';
import { modelSpecOf } from '../config/resolveRun';
import type { RunConfig } from '../config/runConfig';
import { recordedRunOfStored, runArgumentFileBytes, runConfigOf } from '../config/runFiles';
import { blobKey, lastCheckpoint } from '../io/runStore';
import { exportScriptBundle, ownSetup, type ScriptExport } from './scriptExport';
import { outputFolderFiles } from './outputFolder';
import { exportFolderName } from '../session/exportImport';
import { trainerStateJson } from '../io/trainerState';
import type { ModelSpec, TrainResult } from '../session';
import { parseTrainingArguments } from '../train/args';
import type { TrainerCallback } from '../train/callbacks';
import { StudioError, deviceLostError, isResumableFailure, runFailure } from './errors';
import { messageOf, storedBytes } from './inputs';
import { StoredRuns, configJson } from './storedRuns';
import { progressCallback } from './progress';
import { RunRecorder } from './recorder';
import { checkStoredCheckpoint, storedModelSpec, storedPrepareOptions } from './storedRun';
import type { RunOutput } from './stores';
import type { ExportedFile, OutputOptions, TrainOptions } from './types';

export { POOL_MIN_ROWS } from './inputs';
export type * from './types';

const byStep = (a: string, b: string) => Number(a.split('-')[1]) - Number(b.split('-')[1]);

export class RunService extends StoredRuns {
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

  /**
   * Starts a new run of `config` (the page's train request): resolves it against the data held
   * (`resolveRun`), prepares the data again only when the resolved run's fingerprint changed
   * since the last preparation (else trains on it as prepared), then trains the model
   * `modelSpecOf` builds of it, recorded (when there is a run store) with `runConfigOf` of it.
   */
  async startRun(config: RunConfig, opts: TrainOptions = {}): Promise<TrainResult> {
    this.assertIdle();
    // The page's checkpoint defaults are part of what the run is (and records).
    const training = this.withCheckpointDefaults({ ...config.training });
    this.run.start(this.dataOfRun());
    return this.settle(async () => {
      // A value no field takes fails the run, as a failed step does (the snapshot says why).
      const run = this.resolve({ ...config, training });
      const prepared = await this.prepareIfChanged(run);
      this.status('Training…');
      const spec = modelSpecOf(run.model, prepared.maxLength);
      return this.trainRecorded(spec, training, null, opts, runConfigOf(run));
    });
  }

  /** Trains `spec` with `args` on the data as last prepared (the CLI prepares it itself). */
  async train(spec: ModelSpec, args: object, opts: TrainOptions = {}): Promise<TrainResult> {
    this.assertIdle();
    this.run.start(this.dataOfRun());
    return this.settle(async () => {
      this.status('Training…');
      return this.trainRecorded(spec, { ...args }, null, opts);
    });
  }

  /** Ends the run's state as its result or failure says (the snapshot tells the page). */
  private async settle(fn: () => Promise<TrainResult>): Promise<TrainResult> {
    try {
      const result = await fn();
      this.run.end(result);
      this.status(result.stopped ? `Stopped at step ${result.globalStep}` : 'Finished');
      return result;
    } catch (e) {
      this.run.fail(e, this.session.model !== null);
      throw e;
    }
  }

  /** The data files of the run about to start, for its snapshots. */
  private dataOfRun() {
    const fileName = this.tableFile?.fileName ?? this.session.dataFileName;
    return fileName ? { fileName, validationFileName: this.session.validationFileName } : null;
  }

  /** Pauses the run in progress between steps; false when it cannot pause now. */
  pause(): boolean {
    return this.run.state === 'training' && this.session.pause() && this.run.pause();
  }

  /** Continues a paused run with its next step. */
  unpause(): boolean {
    return this.run.state === 'paused' && this.session.unpause() && this.run.unpause();
  }

  /** Stops the run in progress after its current step (what was trained is kept). */
  stop(): boolean {
    if (!this.run.active) return false;
    this.session.stop();
    return this.run.stop();
  }

  /**
   * Continues a stored run from its last checkpoint: reloads its data file (and validation
   * file) and settings, prepares the data as before and trains on with `resume_from_checkpoint`
   * (same record, same losses).
   */
  async continueRun(id: string, opts: TrainOptions = {}): Promise<TrainResult> {
    this.assertIdle();
    const { runs, rec } = await this.stored(id);
    this.run.start({ fileName: rec.fileName, validationFileName: rec.validationFileName ?? null });
    return this.settle(async () => {
      const base = this.session.pretrained?.config;
      const spec = storedModelSpec(rec, base ? (base as unknown as Record<string, unknown>) : null);
      const bytes = await runs.getBlob(blobKey.data(id));
      if (!bytes) {
        throw new StudioError(
          'not-found',
          `The data file of this run (${rec.fileName}) was not stored.`,
          { remedy: 'Open the data file again and start a new run with the same settings.' },
        );
      }
      this.status(`Continuing ${rec.fileName}…`);
      const validation = await this.storedValidation(runs, rec);
      await this.session.loadTable(rec.fileName, bytes);
      this.tableFile = { fileName: rec.fileName, data: bytes, bytesRead: bytes.length };
      this.session.useValidation(validation);
      this.validationFile = validation?.file ?? null;
      const prep = storedPrepareOptions(rec);
      this.session.prepare(prep);
      this.lastPrepare = prep;
      this.status('Training…');
      return this.trainRecorded(spec, { ...rec.args }, id, opts);
    });
  }

  /** The record of a new run, or of the run `resumeId` set running again; null: not recorded. */
  private async recorder(
    spec: ModelSpec,
    args: Record<string, unknown>,
    resumeId: string | null,
    config?: RunConfig,
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
    const validation = this.session.validationFileName ? this.validationFile : null;
    return RunRecorder.start(
      runs,
      {
        fileName: this.tableFile.fileName,
        validationFileName: validation?.fileName ?? null,
        tokenizer: { name: this.tokenizerName, vocabSize: this.session.tokenizer?.vocabSize ?? 0 },
        model: { ...spec },
        prepare: { ...this.lastPrepare },
        args,
        backend: this.backend,
        maxSteps: 0,
        ...(config ? { config: config as unknown as Record<string, unknown> } : {}),
      },
      await storedBytes(this.tableFile),
      warn,
      validation ? await storedBytes(validation) : null,
    );
  }

  /**
   * Trains with persistence: a run record (created or continued), checkpoints in the run's store
   * (with `resumable`: saved at each evaluation by default, at most 2 kept), its lock held while
   * it trains, the final model's zip and status at the end, a failure classified (a lost device
   * or memory: "interrupted", resumable; else "failed").
   */
  private async trainRecorded(
    spec: ModelSpec,
    args: Record<string, unknown>,
    resumeId: string | null,
    opts: TrainOptions,
    config?: RunConfig,
  ): Promise<TrainResult> {
    this.withCheckpointDefaults(args);
    // Checked before the record is set running: a run that cannot continue stays as it was.
    const resumeFrom = resumeId ? await this.resumableCheckpoint(resumeId) : null;
    const rec = await this.recorder(spec, args, resumeId, config);
    const id = rec?.record.id ?? null;
    this.lastRunId = id;
    const store = this.deps.checkpoints?.forRun(id, {
      onQuota: (e) => this.warn(e.message),
      simulateQuota: this.deps.hooks?.checkpointQuota(),
    });
    const checkpointNames = async () => (store ? (await store.list()).sort(byStep) : []);
    if (resumeFrom && rec) {
      args.resume_from_checkpoint = resumeFrom;
      // The log history continues from the checkpoint's (restored by the trainer).
      rec.record.logHistory = rec.record.logHistory.filter(
        (e) => e.step <= Number(resumeFrom.split('-')[1]),
      );
    }
    let release: (() => void) | undefined;
    const session = this.session;
    // The run's log is its own trainer's (not the last run's, until the trainer starts).
    const last = session.trainerState;
    this.run.training(id, () => (session.trainerState === last ? [] : session.logHistory));
    if (rec && id) {
      this.deps.events.run?.(id);
      // Held while this run trains: another tab (or this one after a reload) sees it live.
      release = this.deps.locks?.hold(id);
    }
    const hooks = this.deps.hooks;
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
      // The page's snapshots follow the trainer's progress reports (at most every 200 ms).
      const snapshots = this.deps.events.snapshot
        ? [
            progressCallback(
              (p) => this.run.progress(p),
              () => {},
            ),
          ]
        : [];
      const result = await this.session.train(spec, args, {
        callbacks: [...(opts.callbacks ?? []), ...snapshots, recordCallback],
        yieldEachStep: opts.yieldEachStep,
        gradients: opts.gradients,
        checkpoints: store,
      });
      // A lost device stops the trainer (the `lost` handler) rather than failing a step: that is
      // still a fault, reported as one, and the run stays resumable.
      if (this.deviceLostReason !== null) throw deviceLostError(this.deviceLostReason);
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
      release?.();
    }
  }

  /** The stored run `id`'s last checkpoint, checked readable; fails as `not-resumable`. */
  private async resumableCheckpoint(id: string): Promise<string> {
    const store = this.deps.checkpoints?.forRun(id, { onQuota: () => {} });
    const last = lastCheckpoint(store ? (await store.list()).sort(byStep) : []);
    if (!store || !last) {
      throw new StudioError('not-resumable', 'This run has no stored checkpoint to resume from.');
    }
    checkStoredCheckpoint(last, await store.read(last));
    return last;
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
      datasetName: this.session.dataFileName,
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
