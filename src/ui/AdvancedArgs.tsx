import { useCallback, useEffect, useState } from 'react';
import {
  StudioError,
  type Api,
  type ArgInfo,
  type ColumnChoice,
  type RequestName,
} from '../worker/client';
import {
  ADVANCED_ARGS_KEY,
  parseFieldValue,
  parseOverrides,
  runArgsFromFile,
  splitImportedArgs,
} from './advancedArgs';
import { DEFAULT_ARGS, type ModelSizes, type UiArgs } from './defaults';
import { FileButton } from './FileButton';
import { browserStorage } from './persist';

/** What to do about an arguments file the page cannot read. */
const ARGS_FILE_REMEDY =
  'Choose the training_args.json (or studio_args.json) a run wrote, or one JSON object of TrainingArguments.';

type Call = <K extends RequestName>(name: K, params: Api[K][0]) => Promise<Api[K][1]>;

const BASIC_KEYS = Object.keys(DEFAULT_ARGS) as (keyof UiArgs)[];

/**
 * The metrics metric_for_best_model offers (the eval_ prefix is optional, as in the Trainer):
 * token classification's seqeval names, then text classification's.
 */
const BEST_METRICS = [
  'loss',
  'f1',
  'precision',
  'recall',
  'accuracy',
  'f1_macro',
  'f1_weighted',
  'precision_macro',
  'recall_macro',
];

/** The advanced overrides, persisted in localStorage. */
export function useArgOverrides() {
  const [overrides, setOverrides] = useState<Record<string, unknown>>(() =>
    parseOverrides(browserStorage()?.getItem(ADVANCED_ARGS_KEY) ?? null),
  );
  useEffect(() => {
    try {
      browserStorage()?.setItem(ADVANCED_ARGS_KEY, JSON.stringify(overrides));
    } catch {
      /* settings are a convenience */
    }
  }, [overrides]);
  return [overrides, setOverrides] as const;
}

interface Props {
  call: Call;
  disabled: boolean;
  basicArgs: UiArgs;
  onBasic: <K extends keyof UiArgs>(key: K, v: UiArgs[K]) => void;
  overrides: Record<string, unknown>;
  onOverrides: (o: Record<string, unknown>) => void;
  /** The run's columns and model sizes: an arguments file may set them, studio_args.json records them. */
  columns: ColumnChoice | null;
  sizes: ModelSizes;
  onColumns: (c: ColumnChoice) => void;
  onModelSize: <K extends keyof ModelSizes>(key: K, v: ModelSizes[K]) => void;
  /** A message, or the error itself (the banner then shows its remedy too). */
  onError: (error: unknown) => void;
}

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const show = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);

