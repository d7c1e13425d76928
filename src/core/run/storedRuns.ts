/**
 * The stored runs of a service: listed, deleted, opened again (Reopen: the stored model
 * evaluated on what its run evaluated, the page's data untouched) and imported (a
 * trainer_state.json or an exported model as its own entry). `RunService` (./service.ts) builds
 * its runs on this.
 */
import { blobKey, isInterrupted, type RunRecord } from '../io/runStore';
import { validationEvalRows } from '../session/evalRows';
import { prepareSplits } from '../session/prepare';
import { readTableFile } from '../session/table';
import { readTaggedFile, type LoadedTagged } from '../session/tagged';
import { taggedEvalDetails } from '../session/taggedPredict';
import { prepareTaggedSplits } from '../session/taggedPrepare';
import { StudioError } from './errors';
import { importedRecord, parseTrainerState, trainerStateOfZip } from './imported';
import { RunInputs, messageOf } from './inputs';
import { storedPrepareOptions } from './storedRun';
import type { RunStore } from './stores';
import type { OpenedRun, RunList } from './types';

/** A model's config.json as a plain object, or null without a model. */
export const configJson = (model: { config: object } | null) =>
  model ? (JSON.parse(JSON.stringify(model.config)) as Record<string, unknown>) : null;

/** Stored runs: see the module comment. */
export class StoredRuns extends RunInputs {
  /** The run store and run `id`'s record, or a `not-found` error. */
  protected async stored(id: string): Promise<{ runs: RunStore; rec: RunRecord }> {
    const runs = this.deps.runs;
    const rec = runs ? await runs.get(id) : null;
    if (!runs || !rec) throw new StudioError('not-found', `There is no stored run ${id}.`);
    return { runs, rec };
  }

  /** A stored run's validation file, read as the run read it; null for a run that split. */
  protected async storedValidation(runs: RunStore, rec: RunRecord) {
    const name = rec.validationFileName;
    if (!name) return null;
    const bytes = await runs.getBlob(blobKey.validation(rec.id));
    if (!bytes) {
      throw new StudioError(
        'not-found',
        `The validation file of this run (${name}) was not stored.`,
        { remedy: 'Open the data file again and start a new run with the same settings.' },
      );
    }
    const file = { fileName: name, data: bytes, bytesRead: bytes.length };
    // A token-classification run's validation file is tagged (CoNLL, JSON Lines).
    const tagged = await readTaggedFile(name, bytes, { task: 'auto', labelNames: null });
    if (tagged) return { table: null, tagged, file };
    const table = { ...(await readTableFile(name, bytes, {})), fileName: name };
    return { table, tagged: null, file };
  }

  /**
   * Opens a stored run again: its final model (the zip stored at its end) becomes the session's
   * model, as an imported one does, and it is evaluated on what the run evaluated: its own
   * validation file when it had one, else its split of its data file, tokenized with the
   * model's tokenizer. The page's data, tokenizer and preparation are not touched.
   */
  async openRun(id: string): Promise<OpenedRun> {
    this.assertIdle('A run is in progress: stop it first.');
    const { runs, rec } = await this.stored(id);
    const notices: string[] = [];
    const zip = rec.hasModelZip ? await runs.getBlob(blobKey.modelZip(id)) : null;
    const model = zip ? await this.session.importZip(zip) : null;
    const trained = rec.status !== 'imported'; // an imported run has no data of its own here
    if (!model && (trained || rec.hasModelZip)) {
      notices.push('The final model of this run was not stored.');
    }
    let dataset = null;
    let evalRows = null;
    let taggedDetails = null;
    try {
      const evaluated = model && trained ? await this.storedEvaluation(runs, rec) : null;
      if (evaluated) ({ dataset, evalRows, taggedDetails } = evaluated);
    } catch (e) {
      notices.push(messageOf(e));
    }
    return { record: rec, model, dataset, evalRows, taggedDetails, notices };
  }

