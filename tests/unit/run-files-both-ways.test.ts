/**
 * One run, trained both ways: by the command line (`studio train`, its output folder) and by the
 * page (the worker's requests over a port, as the page sends them, then its model zip). The
 * same config gives the same training_args.json and studio_args.json, byte for byte: both are
 * written by the one serializer (src/core/config/runFiles.ts).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { FsRunStore, fsCheckpointStores } from '../../src/core/run/fsStores';
import { StudioClient } from '../../src/worker/client';
import { createHandlers } from '../../src/worker/handlers';
import type { RequestMessage, WorkerMessage } from '../../src/worker/protocol';
import { serveRequests } from '../../src/worker/serve';
import { smallSmsCsv } from './helpers/cliFixtures';
import { runCli } from './helpers/runCli';

type Listener = (ev: { data: unknown }) => void;

/** The page's worker, served in this thread over a fake port (see worker-handlers.test.ts). */
function pageWorker(dir: string): StudioClient {
  const toClient: Listener[] = [];
  const toWorker: Listener[] = [];
  const later = (fns: Listener[], data: unknown) =>
    setTimeout(() => fns.forEach((f) => f({ data })), 0);
  const port = {
    addEventListener: (_type: 'message', fn: (ev: MessageEvent<RequestMessage>) => void) =>
      toWorker.push(fn as unknown as Listener),
    postMessage: (message: WorkerMessage) => later(toClient, message),
  };
  const worker = {
    addEventListener: (type: string, fn: Listener) => {
      if (type === 'message') toClient.push(fn);
    },
    postMessage: (message: unknown) => later(toWorker, message),
    terminate: () => {},
  };
  serveRequests(
    port,
    createHandlers({
      emit: (event) => port.postMessage({ type: 'event', event }),
      assetUrl: (path) => path,
      backendOptions: {},
      stores: {
        runs: new FsRunStore(join(dir, 'runs')),
        checkpoints: {
          forRun: (id, hooks) => fsCheckpointStores(join(dir, id ?? 'none')).forRun(id, hooks),
        },
        kept: null,
        locks: null,
      },
    }),
  );
  return new StudioClient(worker as unknown as Worker);
}

/** The run's config: a tiny model from scratch on 120 SMS rows, 2 steps. */
const MODEL = {
  hidden_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 32,
};
const TRAINING = {
  max_steps: 2,
  per_device_train_batch_size: 8,
  logging_steps: 1,
  eval_strategy: 'steps',
  eval_steps: 2,
  save_steps: 2,
  save_total_limit: 2,
  learning_rate: 0.001,
  seed: 3,
};
const MAX_LENGTH = 24;
const VALIDATION_SPLIT = 0.2;

const flags = (o: Record<string, unknown>) =>
  Object.entries(o).flatMap(([k, v]) => [`--${k}`, String(v)]);

describe('the same run by the command line and by the page', () => {
  it('writes the same training_args.json and studio_args.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'both-ways-'));
    const csv = smallSmsCsv(dir, 120);
    const outDir = join(dir, 'out');

    const cli = await runCli([
      'train',
      ...flags({
        train_file: csv,
        output_dir: outDir,
        validation_split: VALIDATION_SPLIT,
        max_length: MAX_LENGTH,
        ...MODEL,
        ...TRAINING,
        backend: 'cpu',
        num_replicas: 1,
      }),
    ]);
    expect(cli.code, cli.err).toBe(0);
    const cliFiles = {
      training: readFileSync(join(outDir, 'training_args.json'), 'utf8'),
      studio: readFileSync(join(outDir, 'studio_args.json'), 'utf8'),
    };

    // The page: the file dropped, the bundled tokenizer, the columns chosen, Train, Export.
    const client = pageWorker(dir);
    await client.call('init', { preferred: 'cpu' });
    await client.call('loadTable', {
      fileName: 'sms.csv',
      file: new Uint8Array(readFileSync(csv)).buffer as ArrayBuffer,
    });
    const tokenizer = Object.fromEntries(
      ['tokenizer.json', 'tokenizer_config.json'].map((f) => [
        `bert-base-uncased/${f}`,
        readFileSync(join('public/tokenizers/bert-base-uncased', f), 'utf8'),
      ]),
    );
    await client.call('loadTokenizerFiles', { files: tokenizer, keep: false });
    // The page's settings as the run config its requests carry: the preparation of its
    // settings, then Train. The page's model settings carry the dropout fields it edits, at
    // their defaults.
    const config = {
      version: 1 as const,
      data: {
        text_column: 'text',
        label_column: 'label',
        validation_split: VALIDATION_SPLIT,
        max_length: MAX_LENGTH,
      },
      model: { ...MODEL, hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1 },
      training: { ...TRAINING, output_dir: outDir },
    };
    await client.call('prepare', { config: { ...config, training: { seed: TRAINING.seed } } });
    await client.call('train', { config });
    const exported = await client.call('exportModel', {});
    const zip = unzipSync(new Uint8Array(exported.zip));
    const file = (name: string) => {
      const key = Object.keys(zip).find((k) => k === name || k.endsWith(`/${name}`));
      expect(key, `${name} in the page's zip`).toBeDefined();
      return strFromU8(zip[key as string]);
    };
    const pageFiles = { training: file('training_args.json'), studio: file('studio_args.json') };

    expect(JSON.parse(cliFiles.studio)).toMatchObject({ ...MODEL, max_length: MAX_LENGTH });
    expect(pageFiles.studio).toBe(cliFiles.studio);
    expect(pageFiles.training).toBe(cliFiles.training);

    // The stored run's export (its model zip as recorded) carries the same files too.
    const [stored] = (await client.call('listRuns', {})).runs;
    const storedZip = unzipSync(
      new Uint8Array((await client.call('exportRun', { id: stored.id })).zip),
    );
    expect(strFromU8(storedZip['studio_args.json'])).toBe(cliFiles.studio);
    expect(strFromU8(storedZip['training_args.json'])).toBe(cliFiles.training);
  }, 120_000);
});
