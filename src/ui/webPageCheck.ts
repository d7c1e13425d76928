/**
 * The exported model run as a web page runs it: transformers.js `pipeline('text-classification')`
 * on onnxruntime-web's WASM build, in this page's main thread. Loaded on demand (a dynamic import
 * from WebPageDeploy), so the studio's first load does not carry transformers.js' model code or
 * onnxruntime-web; the WASM binary is a separate file fetched at the first check.
 *
 * The files come from the export zip in memory: transformers.js reads them through `env.fetch`
 * under a path of its local model folder that never reaches the network.
 */
import { env, pipeline } from '@huggingface/transformers';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';

/** Where transformers.js looks for the exported folder (answered from memory, never fetched). */
const LOCAL_ROOT = '/__trainer-studio-export__/';

/** One label's score, as the pipeline returns it. */
export interface LabelScore {
  label: string;
  score: number;
}

/** What one dtype of the exported ONNX gave for the text. */
export interface WebPageResult {
  dtype: 'q8' | 'fp32';
  /** The file it loaded, relative to the model folder. */
  file: string;
  /** Scores for every label, best first. */
  scores: LabelScore[];
  /** Time to build the pipeline (read and compile the model, load the tokenizer), ms. */
  loadMs: number;
  /** Time of the first `classifier(text)` call (onnxruntime's warm-up included), ms. */
  firstMs: number;
  /** Time of a second call, ms. */
  inferMs: number;
}

let files: Record<string, Uint8Array> = {};
let configured = false;

function configure(): void {
  if (configured) return;
  configured = true;
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = LOCAL_ROOT;
  // The files change with every export: nothing goes to the browser's Cache Storage.
  env.useBrowserCache = false;
  env.useWasmCache = false;
  const onnx = env.backends.onnx as { wasm?: { wasmPaths?: unknown; numThreads?: number } };
  // onnxruntime-web's binary from this site, not the CDN transformers.js points at by default
  // (the page's Content-Security-Policy allows only its own origin).
  if (onnx.wasm) onnx.wasm.wasmPaths = { wasm: ortWasmUrl };
  const networkFetch = env.fetch;
  env.fetch = (input: string | URL, init?: RequestInit) => {
    const url = new URL(input, location.href);
    if (!url.pathname.startsWith(LOCAL_ROOT)) return networkFetch(input, init);
    const name = decodeURIComponent(url.pathname.slice(LOCAL_ROOT.length)).replace(/^[^/]+\//, '');
    const bytes = Object.hasOwn(files, name) ? files[name] : undefined;
    return Promise.resolve(
      bytes
        ? // fflate's entries sit on plain ArrayBuffers: handed over as they are, not copied.
          new Response(bytes as Uint8Array<ArrayBuffer>, {
            status: 200,
            headers: { 'Content-Length': `${bytes.length}` },
          })
        : new Response(null, { status: 404, statusText: 'Not Found' }),
    );
  };
}

/**
 * Classifies `text` with the exported folder `folder` (the export zip's entries, by path) by transformers.js,
 * once per dtype: q8 (`onnx/model_quantized.onnx`, what a page gets by default on WASM) and fp32
 * (`onnx/model.onnx`).
 */
export async function classifyInWebPage(
  folder: Record<string, Uint8Array>,
  text: string,
  dtypes: readonly ('q8' | 'fp32')[] = ['q8', 'fp32'],
): Promise<WebPageResult[]> {
  configure();
  files = folder;
  const modelId = `model-${Date.now()}`;
  const out: WebPageResult[] = [];
  for (const dtype of dtypes) {
    const t0 = performance.now();
    const classifier = await pipeline('text-classification', modelId, { dtype, device: 'wasm' });
    const t1 = performance.now();
    try {
      await classifier(text, { top_k: null });
      const t2 = performance.now();
      const result = (await classifier(text, { top_k: null })) as LabelScore[];
      const t3 = performance.now();
      out.push({
        dtype,
        file: dtype === 'q8' ? 'onnx/model_quantized.onnx' : 'onnx/model.onnx',
        scores: [...result].sort((a, b) => b.score - a.score),
        loadMs: t1 - t0,
        firstMs: t2 - t1,
        inferMs: t3 - t2,
      });
    } finally {
      await classifier.dispose();
    }
  }
  return out;
}