/** Every other TrainingArguments field, plus training_args.json import and export. */
export function AdvancedArgs({
  call,
  disabled,
  basicArgs,
  onBasic,
  overrides,
  onOverrides,
  columns,
  sizes,
  onColumns,
  onModelSize,
  onError,
}: Props) {
  const [catalog, setCatalog] = useState<ArgInfo[] | null>(null);
  const [notices, setNotices] = useState<string[]>([]);

  const loadCatalog = useCallback(() => {
    if (catalog) return;
    call('argsCatalog', {}).then(setCatalog, onError);
  }, [call, catalog, onError]);

  const setValue = (name: string, value: unknown, dflt: unknown) => {
    const next = { ...overrides };
    if (JSON.stringify(value) === JSON.stringify(dflt)) delete next[name];
    else next[name] = value;
    onOverrides(next);
  };

  /**
   * One or more arguments files: a training_args.json, its studio_args.json, or one object with
   * data, model and TrainingArguments keys together. Later files win on a shared key.
   */
  const onImport = async (files: File[]) => {
    try {
      const merged: Record<string, unknown> = {};
      // studio_args.json first, so a training_args.json chosen with it wins on shared keys.
      const ordered = [...files].sort(
        (a, b) => Number(b.name === 'studio_args.json') - Number(a.name === 'studio_args.json'),
      );
      for (const file of ordered) {
        let json: unknown;
        try {
          json = JSON.parse(await file.text());
        } catch {
          throw new StudioError('arguments', `${file.name} is not valid JSON.`, {
            remedy: ARGS_FILE_REMEDY,
          });
        }
        if (!json || typeof json !== 'object' || Array.isArray(json)) {
          throw new StudioError(
            'arguments',
            `${file.name} must hold one JSON object of arguments.`,
            { remedy: ARGS_FILE_REMEDY },
          );
        }
        Object.assign(merged, json);
      }
      const checked = await call('checkArgs', { args: merged });
      const cat = catalog ?? (await call('argsCatalog', {}));
      setCatalog(cat);
      const defaults = Object.fromEntries(cat.map((a) => [a.name, a.default]));
      const { basic, overrides: extra } = splitImportedArgs(checked.args, BASIC_KEYS, defaults);
      for (const [k, v] of Object.entries(basic)) onBasic(k as keyof UiArgs, v as never);
      onOverrides(extra);
      const run = runArgsFromFile(checked.data, checked.model, columns);
      if (run.columns && run.columns !== columns) onColumns(run.columns);
      for (const [k, v] of Object.entries(run.sizes)) {
        onModelSize(k as keyof ModelSizes, v);
      }
      setNotices([
        `Imported ${files.map((f) => f.name).join(' and ')}.`,
        ...checked.notices,
        ...run.notices,
      ]);
    } catch (e) {
      onError(e);
    }
  };

  /**
   * training_args.json (transformers' fields: `TrainingArguments(**json)` loads it) or
   * studio_args.json (the studio's extras, max_length, the columns and model sizes).
   */
  const onExport = async (which: 'training' | 'studio') => {
    try {
      const checked = await call('checkArgs', { args: { ...overrides, ...basicArgs } });
      const file =
        which === 'training'
          ? checked.trainingArgs
          : {
              ...checked.studioArgs,
              ...sizes,
              ...(columns?.text ? { text_column: columns.text } : {}),
              ...(columns?.label ? { label_column: columns.label } : {}),
              ...(columns?.textPair ? { text_pair_column: columns.textPair } : {}),
            };
      const name = which === 'training' ? 'training_args.json' : 'studio_args.json';
      download(name, `${JSON.stringify(file, null, 2)}\n`);
      setNotices(checked.notices);
    } catch (e) {
      onError(e);
    }
  };

  const advanced = (catalog ?? []).filter((a) => !(BASIC_KEYS as string[]).includes(a.name));
  return (
    <div className="advanced-args">
      <div className="actions">
        <FileButton
          label="Import training_args.json"
          inputLabel="Choose a training_args.json"
          accept=".json,application/json"
          multiple
          disabled={disabled}
          onFiles={(files) => void onImport(files)}
        />
        <button type="button" className="secondary" onClick={() => void onExport('training')}>
          Export training_args.json
        </button>
        <button type="button" className="secondary" onClick={() => void onExport('studio')}>
          Export studio_args.json
        </button>
      </div>
      {notices.length > 0 && (
        <ul className="hint" aria-live="polite">
          {notices.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      <details onToggle={(e) => (e.currentTarget.open ? loadCatalog() : undefined)}>
        <summary>
          Advanced: every other TrainingArguments field
          {Object.keys(overrides).length > 0 ? ` (${Object.keys(overrides).length} changed)` : ''}
        </summary>
        {catalog === null ? (
          <p className="hint">Loading the argument list…</p>
        ) : (
          <div className="field-grid">
            {advanced.map((a) => {
              const value = a.name in overrides ? overrides[a.name] : a.default;
              const id = `adv-${a.name}`;
              const changed = a.name in overrides;
              return (
                <div className={`field${changed ? ' changed' : ''}`} key={a.name}>
                  <label htmlFor={id}>{a.name}</label>
                  {a.kind === 'choice' ? (
                    <select
                      id={id}
                      aria-label={a.name}
                      disabled={disabled}
                      value={String(value)}
                      onChange={(e) => setValue(a.name, e.target.value, a.default)}
                    >
                      {(a.choices ?? []).map((c) => (
                        <option key={c}>{c}</option>
                      ))}
                    </select>
                  ) : a.kind === 'boolean' ? (
                    <input
                      id={id}
                      type="checkbox"
                      aria-label={a.name}
                      disabled={disabled}
                      checked={value === true}
                      onChange={(e) => setValue(a.name, e.target.checked, a.default)}
                    />
                  ) : (
                    <input
                      id={id}
                      key={`${a.name}:${show(value)}`}
                      aria-label={a.name}
                      disabled={disabled}
                      defaultValue={show(value)}
                      placeholder={a.nullable ? 'None' : undefined}
                      list={a.name === 'metric_for_best_model' ? `${id}-list` : undefined}
                      onBlur={(e) => {
                        const r = parseFieldValue(a.kind, e.target.value, a.nullable);
                        if (r.ok) setValue(a.name, r.value, a.default);
                        else onError(`${a.name} must be ${r.error}.`);
                      }}
                    />
                  )}
                  {a.name === 'metric_for_best_model' && (
                    <datalist id={`${id}-list`}>
                      {BEST_METRICS.map((m) => (
                        <option key={m} value={m} />
                      ))}
                    </datalist>
                  )}
                  <p className="hint">{a.help}</p>
                </div>
              );
            })}
          </div>
        )}
        {Object.keys(overrides).length > 0 && (
          <button type="button" className="secondary" onClick={() => onOverrides({})}>
            Reset advanced arguments to HF defaults
          </button>
        )}
      </details>
    </div>
  );
}
