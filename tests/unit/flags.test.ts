import { describe, expect, it } from 'vitest';
import {
  FlagError,
  closestName,
  formatHelp,
  parseFlags,
  type FlagSpec,
} from '../../src/core/train/flags';

const specs: Record<string, FlagSpec> = {
  learning_rate: { type: 'number', help: 'The initial learning rate.', default: 5e-5 },
  output_dir: { type: 'string', help: 'Where to write.' },
  do_train: { type: 'boolean', help: 'Train.' },
  fp16: { type: 'boolean', help: 'Half precision.' },
  lr_scheduler_kwargs: { type: 'json', help: 'Scheduler kwargs.', group: 'advanced' },
  label_names: { type: 'string[]', help: 'Label columns.' },
};

describe('parseFlags', () => {
  it('parses --name value, --name=value, dashes, booleans and lists', () => {
    const { values, rest } = parseFlags(
      [
        'train',
        '--learning-rate',
        '3e-5',
        '--output_dir=out/run1',
        '--do_train',
        '--fp16',
        'false',
        '--lr_scheduler_kwargs',
        '{"num_cycles": 2}',
        '--label_names',
        'a',
        'b',
        '--',
        '--not-a-flag',
      ],
      specs,
    );
    expect(values).toEqual({
      learning_rate: 3e-5,
      output_dir: 'out/run1',
      do_train: true,
      fp16: false,
      lr_scheduler_kwargs: { num_cycles: 2 },
      label_names: ['a', 'b'],
    });
    expect(rest).toEqual(['train', '--not-a-flag']);
  });

  it('supports --no_flag, --flag=yes, negative numbers, last-one-wins and leaves --help to the caller', () => {
    const r = parseFlags(
      ['--no_do_train', '--fp16=yes', '--learning_rate', '-1', '--learning_rate', '2', '--help'],
      specs,
    );
    expect(r.values).toEqual({ do_train: false, fp16: true, learning_rate: 2 });
    expect(r.rest).toEqual(['--help']);
  });

  it('a boolean followed by a positional does not eat it', () => {
    expect(parseFlags(['--do_train', 'data.csv'], specs)).toEqual({
      values: { do_train: true },
      rest: ['data.csv'],
    });
  });

  it('rejects unknown flags with a suggestion', () => {
    expect(() => parseFlags(['--learning_rat', '1'], specs)).toThrow(
      /Unknown flag --learning_rat\. Did you mean --learning_rate\?/,
    );
    try {
      parseFlags(['--zzzzzzzzz'], specs);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(FlagError);
      expect((e as FlagError).message).not.toMatch(/Did you mean/);
      expect((e as FlagError).flag).toBe('zzzzzzzzz');
    }
  });

  it('rejects bad values naming flag, value and expected type', () => {
    expect(() => parseFlags(['--learning_rate', 'fast'], specs)).toThrow(
      "--learning_rate: 'fast' is not a number",
    );
    expect(() => parseFlags(['--learning_rate='], specs)).toThrow(/is not a number/);
    expect(() => parseFlags(['--fp16=maybe'], specs)).toThrow(/'maybe' is not a boolean/);
    expect(() => parseFlags(['--lr_scheduler_kwargs', '{bad'], specs)).toThrow(/not valid JSON/);
    expect(() => parseFlags(['--output_dir'], specs)).toThrow(/--output_dir expects a value/);
    expect(() => parseFlags(['--label_names', '--fp16'], specs)).toThrow(/one or more values/);
  });
});

describe('closestName / formatHelp', () => {
  it('suggests near names only', () => {
    expect(closestName('per_device_train_batchsize', ['per_device_train_batch_size', 'seed'])).toBe(
      'per_device_train_batch_size',
    );
    expect(closestName('epochs', ['num_train_epochs', 'seed'])).toBe('num_train_epochs');
    expect(closestName('qqq', ['seed'])).toBeUndefined();
  });
  it('lists every flag with type, help and default, grouped', () => {
    const h = formatHelp(specs, 'usage: studio train [flags]');
    expect(h.startsWith('usage: studio train [flags]')).toBe(true);
    expect(h).toMatch(
      /--learning_rate <number>\s+The initial learning rate\. \(default: 0\.00005\)/,
    );
    expect(h).toMatch(/--do_train \[bool\]\s+Train\./);
    expect(h).toMatch(/advanced:\n\s+--lr_scheduler_kwargs <json>/);
  });
});
