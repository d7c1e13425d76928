/**
 * `studio export-script`: the run `studio train` would make, written as a transformers Trainer
 * script bundle (train.py, args.json, accelerate_config.yaml, requirements.txt, README.md, the
 * data splits, the tokenizer, the step-0 weights) in --output_dir. With
 * --resume_from_checkpoint out/checkpoint-N, that studio checkpoint travels too and train.py
 * continues from it.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { scriptBundleFromSession } from '../core/script/fromSession';
import { readJsonFile } from '../core/train/checkpoint';
import { readBytes } from './files';
import { prepareRun } from './prepareRun';
import { log } from './runtime';
import { tokenizerOutputFiles } from './tokenizerFiles';
import { StudioError } from '../core/run/errors';

/** A studio checkpoint-N folder's files and step. */
async function readStudioCheckpoint(dir: string) {
  const names = await readdir(dir).catch(() => {
    throw new StudioError('not-found', `--resume_from_checkpoint ${dir} is not a folder.`, {
      remedy: 'Give --resume_from_checkpoint a checkpoint-N folder written by studio train.',
    });
  });
  const files: Record<string, Uint8Array> = {};
  for (const name of names) files[name] = await readBytes(join(dir, name), 'checkpoint file');
  if (!files['optimizer.safetensors']) {
    throw new StudioError(
      'model-files',
      `${dir} is not a studio checkpoint (it has no optimizer.safetensors): give a checkpoint-N folder written by studio train.`,
    );
  }
  const state = readJsonFile<{ global_step: number }>(
    files['trainer_state.json'],
    'trainer_state.json',
  );
  return { step: state.global_step, files };
}

export async function exportScriptCommand(argv: string[]): Promise<void> {
  const run = await prepareRun(argv, 'studio export-script');
  if (!run) return;
  const { session, args, spec, maxLength } = run;
  const checkpoint = args.resume_from_checkpoint
    ? await readStudioCheckpoint(args.resume_from_checkpoint)
    : null;
  const tok = session.tokenizer;
  if (!tok) throw new StudioError('tokenizer', 'No tokenizer was loaded.');
  const maxPositions = session.pretrained?.info.max_position_embeddings ?? maxLength;
  const { files, leftOut } = await scriptBundleFromSession(session, {
    args,
    spec,
    tokenizerFiles: await tokenizerOutputFiles(tok, run.tokDir, maxLength, maxPositions),
    checkpoint,
    base: run.pretrained,
  });
  const out = run.outDir;
  for (const [name, content] of Object.entries(files)) {
    const path = join(out, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
  for (const line of leftOut) log(`left out: ${line}`);
  if (checkpoint) log(`with the studio checkpoint at step ${checkpoint.step}`);
  log(`wrote ${Object.keys(files).length} files to ${out}; run it with:`);
  log(`  cd ${out} && pip install -r requirements.txt && accelerate launch train.py args.json`);
  process.stdout.write(
    `${JSON.stringify({ output_dir: out, files: Object.keys(files).sort(), left_out: leftOut }, null, 2)}\n`,
  );
}
