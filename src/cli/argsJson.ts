/** `--args_json`: one arguments file (and the studio_args.json beside it), split and checked. */
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { STUDIO_ARGS_FILE, splitArgumentsJson } from '../core/config/argsFile';
import type { FlagSpec } from '../core/train/flags';
import { readJson } from './files';
import { StudioError } from '../core/run/errors';

/**
 * An --args_json file split into data, model and TrainingArguments keys. A studio_args.json
 * beside it (the studio's extras, written with every training_args.json) is read under it.
 */
export async function readArgumentsJson(path: string) {
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
export function checkedFileValue(
  key: string,
  value: unknown,
  spec: FlagSpec | undefined,
): string | number | boolean | undefined {
  if (value === null || value === undefined) return undefined;
  const want = spec?.type === 'number' ? 'number' : spec?.type === 'boolean' ? 'boolean' : 'string';
  if (typeof value !== want) {
    throw new StudioError(
      'arguments',
      `--args_json: '${key}' must be a ${want} (got ${JSON.stringify(value)}). ${spec?.help ?? ''}`.trim(),
    );
  }
  return value as string | number | boolean;
}
