/**
 * `--config`: a run config to start from, as the page keeps one (`{version, data, model,
 * training, compute}`, src/core/config/runConfig.ts): a JSON file, or the link the page's "Copy
 * link to these settings" makes (its `#config=` part). Read with the share link's parser; its
 * `compute.num_replicas` (the page's Workers) is checked as `--num_replicas` is.
 */
import { parseRunConfig, RunConfigError, type RunConfig } from '../core/config/runConfig';
import { configJsonFromHash } from '../core/config/shareLink';
import { StudioError } from '../core/run/errors';
import { readJson } from './files';
import { checkedReplicas } from './runtime';

export interface RunConfigFile {
  config: RunConfig;
  notices: string[];
  /** `compute.num_replicas` when the config sets it (null there: one per core, as unset). */
  numReplicas: number | null;
}

/** The config `value` names (a file path, or a link holding `#config=`), read and checked. */
export async function readRunConfigOption(value: string): Promise<RunConfigFile> {
  const hashAt = value.indexOf('#config=');
  const source = hashAt >= 0 ? 'the link given to --config' : `--config ${value}`;
  let json: unknown;
  try {
    json =
      hashAt >= 0 ? configJsonFromHash(value.slice(hashAt)) : await readJson(value, '--config');
  } catch (e) {
    if (e instanceof RunConfigError) throw linkError(e.message);
    throw e;
  }
  if (!json || typeof json !== 'object' || Array.isArray(json) || !('version' in json)) {
    throw new StudioError(
      'arguments',
      `${source} is not a run config: it needs version, data, model and training.`,
      {
        remedy:
          "Give --config a run config or the page's link; a training_args.json or a flat " +
          'arguments file goes to --args_json.',
      },
    );
  }
  const raw = json;
  const compute = (raw as { compute?: unknown }).compute;
  let numReplicas: number | null = null;
  let rest: unknown = compute;
  if (compute && typeof compute === 'object' && !Array.isArray(compute)) {
    const { num_replicas: given, ...others } = compute as Record<string, unknown>;
    rest = others;
    if (given !== undefined && given !== null) {
      const where = `compute.num_replicas in ${source}`;
      numReplicas = checkedReplicas(typeof given === 'number' ? given : NaN, given, where);
    }
  }
  try {
    const parsed = parseRunConfig(compute === undefined ? raw : { ...raw, compute: rest });
    return { ...parsed, numReplicas };
  } catch (e) {
    if (!(e instanceof RunConfigError)) throw e;
    throw new StudioError('arguments', `${source}: ${e.message}`, {
      remedy:
        'Give --config a run config ({"version": 1, "data": {...}, "model": {...}, "training": ' +
        '{...}, "compute": {"num_replicas": N}}) or the link of "Copy link to these settings".',
    });
  }
}

function linkError(message: string): StudioError {
  return new StudioError('arguments', `The link given to --config: ${message}`, {
    remedy: 'Copy the link again with "Copy link to these settings", and quote it in the shell.',
  });
}
