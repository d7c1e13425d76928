/**
 * The studio's kernels for TF.js's wasm backend, from the module of `gemmWat.ts`:
 * {@link installWasmKernels} registers them, and this file re-exports the names the rest of the
 * studio uses. The kernels live in `wasmMatMul.ts` (BatchMatMul), `wasmCopyKernels.ts` (GatherV2,
 * Slice, SplitV, Identity) and `wasmFusedKernels.ts` (GELU, dropout, AdamW, and their accessors); the
 * module instance, the on/off switch and the shared helpers in `wasmModule.ts`.
 */
import * as tf from '@tensorflow/tfjs';

import { makeGather, makeIdentity, makeSlice, makeSplit } from './wasmCopyKernels';
import {
  ADAMW,
  DROPOUT,
  GELU_BACKWARD,
  GELU_FORWARD,
  adamwKernel,
  dropoutKernel,
  geluKernel,
} from './wasmFusedKernels';
import { makeMatMul } from './wasmMatMul';
import { markWasmKernelsInstalled, wasmKernelsInstalled } from './wasmModule';

export {
  ADAMW,
  type AdamWScalars,
  DROPOUT,
  GELU_BACKWARD,
  GELU_FORWARD,
  wasmAdamW,
  wasmAdamWInPlace,
  wasmDropout,
  wasmGelu,
} from './wasmFusedKernels';
export { setWasmKernelsEnabled } from './wasmModule';

/**
 * Replaces the wasm backend's BatchMatMul, GatherV2, Slice, SplitV and Identity with the studio's kernels
 * and adds the exact GELU's, dropout's and AdamW's (idempotent). Call once the
 * wasm backend is registered; returns false when the backend's kernel is not there.
 */
export function installWasmKernels(): boolean {
  if (wasmKernelsInstalled()) return true;
  const matMul = tf.getKernel('BatchMatMul', 'wasm');
  const gather = tf.getKernel('GatherV2', 'wasm');
  const slice = tf.getKernel('Slice', 'wasm');
  const split = tf.getKernel('SplitV', 'wasm');
  const identity = tf.getKernel('Identity', 'wasm');
  if (!matMul || !gather || !slice || !split || !identity) return false;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ ...matMul, kernelFunc: makeMatMul(matMul.kernelFunc) });
  tf.unregisterKernel('GatherV2', 'wasm');
  tf.registerKernel({ ...gather, kernelFunc: makeGather(gather.kernelFunc) });
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({ ...slice, kernelFunc: makeSlice(slice.kernelFunc) });
  tf.unregisterKernel('SplitV', 'wasm');
  tf.registerKernel({ ...split, kernelFunc: makeSplit(split.kernelFunc) });
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({ ...identity, kernelFunc: makeIdentity(identity.kernelFunc) });
  tf.registerKernel({ kernelName: DROPOUT, backendName: 'wasm', kernelFunc: dropoutKernel() });
  tf.registerKernel({ kernelName: ADAMW, backendName: 'wasm', kernelFunc: adamwKernel() });
  tf.registerKernel({
    kernelName: GELU_FORWARD,
    backendName: 'wasm',
    kernelFunc: geluKernel(false),
  });
  tf.registerKernel({
    kernelName: GELU_BACKWARD,
    backendName: 'wasm',
    kernelFunc: geluKernel(true),
  });
  markWasmKernelsInstalled();
  return true;
}
