/** The studio's settings (columns, split, model sizes, arguments, tokenizer), saved on change. */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ColumnChoice } from '../../worker/client';
import type { ModelSizes, StudioSettings, UiArgs } from '../defaults';
import { browserStorage, loadSettings, saveSettings } from '../persist';

/**
 * The settings, loaded from the browser's storage and saved back on every change. `settingsRef`
 * holds the latest committed settings for callbacks and async steps that must not read a stale
 * render's copy (the boot sequence, a tokenizer trained on the current columns).
 */
export function useSettings() {
  const [settings, setSettings] = useState<StudioSettings>(() => loadSettings(browserStorage()));
  const settingsRef = useRef(settings);

  useEffect(() => {
    settingsRef.current = settings;
    saveSettings(browserStorage(), settings);
  }, [settings]);

  const setColumns = useCallback((c: ColumnChoice) => {
    setSettings((s) => ({ ...s, columns: c }));
  }, []);
  const setValidationFraction = useCallback((v: number) => {
    setSettings((s) => ({ ...s, validationFraction: v }));
  }, []);
  const setModelSize = useCallback(<K extends keyof ModelSizes>(key: K, v: ModelSizes[K]) => {
    setSettings((s) => ({ ...s, model: { ...s.model, [key]: v } }));
  }, []);
  const setArg = useCallback(<K extends keyof UiArgs>(key: K, v: UiArgs[K]) => {
    setSettings((s) => ({ ...s, args: { ...s.args, [key]: v } }));
  }, []);

  /** Workers a run trains on (undefined: one per core). */
  const setWorkers = useCallback((n: number | undefined) => {
    setSettings(({ workers: _old, ...s }) => (n === undefined ? s : { ...s, workers: n }));
  }, []);

  const { hidden_size, num_attention_heads } = settings.model;
  /** Why the model sizes cannot build a model, else null. */
  const modelProblem =
    hidden_size % num_attention_heads === 0
      ? null
      : `hidden_size (${hidden_size}) must be divisible by num_attention_heads (${num_attention_heads}).`;

  return {
    settings,
    settingsRef,
    setSettings,
    setColumns,
    setValidationFraction,
    setModelSize,
    setArg,
    setWorkers,
    modelProblem,
  };
}
