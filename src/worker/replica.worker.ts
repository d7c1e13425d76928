/// <reference lib="webworker" />
/**
 * A gradient replica in the page: a Web Worker the training worker starts (src/worker/replicas.ts),
 * with its own copy of the model on the wasm backend, one thread (one core per worker).
 */
import './zodJitless';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { serveReplica } from '../core/train/parallel/replica';
import { webWorkerPort } from '../core/train/parallel/transport';

const scope = self as unknown as DedicatedWorkerGlobalScope;
serveReplica(webWorkerPort(scope), {
  wasmPaths: {
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
  },
  wasmThreads: 1,
});
