/**
 * The studio's state and actions: owns the worker client, boots it (backend, demo data, bundled
 * tokenizer), re-prepares the dataset when its options change, runs training and streams its
 * events into progress, status and chart series. Components get plain values and callbacks.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import {
  StudioClient,
  type BackendInfo,
  type ColumnChoice,
  type DatasetSummary,
  type LogEntry,
  type Prediction,
  type Progress,
  type TableSummary,
  type TokenizerInfo,
  type TrainingArguments,
  type WorkerEvent,
} from '../worker/client';
import type { ModelSizes, StudioSettings, UiArgs } from './defaults';
import { errorMessage, estimateMaxSteps } from './format';
import { browserStorage, loadSettings, saveSettings } from './persist';
import { appendLogs, emptySeries, type Series } from './series';

export type BackendChoice = BackendInfo['name'] | 'auto';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

/** The bundled demo, relative to the page (Vite serves `public/`). */
const DEMO_URL = 'demo/spam.csv';
const DEMO_NAME = 'spam.csv';
const TOKENIZER = { kind: 'bundled', name: 'bert-base-uncased' } as const;
/** Wait after the last edit before re-tokenizing, so typing "128" prepares once. */
const PREPARE_DEBOUNCE_MS = 250;
/** Log entries are batched into chart updates at most this often. */
const LOG_FLUSH_MS = 100;

/** The model available for predictions and export. */
export interface ModelInfo {
  labels: string[];
  source: 'trained' | 'imported';
}

/** A file the worker holds; kept here (a copy) to replay into a fresh worker on backend change. */
interface LoadedFile {
  name: string;
  bytes: ArrayBuffer;
}

/** Reads `?backend=` from the page URL, 'auto' when absent or unknown. */
export function backendFromUrl(search: string): BackendChoice {
  const v = new URLSearchParams(search).get('backend');
  return (BACKEND_CHOICES as readonly string[]).includes(v ?? '') ? (v as BackendChoice) : 'auto';
}

function columnsFit(cols: ColumnChoice | null, table: TableSummary): cols is ColumnChoice {
  if (!cols) return false;
  const has = (c: string | undefined) => c === undefined || table.columns.includes(c);
  return has(cols.text) && has(cols.label) && has(cols.textPair) && cols.text !== cols.label;
}

