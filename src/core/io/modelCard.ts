/**
 * The README.md model card of an exported folder, in the shape `Trainer.create_model_card`
 * writes: YAML front matter, what the model is, its evaluation metrics, labels, training
 * hyperparameters and how to load it with `transformers`.
 */
import { familyOf, type ModelConfig } from '../model/families';
import type { HeadKind } from '../model/family';
import type { LogEntry } from '../train/state';
import { hubRepoId } from './modelSource';

export interface ModelCardInput {
  config: ModelConfig;
  /**
   * The checkpoint fine-tuned (its name: a Hub id, a folder's name, "dropped files"), or null
   * for a model trained from scratch.
   */
  baseModel: string | null;
  /**
   * Its Hub id (`owner/name`), written as `base_model` (the Hub links a repo id; a local path
   * does not belong in a shared file); null when it did not come from the Hub.
   */
  baseModelHubId: string | null;
  /** Tokens the model reads (the max_length it was trained with; model_max_length). */
  maxLength: number;
  /** Final evaluation metrics (`eval_`-prefixed), possibly empty. */
  metrics: Record<string, number>;
  /** TrainingArguments as written to training_args.json, or null. */
  trainingArgs: Record<string, unknown> | null;
  logHistory: LogEntry[];
  /** Parameter count. */
  parameters: number;
  /** The data file name, when known. */
  datasetName?: string | null;
  /** The model's head (`model.head`): 'token' for a token classifier. Default 'sequence'. */
  head?: HeadKind;
}

const ARG_KEYS = [
  'learning_rate',
  'per_device_train_batch_size',
  'per_device_eval_batch_size',
  'gradient_accumulation_steps',
  'num_train_epochs',
  'max_steps',
  'lr_scheduler_type',
  'warmup_ratio',
  'warmup_steps',
  'weight_decay',
  'adam_beta1',
  'adam_beta2',
  'adam_epsilon',
  'max_grad_norm',
  'seed',
];

function fmt(v: unknown): string {
  if (typeof v === 'number')
    return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  return String(v);
}

