import { describe, expect, it } from 'vitest';
import {
  argumentsJsonOf,
  parseRunConfig,
  RUN_CONFIG_VERSION,
  RunConfigError,
} from '../../src/core/config/runConfig';
import { configFromHash, shareLinkHash } from '../../src/core/config/shareLink';
import { splitArgumentsJson } from '../../src/core/config/argsFile';
import { parseTrainingArguments } from '../../src/core/train/args';

const config = {
  version: RUN_CONFIG_VERSION,
  data: { text_column: 'sms', label_column: 'category', max_length: 48, validation_split: 0.2 },
  model: { hidden_size: 128, num_attention_heads: 8, tokenizer_name_or_path: 'bert-base-cased' },
  training: { learning_rate: 0.001, warmup_steps: 0.1, eval_strategy: 'epoch' },
};

describe('RunConfig', () => {
  it('keeps the values set (defaults included), and reads as one arguments JSON', () => {
    const { config: c, notices } = parseRunConfig({
      ...config,
      data: { ...config.data, validation_split: 0.1 }, // the default, kept: it was set
    });
    expect(notices).toEqual([]);
    expect(c.data).toEqual({ ...config.data, validation_split: 0.1 });
    expect(c.training).toEqual(config.training);
    const flat = splitArgumentsJson(argumentsJsonOf(c));
    expect(flat.data.max_length).toBe(48);
    expect(flat.model.hidden_size).toBe(128);
    expect(parseTrainingArguments(flat.training).args.warmup_steps).toBe(0.1);
  });

  it('leaves out bad or unknown data and model values with a notice; bad training is an error', () => {
    const { config: c, notices } = parseRunConfig({
      version: 1,
      data: { max_length: 9999, colour: 'red' },
      model: { hidden_size: 'wide' },
      training: {},
    });
    expect(c.data).toEqual({});
    expect(c.model).toEqual({});
    expect(notices.join('\n')).toMatch(/Left out data.max_length 9999/);
    expect(notices.join('\n')).toMatch(/Left out data.colour: not a data argument/);
    expect(notices.join('\n')).toMatch(/Left out model.hidden_size "wide"/);
    expect(() => parseRunConfig({ ...config, training: { learning_rate: -1 } })).toThrow(
      RunConfigError,
    );
    expect(() => parseRunConfig({ ...config, version: 7 })).toThrow(/version 7.*up to version 1/);
    expect(() => parseRunConfig('nope')).toThrow(/not a run config/);
  });

  it("migrates today's run records and page settings, and transformers 4 names", () => {
    const record = {
      model: { kind: 'scratch', hidden_size: 32, num_hidden_layers: 1, max_length: 24 },
      prepare: {
        columns: { text: 'text', label: 'label' },
        validationFraction: 0.2,
        maxLength: 24,
      },
      args: { learning_rate: 0.0005, warmup_ratio: 0.1, group_by_length: true },
    };
    const { config: c, notices } = parseRunConfig(record);
    expect(c.version).toBe(1);
    expect(c.data).toEqual({
      text_column: 'text',
      label_column: 'label',
      validation_split: 0.2,
      max_length: 24,
    });
    expect(c.model).toEqual({ hidden_size: 32, num_hidden_layers: 1 });
    expect(c.training).toEqual({
      learning_rate: 0.0005,
      warmup_steps: 0.1,
      train_sampling_strategy: 'group_by_length',
    });
    expect(notices.join('\n')).toMatch(/older settings or run record/);
    expect(notices.join('\n')).toMatch(/warmup_ratio/);
  });
});

describe('share link', () => {
  it('round-trips a config through the page hash, unicode included', () => {
    const c = parseRunConfig({ ...config, data: { ...config.data, text_column: 'téxt ✓' } }).config;
    const hash = shareLinkHash(c);
    expect(hash).toMatch(/^#config=[A-Za-z0-9_-]+$/);
    expect(configFromHash(hash)?.config).toEqual(c);
    expect(configFromHash('')).toBeNull();
    expect(configFromHash('#section-3')).toBeNull();
  });

  it('says when a link was cut', () => {
    const hash = shareLinkHash(parseRunConfig(config).config);
    expect(() => configFromHash(hash.slice(0, 30))).toThrow(/cannot be read/);
  });
});
