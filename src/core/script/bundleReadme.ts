/** The bundle's README.md: what it holds, the commands, what to expect, how to come back. */
import type { ScriptBundleInput } from './bundleTypes';
import { BUNDLE_PATHS } from './bundleArgs';

const gb = (n: number): string => `${(n / 1024 ** 3).toFixed(2)} GB`;

/** Hours per epoch of `rows` at `samplesPerSecond` (null when no speed was measured). */
export function hoursPerEpoch(rows: number, samplesPerSecond: number | null): number | null {
  return samplesPerSecond && samplesPerSecond > 0 ? rows / samplesPerSecond / 3600 : null;
}

function fitLines(input: ScriptBundleInput): string[] {
  const { fit, model, data } = input;
  const rows = data.train.texts.length;
  const hours = hoursPerEpoch(rows, fit.samplesPerSecond);
  return [
    `- Model: ${model.parameters.toLocaleString('en-US')} parameters` +
      (model.kind === 'pretrained'
        ? `, fine-tuned from ${model.base ?? 'a checkpoint'}`
        : ', from scratch') +
      '.',
    `- The studio's memory estimate for this run: ${gb(fit.memoryBytes)} of the ${gb(fit.memoryBudgetBytes)} ` +
      `it assumes a browser tab may use (weights, gradients, AdamW's moments, activations).`,
    `- Data: ${rows.toLocaleString('en-US')} training ${data.tagged ? 'sentences' : 'rows'}, ` +
      `${data.validation.texts.length.toLocaleString('en-US')} validation ${data.tagged ? 'sentences' : 'rows'}.`,
    hours === null
      ? '- Speed: the studio has not measured this model yet (train a few steps in the page to see it).'
      : `- At the studio's measured ${fit.samplesPerSecond?.toFixed(1)} samples/s one epoch takes ` +
        `${hours < 0.1 ? `${(hours * 60).toFixed(1)} minutes` : `${hours.toFixed(1)} hours`} in the browser.`,
  ];
}

/** For a token-classification run: what train.py does with the tagged sentences. */
function taskLines(input: ScriptBundleInput): string[] {
  const { tagged, labels } = input.data;
  if (!tagged) return [];
  return [
    '## What it trains',
    '',
    "Token classification (named entities), as transformers' token-classification guide and " +
      '`run_ner.py` do it:',
    '',
    `- The data: one JSON line per sentence with \`tokens\` and \`ner_tags\` (tag names), as a Hub ` +
      `dataset exports them; the tags in id order (config.json's id2label): ${labels.join(', ')}.`,
    '- `AutoTokenizer` (with `add_prefix_space=True` for a byte-level BPE tokenizer), words ' +
      "tokenized with `is_split_into_words=True`; each word's tag on its first sub-token and -100 " +
      (tagged.labelAllTokens
        ? "on special tokens; later sub-tokens get the word's tag too (`label_all_tokens`, B- as I-)."
        : 'on its later sub-tokens and on special tokens (`label_all_tokens` false).'),
    '- `DataCollatorForTokenClassification` (labels padded with -100) and ' +
      "`AutoModelForTokenClassification` (the studio's step-0 weights when bundled): cross-entropy " +
      'over the labelled tokens, their mean.',
    "- `compute_metrics` with seqeval's default (conlleval-style) entity matching, written in " +
      'train.py: `eval_precision`, `eval_recall`, `eval_f1` over entities (type and exact span) and ' +
      '`eval_accuracy` over the labelled tokens, the names and values the studio logs.',
    '',
  ];
}

