/**
 * The output folder of a finished run, as `transformers`' example scripts write it: the HF model
 * files, the ONNX files (onnx/), the tokenizer, training_args.json, studio_args.json,
 * trainer_state.json, train/eval/all_results.json and the model card.
 */
import { recordedRunOf, runArgumentFiles } from '../config/runFiles';
import { exportModelFiles } from '../io/hfModel';
import { trainerStateJson } from '../io/trainerState';
import type { StudioSession, TrainResult } from '../session';
import { StudioError } from './errors';
import type { OutputOptions } from './types';

const json = (x: unknown) => JSON.stringify(x, null, 2);

/**
 * The files of `session`'s last run (`result`), by path. training_args.json and studio_args.json
 * come from the run's one serializer (config/runFiles.ts), as the page's model zip does: the same
 * run gives the same files. (`o.studioArgs` is not read: the session holds the run.)
 */
export async function outputFolderFiles(
  session: StudioSession,
  result: TrainResult,
  o: OutputOptions,
): Promise<Record<string, Uint8Array | string>> {
  const args = session.args;
  // Only the command line asks, after its run returned (with a model): without one it is a bug.
  if (!session.model || !args) throw new StudioError('internal', 'Training produced no model.');
  const trainMetrics = result.logHistory.at(-1) ?? {};
  return {
    ...(await exportModelFiles(session.model)),
    ...o.tokenizerFiles,
    ...runArgumentFiles(
      recordedRunOf({
        spec: session.spec,
        args,
        columns: session.prepared?.options.columns,
        maxLength: session.exportMaxLength(),
      }),
    ),
    'trainer_state.json': trainerStateJson(result.state),
    'train_results.json': json(trainMetrics),
    'eval_results.json': json(result.metrics),
    'all_results.json': json({ ...trainMetrics, ...result.metrics }),
    'README.md': session.modelCard(o.datasetName),
  };
}
