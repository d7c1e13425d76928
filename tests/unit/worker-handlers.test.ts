/**
 * The worker's handlers as the page sees them: the typed client talking to `serveRequests` over
 * a fake port (messages delivered asynchronously, as between threads), with the run service on
 * file-system stores in a temp folder. Errors arrive as `{name, message, code}` and the client
 * rethrows them with their code.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { FsRunStore, fsCheckpointStores } from '../../src/core/run/fsStores';
import type { KeptCheckpoint } from '../../src/core/io/keptFile';
import type { KeptFiles } from '../../src/core/run/stores';
import { REMEDIES } from '../../src/core/run/errors';
import { StudioClient, WorkerError, errorCodeOf, errorRemedyOf } from '../../src/worker/client';
import { createHandlers } from '../../src/worker/handlers';
import type { RequestMessage, WorkerEvent, WorkerMessage } from '../../src/worker/protocol';
import { serveRequests } from '../../src/worker/serve';
import { DEFAULT_ARGS, DEFAULT_SETTINGS, type StudioSettings } from '../../src/ui/defaults';
import { runConfigOfPage } from '../../src/ui/settingsConfig';
import { wnutSlice } from './helpers/nerCli';

type Listener = (ev: { data: unknown }) => void;

/** A worker whose other side is `serveRequests` in this thread; records what it transfers. */
function connectedWorker(dir: string) {
  const toClient: Listener[] = [];
  const toWorker: Listener[] = [];
  const transfers: Transferable[][] = [];
  const later = (fns: Listener[], data: unknown) =>
    setTimeout(() => fns.forEach((f) => f({ data })), 0);
  const port = {
    addEventListener: (_type: 'message', fn: (ev: MessageEvent<RequestMessage>) => void) =>
      toWorker.push(fn as unknown as Listener),
    postMessage: (message: WorkerMessage, transfer: Transferable[]) => {
      transfers.push(transfer);
      later(toClient, message);
    },
  };
  const worker = {
    addEventListener: (type: string, fn: Listener) => {
      if (type === 'message') toClient.push(fn);
    },
    postMessage: (message: unknown) => later(toWorker, message),
    terminate: () => {},
  };
  const kept: Record<string, unknown> = {};
  const memoryKept: KeptFiles = {
    keepDataFile: async (fileName, bytes) => void (kept.data = { fileName, bytes }),
    keptDataFile: async () => (kept.data as { fileName: string; bytes: Uint8Array }) ?? null,
    forgetDataFile: async () => void delete kept.data,
    keepTokenizerFiles: async (files) => void (kept.tokenizer = files),
    keptTokenizerFiles: async () => (kept.tokenizer as Record<string, string>) ?? null,
    keepCheckpoint: async (source) => void (kept.checkpoint = source),
    keptCheckpoint: async () => (kept.checkpoint as KeptCheckpoint) ?? null,
    forgetCheckpoint: async () => void delete kept.checkpoint,
  };
  const events: WorkerEvent[] = [];
  const handlers = createHandlers({
    emit: (event) => port.postMessage({ type: 'event', event }, []),
    assetUrl: (path) => path,
    backendOptions: {},
    stores: {
      runs: new FsRunStore(join(dir, 'runs')),
      checkpoints: {
        forRun: (id, hooks) => fsCheckpointStores(join(dir, id ?? 'none')).forRun(id, hooks),
      },
      kept: memoryKept,
      locks: null,
    },
  });
  serveRequests(port, handlers);
  const client = new StudioClient(worker as unknown as Worker);
  client.on((e) => events.push(e));
  return { client, events, transfers, worker, kept };
}

const tokenizerFiles = () =>
  Object.fromEntries(
    ['tokenizer.json', 'tokenizer_config.json'].map((f) => [
      `bert/${f}`,
      readFileSync(join('public/tokenizers/bert-base-uncased', f), 'utf8'),
    ]),
  );

const data = () =>
  new TextEncoder().encode(
    readFileSync('tests/fixtures/data/sst2-train-300.tsv', 'utf8')
      .split('\n')
      .slice(0, 61)
      .join('\n'),
  ).buffer as ArrayBuffer;

const TINY = {
  kind: 'scratch' as const,
  hidden_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_length: 16,
};

