/**
 * The run config's task settings (`task`, `label_names`, `label_all_tokens`): their defaults,
 * validation, command-line flags, the resolved run and what a share link and a run record keep.
 */
import { describe, expect, it } from 'vitest';
import { defaultDataArguments } from '../../src/core/config/dataArguments';
import { prepareOptionsOf, resolveRun } from '../../src/core/config/resolveRun';
import {
  parseRunConfig,
  RUN_CONFIG_VERSION,
  type RunConfig,
} from '../../src/core/config/runConfig';
import { runConfigOf, shareLinkOf } from '../../src/core/config/runFiles';
import { configFromHash } from '../../src/core/config/shareLink';
import { parseFlags } from '../../src/core/train/flags';
import { dataFlags, runConfigOfFlags } from '../../src/cli/flagSpecs';

const config = (data: RunConfig['data'] = {}): RunConfig => ({
  version: RUN_CONFIG_VERSION,
  data,
  model: {},
  training: {},
});
const REF = { train: { name: 'wnut.conll', bytes: 10 }, guess: { text: 'a', label: 'b' } };

describe('the run config: task, label_names, label_all_tokens', () => {
  it('defaults to auto detection, the file’s tag names and first-sub-token labels', () => {
    const d = defaultDataArguments();
    expect(d.task).toBe('auto');
    expect(d.label_names).toBeNull();
    expect(d.label_all_tokens).toBe(false);
    const r = resolveRun(config(), REF);
    expect(r.data).toMatchObject({ task: 'auto', label_names: null, label_all_tokens: false });
    expect(prepareOptionsOf(r).tagging).toEqual({
      task: 'auto',
      labelNames: null,
      labelAllTokens: false,
    });
  });

  it('a share link and a run record keep them, and they change the data fingerprint', () => {
    const data = {
      task: 'token-classification' as const,
      label_names: ['O', 'B-PER', 'I-PER'],
      label_all_tokens: true,
    };
    const r = resolveRun(config(data), REF);
    expect(runConfigOf(r).data).toMatchObject(data);
    const back = configFromHash(shareLinkOf(r));
    expect(back?.config.data).toMatchObject(data);
    expect(resolveRun(back!.config, REF).fingerprint).toBe(r.fingerprint);
    expect(r.fingerprint).not.toBe(resolveRun(config(), REF).fingerprint);
    // A text run's fingerprint is what it was before these fields existed: defaults add nothing.
    expect(runConfigOf(resolveRun(config(), REF)).data).not.toHaveProperty('task');
  });

  it('refuses a task it does not know, naming the choices', () => {
    expect(() => resolveRun(config({ task: 'ner' as never }), REF)).toThrow(/data\.task/);
    const { notices, config: c } = parseRunConfig(config({ task: 'ner' as never }));
    expect(c.data).not.toHaveProperty('task');
    expect(notices.join(' ')).toMatch(/task "ner"/);
  });

  it('reads --task, --label_names (one value per tag) and --label_all_tokens', () => {
    const { values } = parseFlags(
      ['--task', 'token-classification', '--label_names', 'O', 'B-X', 'I-X', '--label_all_tokens'],
      dataFlags,
    );
    const c = runConfigOfFlags(values, {});
    expect(c.data).toEqual({
      task: 'token-classification',
      label_names: ['O', 'B-X', 'I-X'],
      label_all_tokens: true,
    });
    expect(() => runConfigOfFlags({ task: 'tagging' }, {})).toThrow(
      /--task must be "auto" or "text-classification" or "token-classification"/,
    );
  });
});
