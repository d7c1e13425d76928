import { describe, expect, it } from 'vitest';
import {
  ARG_DOCS,
  ArgumentsError,
  defaultTrainingArguments,
  parseTrainingArguments,
  resolveSteps,
  allArgumentsToJson,
  STUDIO_ARGUMENT_KEYS,
  studioArgumentsToJson,
  trainingArgumentFlagSpecs,
  trainingArgumentsToJson,
} from '../../src/core/train/args';
import { splitArgumentsJson } from '../../src/core/config/argsFile';
import { bestMetricKey } from '../../src/core/train/bestModel';
import { parseFlags } from '../../src/core/train/flags';

function expectArgError(input: unknown, argument: string, message: RegExp | string): void {
  try {
    parseTrainingArguments(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ArgumentsError);
    expect((e as ArgumentsError).argument).toBe(argument);
    expect((e as ArgumentsError).message).toMatch(message);
    return;
  }
  throw new Error(`expected ArgumentsError for ${JSON.stringify(input)}`);
}

describe('TrainingArguments defaults', () => {
  it('are HF defaults', () => {
    const d = defaultTrainingArguments();
    expect(d).toMatchObject({
      output_dir: 'trainer_output',
      num_train_epochs: 3,
      max_steps: -1,
      per_device_train_batch_size: 8,
      per_device_eval_batch_size: 8,
      gradient_accumulation_steps: 1,
      learning_rate: 5e-5,
      weight_decay: 0,
      adam_beta1: 0.9,
      adam_beta2: 0.999,
      adam_epsilon: 1e-8,
      max_grad_norm: 1,
      lr_scheduler_type: 'linear',
      lr_scheduler_kwargs: {},
      warmup_steps: 0,
      logging_strategy: 'steps',
      logging_steps: 500,
      logging_first_step: false,
      eval_strategy: 'no',
      eval_steps: null,
      save_strategy: 'steps',
      save_steps: 500,
      save_total_limit: null,
      load_best_model_at_end: false,
      metric_for_best_model: null,
      greater_is_better: null,
      seed: 42,
      label_smoothing_factor: 0,
      train_sampling_strategy: 'random',
      early_stopping_patience: null,
      early_stopping_threshold: 0,
      resume_from_checkpoint: null,
      class_weights: null,
      nan_policy: 'stop',
    });
    expect(parseTrainingArguments({})).toEqual({ args: d, notices: [] });
    // A fresh object each time.
    d.lr_scheduler_kwargs.x = 1;
    expect(defaultTrainingArguments().lr_scheduler_kwargs).toEqual({});
  });

  it('every argument has docs, and JSON round-trips', () => {
    const d = defaultTrainingArguments();
    expect(Object.keys(ARG_DOCS).sort()).toEqual(Object.keys(d).sort());
    for (const doc of Object.values(ARG_DOCS)) expect(doc.help.length).toBeGreaterThan(10);
    const custom = parseTrainingArguments({
      ...d,
      learning_rate: 2e-5,
      eval_strategy: 'steps',
      eval_steps: 50,
      save_steps: 100,
      load_best_model_at_end: true,
      class_weights: [1, 2],
      lr_scheduler_type: 'cosine',
      lr_scheduler_kwargs: { num_cycles: 0.25 },
    }).args;
    // training_args.json holds transformers' fields; studio_args.json the studio's extras.
    const hfJson = JSON.parse(JSON.stringify(trainingArgumentsToJson(custom)));
    const studioJson = JSON.parse(JSON.stringify(studioArgumentsToJson(custom)));
    expect(Object.keys(studioJson)).toEqual([...STUDIO_ARGUMENT_KEYS]);
    expect([...Object.keys(hfJson), ...Object.keys(studioJson)].sort()).toEqual(
      Object.keys(d).sort(),
    );
    for (const k of STUDIO_ARGUMENT_KEYS) expect(hfJson).not.toHaveProperty(k);
    expect(parseTrainingArguments({ ...hfJson, ...studioJson })).toEqual({
      args: custom,
      notices: [],
    });
    expect(parseTrainingArguments(allArgumentsToJson(custom))).toEqual({
      args: custom,
      notices: [],
    });
  });
});

