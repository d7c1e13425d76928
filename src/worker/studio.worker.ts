/// <reference lib="webworker" />
/** The training worker's entry: wires the protocol to the handlers. */
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
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
  backendOptions: {
    wasmPaths: {
      'tfjs-backend-wasm.wasm': wasmPlain,
      'tfjs-backend-wasm-simd.wasm': wasmSimd,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
    },
  },
});
serveRequests(scope, handlers);