/** README.md of the bundle; `leftOut` names the files it does not hold. */
export function bundleReadme(
  input: ScriptBundleInput,
  carried: { dataCarried: boolean; weightsCarried: boolean; leftOut: string[] },
): string {
  const a = input.args;
  const batch = a.per_device_train_batch_size * a.gradient_accumulation_steps;
  const holds = [
    '- `train.py`: a transformers `Trainer` script (HfArgumentParser over ModelArguments, ' +
      'DataArguments, StudioArguments and TrainingArguments).',
    "- `args.json`: this run's arguments under transformers 5's names, with the data and model " +
      "arguments and the studio's extensions (class_weights, nan_policy, early stopping).",
    '- `accelerate_config.yaml`: one GPU; its comments say what to change for several GPUs or machines.',
    '- `requirements.txt`: `pip install -r requirements.txt`.',
    carried.dataCarried
      ? `- \`${BUNDLE_PATHS.trainData}\`, \`${BUNDLE_PATHS.validationData}\`: the rows the studio trained and evaluated on, in its order.`
      : '- No data files (too large): see "Left out" below.',
    `- \`${BUNDLE_PATHS.tokenizer}/\`: the tokenizer the studio used.`,
    carried.weightsCarried
      ? `- \`${BUNDLE_PATHS.initialWeights}/\`: the model at step 0 as the studio initialised it (config.json, model.safetensors).`
      : `- \`${BUNDLE_PATHS.initialWeights}/config.json\`: the model's config (its weights are left out).`,
    ...(input.checkpoint
      ? [
          `- \`${BUNDLE_PATHS.checkpoints}/checkpoint-${input.checkpoint.step}/\`: the studio's last checkpoint ` +
            '(weights, AdamW moments, scheduler, trainer_state.json). train.py turns it into an HF ' +
            `checkpoint (optimizer.pt, scheduler.pt, rng_state.pth) in output/checkpoint-${input.checkpoint.step} ` +
            'and resumes from it with `trainer.train(resume_from_checkpoint=...)`.',
        ]
      : []),
  ];
  return [
    "# This run, for transformers' Trainer",
    '',
    'Written by Trainer Studio. The same run (data, tokenizer, labels, model, arguments) as a ' +
      'transformers training script, for one GPU, several GPUs or several machines.',
    '',
    '## Why move',
    '',
    ...fitLines(input),
    '',
    ...taskLines(input),
    '## What it holds',
    '',
    ...holds,
    ...(carried.leftOut.length > 0
      ? ['', '## Left out', '', ...carried.leftOut.map((l) => `- ${l}`)]
      : []),
    '',
    '## Run it',
    '',
    '```sh',
    'pip install -r requirements.txt',
    '# one GPU (or one CPU process: add --cpu)',
    'accelerate launch --config_file accelerate_config.yaml train.py args.json',
    '# 8 GPUs on one machine',
    'accelerate launch --multi_gpu --num_processes 8 train.py args.json',
    'torchrun --nproc_per_node 8 train.py args.json          # the same without accelerate',
    '# 2 machines of 8 GPUs: on machine 0, then the same on machine 1 with --machine_rank 1',
    'accelerate launch --multi_gpu --num_machines 2 --num_processes 16 --machine_rank 0 \\',
    '  --main_process_ip 10.0.0.1 --main_process_port 29500 train.py args.json',
    '# two CPU processes, data parallel (to try it anywhere)',
    'accelerate launch --cpu --num_processes 2 --num_machines 1 --mixed_precision no \\',
    '  --dynamo_backend no train.py args.json --output_dir output',
    '```',
    '',
    'Flags after `args.json` override it: `--output_dir D`, `--num_train_epochs 1`, ' +
      '`--per_device_train_batch_size 64`, `--bf16 true` on GPUs that have it.',
    '',
    '## What to expect',
    '',
    `- \`per_device_train_batch_size\` (${a.per_device_train_batch_size}) is per process: with N ` +
      `processes a step sees N x ${batch} rows, so there are N times fewer steps per epoch. ` +
      "Divide the batch size (or raise the learning rate) to keep the studio's run.",
    '- With one process, `train_sampling_strategy` "sequential", dropout 0 and the bundled step-0 ' +
      "weights, the logged losses follow the studio's (they were checked equal within 1e-3 over " +
      '10 steps). With "random" the Trainer shuffles with torch\'s generator, not the studio\'s, and ' +
      "dropout masks are torch's: the run is equivalent, not identical.",
    '- The model is marked `accepts_loss_kwargs = False`, so gradient accumulation divides the ' +
      'loss as the studio does (huggingface/transformers#47688).',
    '- `output/` (or `--output_dir`) is an HF output folder: model.safetensors, config.json, the ' +
      'tokenizer, trainer_state.json, training_args.json, studio_args.json and checkpoint-N/ folders.',
    '',
    '## Bring it back to the studio',
    '',
    '- In the page: **Open trainer_state.json** with `output/trainer_state.json` charts the run ' +
      "beside the browser's; zip `output/` and open it as a model to try it and export it.",
    '- On the command line:',
    '',
    '```sh',
    `npx studio evaluate --model_dir output --validation_file ${carried.dataCarried ? BUNDLE_PATHS.validationData : 'VALIDATION_FILE'}`,
    input.data.tagged
      ? 'npx studio predict --model_dir output --input_file texts.txt --output_file entities.jsonl'
      : 'npx studio predict --model_dir output --input_file rows.csv --output_file preds.jsonl',
    '```',
    '',
  ].join('\n');
}
