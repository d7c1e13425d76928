import { describe, expect, it } from 'vitest';
import { countTicks } from '../../src/ui/BarsSvg';
import { DEFAULT_ARGS, DEFAULT_MODEL, DEFAULT_SETTINGS } from '../../src/ui/defaults';
import {
  formatBytes,
  formatDateTime,
  estimateMaxSteps,
  formatDatasetSummary,
  formatEta,
  formatInt,
  formatProbabilities,
  formatTruncation,
  formatProgressText,
} from '../../src/ui/format';
import {
  LEGACY_SETTINGS_KEY,
  SETTINGS_KEY,
  loadSettings,
  parseSettings,
  saveSettings,
} from '../../src/ui/persist';
import { appendLogs, downsampleMinMax, emptySeries, type Point } from '../../src/ui/series';
import { backendFromUrl } from '../../src/ui/useStudio';
import { MemoryStorage } from './helpers/memoryStorage';

describe('formatEta', () => {
  it('formats seconds, minutes and hours', () => {
    expect(formatEta(0)).toBe('0s');
    expect(formatEta(45.4)).toBe('45s');
    expect(formatEta(200)).toBe('3m 20s');
    expect(formatEta(3599)).toBe('59m 59s');
    expect(formatEta(3725)).toBe('1h 02m');
  });
  it('shows a dash when unknown', () => {
    expect(formatEta(null)).toBe('—');
    expect(formatEta(NaN)).toBe('—');
    expect(formatEta(Infinity)).toBe('—');
    expect(formatEta(-3)).toBe('—');
  });
});

