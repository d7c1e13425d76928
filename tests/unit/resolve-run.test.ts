/**
 * resolveRun: a run config parsed with the field tables into one resolved run (defaults from the
 * tables, the model as its architecture's branch, a fingerprint of the data it needs), and the
 * one serializer's run config and files of it.
 */
import { describe, expect, it } from 'vitest';
import { defaultDataArguments } from '../../src/core/config/dataArguments';
import { SCRATCH_MODEL_FIELDS, defaultModelArguments } from '../../src/core/config/modelArguments';
import {
  columnChoiceOf,
  modelSpecOf,
  resolveRun,
  type DataRef,
} from '../../src/core/config/resolveRun';
import {
  RUN_CONFIG_VERSION,
  RunConfigError,
  type RunConfig,
} from '../../src/core/config/runConfig';
import {
  recordedRunOf,
  recordedRunOfStored,
  runConfigOf,
  shareLinkOf,
  studioArgsOf,
} from '../../src/core/config/runFiles';
import { configFromHash } from '../../src/core/config/shareLink';

const config = (parts: Partial<Omit<RunConfig, 'version'>> = {}): RunConfig => ({
  version: RUN_CONFIG_VERSION,
  data: {},
  model: {},
  training: {},
  ...parts,
});
const REF: DataRef = {
  train: { name: 'news.csv', bytes: 1000 },
  guess: { text: 'text', label: 'label' },
};