  /** The opened model's rows on a stored run's validation data (see {@link openRun}). */
  private async storedEvaluation(runs: RunStore, rec: RunRecord) {
    const s = this.session;
    const bytes = await runs.getBlob(blobKey.data(rec.id));
    if (!bytes) {
      throw new StudioError(
        'not-found',
        `The data file of this run (${rec.fileName}) was not stored.`,
        { remedy: 'Open the data file again and start a new run with the same settings.' },
      );
    }
    const tok = s.modelTokenizer;
    if (!s.model || !tok) return null;
    const tagged = await readTaggedFile(rec.fileName, bytes, { task: 'auto', labelNames: null });
    if (tagged) return this.storedTaggedEvaluation(runs, rec, tagged);
    const table = { ...(await readTableFile(rec.fileName, bytes, {})), fileName: rec.fileName };
    const validation = await this.storedValidation(runs, rec);
    const { prepared, summary } = prepareSplits(
      table,
      validation?.table ?? null,
      tok,
      storedPrepareOptions(rec),
      null,
    );
    return {
      dataset: summary,
      evalRows: await validationEvalRows(s.model, tok, prepared, 32),
      taggedDetails: null,
    };
  }

  /** {@link storedEvaluation} of a token-classification run (a tagged data file). */
  private async storedTaggedEvaluation(runs: RunStore, rec: RunRecord, tagged: LoadedTagged) {
    const s = this.session;
    const tok = s.modelTokenizer;
    if (!s.model || !tok) return null;
    const validation = (await this.storedValidation(runs, rec))?.tagged ?? null;
    const { prepared, summary } = prepareTaggedSplits(
      tagged,
      validation,
      tok,
      storedPrepareOptions(rec),
    );
    return {
      dataset: summary,
      evalRows: null,
      taggedDetails: await taggedEvalDetails(s.model, tok, prepared, 32),
    };
  }

  /**
   * Records a trainer_state.json trained elsewhere as its own entry in the run history (status
   * `imported`), beside the page's runs; the run shown and the model stay as they are.
   */
  async importRun(fileName: string, text: string): Promise<RunRecord> {
    const rec = importedRecord(fileName, parseTrainerState(text, fileName));
    const runs = this.deps.runs;
    if (!runs) throw new StudioError('not-found', 'Runs are not stored here.');
    await runs.put(rec);
    return rec;
  }

  /**
   * Loads an exported model (its zip) as the session's model and records it as its own entry
   * in the run history (status `imported`, with its zip, so Reopen and Export work on it and
   * its trainer_state.json, when it has one, charts it).
   */
  async importModel(
    fileName: string,
    zip: Uint8Array,
  ): Promise<{ labels: string[]; tokenizer: string; record: RunRecord | null }> {
    this.assertIdle('A run is in progress: stop it first.');
    const info = await this.session.importZip(zip);
    const runs = this.deps.runs;
    if (!runs) return { ...info, record: null };
    const state = trainerStateOfZip(zip);
    const run = state
      ? parseTrainerState(state, `${fileName}: trainer_state.json`)
      : { logHistory: [], globalStep: 0, maxSteps: 0 };
    const rec = importedRecord(fileName, run, {
      config: configJson(this.session.model),
      hasZip: true,
    });
    try {
      await runs.putBlob(blobKey.modelZip(rec.id), zip);
      await runs.put(rec);
    } catch (e) {
      this.warn(messageOf(e));
      return { ...info, record: null };
    }
    return { ...info, record: rec };
  }

  /** Stored runs, newest first; interrupted ones (not live, with a checkpoint) to resume. */
  async listRuns(): Promise<RunList> {
    const runs = this.deps.runs;
    if (!runs) return { runs: [], interrupted: [], storage: { usage: null, quota: null } };
    const list = await runs.list();
    const live = new Set<string>(this.deps.locks ? await this.deps.locks.held() : []);
    const liveId = this.run.liveId;
    if (liveId) live.add(liveId);
    const interrupted = list
      .filter((r) => isInterrupted(r, live) && r.checkpoints.length > 0)
      .map((r) => r.id);
    return { runs: list, interrupted, storage: await runs.storage() };
  }

  /** Deletes a stored run with its checkpoints, data file and model zip (not the live one). */
  async deleteRun(id: string): Promise<void> {
    if (id === this.run.liveId) {
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
}
