/**
 * The forward and ONNX suites a family's unit test runs against its fixture (familyFixture.ts)
 * where the family has the full reference (validation logits, gradients, the scaled head):
 * logits on padded batches, the loss and every gradient, the head, seeded dropout, the wasm
 * backend, and the exported graph in onnxruntime-node.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { familyOnnx } from '../../../src/core/io/onnx/familyOnnx';
import { installWasmKernels } from '../../../src/core/kernels/wasmKernels';
import type { CommonConfig, ModelFamily } from '../../../src/core/model/family';
import { checkDropout, checkGradients, checkScaledHead } from './familyChecks';
import {
  hostWeights,
  loadParams,
  maxAbsDiff,
  onnxLogits,
  validationLogits,
  type FamilyReference,
} from './familyFixture';

export interface FamilySuite<C extends CommonConfig> {
  /** The family's name in the suite titles ('ELECTRA'). */
  title: string;
  family: ModelFamily<C>;
  config: C;
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
  ref: FamilyReference;
  initialLogits: number[][];
  /** The head's activation as the title names it ('exact GELU'). */
  headActivation: string;
  /** `config` with its dropout rates set above 0. */
  dropoutConfig: C;
}

/** Logits, loss and gradients against PyTorch, on cpu and wasm, with the checkpoint loaded. */
export function describeForwardAgainstTorch<C extends CommonConfig>(s: FamilySuite<C>): void {
  const { family, config, ref, initialLogits } = s;
  describe(`${s.title} forward and gradients against PyTorch`, () => {
    let params: Map<string, tf.Variable>;
    let start = 0;
    beforeEach(() => {
      start = tf.memory().numTensors;
      params = loadParams(family, config, s.tensors);
    });
    afterEach(async () => {
      for (const v of params.values()) v.dispose();
      expect(tf.memory().numTensors).toBe(start);
      await tf.setBackend('cpu');
    });

    it('gives the logits of initial_logits.json on validation.csv (padded batches) within 1e-5', async () => {
      const masked = ref.validation.batches
        .flatMap((b) => b.attention_mask)
        .filter((r) => r.includes(0));
      expect(masked.length).toBeGreaterThan(5); // padding is exercised
      const logits = await validationLogits(family, config, params, ref.validation.batches);
      expect(maxAbsDiff(logits.flat(), initialLogits.flat())).toBeLessThan(1e-5);
    });

    it("gives torch's loss and the gradient of every parameter within 1e-4 relative", async () => {
      await checkGradients(family, config, params, ref.train_batch);
    });

    it(`has the head of HF (${s.headActivation}): logits with its weights scaled up, as torch gives them`, async () => {
      await checkScaledHead(family, config, params, ref);
    });

    it('drops out with seeded masks in training mode', async () => {
      await checkDropout(family, s.dropoutConfig, params, ref.train_batch);
    });

    it('gives the same logits and gradients on the wasm backend', async () => {
      expect(installWasmKernels()).toBe(true);
      await tf.setBackend('wasm');
      const logits = await validationLogits(family, config, params, ref.validation.batches);
      expect(maxAbsDiff(logits.flat(), initialLogits.flat())).toBeLessThan(1e-5);
      await checkGradients(family, config, params, ref.train_batch);
    });
  });
}

/** The exported graph in onnxruntime-node on validation.csv: fp32 within 1e-4, q8 the same argmax. */
export function describeOnnxAgainstTorch<C extends CommonConfig>(
  s: FamilySuite<C>,
  onnxInputs: string[],
): void {
  const { family, config, ref, initialLogits } = s;
  describe(`${s.title} ONNX`, () => {
    it('runs in onnxruntime-node with the initial logits: fp32 within 1e-4, q8 the same argmax', async () => {
      const weights = hostWeights(s.tensors);
      expect(family.onnxInputs(config)).toEqual(onnxInputs);
      const fp32 = familyOnnx(family, config, weights, 'fp32');
      const q8 = familyOnnx(family, config, weights, 'q8');
      let row = 0;
      for (const b of ref.validation.batches) {
        const got = await onnxLogits(fp32, b);
        const gotQ8 = await onnxLogits(q8, b);
        const want = initialLogits.slice(row, row + got.length);
        expect(maxAbsDiff(got.flat(), want.flat())).toBeLessThan(1e-4);
        const argmax = (r: number[]) => r.indexOf(Math.max(...r));
        expect(gotQ8.map(argmax)).toEqual(want.map(argmax));
        row += got.length;
      }
    });
  });
}
