/**
 * Token classification, the studio against transformers' Trainer on the same data, model shape
 * and arguments, side by side (as `npm run bench:torch` runs them): `studio train --task
 * token-classification` from scratch on the CoNLL files, then scripts/compare_ner_trainer.py
 * (transformers' Trainer, the token-classification guide's recipe) from the studio's config.json
 * (the same sizes, tags and initializer settings; its own torch initialisation), and prints both
 * sides' entity precision, recall, F1 (seqeval's default mode) and accuracy, and the difference
 * of the F1s.
 *
 *   npm run compare:ner                                   # WNUT 2017, the defaults below
 *   npm run compare:ner -- --epochs 5 --hidden 128 --intermediate 512
 *
 * With the defaults (a 2-layer BERT of hidden 64 from scratch, 8 epochs, 2 cores, torch at one
 * thread) both sides reached an entity F1 near 0.1 (studio 0.101, transformers 0.114), eval loss
 * 0.570 and 0.574; at 3 epochs, 0.046 and 0.075 (outside 0.02: so few entities found, recall
 * 0.03 and 0.04, that a handful of them moves the F1 by 0.02) with eval losses 0.425 and 0.431.
 * WNUT's emerging entities are hard for a small model trained from scratch.
 *
 * Flags: --train, --validation (tests/fixtures/data/wnut17/wnut17train.conll and
 * emerging.dev.conll), --tokenizer (public/tokenizers/bert-base-cased), --hidden 64, --layers 2,
 * --heads 4, --intermediate 128, --max-length 48, --batch 32, --epochs 8, --lr 1e-3, --seed 42,
 * --python python3 (or $PYTHON), --torch-threads N (all cores), --out DIR (a temporary folder),
 * --skip-studio (reuse DIR/studio from an earlier run). Each side runs in its own child process,
 * one after the other. Exits 1 when the F1s differ by more than --tolerance (0.02).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};

const wnut = join(repoRoot, 'tests/fixtures/data/wnut17');
const o = {
  train: flag('train', join(wnut, 'wnut17train.conll')),
  validation: flag('validation', join(wnut, 'emerging.dev.conll')),
  tokenizer: flag('tokenizer', join(repoRoot, 'public/tokenizers/bert-base-cased')),
  hidden: flag('hidden', '64'),
  layers: flag('layers', '2'),
  heads: flag('heads', '4'),
  intermediate: flag('intermediate', '128'),
  maxLength: flag('max-length', '48'),
  batch: flag('batch', '32'),
  epochs: flag('epochs', '8'),
  lr: flag('lr', '1e-3'),
  seed: flag('seed', '42'),
  tolerance: Number(flag('tolerance', '0.02')),
};
const python = flag('python', process.env.PYTHON ?? 'python3');
const out = flag('out', mkdtempSync(join(tmpdir(), 'compare-ner-')));
const studioDir = join(out, 'studio');
const torchThreads = flag('torch-threads', String(cpus().length));

type Metrics = Record<string, number>;

function run(cmd: string, args: string[]): string {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: repoRoot, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) {
    console.error(r.stdout, r.stderr);
    throw new Error(`${cmd} exited with ${r.status ?? r.signal}`);
  }
  return r.stdout;
}

function studioSide(): Metrics {
  const start = Date.now();
  if (argv.includes('--skip-studio')) {
    return JSON.parse(readFileSync(join(studioDir, 'all_results.json'), 'utf8')) as Metrics;
  }
  run(process.execPath, [
    join(repoRoot, 'packages/studio-cli/studio.mjs'),
    'train',
    '--task',
    'token-classification',
    '--train_file',
    o.train,
    '--validation_file',
    o.validation,
    '--output_dir',
    studioDir,
    '--tokenizer_name_or_path',
    o.tokenizer,
    '--hidden_size',
    o.hidden,
    '--num_hidden_layers',
    o.layers,
    '--num_attention_heads',
    o.heads,
    '--intermediate_size',
    o.intermediate,
    '--max_length',
    o.maxLength,
    '--per_device_train_batch_size',
    o.batch,
    '--per_device_eval_batch_size',
    o.batch,
    '--num_train_epochs',
    o.epochs,
    '--learning_rate',
    o.lr,
    '--seed',
    o.seed,
    '--eval_strategy',
    'no',
    '--save_strategy',
    'no',
    '--logging_steps',
    '50',
  ]);
  const results = JSON.parse(readFileSync(join(studioDir, 'all_results.json'), 'utf8')) as Metrics;
  return { ...results, wall_s: (Date.now() - start) / 1000 };
}

function trainerSide(): Metrics {
  const start = Date.now();
  const stdout = run(python, [
    join(repoRoot, 'scripts/compare_ner_trainer.py'),
    '--train',
    o.train,
    '--validation',
    o.validation,
    '--config',
    join(studioDir, 'config.json'),
    '--tokenizer',
    o.tokenizer,
    '--max-length',
    o.maxLength,
    '--batch',
    o.batch,
    '--epochs',
    o.epochs,
    '--lr',
    o.lr,
    '--seed',
    o.seed,
    '--output-dir',
    join(out, 'trainer'),
    '--threads',
    torchThreads,
  ]);
  const line = stdout.split('\n').find((l) => l.startsWith('COMPARE_JSON '));
  if (!line) throw new Error(`compare_ner_trainer.py printed no COMPARE_JSON line:\n${stdout}`);
  return {
    ...(JSON.parse(line.slice('COMPARE_JSON '.length)) as Metrics),
    wall_s: (Date.now() - start) / 1000,
  };
}

/**
 * seqeval's F1 of the studio model's own predictions: `studio predict` tags the validation file,
 * and scripts/seqeval_on_predictions.py scores them as the guide's compute_metrics (the words
 * with a label at max_length). It must equal the eval_f1 the studio logged.
 */