describe('parseTrainingArguments: HF files', () => {
  it('reads an HF training_args.json: ignores unused keys with a notice, maps evaluation_strategy', () => {
    const hf = {
      output_dir: 'out',
      overwrite_output_dir: false,
      do_train: true,
      evaluation_strategy: 'epoch',
      save_strategy: 'epoch',
      per_device_train_batch_size: 16,
      fp16: true,
      report_to: ['tensorboard'],
      logging_dir: 'out/runs',
      load_best_model_at_end: true,
      metric_for_best_model: 'accuracy',
      warmup_ratio: 0.1,
      lerning_rate: 1,
    };
    const { args, notices } = parseTrainingArguments(hf);
    expect(args.eval_strategy).toBe('epoch');
    expect(args.per_device_train_batch_size).toBe(16);
    expect(args.greater_is_better).toBe(true);
    expect(notices.join('\n')).toMatch(
      /'evaluation_strategy' is deprecated; read it as 'eval_strategy'/,
    );
    expect(notices.join('\n')).toMatch(
      /Ignored HF arguments the studio does not use: do_train, fp16, logging_dir, overwrite_output_dir, report_to/,
    );
    expect(notices.join('\n')).toMatch(
      /Ignored unknown argument 'lerning_rate' \(did you mean 'learning_rate'\?\)/,
    );
  });

  it('rejects conflicting alias and current name', () => {
    expectArgError(
      { evaluation_strategy: 'epoch', eval_strategy: 'steps' },
      'eval_strategy',
      /keep only --eval_strategy/,
    );
  });

  it('accepts string forms of lr_scheduler_kwargs and class_weights', () => {
    const a = parseTrainingArguments({
      lr_scheduler_type: 'polynomial',
      lr_scheduler_kwargs: '{"power": 2}',
      class_weights: '1, 2.5',
    }).args;
    expect(a.lr_scheduler_kwargs).toEqual({ power: 2 });
    expect(a.class_weights).toEqual([1, 2.5]);
    expect(parseTrainingArguments({ class_weights: 'balanced' }).args.class_weights).toBe(
      'balanced',
    );
    expect(parseTrainingArguments({ class_weights: '[3,1]' }).args.class_weights).toEqual([3, 1]);
    expectArgError({ class_weights: 'heavy' }, 'class_weights', /'balanced' or a list/);
    expectArgError({ lr_scheduler_kwargs: '{x' }, 'lr_scheduler_kwargs', /JSON object/);
  });
});

