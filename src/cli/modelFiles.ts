/** Model folders for the commands: a checkpoint to fine-tune, a trained model to load. */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  fetchModelFiles,
  hubRepoId,
  OPTIONAL_MODEL_FILES,
  REQUIRED_MODEL_FILES,
} from '../core/io/modelSource';
import type { PretrainedInfo, StudioSession } from '../core/session';
import { checkpointLengthLimit, fitMaxLength } from '../core/session/maxLength';
import { folderName, readBytes, readJson } from './files';
import { log } from './runtime';

/**
 * max_length for the run: `requested`, lowered with a notice to what a pretrained checkpoint
 * (`info`) and the tokenizer chosen for it take, as transformers' example scripts do.
 */
export function checkpointMaxLength(
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
export async function readPretrained(
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

export async function loadModelDir(session: StudioSession, dir: string): Promise<void> {
  await session.loadModel({
    config: await readJson(join(dir, 'config.json'), 'config'),
    weights: await readBytes(join(dir, 'model.safetensors'), 'weights'),
    tokenizerJson: await readJson(join(dir, 'tokenizer.json'), 'tokenizer'),
    tokenizerConfig: await readJson(join(dir, 'tokenizer_config.json'), 'tokenizer config'),
  });
}
