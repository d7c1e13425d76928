/**
 * The "Run it elsewhere" bundle of each family's reference run (tests/fixtures/auto/<model_type>:
 * its checkpoint, data and arguments, cut to 6 steps) trains in transformers' Trainer
 * (`python3 train.py args.json`) with `studio train`'s losses, within 1e-3. Skipped, saying why,
 * where python3 lacks torch, transformers or accelerate; under CI that fails instead.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureDir, fixtureModelTypes } from '../unit/helpers/familyExport';
import { requirePython } from '../unit/helpers/python';
import { runCli } from '../unit/helpers/runCli';

const python = requirePython('family-bundle', ['torch', 'transformers', 'accelerate']);

const FAMILIES = fixtureModelTypes();

type Entry = { step: number; loss?: number };
const losses = (dir: string): Entry[] =>
  (
    JSON.parse(readFileSync(join(dir, 'trainer_state.json'), 'utf8')) as { log_history: Entry[] }
  ).log_history.filter((e) => e.loss !== undefined);

describe.skipIf(!python)("each family's Run it elsewhere bundle in transformers' Trainer", () => {
  it.each(FAMILIES)(
    "%s: the bundle of the reference run trains with the studio's first 6 losses",
    async (modelType) => {
      const fixture = fixtureDir(modelType);
      const run = [
        '--model_name_or_path',
        join(fixture, 'checkpoint'),
        '--train_file',
        join(fixture, 'train.csv'),
        '--validation_file',
        join(fixture, 'validation.csv'),
        '--args_json',
        join(fixture, 'training_args.json'),
        '--max_steps',
        '6',
        '--load_best_model_at_end',
        'false',
      ];
      const tmp = mkdtempSync(join(tmpdir(), `studio-bundle-${modelType}-`));
      const studioOut = join(tmp, 'studio');
      const t = await runCli(['train', ...run, '--output_dir', studioOut, '--num_replicas', '1']);
      expect(t.code, t.err).toBe(0);
      const bundle = join(tmp, 'bundle');
      const e = await runCli(['export-script', ...run, '--output_dir', bundle]);
      expect(e.code, e.err).toBe(0);
      const hfOut = join(tmp, 'hf');
      const r = spawnSync('python3', ['train.py', 'args.json', '--output_dir', hfOut], {
        cwd: bundle,
        encoding: 'utf8',
        env: { ...process.env, TOKENIZERS_PARALLELISM: 'false' },
      });
      expect(r.status, r.stderr.slice(-3000)).toBe(0);
      const studio = losses(studioOut);
      const hf = losses(hfOut);
      expect(hf.map((x) => x.step)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(studio.map((x) => x.step)).toEqual(hf.map((x) => x.step));
      const worst = Math.max(
        ...hf.map((x, i) => Math.abs((x.loss as number) - (studio[i].loss as number))),
      );
      console.info(`family-bundle ${modelType}: bundle vs studio losses, max |diff| ${worst}`);
      expect(worst).toBeLessThan(1e-3);
    },
    240_000,
  );
});
