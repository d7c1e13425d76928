/**
 * `studio train --config`: a run config as the page keeps one (a JSON file, or the page's
 * "Copy link to these settings" link) sets the run's data, model and training arguments and, from
 * its `compute.num_replicas` (the page's Workers), the replicas when `--num_replicas` is not given;
 * the flag wins when both are; a bad count is refused as the flag's is, naming the key.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shareLinkOfConfig } from '../../src/core/config/runFiles';
import { smallSmsCsv } from './helpers/cliFixtures';
import { runCli } from './helpers/runCli';

/** The error line and the `(code) what to do: remedy` line under it. */
function errorOf(stderr: string): { message: string; code: string; remedy: string } {
  const m = /^error: (.*)\n {2}\(([a-z-]+)\) what to do: (.*)$/m.exec(stderr);
  if (!m) throw new Error(`no error and remedy on stderr:\n${stderr}`);
  return { message: m[1], code: m[2], remedy: m[3] };
}

/** A page-style run config of a one-layer model (hidden 16) at 24 tokens, with `compute`. */
function runConfig(compute: Record<string, unknown> | undefined): Record<string, unknown> {
  return {
    version: 1,
    data: { max_length: 24, validation_split: 0.2 },
    model: { hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32 },
    training: { learning_rate: 0.003, per_device_train_batch_size: 6 },
    ...(compute ? { compute } : {}),
  };
}

describe('studio train --config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-config-'));
  const csv = smallSmsCsv(dir, 40);
  const file = (name: string, compute?: Record<string, unknown>) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(runConfig(compute)));
    return path;
  };
  const train = (config: string, out: string, extra: string[] = []) =>
    runCli([
      'train',
      '--config',
      config,
      '--train_file',
      csv,
      '--output_dir',
      join(dir, out),
      ...['--max_steps', '2', '--save_strategy', 'no'],
      ...extra,
    ]);

  it("takes the replicas from compute.num_replicas, and the config's model and arguments", async () => {
    const r = await train(file('three.json', { num_replicas: 3 }), 'three');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/num_replicas 3 \(--config's compute\.num_replicas\)/);
    expect(r.err).toMatch(/data parallel: 3 replicas/);
    const config = JSON.parse(readFileSync(join(dir, 'three', 'config.json'), 'utf8'));
    expect(config.hidden_size).toBe(16);
    const args = JSON.parse(readFileSync(join(dir, 'three', 'training_args.json'), 'utf8'));
    expect(args.learning_rate).toBe(0.003);
    expect(args.per_device_train_batch_size).toBe(6);
  });

  it('--num_replicas wins over compute.num_replicas', async () => {
    const r = await train(file('three-flag.json', { num_replicas: 3 }), 'flag', [
      '--num_replicas',
      '1',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toMatch(/data parallel/);
    expect(r.err).not.toMatch(/--config's compute/);
  });

  it("reads the page's link, whose config carries the Workers setting", async () => {
    const link = `http://localhost:5173/${shareLinkOfConfig(runConfig({ num_replicas: 3 }) as never)}`;
    const r = await train(link, 'link');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/data parallel: 3 replicas/);
  });

  it.each([
    [0, '0'],
    [1.5, '1.5'],
    ['2', '"2"'],
  ])('refuses compute.num_replicas %j before the data is read', async (n, shown) => {
    const path = file(`bad-${String(n)}.json`, { num_replicas: n });
    // A training file that does not exist: the count is refused first.
    const r = await runCli(['train', '--config', path, '--train_file', join(dir, 'none.csv')]);
    expect(r.code).toBe(1);
    expect(errorOf(r.err)).toEqual({
      message: `compute.num_replicas in --config ${path} must be a positive integer (got ${shown}).`,
      code: 'arguments',
      remedy:
        'Give compute.num_replicas in --config ' +
        `${path} a whole number from 1 (one thread), or null for one per core; --num_replicas overrides it.`,
    });
  });

  it('says a file that is not a run config is not one', async () => {
    const path = join(dir, 'training_args.json');
    writeFileSync(path, JSON.stringify({ learning_rate: 0.1 }));
    const r = await runCli(['train', '--config', path, '--train_file', csv, '--output_dir', dir]);
    expect(r.code).toBe(1);
    expect(errorOf(r.err).message).toBe(
      `--config ${path} is not a run config: it needs version, data, model and training.`,
    );
    expect(errorOf(r.err).remedy).toMatch(/goes to --args_json/);
  });

  it('is documented in --help', async () => {
    const help = await runCli(['train', '--help']);
    expect(help.out).toMatch(/--config/);
    expect(help.out).toMatch(/compute\.num_replicas/);
  });
});
