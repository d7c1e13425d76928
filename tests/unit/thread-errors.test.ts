/**
 * Errors that cross a thread boundary inside the core keep their code and remedy: a tokenizer
 * pool worker given broken tokenizer files, and a gradient replica that cannot use the backend
 * it was given, both real worker threads. The catalogue's `errorToWire` / `errorFromWire`
 * (src/core/util/errors.ts) carry them; the pool and the replica handle rebuild a StudioError.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { StudioError } from '../../src/core/run/errors';
import { createNodeTokenizerPool } from '../../src/core/tokenize/poolNode';
import { ParallelGradients } from '../../src/core/train/parallel/workerGradients';
import { REMEDIES } from '../../src/core/util/errors';
import { MAX_LEN, tinyDataset, tinyModel } from './helpers/tinyTask';

describe('the tokenizer pool', () => {
  const pool = createNodeTokenizerPool(1);
  afterAll(() => pool.close());

  it("rejects broken tokenizer files with the worker's tokenizer error, code and remedy", async () => {
    // A tokenizer.json whose model is not one transformers.js knows: loading it fails in the worker.
    const broken = {
      tokenizerJson: { model: { type: 'NoSuchModel', vocab: {} } },
      tokenizerConfig: {},
    };
    const err: unknown = await pool
      .encode(broken, ['a first row', 'a second row'], { maxLength: 16 })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(StudioError);
    const e = err as StudioError;
    expect([e.name, e.code, e.remedy]).toEqual([
      'TokenizerFileError',
      'tokenizer',
      REMEDIES.tokenizer,
    ]);
    expect(e.message).toMatch(/^The tokenizer files are malformed or unsupported/);
  });
});

describe('a gradient replica', () => {
  it('that throws a coded error rejects the step with that code and remedy', async () => {
    const pt = 'single_label_classification';
    const m = tinyModel(pt);
    // The real replica script, told to train on WebGPU, which Node lacks: it throws in its thread.
    const par = new ParallelGradients(
      {
        model: m,
        train: tinyDataset(4, pt),
        problemType: pt,
        numLabels: 2,
        collate: { padding: 'longest', maxLength: MAX_LEN, padId: 0 },
        loss: {},
        seed: 42,
      },
      { replicas: 1, backend: 'webgpu' as 'wasm', minSplitFlops: 0 },
    );
    try {
      const err: unknown = await par.compute([Uint32Array.from([0, 1])], 0).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StudioError);
      const e = err as StudioError;
      expect(e.message).toBe(
        'gradient replica 0 failed: The webgpu backend is unavailable in a gradient replica.',
      );
      expect([e.code, e.remedy]).toEqual([
        'arguments',
        'Train with --backend wasm or cpu (the backends of Node), or with --num_replicas 1.',
      ]);
    } finally {
      await par.close();
      m.dispose();
    }
  });
});