describe('worker handlers over a port', () => {
  it('answers an unknown request with a protocol error', async () => {
    const { client } = connectedWorker(mkdtempSync(join(tmpdir(), 'handlers-')));
    const err = await client.call('nope' as 'stop', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerError);
    expect(err).toMatchObject({ name: 'ProtocolError', code: 'protocol' });
  });

  it('keeps dropped checkpoint files for the next visit, and forgets them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'handlers-'));
    const first = connectedWorker(dir);
    await first.client.call('init', { preferred: 'cpu' });
    expect(await first.client.call('restorePretrained', {})).toBeNull();
    const ckpt = 'tests/fixtures/bert-tiny-random';
    const names = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];
    const files = Object.fromEntries(
      names.map((f) => [
        `bert-tiny-random/${f}`,
        new Uint8Array(readFileSync(join(ckpt, f))).buffer,
      ]),
    );
    const info = await first.client.call('loadPretrained', { files });
    expect(info).toMatchObject({ name: 'bert-tiny-random', tokenizer: 'bert-tiny-random' });
    await new Promise((r) => setTimeout(r, 10)); // kept after the reply
    // The next visit: a new worker with the same kept files loads the same checkpoint.
    const second = connectedWorker(dir);
    Object.assign(second.kept, first.kept);
    await second.client.call('init', { preferred: 'cpu' });
    const restored = await second.client.call('restorePretrained', {});
    expect(restored?.source).toBe('files');
    expect(restored?.info).toEqual(info);
    await second.client.call('forgetPretrained', {});
    expect(await second.client.call('restorePretrained', {})).toBeNull();
  });

  it('trains, records, lists, exports and deletes a run; errors carry codes', async () => {
    const { client, events, transfers } = connectedWorker(mkdtempSync(join(tmpdir(), 'handlers-')));
    expect((await client.call('init', { preferred: 'cpu' })).name).toBe('cpu');
    const table = await client.call('loadTable', { fileName: 'sst2.tsv', file: data() });
    expect(table.rowCount).toBe(60);
    const tok = await client.call('loadTokenizerFiles', { files: tokenizerFiles(), keep: true });
    expect(tok.vocabSize).toBe(30522);
    expect((await client.call('restoreTokenizerFiles', {})).vocabSize).toBe(30522);
    await client.call('prepare', {
      columns: { text: 'sentence', label: 'label' },
      validationFraction: 0.2,
      maxLength: 16,
      seed: 1,
    });
    const args = { max_steps: 2, per_device_train_batch_size: 8, logging_steps: 1, eval_steps: 2 };
    const { kind: _kind, max_length: _maxLength, ...sizes } = TINY;
    const result = await client.call('train', {
      config: {
        version: 1,
        data: {
          text_column: 'sentence',
          label_column: 'label',
          validation_split: 0.2,
          max_length: 16,
        },
        model: sizes,
        training: { ...args, seed: 1 },
      },
    });
    expect(result.globalStep).toBe(2);
    const runEvent = events.find((e) => e.kind === 'run');
    expect(runEvent).toBeDefined();
    const id = (runEvent as { id: string }).id;
    // The run's snapshots: its states in order, its log whole at the end.
    const snaps = events.flatMap((e) => (e.kind === 'snapshot' ? [e.snapshot] : []));
    expect([...new Set(snaps.map((s) => s.state))]).toEqual(['preparing', 'training', 'finished']);
    const last = snaps.at(-1)!;
    expect(last).toMatchObject({ runId: id, hasModel: true, stopped: false, error: null });
    expect(last.log.start).toBe(0);
    expect(last.log.entries.filter((e) => 'loss' in e).length).toBe(2);
    expect(events.filter((e) => e.kind === 'status').map((e) => e.message)).toEqual(
      expect.arrayContaining(['Tokenizing…', 'Training…', 'Finished']),
    );

    const list = await client.call('listRuns', {});
    expect(list.runs.map((r) => [r.id, r.status, r.checkpoints])).toEqual([
      [id, 'finished', ['checkpoint-2']],
    ]);
    expect(list.interrupted).toEqual([]);

    const exported = await client.call('exportRun', { id });
    expect(exported.fileName).toBe(`${id}.zip`);
    // The zip's buffer was transferred, not copied.
    expect(transfers.some((t) => t.length === 1 && t[0] instanceof ArrayBuffer)).toBe(true);
    const state = JSON.parse(
      strFromU8(unzipSync(new Uint8Array(exported.zip))['trainer_state.json']),
    );
    expect(state).toMatchObject({ global_step: 2, max_steps: 2, train_batch_size: 8 });

    const notFound = await client.call('continueRun', { id: 'run-gone' }).catch((e: unknown) => e);
    expect(errorCodeOf(notFound)).toBe('not-found');
    expect((notFound as Error).message).toBe('There is no stored run run-gone.');
    const badArgs = await client
      .call('checkArgs', { args: { lr_scheduler_type: 'sideways' } })
      .catch((e: unknown) => e);
    expect(errorCodeOf(badArgs)).toBe('arguments');

    expect(await client.call('deleteRun', { id })).toEqual({ deleted: true });
    expect((await client.call('listRuns', {})).runs).toEqual([]);
  });

  it('the page’s preparation and its Train share one preparation; changed data prepares again', async () => {
    const { client, events } = connectedWorker(mkdtempSync(join(tmpdir(), 'handlers-')));
    await client.call('init', { preferred: 'cpu' });
    await client.call('loadTable', { fileName: 'sst2.tsv', file: data() });
    await client.call('loadTokenizerFiles', { files: tokenizerFiles(), keep: false });
    // The page's settings, as its hooks turn them into requests (usePrepare, useTraining).
    const settings: StudioSettings = {
      ...DEFAULT_SETTINGS,
      columns: { text: 'sentence', label: 'label' },
      model: { ...DEFAULT_SETTINGS.model, ...TINY },
      args: { ...DEFAULT_ARGS, max_steps: 1, per_device_train_batch_size: 8, logging_steps: 1 },
    };
    const preview = (s: StudioSettings) => ({
      config: { ...runConfigOfPage(s, {}, null), training: { seed: s.args.seed } },
    });
    const tokenized = () => {
      const n = events.filter((e) => e.kind === 'status' && e.message === 'Tokenizing…').length;
      events.length = 0;
      return n;
    };
    await client.call('prepare', preview(settings));
    expect(tokenized()).toBe(1);
    const advanced = { save_strategy: 'no', nan_policy: 'skip' };
    await client.call('train', { config: runConfigOfPage(settings, advanced, null) });
    expect(tokenized()).toBe(0);
    await client.call('train', { config: runConfigOfPage(settings, advanced, null) });
    expect(tokenized()).toBe(0);
    // Another split: Train prepares it again, and the next Train does not.
    const other = { ...settings, validationFraction: 0.3 };
    await client.call('train', { config: runConfigOfPage(other, advanced, null) });
    expect(tokenized()).toBe(1);
    await client.call('train', { config: runConfigOfPage(other, advanced, null) });
    expect(tokenized()).toBe(0);
  });
});

