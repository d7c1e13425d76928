import { describe, expect, it } from 'vitest';
import {
  diffArgs,
  fingerprint,
  isInterrupted,
  keyMetrics,
  lastCheckpoint,
  newRunId,
  throttle,
  type RunRecord,
} from '../../src/core/io/runStore';
import type { LogEntry } from '../../src/core/train/state';

const rec = (over: Partial<RunRecord>): RunRecord => ({
  id: 'run-a',
  created: 1,
  updated: 1,
  status: 'running',
  reason: null,
  fileName: 'f.csv',
  dataFingerprint: '',
  tokenizer: { name: 't', vocabSize: 10 },
  model: { kind: 'scratch', max_length: 32 },
  modelConfig: null,
  prepare: {},
  args: {},
  backend: 'wasm',
  logHistory: [],
  metrics: null,
  globalStep: 0,
  maxSteps: 10,
  checkpoints: [],
  hasModelZip: false,
  ...over,
});

describe('runStore pure parts', () => {
  it('fingerprints bytes with SHA-256 (known vector)', async () => {
    expect(await fingerprint(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('makes distinct, slash-free, time-ordered ids', () => {
    const a = newRunId(1000, () => 0.1);
    const b = newRunId(2000, () => 0.1);
    expect(a).not.toContain('/');
    expect(a < b).toBe(true);
    expect(newRunId(1000, () => 0.2)).not.toBe(a);
  });

  it('picks the newest checkpoint by step, not by string order', () => {
    expect(lastCheckpoint(['checkpoint-9', 'checkpoint-10', 'other'])).toBe('checkpoint-10');
    expect(lastCheckpoint([])).toBeNull();
  });

  it('reads key metrics from final metrics, else the last logs', () => {
    const logs = [
      { loss: 0.9, grad_norm: 1, learning_rate: 1, epoch: 0, step: 1 },
      {
        eval_loss: 0.7,
        eval_accuracy: 0.6,
        eval_runtime: 0,
        eval_samples_per_second: 0,
        eval_steps_per_second: 0,
        epoch: 0,
        step: 2,
      },
      { loss: 0.5, grad_norm: 1, learning_rate: 1, epoch: 0, step: 3 },
    ] as LogEntry[];
    expect(keyMetrics({ metrics: null, logHistory: logs, globalStep: 3 })).toEqual({
      eval_accuracy: 0.6,
      eval_loss: 0.7,
      loss: 0.5,
      step: 3,
    });
    expect(
      keyMetrics({ metrics: { eval_accuracy: 0.9 }, logHistory: logs, globalStep: 3 })
        .eval_accuracy,
    ).toBe(0.9);
  });

  it('treats running records without a live worker as interrupted', () => {
    expect(isInterrupted(rec({ status: 'running' }), new Set())).toBe(true);
    expect(isInterrupted(rec({ status: 'running' }), new Set(['run-a']))).toBe(false);
    expect(isInterrupted(rec({ status: 'finished' }), new Set())).toBe(false);
    expect(isInterrupted(rec({ status: 'interrupted' }), new Set())).toBe(true);
  });

  it('diffs arguments, differing rows first', () => {
    const rows = diffArgs([
      { learning_rate: 1e-3, seed: 42 },
      { learning_rate: 5e-4, seed: 42, warmup_steps: 2 },
    ]);
    expect(rows.map((r) => [r.key, r.differs])).toEqual([
      ['learning_rate', true],
      ['warmup_steps', true],
      ['seed', false],
    ]);
  });

  it('throttles writes and flushes the last one', async () => {
    let t = 0;
    let calls = 0;
    const th = throttle(
      async () => void calls++,
      1000,
      () => t,
    );
    th.call(); // runs at once
    th.call(); // scheduled for t=1000
    th.call(); // already scheduled
    await Promise.resolve();
    expect(calls).toBe(1);
    t = 10;
    await th.flush();
    expect(calls).toBe(2);
  });
});
