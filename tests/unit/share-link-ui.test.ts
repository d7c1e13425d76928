import { describe, expect, it } from 'vitest';
import { ADVANCED_ARGS_KEY } from '../../src/ui/advancedArgs';
import { DEFAULT_ARGS, DEFAULT_SETTINGS, type StudioSettings } from '../../src/ui/defaults';
import { loadSettings, saveSettings, SETTINGS_KEY } from '../../src/ui/persist';
import {
  applyShareLink,
  LINK_NOTICE_KEY,
  runConfigOfSettings,
  shareLinkOf,
  takeLinkNotice,
} from '../../src/ui/studio/shareLink';
import { MemoryStorage } from './helpers/memoryStorage';
import { SCRATCH_MODEL_FIELDS } from '../../src/core/config/modelArguments';
import { resolveRun } from '../../src/core/config/resolveRun';
import { shareLinkOf as shareLinkOfRun } from '../../src/core/config/runFiles';
import { configFromHash } from '../../src/core/config/shareLink';
import { runConfigOfPage, settingsOfRunConfig } from '../../src/ui/settingsConfig';

const settings: StudioSettings = {
  ...DEFAULT_SETTINGS,
  columns: { text: 'sms', label: 'category' },
  validationFraction: 0.25,
  model: { ...DEFAULT_SETTINGS.model, hidden_size: 32, max_length: 40 },
  args: { ...DEFAULT_ARGS, learning_rate: 7e-4, lr_scheduler_type: 'cosine' },
  tokenizer: { kind: 'hub', id: 'google-bert/bert-base-multilingual-cased' },
};
const overrides = { nan_policy: 'skip', gradient_accumulation_steps: 2 };

describe('share link in the page', () => {
  it("opens in a fresh browser with the sender's settings and advanced arguments", () => {
    const link = shareLinkOf(
      runConfigOfSettings(settings, overrides),
      'http://x/?backend=wasm#old',
    );
    expect(link.startsWith('http://x/?backend=wasm#config=')).toBe(true);
    const local = new MemoryStorage();
    const session = new MemoryStorage();
    expect(applyShareLink(link.slice(link.indexOf('#')), local, session)).toBe('');
    expect(loadSettings(local)).toEqual(settings);
    expect(JSON.parse(local.getItem(ADVANCED_ARGS_KEY) ?? '{}')).toEqual(overrides);
    const notice = takeLinkNotice(session);
    expect(notice[0]).toMatch(/Settings restored from the link \(\d+ values\)/);
    expect(notice.at(-1)).toMatch(/not the data file/);
    expect(session.getItem(LINK_NOTICE_KEY)).toBeNull(); // said once
  });

  it('leaves the page alone without a link, and says when a link cannot be read', () => {
    const local = new MemoryStorage();
    saveSettings(local, settings);
    const session = new MemoryStorage();
    expect(applyShareLink('#step-3', local, session)).toBeNull();
    expect(applyShareLink('#config=%%%', local, session)).toBe('');
    expect(takeLinkNotice(session).join()).toMatch(/cannot be read/);
    expect(loadSettings(local)).toEqual(settings);
    expect(local.getItem(SETTINGS_KEY)).not.toBeNull();
  });

  it('keeps the delimiter and header chosen through the stored config (a tab as "tab")', () => {
    for (const read of [
      { delimiter: '\t', hasHeader: false },
      { hasHeader: true },
      { delimiter: ';' },
    ]) {
      const local = new MemoryStorage();
      saveSettings(local, { ...settings, read });
      expect(loadSettings(local).read).toEqual(read);
    }
    const config = runConfigOfSettings(
      { ...settings, read: { delimiter: '\t', hasHeader: false } },
      {},
    );
    expect(config.data).toMatchObject({ delimiter: 'tab', header: false });
    // A stored delimiter the page does not offer is dropped, not used.
    const local = new MemoryStorage();
    saveSettings(local, { ...settings, read: { delimiter: 'x' } });
    expect(loadSettings(local).read).toBeUndefined();
    saveSettings(local, settings);
    expect(loadSettings(local).read).toBeUndefined();
  });

  it('keeps trained and bundled tokenizer choices through the stored config', () => {
    for (const tokenizer of [
      { trainVocabSize: 4000, model: 'bpe' as const },
      { kind: 'bundled' as const, name: 'bert-base-cased' as const },
    ]) {
      const local = new MemoryStorage();
      saveSettings(local, { ...settings, tokenizer });
      expect(loadSettings(local).tokenizer).toEqual(tokenizer);
    }
  });

  it('writes the link with the one serializer, every model setting from the field table', () => {
    const config = runConfigOfSettings(settings, overrides);
    const link = shareLinkOf(config, 'http://x/');
    expect(link.slice('http://x/'.length)).toBe(shareLinkOfRun(resolveRun(config)));
    // Every from-scratch setting the page's model settings hold is in the config, listed by the
    // field table alone: a setting the page's model settings gain (classifier_dropout) goes
    // into the config and the link, and comes back, with no edit of the page's code.
    const held = Object.keys(SCRATCH_MODEL_FIELDS).filter((k) => k in settings.model);
    expect(held.length).toBeGreaterThanOrEqual(6);
    expect(
      Object.keys(config.model)
        .filter((k) => k in SCRATCH_MODEL_FIELDS)
        .sort(),
    ).toEqual(held.sort());
    const withDropout = { ...settings, model: { ...settings.model, classifier_dropout: 0.3 } };
    const carried = configFromHash(shareLinkOf(runConfigOfSettings(withDropout, {}), ''));
    expect(carried?.config.model).toMatchObject({ classifier_dropout: 0.3, hidden_size: 32 });
    const back = settingsOfRunConfig(carried!.config, settings, (x) => x as StudioSettings);
    expect(back.settings.model).toMatchObject({ classifier_dropout: 0.3, hidden_size: 32 });
    // A fine-tuned checkpoint is named instead of the from-scratch settings.
    const tuned = runConfigOfPage(settings, {}, 'bert-tiny');
    expect(tuned.model).toEqual({
      model_name_or_path: 'bert-tiny',
      tokenizer_name_or_path: 'google-bert/bert-base-multilingual-cased',
    });
    expect(resolveRun(tuned).model).toEqual({
      architecture: 'bert',
      source: 'pretrained',
      model_name_or_path: 'bert-tiny',
    });
  });
});