/** README.md text for an exported model. */
export function modelCard(input: ModelCardInput): string {
  const c = input.config;
  const family = familyOf(c);
  const token = input.head === 'token';
  const dims = family.dims(c);
  const labels = Object.keys(c.id2label)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => c.id2label[k]);
  const lines: string[] = [
    '---',
    'library_name: transformers',
    `pipeline_tag: ${token ? 'token-classification' : 'text-classification'}`,
  ];
  const hubId = input.baseModelHubId === null ? null : hubRepoId(input.baseModelHubId);
  if (hubId) lines.push(`base_model: ${JSON.stringify(hubId)}`);
  lines.push('tags:', '- generated_from_trainer', '- trainer-studio', '---', '');
  lines.push('# Model', '');
  lines.push(
    input.baseModel
      ? `This model is a fine-tuned version of \`${input.baseModel}\``
      : `This model is a ${family.displayName} encoder classifier trained from scratch`,
    `with Trainer Studio (TensorFlow.js)${input.datasetName ? ` on \`${input.datasetName}\`` : ''}.`,
    '',
    `- Architecture: \`${family.architectureOf(c, input.head)}\` (${dims.numLayers} layers, hidden ` +
      `${dims.hiddenSize}, ${dims.numHeads} heads, intermediate ${dims.intermediateSize}, ` +
      `vocabulary ${dims.vocabSize})`,
    `- Parameters: ${input.parameters.toLocaleString('en-US')}`,
    token
      ? '- Task: token classification (one tag per word, on its first sub-token)'
      : `- Problem type: ${c.problem_type ?? 'single_label_classification'}`,
    '',
  );
  lines.push('## Evaluation results', '');
  const metricKeys = Object.keys(input.metrics).sort();
  if (metricKeys.length === 0) lines.push('No evaluation was run.', '');
  else {
    lines.push('| Metric | Value |', '|---|---|');
    for (const k of metricKeys) lines.push(`| ${k} | ${fmt(input.metrics[k])} |`);
    lines.push('');
  }
  lines.push('## Labels', '', '| id | label |', '|---|---|');
  labels.forEach((l, i) => lines.push(`| ${i} | ${l.replace(/\|/g, '\\|')} |`));
  lines.push('');
  if (input.trainingArgs) {
    lines.push('## Training hyperparameters', '');
    for (const k of ARG_KEYS) {
      if (k in input.trainingArgs) lines.push(`- ${k}: ${fmt(input.trainingArgs[k])}`);
    }
    lines.push('- optimizer: AdamW (torch), fp32', '');
  }
  const history = input.logHistory as unknown as Record<string, number | undefined>[];
  const losses = history.filter(
    (e) => typeof e.loss === 'number' || typeof e.eval_loss === 'number',
  );
  if (losses.length > 0) {
    lines.push(
      '## Training results',
      '',
      '| Step | Epoch | Training loss | Validation loss |',
      '|---|---|---|---|',
    );
    for (const e of losses.slice(-20)) {
      lines.push(
        `| ${e.step} | ${fmt(e.epoch ?? '')} | ${typeof e.loss === 'number' ? fmt(e.loss) : '—'} | ` +
          `${typeof e.eval_loss === 'number' ? fmt(e.eval_loss) : '—'} |`,
      );
    }
    lines.push('');
  }
  if (token) lines.push(...tokenUsage(input.maxLength));
  else
    lines.push(
      '## How to use',
      '',
      '```python',
      'from transformers import AutoModelForSequenceClassification, AutoTokenizer',
      '',
      'model = AutoModelForSequenceClassification.from_pretrained("path/to/this/folder")',
      'tokenizer = AutoTokenizer.from_pretrained("path/to/this/folder")',
      'inputs = tokenizer(["an example text"], return_tensors="pt", truncation=True)',
      'pred = model(**inputs).logits.argmax(-1).item()',
      'print(model.config.id2label[pred])',
      '```',
      '',
      `With \`truncation=True\` a text is cut to its first ${input.maxLength} tokens, the max_length ` +
        'the model was trained with (`model_max_length` in tokenizer_config.json); ' +
        '`pipeline("text-classification", model="path/to/this/folder", truncation=True)` does the same.',
      '',
      'In a web page or Node, with transformers.js (`npm install @huggingface/transformers`), from',
      'the ONNX files in `onnx/` (`model_quantized.onnx` by default on WASM, `model.onnx` with',
      "`{ dtype: 'fp32' }`):",
      '',
      '```js',
      "import { env, pipeline } from '@huggingface/transformers';",
      '',
      "env.localModelPath = '/path/to/'; // the folder that holds this one",
      'env.allowRemoteModels = false;',
      "const classifier = await pipeline('text-classification', 'this-folder');",
      "console.log(await classifier('an example text', { top_k: null }));",
      '```',
      '',
      'The `tfjs/` folder holds the same weights for TensorFlow.js (`tf.io.loadWeights`).',
      '',
    );
  return lines.join('\n');
}

/** "How to use" of a token classifier: the pipeline with `simple` aggregation, in Python and JS. */
function tokenUsage(maxLength: number): string[] {
  return [
    '## How to use',
    '',
    '```python',
    'from transformers import pipeline',
    '',
    'ner = pipeline("token-classification", model="path/to/this/folder", aggregation_strategy="simple")',
    'print(ner("Empire State Building is in New York"))',
    '```',
    '',
    `A text is cut to its first ${maxLength} tokens (the max_length the model was trained with); ` +
      'the model tags the first sub-token of each word.',
    '',
    'In a web page or Node, with transformers.js (`npm install @huggingface/transformers`), from',
    'the ONNX files in `onnx/`:',
    '',
    '```js',
    "import { env, pipeline } from '@huggingface/transformers';",
    '',
    "env.localModelPath = '/path/to/'; // the folder that holds this one",
    'env.allowRemoteModels = false;',
    "const ner = await pipeline('token-classification', 'this-folder');",
    "console.log(await ner('Empire State Building is in New York'));",
    '```',
    '',
    'The `tfjs/` folder holds the same weights for TensorFlow.js (`tf.io.loadWeights`).',
    '',
  ];
}
