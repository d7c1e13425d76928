/// <reference lib="webworker" />
/** The training worker's entry: wires the protocol to the handlers. */
import './zodJitless';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { browserRunStores } from '../core/run/idbStores';
import { createHandlers } from './handlers';
import { serveRequests } from './serve';

const scope = self as unknown as DedicatedWorkerGlobalScope;
// Built files live in <base>/assets/; the dev server serves this file from /src/worker/.
const appRoot = new URL(
  scope.location.pathname.includes('/assets/') ? '../' : '/',
  scope.location.href,
);

const handlers = createHandlers({
  emit: (event) => scope.postMessage({ type: 'event', event }),
  assetUrl: (path) => new URL(path, appRoot).href,
  stores: browserRunStores(),
  backendOptions: {
    wasmPaths: {
      'tfjs-backend-wasm.wasm': wasmPlain,
      'tfjs-backend-wasm-simd.wasm': wasmSimd,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
    },
    // One core is left to the page: with a thread on every core the page's own tasks (charts,
    // input) waited for a core while a run trained, and ran 3-10 times longer than their CPU
    // time (measured with scripts/long-tasks.ts on 2 cores).
    wasmThreads: Math.max(1, (scope.navigator.hardwareConcurrency || 2) - 1),
  },
});
serveRequests(scope, handlers);