/** The page's request fails with `code` and a remedy of its own kind (not "This is a bug"). */
async function failsWith(call: Promise<unknown>, code: string): Promise<WorkerError> {
  const err = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkerError);
  const e = err as WorkerError;
  expect({ code: e.code, message: e.message }).toMatchObject({ code });
  expect(errorRemedyOf(e)).not.toBe(REMEDIES.internal);
  expect(errorRemedyOf(e).length).toBeGreaterThan(20);
  return e;
}

describe('what a person asks too early, or with the wrong file, arrives with a code and a remedy', () => {
  const config = (training: Record<string, unknown> = {}, data: Record<string, unknown> = {}) => {
    const { kind: _kind, max_length: _maxLength, ...sizes } = TINY;
    return {
      version: 1 as const,
      data: {
        text_column: 'sentence',
        label_column: 'label',
        validation_split: 0.2,
        max_length: 16,
        ...data,
      },
      model: sizes,
      training: { max_steps: 1, per_device_train_batch_size: 8, seed: 1, ...training },
    };
  };

  it('Export, Try it and evaluation with no model; Load exported model with a file that is not one', async () => {
    const { client } = connectedWorker(mkdtempSync(join(tmpdir(), 'handlers-')));
    await client.call('init', { preferred: 'cpu' });
    const exported = await failsWith(client.call('exportModel', {}), 'not-ready');
    expect(exported.message).toMatch(/no model/i);
    await failsWith(client.call('predict', { texts: ['a fine film'] }), 'not-ready');
    await failsWith(client.call('evalRows', {}), 'not-ready');
    await failsWith(client.call('exportScript', {}), 'not-ready');
    const notZip = new TextEncoder().encode('sentence\tlabel\nfine\t1\n').buffer as ArrayBuffer;
    const bad = await failsWith(
      client.call('importModel', { zip: notZip, fileName: 'data.tsv' }),
      'model-files',
    );
    expect(bad.message).toMatch(/not a zip/);
    // A zip without a model in it.
    const { zipSync, strToU8 } = await import('fflate');
    const empty = zipSync({ 'notes.txt': strToU8('hello') });
    await failsWith(
      client.call('importModel', { zip: empty.buffer as ArrayBuffer, fileName: 'notes.zip' }),
      'model-files',
    );
  });

  it('a training request before the data is ready, and one with a bad run config', async () => {
    const { client } = connectedWorker(mkdtempSync(join(tmpdir(), 'handlers-')));
    await client.call('init', { preferred: 'cpu' });
    const early = await failsWith(client.call('train', { config: config() }), 'not-ready');
    expect(early.message).toMatch(/data/i);
    await client.call('loadTable', { fileName: 'sst2.tsv', file: data() });
    // A data file but no tokenizer yet.
    await failsWith(client.call('train', { config: config() }), 'not-ready');
    await client.call('loadTokenizerFiles', { files: tokenizerFiles(), keep: false });
    const badArg = await failsWith(
      client.call('train', { config: config({ lr_scheduler_type: 'sideways' }) }),
      'arguments',
    );
    expect(badArg.message).toMatch(/lr_scheduler_type/);
    await failsWith(client.call('train', { config: config({}, { delimiter: 'xx' }) }), 'arguments');
    await failsWith(
      client.call('train', { config: config({}, { text_column: 'nope' }) }),
      'bad-column',
    );
  });

  it('continuing a run that has no checkpoint, or one that is not stored', async () => {
    const { client, events } = connectedWorker(mkdtempSync(join(tmpdir(), 'handlers-')));
    await client.call('init', { preferred: 'cpu' });
    await client.call('loadTable', { fileName: 'sst2.tsv', file: data() });
    await client.call('loadTokenizerFiles', { files: tokenizerFiles(), keep: false });
    await client.call('train', { config: config({ save_strategy: 'no' }) });
    const id = (events.find((e) => e.kind === 'run') as { id: string }).id;
    expect((await client.call('listRuns', {})).runs[0].checkpoints).toEqual([]);
    await failsWith(client.call('continueRun', { id }), 'not-resumable');
    expect((await client.call('listRuns', {})).runs[0].status).toBe('finished');
    await failsWith(client.call('continueRun', { id: 'run-gone' }), 'not-found');
    await failsWith(client.call('openRun', { id: 'run-gone' }), 'not-found');
  });

  it('continuing a run whose last checkpoint is damaged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'handlers-'));
    const { client, events } = connectedWorker(dir);
    await client.call('init', { preferred: 'cpu' });
    await client.call('loadTable', { fileName: 'sst2.tsv', file: data() });
    await client.call('loadTokenizerFiles', { files: tokenizerFiles(), keep: false });
    await client.call('train', { config: config({ max_steps: 2, save_steps: 1 }) });
    const id = (events.find((e) => e.kind === 'run') as { id: string }).id;
    expect((await client.call('listRuns', {})).runs[0].checkpoints).toEqual([
      'checkpoint-1',
      'checkpoint-2',
    ]);
    const state = join(dir, id, 'checkpoint-2', 'trainer_state.json');
    writeFileSync(state, readFileSync(state, 'utf8').slice(0, 40));
    const err = await failsWith(client.call('continueRun', { id }), 'not-resumable');
    expect(err.message).toMatch(/checkpoint-2.*trainer_state\.json/);
    // The run stays as it was: finished, not left "running".
    expect((await client.call('listRuns', {})).runs[0].status).toBe('finished');
  });
});

