/**
 * Vite build of the studio: a static app (relative `base`, so `dist/` works from any path) with
 * a module worker that trains with TF.js.
 *
 * The dev and preview servers send the same headers as `scripts/serve.mjs`: cross-origin isolation
 * (COOP/COEP, so the TF.js WASM backend may use threads) and the same Content-Security-Policy, so
 * a CSP violation shows up in development, not first in production.
 */
import { defineConfig, type Plugin } from 'vite';
import { SECURITY_HEADERS } from './scripts/serve.mjs';

const ORT_STUB_ID = '\0trainer-studio:onnxruntime-stub';

/**
 * transformers.js' web build imports onnxruntime-web (`onnxruntime-web/webgpu`) at the top level,
 * for its model pipelines. The worker uses only its tokenizers (pure JS), never an ONNX session,
 * yet bundling onnxruntime-web emits its 26.9 MB asyncify `.wasm` (6.7 MB gzipped) into `dist/`
 * and ~0.5 MB of glue into the worker. This plugin swaps those imports for a stub exposing just
 * what transformers.js reads at import time (`env`, `InferenceSession`, `Tensor`); with an empty
 * `env` it skips all its WASM set-up, and creating an ONNX session fails with a clear message.
 *
 * The page itself (`page: true`) runs exported ONNX models in "Use it in your web page"
 * (src/ui/webPageCheck.ts, loaded on demand): there `onnxruntime-web/webgpu` becomes the
 * WASM-only build (`onnxruntime-web/wasm`, 14 MB binary instead of 28 MB), and only
 * onnxruntime-node is stubbed.
 */
function onnxRuntimeStub({ page = false }: { page?: boolean } = {}): Plugin {
  const stubbed = page ? /^onnxruntime-node(\/.*)?$/ : /^onnxruntime-(web|node)(\/.*)?$/;
  return {
    name: 'trainer-studio:onnxruntime-stub',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (page && source === 'onnxruntime-web/webgpu') {
        return this.resolve('onnxruntime-web/wasm', importer, { ...options, skipSelf: true });
      }
      return stubbed.test(source) ? ORT_STUB_ID : null;
    },
    load(id) {
      if (id !== ORT_STUB_ID) return null;
      return [
        "export { Tensor } from 'onnxruntime-common';",
        'export const env = {};',
        'export const InferenceSession = {',
        '  create() {',
        "    return Promise.reject(new Error('ONNX models are not available in the studio worker: " +
          "onnxruntime-web is left out of its bundle (only tokenizers are used).'));",
        '  },',
        '};',
      ].join('\n');
    },
  };
}

/**
 * `vite build --mode e2e` (npm run build:e2e, the e2e tests' build) turns the fault-injection
 * test hooks on (src/core/buildFlags.ts); every other build, `npm run build` and `npm start`
 * included, leaves them out of the bundle.
 */
export default defineConfig(({ mode }) => ({
  base: './',
  define: { __STUDIO_TEST_HOOKS__: JSON.stringify(mode === 'e2e') },
  // No @vitejs/plugin-react: esbuild's automatic JSX runtime is all React 19 needs here.
  esbuild: { jsx: 'automatic' },
  plugins: [onnxRuntimeStub({ page: true })],
  build: {
    target: 'es2022',
    // TF.js and the tokenizer library are large single modules; that is expected, not a mistake.
    chunkSizeWarningLimit: 4096,
    // No source maps: the worker's map alone is ~19 MB (TF.js + tokenizers) for a static app.
    sourcemap: false,
  },
  worker: {
    format: 'es',
    // Worker bundles are built separately and do not inherit top-level plugins.
    plugins: () => [onnxRuntimeStub()],
  },
  // `.wasm` is a known asset type to Vite, so `import url from '...wasm?url'` (the TF.js WASM
  // backend's binaries, handed to `setWasmPaths`) emits the file and returns its hashed URL;
  // listing it here makes that explicit for bare `.wasm` imports too.
  assetsInclude: ['**/*.wasm'],
  optimizeDeps: {
    // Dev only. transformers.js stays out of esbuild's pre-bundling, which runs no Vite plugins
    // and would pull onnxruntime-web back in (see onnxRuntimeStub). The TF.js packages must all be
    // pre-bundled together: excluding one (e.g. the WASM backend) gives it its own copy of
    // tfjs-core, whose engine the app never sees, and the backend silently goes missing.
    exclude: ['@huggingface/transformers'],
    // The worker's dependencies, listed up front: the dev server's crawl starts from index.html
    // and finds them late, then stops to re-optimize and reloads the page.
    include: [
      '@tensorflow/tfjs',
      '@tensorflow/tfjs-backend-webgpu',
      '@tensorflow/tfjs-backend-wasm',
      'onnxruntime-common',
      'fflate',
      'papaparse',
      'zod',
    ],
  },
  server: {
    headers: { ...SECURITY_HEADERS },
  },
  preview: {
    headers: { ...SECURITY_HEADERS },
  },
}));