describe('parseTrainingArguments: HF post_init resolution and errors', () => {
  it('eval_steps defaults to logging_steps when evaluating by steps', () => {
    const r = parseTrainingArguments({ eval_strategy: 'steps', logging_steps: 20 });
    expect(r.args.eval_steps).toBe(20);
    expect(r.notices).toContain('using `logging_steps` to initialize `eval_steps` to 20');
    expect(
      parseTrainingArguments({ eval_strategy: 'steps', eval_steps: 0, logging_steps: 7 }).args
        .eval_steps,
    ).toBe(7);
    // Only for 'steps', as HF.
    expect(parseTrainingArguments({ eval_strategy: 'epoch' }).args.eval_steps).toBeNull();
  });

  it('eval by steps with neither eval_steps nor logging_steps', () => {
    expectArgError(
      { eval_strategy: 'steps', eval_steps: 0, logging_steps: 0, logging_strategy: 'epoch' },
      'eval_steps',
      'evaluation strategy steps requires either non-zero --eval_steps or --logging_steps',
    );
    expectArgError(
      { logging_steps: 0 },
      'logging_steps',
      'logging strategy steps requires non-zero --logging_steps',
    );
  });

  it('load_best_model_at_end needs matching strategies and round multiples', () => {
    expectArgError(
      { load_best_model_at_end: true },
      'load_best_model_at_end',
      '--load_best_model_at_end requires the save and eval strategy to match, except when --save_strategy="best", but found\n- Evaluation strategy: no\n- Save strategy: steps',
    );
    expectArgError(
      { load_best_model_at_end: true, eval_strategy: 'steps', eval_steps: 30, save_steps: 100 },
      'save_steps',
      'which is not a round multiple of 30',
    );
    expectArgError(
      { load_best_model_at_end: true, eval_strategy: 'steps', eval_steps: 0.1, save_steps: 100 },
      'save_steps',
      /mixing ratio and absolute steps/,
    );
    expectArgError(
      { load_best_model_at_end: true, eval_strategy: 'steps', eval_steps: 0.3, save_steps: 0.5 },
      'save_steps',
      'but found 0.5, which is not a multiple of 0.3',
    );
    const ok = parseTrainingArguments({
      load_best_model_at_end: true,
      eval_strategy: 'steps',
      eval_steps: 0.1,
      save_steps: 0.3,
    }).args;
    expect(ok.metric_for_best_model).toBe('loss');
    expect(ok.greater_is_better).toBe(false);
    expect(bestMetricKey(ok.metric_for_best_model ?? '')).toBe('eval_loss');
  });

  it('greater_is_better derives from the metric name unless given', () => {
    expect(
      parseTrainingArguments({ metric_for_best_model: 'eval_f1_macro' }).args.greater_is_better,
    ).toBe(true);
    expect(
      parseTrainingArguments({ metric_for_best_model: 'eval_loss' }).args.greater_is_better,
    ).toBe(false);
    expect(
      parseTrainingArguments({ metric_for_best_model: 'mse', greater_is_better: false }).args
        .greater_is_better,
    ).toBe(false);
    expect(bestMetricKey('accuracy')).toBe('eval_accuracy');
    expect(defaultTrainingArguments().metric_for_best_model).toBeNull();
  });

  it('steps > 1 must be integers; fractional steps are ratios of max_steps', () => {
    expectArgError(
      { logging_steps: 2.5 },
      'logging_steps',
      '--logging_steps must be an integer if bigger than 1: 2.5',
    );
    expectArgError({ save_steps: 10.5 }, 'save_steps', /save_steps must be an integer/);
    const a = parseTrainingArguments({ logging_steps: 0.1, save_steps: 0.25 }).args;
    expect(resolveSteps(a.logging_steps, 95)).toBe(10);
    expect(resolveSteps(a.save_steps, 95)).toBe(24);
    expect(resolveSteps(50, 95)).toBe(50);
  });

  it('early stopping needs evaluation and a metric, as EarlyStoppingCallback', () => {
    expectArgError(
      { early_stopping_patience: 3 },
      'early_stopping_patience',
      /requires IntervalStrategy of steps or epoch/,
    );
    expectArgError(
      { early_stopping_patience: 3, eval_strategy: 'epoch' },
      'metric_for_best_model',
      /requires metric_for_best_model is defined/,
    );
    const r = parseTrainingArguments({
      early_stopping_patience: 3,
      eval_strategy: 'epoch',
      save_strategy: 'epoch',
      load_best_model_at_end: true,
    });
    expect(r.args.metric_for_best_model).toBe('loss');
    expect(r.notices).toEqual([]);
    const r2 = parseTrainingArguments({
      early_stopping_patience: 2,
      eval_strategy: 'epoch',
      metric_for_best_model: 'f1_macro',
    });
    expect(r2.notices.join()).toMatch(/without load_best_model_at_end=True/);
  });

  it('save_strategy best needs a metric', () => {
    expectArgError(
      { save_strategy: 'best' },
      'metric_for_best_model',
      /must be provided when using 'best' save_strategy/,
    );
    expect(
      parseTrainingArguments({ save_strategy: 'best', metric_for_best_model: 'accuracy' }).args
        .save_strategy,
    ).toBe('best');
  });

  it('rejects bad values naming the argument', () => {
    expectArgError(
      { per_device_train_batch_size: 0 },
      'per_device_train_batch_size',
      /--per_device_train_batch_size: .*got 0/,
    );
    expectArgError({ per_device_train_batch_size: 2.5 }, 'per_device_train_batch_size', /integer/);
    expectArgError(
      { gradient_accumulation_steps: -1 },
      'gradient_accumulation_steps',
      /gradient_accumulation_steps/,
    );
    expectArgError({ learning_rate: -1e-5 }, 'learning_rate', /learning_rate/);
    expectArgError({ learning_rate: '5e-5' }, 'learning_rate', /expected number/i);
    expectArgError({ warmup_ratio: 1.5 }, 'warmup_ratio', 'warmup_ratio must lie in range [0,1]');
    expectArgError(
      { lr_scheduler_type: 'cosine_with_min_lr' },
      'lr_scheduler_type',
      /lr_scheduler_type/,
    );
    expectArgError({ eval_strategy: 'always' }, 'eval_strategy', /eval_strategy/);
    expectArgError({ adam_beta2: 1 }, 'adam_beta2', /adam_beta2/);
    expectArgError({ nan_policy: 'ignore' }, 'nan_policy', /nan_policy/);
    expectArgError({ num_train_epochs: 0 }, 'num_train_epochs', /num_train_epochs must be > 0/);
    expect(parseTrainingArguments({ num_train_epochs: 0, max_steps: 10 }).args.max_steps).toBe(10);
    expectArgError([1, 2], 'training_args', /JSON object/);
  });

  it('checks lr_scheduler_kwargs against the schedule', () => {
    expectArgError(
      { lr_scheduler_type: 'linear', lr_scheduler_kwargs: { num_cycles: 2 } },
      'lr_scheduler_kwargs',
      "'num_cycles' is not an argument of the 'linear' schedule; it takes none.",
    );
    expectArgError(
      { lr_scheduler_type: 'polynomial', learning_rate: 1e-8 },
      'lr_scheduler_kwargs',
      'lr_end (1e-7) must be smaller than initial lr (1e-8)',
    );
  });

  it('takes warmup_steps as transformers 5 does: an integer, or a float below 1 for a ratio', () => {
    expect(parseTrainingArguments({ warmup_steps: 0.1 }).args.warmup_steps).toBe(0.1);
    expect(parseTrainingArguments({ warmup_steps: 12 }).args.warmup_steps).toBe(12);
    expectArgError(
      { warmup_steps: -1 },
      'warmup_steps',
      'warmup_steps must be an integer or a float',
    );
  });

  it('reads the transformers 4 names warmup_ratio and group_by_length, with a notice each', () => {
    const r = parseTrainingArguments({ warmup_ratio: 0.1, group_by_length: true });
    expect(r.args.warmup_steps).toBe(0.1);
    expect(r.args.train_sampling_strategy).toBe('group_by_length');
    expect(r.args).not.toHaveProperty('warmup_ratio');
    expect(r.args).not.toHaveProperty('group_by_length');
    expect(r.notices).toHaveLength(2);
    expect(r.notices[0]).toMatch(
      /'warmup_ratio' is the transformers 4 name: read 0.1 as warmup_steps 0.1/,
    );
    expect(r.notices[1]).toMatch(/'group_by_length' .* train_sampling_strategy 'group_by_length'/);
    // v4: a positive warmup_steps overrides warmup_ratio.
    const both = parseTrainingArguments({ warmup_steps: 5, warmup_ratio: 0.1 });
    expect(both.args.warmup_steps).toBe(5);
    expect(both.notices.join()).toMatch(/warmup_steps \(5\) is set and overrides it/);
    expect(parseTrainingArguments({ group_by_length: false }).args.train_sampling_strategy).toBe(
      'random',
    );
    expectArgError({ warmup_ratio: 1.5 }, 'warmup_ratio', 'warmup_ratio must lie in range [0,1]');
    expectArgError({ warmup_ratio: 1 }, 'warmup_ratio', /no transformers 5 form/);
    expectArgError(
      { group_by_length: true, train_sampling_strategy: 'sequential' },
      'train_sampling_strategy',
      /keep only one/,
    );
  });

  it('checks train_sampling_strategy', () => {
    expect(
      parseTrainingArguments({ train_sampling_strategy: 'sequential' }).args
        .train_sampling_strategy,
    ).toBe('sequential');
    expectArgError(
      { train_sampling_strategy: 'batch_rebalance' },
      'train_sampling_strategy',
      /data-parallel processes/,
    );
    expectArgError({ train_sampling_strategy: 'shuffled' }, 'train_sampling_strategy', /random/);
  });
});