/** The studio's state hook; see the module comment. */
export function useStudio() {
  const [preferred, setPreferred] = useState<BackendChoice>(() =>
    typeof location === 'undefined' ? 'auto' : backendFromUrl(location.search),
  );
  const [settings, setSettings] = useState<StudioSettings>(() => loadSettings(browserStorage()));
  const [backend, setBackend] = useState<BackendInfo | null>(null);
  const [table, setTable] = useState<TableSummary | null>(null);
  const [dataVersion, setDataVersion] = useState(0);
  const [tokenizer, setTokenizer] = useState<TokenizerInfo | null>(null);
  /** The prepared dataset and the options (`prepareKey`) it was prepared with. */
  const [prepared, setPrepared] = useState<{ key: string; summary: DatasetSummary } | null>(null);
  const [loadingFile, setLoadingFile] = useState(false);
  const [preparing, setPreparing] = useState(false);
  const [training, setTraining] = useState(false);
  const [stopping, setStopping] = useState(false);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [status, setStatus] = useState('Starting the training worker…');
  const [series, setSeries] = useState<Series>(emptySeries);
  const [finalMetrics, setFinalMetrics] = useState<Record<string, number> | null>(null);
  const [model, setModel] = useState<ModelInfo | null>(null);
  const [busy, setBusy] = useState<'export' | 'import' | null>(null);
  const [error, setError] = useState<string | null>(null);

  const clientRef = useRef<StudioClient | null>(null);
  const fileRef = useRef<LoadedFile | null>(null);
  const settingsRef = useRef(settings);
  const preparedKey = useRef('');
  const prepareSeq = useRef(0);
  const pendingLogs = useRef<LogEntry[]>([]);
  const flushTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    settingsRef.current = settings;
    saveSettings(browserStorage(), settings);
  }, [settings]);

  const flushLogs = useCallback(() => {
    flushTimer.current = null;
    const batch = pendingLogs.current;
    if (batch.length === 0) return;
    pendingLogs.current = [];
    setSeries((s) => appendLogs(s, batch));
  }, []);

  const onEvent = useCallback(
    (e: WorkerEvent) => {
      if (e.kind === 'progress') setProgress(e.progress);
      else if (e.kind === 'status') setStatus(e.message);
      else {
        pendingLogs.current.push(e.entry);
        flushTimer.current ??= setTimeout(flushLogs, LOG_FLUSH_MS);
      }
    },
    [flushLogs],
  );

  /** Sends a file to the worker; on success shows it and picks columns (saved ones if they fit). */
  const sendTable = useCallback(
    async (client: StudioClient, file: LoadedFile, keepSavedColumns: boolean) => {
      const copy = file.bytes.slice(0); // the transfer detaches `bytes`; keep a copy for replays
      const summary = await client.call('loadTable', { fileName: file.name, bytes: file.bytes }, [
        file.bytes,
      ]);
      fileRef.current = { name: file.name, bytes: copy };
      const saved = settingsRef.current.columns;
      const columns = keepSavedColumns && columnsFit(saved, summary) ? saved : summary.guess;
      setTable(summary);
      setDataVersion((v) => v + 1);
      setSettings((s) => ({ ...s, columns }));
      return summary;
    },
    [],
  );

  // Boot (and re-boot on backend change): a fresh worker, then backend, data and tokenizer.
  useEffect(() => {
    let cancelled = false;
    const client = StudioClient.start();
    clientRef.current = client;
    const off = client.on((e) => {
      if (!cancelled) onEvent(e);
    });
    void (async () => {
      try {
        const demo: Promise<LoadedFile> | null = fileRef.current
          ? null
          : fetch(DEMO_URL).then(async (r) => {
              if (!r.ok)
                throw new Error(`Could not load the demo data (${DEMO_URL}: ${r.status}).`);
              return { name: DEMO_NAME, bytes: await r.arrayBuffer() };
            });
        demo?.catch(() => undefined); // handled below; avoid an unhandled rejection meanwhile
        setStatus('Choosing a backend…');
        const info = await client.call('init', { preferred });
        if (cancelled) return;
        setBackend(info);
        setStatus('Loading data…');
        try {
          const file = fileRef.current ?? (await demo);
          if (cancelled || !file) return;
          await sendTable(client, file, true);
        } catch (err) {
          if (!cancelled) setError(errorMessage(err));
        }
        if (cancelled) return;
        setStatus('Loading the tokenizer…');
        const tok = await client.call('loadTokenizer', TOKENIZER);
        if (cancelled) return;
        setTokenizer(tok);
        setStatus('Ready');
      } catch (err) {
        if (!cancelled) {
          setError(errorMessage(err));
          setStatus('The worker could not start');
        }
      }
    })();
    return () => {
      cancelled = true;
      off();
      client.terminate();
      if (clientRef.current === client) clientRef.current = null;
    };
  }, [preferred, onEvent, sendTable]);

  // Re-prepare (split + tokenize) whenever the data or its options change.
  const columns = settings.columns;
  const { validationFraction } = settings;
  const maxLength = settings.model.max_length;
  const seed = settings.args.seed;
  const prepareKey = JSON.stringify([dataVersion, columns, validationFraction, maxLength, seed]);
  useEffect(() => {
    if (!table || !tokenizer || !columns || training) return;
    const key = prepareKey;
    if (key === preparedKey.current) return;
    const timer = setTimeout(() => {
      const client = clientRef.current;
      if (!client) return;
      preparedKey.current = key;
      const seq = ++prepareSeq.current;
      setPreparing(true);
      client
        .call('prepare', { columns, validationFraction, maxLength, seed })
        .then((summary) => {
          if (seq !== prepareSeq.current) return;
          setPrepared({ key, summary });
          setStatus('Ready to train');
        })
        .catch((err: unknown) => {
          if (seq !== prepareSeq.current) return;
          preparedKey.current = '';
          setPrepared(null);
          setError(errorMessage(err));
        })
        .finally(() => {
          if (seq === prepareSeq.current) setPreparing(false);
        });
    }, PREPARE_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [table, tokenizer, columns, validationFraction, maxLength, seed, prepareKey, training]);

  const dataset = prepared?.summary ?? null;
  /** The shown dataset was prepared with the current file and options. */
  const datasetCurrent = prepared !== null && prepared.key === prepareKey;
  const { hidden_size, num_attention_heads } = settings.model;
  const modelProblem =
    hidden_size % num_attention_heads === 0
      ? null
      : `hidden_size (${hidden_size}) must be divisible by num_attention_heads (${num_attention_heads}).`;

  const chooseBackend = useCallback((choice: BackendChoice) => {
    const url = new URL(location.href);
    url.searchParams.set('backend', choice);
    history.replaceState(history.state, '', url);
    // The new worker starts empty: what it held (tokenizer, prepared data, model) is re-sent.
    setBackend(null);
    setTokenizer(null);
    setPrepared(null);
    setModel(null);
    preparedKey.current = '';
    setPreferred(choice);
  }, []);

  const loadFile = useCallback(
    async (file: File) => {
      const client = clientRef.current;
      if (!client) return;
      setLoadingFile(true);
      setStatus(`Reading ${file.name}…`);
      try {
        const bytes = await file.arrayBuffer();
        const summary = await sendTable(client, { name: file.name, bytes }, false);
        setError(null); // an earlier file's error no longer applies
        setStatus(`Loaded ${summary.fileName}`);
      } catch (err) {
        setError(errorMessage(err));
        setStatus('Ready');
      } finally {
        setLoadingFile(false);
      }
    },
    [sendTable],
  );

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

  const train = useCallback(async () => {
    const client = clientRef.current;
    if (!client || !dataset) return;
    const { model: sizes, args } = settingsRef.current;
    if (flushTimer.current) clearTimeout(flushTimer.current);
    flushTimer.current = null;
    pendingLogs.current = [];
    setSeries(emptySeries());
    setFinalMetrics(null);
    setModel(null);
    setTraining(true);
    setStopping(false);
    setProgress({
      step: 0,
      maxSteps: estimateMaxSteps(dataset.trainRows, args),
      epoch: 0,
      samplesPerSecond: NaN,
      etaSeconds: null,
      phase: 'preparing',
    });
    setStatus('Training…');
    try {
      // The worker fills HF defaults for every argument the UI does not edit.
      const result = await client.call('train', {
        model: { kind: 'scratch', ...sizes },
        args: args as Partial<TrainingArguments> as TrainingArguments,
      });
      if (flushTimer.current) clearTimeout(flushTimer.current);
      flushTimer.current = null;
      pendingLogs.current = [];
      // The returned history is the truth; it also covers events that arrived late or not at all.
      setSeries(appendLogs(emptySeries(), result.logHistory));
      setFinalMetrics(result.metrics);
      setModel({ labels: dataset.labels, source: 'trained' });
      setProgress((p) => (p ? { ...p, step: result.globalStep, etaSeconds: 0, phase: 'done' } : p));
      setStatus(result.stopped ? `Stopped at step ${result.globalStep}` : 'Finished');
    } catch (err) {
      setError(errorMessage(err));
      setStatus('Training failed');
    } finally {
      setTraining(false);
      setStopping(false);
    }
  }, [dataset]);

  const stop = useCallback(async () => {
    const client = clientRef.current;
    if (!client) return;
    setStopping(true);
    setStatus('Stopping after the current step…');
    try {
      await client.call('stop', {});
    } catch (err) {
      setError(errorMessage(err));
    }
  }, []);

  const exportModel = useCallback(async () => {
    const client = clientRef.current;
    if (!client) return;
    setBusy('export');
    try {
      const { fileName, zip } = await client.call('exportModel', {});
      const url = URL.createObjectURL(new Blob([zip], { type: 'application/zip' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = fileName;
      a.hidden = true;
      document.body.append(a);
      a.click();
      a.remove();
      // Revoke later: some browsers start reading the blob after click() returns.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setStatus(`Exported ${fileName}`);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  }, []);

  const importModel = useCallback(async (file: File) => {
    const client = clientRef.current;
    if (!client) return;
    setBusy('import');
    try {
      const zip = await file.arrayBuffer();
      const info = await client.call('importModel', { zip }, [zip]);
      setModel({ labels: info.labels, source: 'imported' });
      setStatus(`Loaded exported model ${file.name} (labels: ${info.labels.join(', ')})`);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  }, []);

  /** Classifies one text with the current model. */
  const predict = useCallback(async (text: string): Promise<Prediction | null> => {
    const client = clientRef.current;
    if (!client) return null;
    const [p] = await client.call('predict', { texts: [text] });
    return p ?? null;
  }, []);

  const reportError = useCallback((err: unknown) => setError(errorMessage(err)), []);
  const dismissError = useCallback(() => setError(null), []);

  const ready = Boolean(
    backend && table && tokenizer && datasetCurrent && !preparing && !loadingFile,
  );
  return {
    preferred,
    backend,
    settings,
    table,
    tokenizer,
    dataset,
    loadingFile,
    preparing,
    training,
    stopping,
    progress,
    status,
    series,
    finalMetrics,
    model,
    busy,
    error,
    /** Data, tokenizer and prepared dataset are in the worker: Train may start. */
    ready,
    datasetCurrent,
    modelProblem,
    chooseBackend,
    loadFile,
    setColumns,
    setValidationFraction,
    setModelSize,
    setArg,
    train,
    stop,
    exportModel,
    importModel,
    predict,
    reportError,
    dismissError,
  };
}

/** Everything `useStudio` returns. */
export type Studio = ReturnType<typeof useStudio>;