describe('worker handlers: token classification', () => {
  it('token classification: a CoNLL file, its report, a run, Try it’s entities and the tagged details', async () => {
    const { client } = connectedWorker(mkdtempSync(join(tmpdir(), 'handlers-')));
    await client.call('init', { preferred: 'cpu' });
    const conll = () =>
      new TextEncoder().encode(wnutSlice('wnut17train.conll', 200)).buffer as ArrayBuffer;
    const refused = await client
      .call('loadTable', {
        fileName: 'wnut.conll',
        file: conll(),
        tagging: { task: 'text-classification' },
      })
      .catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(/word classifier, not a tagger/);
    const table = await client.call('loadTable', {
      fileName: 'wnut.conll',
      file: conll(),
      tagging: { task: 'auto' },
    });
    expect(table).toMatchObject({ taskKind: 'token-classification', rowCount: 200 });
    await client.call('loadTokenizerFiles', { files: tokenizerFiles() });
    const report = await client.call('dataReport', {
      columns: { text: 'tokens', label: 'ner_tags' },
      maxLength: 32,
    });
    expect(report.tagged?.entitiesPerType.map((e) => e.type)).toContain('person');
    const { kind: _kind, max_length: _maxLength, ...sizes } = TINY;
    const result = await client.call('train', {
      config: {
        version: 1,
        data: { max_length: 32, validation_split: 0.2 },
        model: sizes,
        training: {
          max_steps: 2,
          per_device_train_batch_size: 16,
          eval_strategy: 'steps',
          eval_steps: 2,
          save_strategy: 'no',
          seed: 1,
        },
      },
    });
    expect(result.metrics).toHaveProperty('eval_f1');
    const [entities] = await client.call('entities', { texts: ['Paul Walker lives in Paris'] });
    expect(Array.isArray(entities)).toBe(true);
    const details = await client.call('taggedDetails', {});
    expect(details.sentenceCount).toBe(40);
    expect(details.metrics.f1).toBeCloseTo(result.metrics.eval_f1, 10);
    expect(details.confusion.types).toContain('person');
    const predict = await client.call('predict', { texts: ['x'] }).catch((e: unknown) => e);
    expect((predict as Error).message).toMatch(/tags words/);
  });
});
