/**
 * "Run it elsewhere" from the run service: the session's last run as a script bundle zip, with
 * that run's last stored checkpoint when it stopped before its end (train.py continues it).
 */
import type { CheckpointStore } from '../io/checkpointStore';
import { zipScriptBundle } from '../script/bundle';
import { scriptBundleFromSession, type FromSessionOptions } from '../script/fromSession';
import type { ModelSpec, StudioSession } from '../session';
import { allArgumentsToJson, parseTrainingArguments, type TrainingArguments } from '../train/args';
import { lastCheckpoint } from '../io/runStore';

/** The zip and what was left out of it (too large). */
export interface ScriptExport {
  fileName: string;
  zip: Uint8Array;
  leftOut: string[];
}

/**
 * `setup` (a model and raw arguments, as the page holds them) parsed, or null when it is the
 * session's last run (whose bundle then carries that run's last checkpoint).
 */
export function ownSetup(
  session: StudioSession,
  setup: { model: ModelSpec; args: object },
): { spec: ModelSpec; args: TrainingArguments; notices: string[] } | null {
  const { args, notices } = parseTrainingArguments({ ...setup.args });
  const same =
    session.spec !== null &&
    session.args !== null &&
    JSON.stringify(session.spec) === JSON.stringify(setup.model) &&
    JSON.stringify(allArgumentsToJson(session.args)) === JSON.stringify(allArgumentsToJson(args));
  return same ? null : { spec: setup.model, args, notices };
}

/**
 * The bundle of `session`'s last run (`store` holds that run's checkpoints, when kept), or of
 * `setup`'s model and arguments (a run not trained here: no checkpoint).
 */
export async function exportScriptBundle(
  session: StudioSession,
  store: CheckpointStore | undefined,
  setup: Pick<FromSessionOptions, 'spec' | 'args'> = {},
): Promise<ScriptExport> {
  const state = setup.spec ? null : session.trainerState;
  const unfinished = state !== null && state.max_steps > 0 && state.global_step < state.max_steps;
  let checkpoint = null;
  if (unfinished && store) {
    const name = lastCheckpoint(await store.list());
    const files = name ? await store.read(name) : null;
    if (name && files) checkpoint = { step: Number(name.split('-')[1]), files };
  }
  const { files, leftOut } = await scriptBundleFromSession(session, { ...setup, checkpoint });
  return { fileName: 'trainer-studio-run.zip', zip: zipScriptBundle(files), leftOut };
}