function seqevalOfPredictions(): Metrics {
  const predictions = join(out, 'studio-predictions.jsonl');
  run(process.execPath, [
    join(repoRoot, 'packages/studio-cli/studio.mjs'),
    'predict',
    '--model_dir',
    studioDir,
    '--input_file',
    o.validation,
    '--output_file',
    predictions,
  ]);
  const stdout = run(python, [
    join(repoRoot, 'scripts/seqeval_on_predictions.py'),
    o.validation,
    predictions,
    studioDir,
    o.maxLength,
  ]);
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Metrics;
}

const studio = studioSide();
const own = seqevalOfPredictions();
const trainer = trainerSide();
const keys = [
  'eval_f1',
  'eval_precision',
  'eval_recall',
  'eval_accuracy',
  'eval_loss',
  'train_loss',
  'train_runtime',
  'wall_s',
];
const fmt = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(4));
console.log(`\n${JSON.stringify(o)}`);
console.log(`| metric | studio | transformers |\n|---|---|---|`);
for (const k of keys) console.log(`| ${k} | ${fmt(studio[k])} | ${fmt(trainer[k])} |`);
const diff = Math.abs(studio.eval_f1 - trainer.eval_f1);
console.log(
  `\nentity F1: studio ${fmt(studio.eval_f1)}, transformers ${fmt(trainer.eval_f1)}, |diff| ${fmt(diff)} (tolerance ${o.tolerance})`,
);
const ownDiff = Math.abs(studio.eval_f1 - own.overall_f1);
console.log(
  `seqeval on the studio's own predictions (studio predict): F1 ${fmt(own.overall_f1)}, ` +
    `precision ${fmt(own.overall_precision)}, recall ${fmt(own.overall_recall)}; ` +
    `|eval_f1 - it| ${ownDiff.toExponential(2)}`,
);
process.exitCode = diff <= o.tolerance && ownDiff <= 1e-6 ? 0 : 1;
