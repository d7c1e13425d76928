/**
 * "Use it in your web page": the code and folder layout that run an exported model with
 * transformers.js, for a model folder named `modelName`.
 */
import { dependencies } from '../../package.json';

/** The transformers.js version the studio is built with (the CDN snippet pins it). */
export const TRANSFORMERS_JS_VERSION = dependencies['@huggingface/transformers'];

/** The exported files a page serves, relative to the model folder. */
export const SERVED_FILES = [
  'config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'onnx/model.onnx',
  'onnx/model_quantized.onnx',
] as const;

/** The model folder's name: the zip's name without `.zip`. */
export function modelNameOf(fileName: string): string {
  return fileName.replace(/\.zip$/i, '') || 'model';
}

/** The tree of the folder to serve, under `models/`. */
export function folderLayout(modelName: string): string {
  return [
    'models/',
    `└── ${modelName}/`,
    ...SERVED_FILES.map((f, i) => `    ${i === SERVED_FILES.length - 1 ? '└──' : '├──'} ${f}`),
  ].join('\n');
}

const pipelineLines = (modelName: string, indent: string) =>
  [
    `env.allowRemoteModels = false; // load from your site, not the Hugging Face Hub`,
    `env.localModelPath = '/models/'; // the folder that holds ${modelName}/`,
    ``,
    `// On WASM the default dtype is q8 (onnx/model_quantized.onnx); { dtype: 'fp32' } loads onnx/model.onnx.`,
    `const classifier = await pipeline('text-classification', '${modelName}');`,
    `const scores = await classifier('Text to classify', { top_k: null }); // every label, best first`,
    `console.log(scores); // [{ label, score }, ...]`,
  ].map((l) => (l ? `${indent}${l}` : l));

/** The snippet for a bundled app (`npm install @huggingface/transformers`). */
export function npmSnippet(modelName: string): string {
  return [
    `// npm install @huggingface/transformers@${TRANSFORMERS_JS_VERSION}`,
    `import { env, pipeline } from '@huggingface/transformers';`,
    ``,
    ...pipelineLines(modelName, ''),
  ].join('\n');
}

/** The snippet for a plain HTML page, importing transformers.js from a CDN. */
export function cdnSnippet(modelName: string): string {
  return [
    `<script type="module">`,
    `  import { env, pipeline } from 'https://cdn.jsdelivr.net/npm/@huggingface/transformers@${TRANSFORMERS_JS_VERSION}';`,
    ``,
    ...pipelineLines(modelName, '  '),
    `</script>`,
  ].join('\n');
}