describe('resolveRun', () => {
  it('fills every field from the tables and resolves a from-scratch BERT', () => {
    const run = resolveRun(config(), REF);
    const data = defaultDataArguments();
    const model = defaultModelArguments();
    expect(run.data).toEqual({
      train_file: 'news.csv',
      validation_file: null,
      validation_split: data.validation_split,
      columns: { text: 'text', label: 'label', text_pair: null },
      header: null,
      delimiter: null,
      max_length: data.max_length,
      tokenizer: { source: 'bundled' },
      task: data.task,
      label_names: data.label_names,
      label_all_tokens: data.label_all_tokens,
    });
    expect(run.model).toMatchObject({ architecture: 'bert', source: 'scratch' });
    for (const k of Object.keys(SCRATCH_MODEL_FIELDS)) {
      expect(run.model).toHaveProperty(k, model[k as keyof typeof model]);
    }
    expect(run.training.learning_rate).toBe(5e-5);
    expect(modelSpecOf(run.model, 32)).toMatchObject({
      kind: 'scratch',
      max_length: 32,
      hidden_size: 64,
    });
    expect(columnChoiceOf(run.data.columns)).toEqual({ text: 'text', label: 'label' });
  });

  it('resolves a named checkpoint as the pretrained branch, with its own tokenizer', () => {
    const run = resolveRun(config({ model: { model_name_or_path: 'prajjwal1/bert-tiny' } }), REF);
    expect(run.model).toEqual({
      architecture: 'bert',
      source: 'pretrained',
      model_name_or_path: 'prajjwal1/bert-tiny',
    });
    expect(run.data.tokenizer).toEqual({
      source: 'checkpoint',
      model_name_or_path: 'prajjwal1/bert-tiny',
    });
    // Another checkpoint brings another tokenizer: the data is prepared again.
    const other = resolveRun(config({ model: { model_name_or_path: 'bert-base-cased' } }), REF);
    expect(other.fingerprint).not.toBe(run.fingerprint);
    expect(modelSpecOf(run.model, 24)).toEqual({ kind: 'pretrained', max_length: 24 });
    const trained = resolveRun(config({ model: { train_tokenizer_vocab_size: 500 } }), REF);
    expect(trained.data.tokenizer).toEqual({
      source: 'trained',
      model: 'wordpiece',
      vocab_size: 500,
    });
  });

  it('names the field of a value its table does not take, or a key no table has', () => {
    expect(() => resolveRun(config({ data: { max_length: 4 } }))).toThrow(RunConfigError);
    expect(() => resolveRun(config({ data: { max_length: 4 } }))).toThrow(/data\.max_length/);
    expect(() =>
      resolveRun(config({ model: { hidden_sise: 8 } as Record<string, unknown> })),
    ).toThrow(/model\.hidden_sise is not a model argument/);
    expect(() => resolveRun(config({ data: { delimiter: 'ab' } }))).toThrow(/data\.delimiter/);
    expect(resolveRun(config({ data: { delimiter: 'tab' } })).data.delimiter).toBe('\t');
  });

  it('fingerprints what the prepared data depends on, and nothing else', () => {
    const base = resolveRun(config(), REF).fingerprint;
    expect(resolveRun(config(), REF).fingerprint).toBe(base);
    // Training that does not touch the data keeps it.
    expect(resolveRun(config({ training: { learning_rate: 0.01 } }), REF).fingerprint).toBe(base);
    expect(resolveRun(config({ model: { hidden_size: 32 } }), REF).fingerprint).toBe(base);
    const changed = [
      resolveRun(config({ training: { seed: 7 } }), REF),
      resolveRun(config({ data: { max_length: 32 } }), REF),
      resolveRun(config({ data: { validation_split: 0.2 } }), REF),
      resolveRun(config({ data: { text_column: 'title' } }), REF),
      resolveRun(config({ data: { delimiter: ';' } }), REF),
      resolveRun(config({ data: { header: false } }), REF),
      resolveRun(config({ model: { tokenizer_name_or_path: 'bert-base-cased' } }), REF),
      resolveRun(config(), { ...REF, train: { name: 'news.csv', bytes: 1001 } }),
      resolveRun(config(), { ...REF, validation: { name: 'val.csv', bytes: 10 } }),
    ].map((r) => r.fingerprint);
    expect(changed).not.toContain(base);
    expect(new Set(changed).size).toBe(changed.length);
  });

  it('serializes to a run config that resolves to the same run, and to a share link', () => {
    const given = config({
      data: { text_column: 'text', label_column: 'label', max_length: 32, validation_split: 0.2 },
      model: { hidden_size: 32, hidden_dropout_prob: 0 },
      training: { learning_rate: 0.001, max_steps: 10 },
    });
    const run = resolveRun(given, REF);
    const again = resolveRun(runConfigOf(run), REF);
    expect(again.data).toEqual(run.data);
    expect(again.model).toEqual(run.model);
    expect(again.fingerprint).toBe(run.fingerprint);
    expect(runConfigOf(run).training).toEqual({ learning_rate: 0.001, max_steps: 10 });
    const fromLink = configFromHash(shareLinkOf(run));
    expect(fromLink?.notices).toEqual([]);
    expect(resolveRun(fromLink!.config, REF).model).toEqual(run.model);
  });

  it('writes the same studio_args.json for a resolved run and the session spec of it', () => {
    const run = resolveRun(config({ model: { hidden_size: 32 } }), REF);
    const spec = modelSpecOf(run.model, run.data.max_length);
    const fromSpec = recordedRunOf({
      spec,
      args: run.training,
      columns: columnChoiceOf(run.data.columns),
      maxLength: run.data.max_length,
    });
    expect(studioArgsOf(fromSpec)).toEqual(studioArgsOf(run));
    expect(studioArgsOf(run)).toMatchObject({ model_type: 'transformer', hidden_size: 32 });
    // A spec without the settings it leaves to the table is recorded with the table's values.
    const { hidden_dropout_prob: _h, ...partial } = spec as Record<string, unknown>;
    const fromPartial = recordedRunOf({
      spec: partial as typeof spec,
      args: run.training,
      columns: columnChoiceOf(run.data.columns),
      maxLength: run.data.max_length,
    });
    expect(studioArgsOf(fromPartial)).toEqual(studioArgsOf(run));
    // A stored run record (its spec and preparation as JSON) is recorded the same way.
    const stored = recordedRunOfStored(
      { model: { ...spec }, prepare: { columns: { text: 'text', label: 'label' }, maxLength: 64 } },
      run.training,
    );
    expect(studioArgsOf(stored)).toEqual(studioArgsOf(run));
  });
});