describe('countTicks', () => {
  it('gives round steps from 0 that reach the largest count', () => {
    expect(countTicks(4825)).toEqual([0, 2000, 4000, 6000]);
    expect(countTicks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(countTicks(100)).toEqual([0, 50, 100]);
    expect(countTicks(0)).toEqual([0]);
    for (const max of [1, 3, 17, 999, 123_456]) {
      const t = countTicks(max);
      expect(t[0]).toBe(0);
      expect(t.at(-1)).toBeGreaterThanOrEqual(max);
      expect(t.length).toBeLessThanOrEqual(8);
    }
  });
});

describe('formatDateTime', () => {
  it('writes local date and time without Intl', () => {
    const ms = new Date(2026, 10, 28, 9, 5).getTime();
    expect(formatDateTime(ms)).toBe('2026-11-28 09:05');
    expect(formatDateTime(ms, true)).toBe('09:05');
  });
});

describe('formatBytes', () => {
  it("counts in binary units, as the reader's budget message does", () => {
    expect(formatBytes(0)).toBe('0 KB');
    expect(formatBytes(840 * 1024)).toBe('840 KB');
    expect(formatBytes(1.5 * 1024 * 1024)).toBe('1.5 MB');
    expect(formatBytes(128 * 1024 * 1024)).toBe('128 MB');
    expect(formatBytes(1024 ** 3)).toBe('1.00 GB');
  });
});

describe('text lines', () => {
  it('formats progress as the DOM contract shows it', () => {
    expect(
      formatProgressText({
        step: 40,
        maxSteps: 939,
        epoch: 0.1277,
        samplesPerSecond: 52.14,
        etaSeconds: 200,
        phase: 'training',
      }),
    ).toBe('step 40 / 939 · epoch 0.13 · 52.1 samples/s · ETA 3m 20s');
    expect(
      formatProgressText({
        step: 1200,
        maxSteps: 12000,
        epoch: 1,
        samplesPerSecond: NaN,
        etaSeconds: null,
        phase: 'preparing',
      }),
    ).toBe('step 1,200 / 12,000 · epoch 1.00 · — samples/s · ETA —');
  });

  it('formats an ended run without an ETA', () => {
    const p = {
      step: 697,
      maxSteps: 1014,
      epoch: 1.3746,
      samplesPerSecond: 40,
      etaSeconds: 0,
      phase: 'done' as const,
    };
    expect(formatProgressText({ ...p, outcome: 'stopped' })).toBe(
      'Stopped at step 697 / 1,014 · epoch 1.37',
    );
    expect(formatProgressText({ ...p, step: 1014, epoch: 2, outcome: 'finished' })).toBe(
      'Finished: step 1,014 / 1,014 · epoch 2.00',
    );
    expect(formatProgressText({ ...p, outcome: 'stopped', runOf: '2026-12-01 10:35' })).toBe(
      'Run of 2026-12-01 10:35: stopped at step 697 / 1,014 · epoch 1.37',
    );
  });

  it('summarises a dataset', () => {
    const summary = {
      trainRows: 5016,
      validationRows: 556,
      labels: ['ham', 'spam'],
      classCounts: [4825, 747],
      skippedRows: [],
      skippedMessage: null,
      truncatedRows: 0,
      overlap: 0,
      meanTokens: 24,
      task: { problemType: 'single_label_classification' as const, reason: 'two classes' },
    };
    expect(formatDatasetSummary(summary)).toBe(
      '5,016 train / 556 validation · 2 labels: ham, spam',
    );
    const many = { ...summary, labels: Array.from({ length: 12 }, (_, i) => `c${i}`) };
    expect(formatDatasetSummary(many)).toBe(
      '5,016 train / 556 validation · 12 labels: c0, c1, c2, c3, c4, c5, c6, c7, …',
    );
    expect(formatInt(1234567.4)).toBe('1,234,567');
  });

  it('lists probabilities most probable first', () => {
    const p = { label: 'spam', labels: ['ham', 'spam'], probs: [0.031, 0.969], truncation: null };
    expect(formatProbabilities(p)).toBe('spam 0.97 · ham 0.03');
    expect(formatTruncation(p)).toBeNull();
  });

  it('says when a text was cut to the tokens the model reads', () => {
    const p = {
      label: 'ham',
      labels: ['ham', 'spam'],
      probs: [0.9, 0.1],
      truncation: { tokens: 1412, kept: 64 },
    };
    expect(formatTruncation(p)).toBe(
      'Cut to the first 64 tokens the model was trained on (text had 1,412)',
    );
  });
});

describe('estimateMaxSteps', () => {
  it("follows HF's Trainer arithmetic", () => {
    // ceil(5016 / 16) = 314 batches per epoch, 3 epochs.
    expect(estimateMaxSteps(5016, DEFAULT_ARGS)).toBe(942);
    expect(estimateMaxSteps(5016, { ...DEFAULT_ARGS, num_train_epochs: 0.5 })).toBe(157);
    expect(estimateMaxSteps(5016, { ...DEFAULT_ARGS, max_steps: 25 })).toBe(25);
    // Accumulation floors batches per epoch and never goes below one update.
    expect(estimateMaxSteps(100, { ...DEFAULT_ARGS, per_device_train_batch_size: 8 }, 4)).toBe(9);
    expect(estimateMaxSteps(3, { ...DEFAULT_ARGS, num_train_epochs: 2 }, 8)).toBe(2);
  });
});

describe('chart series', () => {
  it('routes train and eval logs to their series and ignores the summary', () => {
    const s0 = emptySeries();
    const s1 = appendLogs(s0, [
      { loss: 0.69, grad_norm: 1.5, learning_rate: 5e-4, epoch: 0.03, step: 10 },
      {
        eval_loss: 0.4,
        eval_accuracy: 0.87,
        eval_runtime: 1,
        eval_samples_per_second: 500,
        eval_steps_per_second: 9,
        epoch: 0.16,
        step: 50,
      },
      {
        train_runtime: 20,
        train_samples_per_second: 10,
        train_steps_per_second: 1,
        train_loss: 0.3,
        total_flos: 0,
        epoch: 3,
        step: 942,
      },
    ]);
    expect(s1.loss).toEqual([{ step: 10, value: 0.69 }]);
    expect(s1.learning_rate).toEqual([{ step: 10, value: 5e-4 }]);
    expect(s1.grad_norm).toEqual([{ step: 10, value: 1.5 }]);
    expect(s1.eval_loss).toEqual([{ step: 50, value: 0.4 }]);
    expect(s1.eval_accuracy).toEqual([{ step: 50, value: 0.87 }]);
    // Inputs are not mutated (React state).
    expect(s0.loss).toEqual([]);
    const s2 = appendLogs(s1, [
      { loss: 0.5, grad_norm: 1, learning_rate: 4e-4, epoch: 0.06, step: 20 },
    ]);
    expect(s2.loss.map((p) => p.step)).toEqual([10, 20]);
    expect(s1.loss).toHaveLength(1);
    expect(s2.eval_loss).toBe(s1.eval_loss);
  });

  it('returns small series unchanged', () => {
    const pts: Point[] = Array.from({ length: 1000 }, (_, i) => ({ step: i, value: i }));
    expect(downsampleMinMax(pts, 1000)).toBe(pts);
  });

  it('downsamples long series keeping ends, extremes and order', () => {
    // A noisy decaying loss with one spike and one dip, like a real run.
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const n = 25_003;
    const pts: Point[] = Array.from({ length: n }, (_, i) => ({
      step: (i + 1) * 10,
      value: Math.exp(-i / 5000) + 0.05 * rand(),
    }));
    pts[12_345].value = 9; // spike
    pts[20_001].value = -1; // dip
    const out = downsampleMinMax(pts, 1000);
    expect(out.length).toBeLessThanOrEqual(1000);
    expect(out.length).toBeGreaterThan(900);
    expect(out[0]).toBe(pts[0]);
    expect(out[out.length - 1]).toBe(pts[n - 1]);
    expect(out).toContain(pts[12_345]);
    expect(out).toContain(pts[20_001]);
    for (let i = 1; i < out.length; i++) expect(out[i].step).toBeGreaterThan(out[i - 1].step);
    // Every kept point is a real input point.
    const set = new Set(pts);
    expect(out.every((p) => set.has(p))).toBe(true);
  });
});

describe('settings persistence', () => {
  it('round-trips valid settings', () => {
    const store = new MemoryStorage();
    const settings = {
      columns: { text: 'v2', label: 'v1', textPair: 'v3' },
      validationFraction: 0.2,
      model: { ...DEFAULT_MODEL, hidden_size: 128, num_attention_heads: 8 },
      args: {
        ...DEFAULT_ARGS,
        learning_rate: 1e-3,
        eval_strategy: 'epoch' as const,
        lr_scheduler_type: 'cosine' as const,
        max_steps: 200,
      },
    };
    saveSettings(store, settings);
    // Stored as a versioned run config: the page's fields under transformers' names.
    const stored = JSON.parse(store.getItem(SETTINGS_KEY) ?? 'null');
    expect(stored.version).toBe(2);
    expect(stored.config.version).toBe(1);
    expect(stored.config.data).toMatchObject({ text_column: 'v2', validation_split: 0.2 });
    expect(stored.config.training).toMatchObject({ learning_rate: 1e-3, max_steps: 200 });
    expect(loadSettings(store)).toEqual(settings);
    // A page value equal to transformers' default (not the page's) survives.
    const hfLr = { ...settings, args: { ...settings.args, learning_rate: 5e-5 } };
    saveSettings(store, hfLr);
    expect(loadSettings(store)).toEqual(hfLr);
  });

  it('reads and rewrites the settings stored before the run config', () => {
    const store = new MemoryStorage();
    const old = {
      ...DEFAULT_SETTINGS,
      validationFraction: 0.3,
      tokenizer: { kept: true as const },
    };
    store.setItem(LEGACY_SETTINGS_KEY, JSON.stringify(old));
    expect(loadSettings(store)).toEqual(old);
    saveSettings(store, loadSettings(store));
    expect(JSON.parse(store.getItem(SETTINGS_KEY) ?? 'null').page).toEqual({ tokenizerKept: true });
    expect(loadSettings(store)).toEqual(old);
  });

  it('keeps a bundled, Hub, trained or kept tokenizer choice, and drops malformed ones', () => {
    const bpe = { ...DEFAULT_SETTINGS, tokenizer: { trainVocabSize: 8000, model: 'bpe' as const } };
    expect(parseSettings(JSON.stringify(bpe))).toEqual(bpe);
    const kept = { ...DEFAULT_SETTINGS, tokenizer: { kept: true as const } };
    expect(parseSettings(JSON.stringify(kept))).toEqual(kept);
    const hub = { ...DEFAULT_SETTINGS, tokenizer: { kind: 'hub' as const, id: 'org/name@v1' } };
    expect(parseSettings(JSON.stringify(hub))).toEqual(hub);
    const cased = {
      ...DEFAULT_SETTINGS,
      tokenizer: { kind: 'bundled' as const, name: 'bert-base-cased' as const },
    };
    expect(parseSettings(JSON.stringify(cased))).toEqual(cased);
    for (const tokenizer of [
      { kind: 'bundled', name: 'gpt2' },
      { kind: 'hub', id: '' },
      { kind: 'hub', id: 7 },
      { kind: 'files', files: {} },
      { trainVocabSize: 8000, model: 'unigram' },
      { trainVocabSize: 2.5, model: 'bpe' },
      { trainVocabSize: 10, model: 'wordpiece' },
      { kept: 'yes' },
      'bert-base-uncased',
    ]) {
      expect(parseSettings(JSON.stringify({ tokenizer })), JSON.stringify(tokenizer)).toEqual(
        DEFAULT_SETTINGS,
      );
    }
  });

  it('falls back to defaults for missing storage and garbage', () => {
    expect(loadSettings(undefined)).toEqual(DEFAULT_SETTINGS);
    expect(parseSettings(null)).toEqual(DEFAULT_SETTINGS);
    expect(parseSettings('{not json')).toEqual(DEFAULT_SETTINGS);
    expect(parseSettings('[1,2,3]')).toEqual(DEFAULT_SETTINGS);
    expect(parseSettings('"hello"')).toEqual(DEFAULT_SETTINGS);
    const throwing = {
      getItem(): string | null {
        throw new Error('SecurityError');
      },
    };
    expect(loadSettings(throwing)).toEqual(DEFAULT_SETTINGS);
  });

  it('replaces only the invalid fields', () => {
    const raw = JSON.stringify({
      columns: { text: 'sentence', label: 42 },
      validationFraction: 1.5,
      model: { hidden_size: 32, num_hidden_layers: 2.5, max_length: 'long', intermediate_size: -4 },
      args: {
        learning_rate: 0,
        num_train_epochs: 2,
        per_device_train_batch_size: 32,
        warmup_steps: -0.5, // below 0 -> rejected (floats are fine: below 1, a ratio)
        eval_strategy: 'sometimes',
        lr_scheduler_type: 'cosine_with_restarts',
        seed: -1,
        logging_steps: 0,
      },
    });
    const s = parseSettings(raw);
    expect(s.columns).toBeNull();
    expect(s.validationFraction).toBe(DEFAULT_SETTINGS.validationFraction);
    expect(s.model).toEqual({ ...DEFAULT_MODEL, hidden_size: 32 });
    expect(s.args).toEqual({
      ...DEFAULT_ARGS,
      num_train_epochs: 2,
      per_device_train_batch_size: 32,
      lr_scheduler_type: 'cosine_with_restarts',
    });
  });
});

describe('backendFromUrl', () => {
  it('reads ?backend= and defaults to auto', () => {
    expect(backendFromUrl('?backend=wasm')).toBe('wasm');
    expect(backendFromUrl('?x=1&backend=webgpu')).toBe('webgpu');
    expect(backendFromUrl('?backend=tpu')).toBe('auto');
    expect(backendFromUrl('')).toBe('auto');
  });
});