describe('arguments files (HfArgumentParser.parse_json_file)', () => {
  it('splits data, model and TrainingArguments keys, reading example-script names', () => {
    const s = splitArgumentsJson({
      learning_rate: 0.01,
      max_seq_length: 48,
      text_column: 'sms',
      label_column: 'category',
      model_name_or_path: 'prajjwal1/bert-tiny',
      tokenizer_name: 'bert-base-uncased',
      early_stopping_patience: 2,
    });
    expect(s.training).toEqual({ learning_rate: 0.01, early_stopping_patience: 2 });
    expect(s.data).toEqual({ max_length: 48, text_column: 'sms', label_column: 'category' });
    expect(s.model).toEqual({
      model_name_or_path: 'prajjwal1/bert-tiny',
      tokenizer_name_or_path: 'bert-base-uncased',
    });
    expect(s.notices.join('\n')).toMatch(/Read 'max_seq_length' .* as 'max_length'/);
    expect(() => splitArgumentsJson({ max_seq_length: 1, max_length: 2 })).toThrow(/keep one/);
    expect(() => splitArgumentsJson([1], 'x.json')).toThrow(/x.json must hold a JSON object/);
  });
});

describe('CLI flags for TrainingArguments', () => {
  it('parse through parseFlags into TrainingArguments', () => {
    const specs = trainingArgumentFlagSpecs();
    expect(specs.learning_rate.type).toBe('number');
    expect(specs.load_best_model_at_end.type).toBe('boolean');
    expect(specs.eval_steps.type).toBe('number');
    expect(specs.lr_scheduler_kwargs.type).toBe('json');
    const { values } = parseFlags(
      [
        '--learning_rate',
        '2e-5',
        '--eval_strategy',
        'epoch',
        '--save_strategy',
        'epoch',
        '--load_best_model_at_end',
        '--metric_for_best_model',
        'f1_macro',
        '--lr_scheduler_type',
        'cosine_with_restarts',
        '--lr_scheduler_kwargs',
        '{"num_cycles": 3}',
        '--class_weights',
        'balanced',
      ],
      specs,
    );
    const { args } = parseTrainingArguments(values);
    expect(args).toMatchObject({
      learning_rate: 2e-5,
      eval_strategy: 'epoch',
      load_best_model_at_end: true,
      greater_is_better: true,
      lr_scheduler_kwargs: { num_cycles: 3 },
      class_weights: 'balanced',
    });
  });

  it('names both values of a conflicting alias, even objects without a string form', () => {
    // Found by fuzzing: String({toString: ''}) throws a TypeError.
    expect(() =>
      parseTrainingArguments({ evaluation_strategy: 'steps', eval_strategy: { toString: '' } }),
    ).toThrow(/Both --evaluation_strategy \("steps"\) and --eval_strategy \(\{"toString":""\}\)/);
  });
});
