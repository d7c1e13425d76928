/**
 * The studio's state and actions: owns the worker client, boots it (backend, demo data, bundled
 * tokenizer), re-prepares the dataset when its options change, runs training and streams its
 * events into progress, status and chart series. Components get plain values and callbacks.
 */
import { startTransition, useCallback, useEffect, useRef, useState } from 'react';
import {
  StudioClient,
  type Api,
  type BackendInfo,
  type ColumnChoice,
  type DatasetSummary,
  type LogEntry,
  type Prediction,
  type Progress,
  type RequestName,
  type TableSummary,
  type TokenizerInfo,
  type TokenizerSource,
  type TrainedTokenizerModel,
  type DataReport,
  type DownloadProgress,
  type ReadProgress,
  type EvalRows,
  type MemoryEstimate,
  type ModelSpec,
  type PretrainedInfo,
  type TrainingArguments,
  type WorkerEvent,
} from '../worker/client';
import type { ModelSizes, StudioSettings, UiArgs } from './defaults';
import { downloadBlob } from './exportData';
import { errorMessage, estimateMaxSteps } from './format';
import { browserStorage, loadSettings, saveSettings } from './persist';
import { appendLogs, emptySeries, type Series } from './series';

/** One throughput sample: training samples per second at a step. */
export interface ThroughputPoint {
  step: number;
  epoch: number;
  value: number;
}

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

/** The model picker's source: from scratch, dropped checkpoint files, or a URL / Hub id. */
export type ModelSource = 'scratch' | 'files' | 'url';

/** The model available for predictions and export. */
export interface ModelInfo {
  labels: string[];
  source: 'trained' | 'imported';
}

/**
 * A file the worker holds; kept here to replay into a fresh worker on backend change. A Blob (a
 * dropped File is one) is a reference to the bytes, not a copy: the worker reads it in chunks,
 * so a file of a gigabyte never sits in this page's memory.
 */
interface LoadedFile {
  name: string;
  data: Blob;
  /** The bundled demo (not kept in storage: it is always at hand). */
  demo?: boolean;
}

/** Reads `?backend=` from the page URL, 'auto' when absent or unknown. */
export function backendFromUrl(search: string): BackendChoice {
  const v = new URLSearchParams(search).get('backend');
  return (BACKEND_CHOICES as readonly string[]).includes(v ?? '') ? (v as BackendChoice) : 'auto';
}

/**
 * e2e test hooks from the page URL (tests only): `e2e-quota=1` simulates a full storage quota
 * for checkpoint writes, `e2e-device-loss=N` loses the WebGPU device after step N. Null when
 * the URL has neither, so ordinary pages never call `testHooks`.
 */
export function e2eHooksFromUrl(search: string): Api['testHooks'][0] | null {
  const q = new URLSearchParams(search);
  const hooks: Api['testHooks'][0] = {};
  if (q.get('e2e-quota') === '1') hooks.quota = true;
  const lose = Number(q.get('e2e-device-loss'));
  if (q.has('e2e-device-loss') && Number.isInteger(lose) && lose > 0) hooks.loseDeviceAtStep = lose;
  return Object.keys(hooks).length > 0 ? hooks : null;
}

/**
 * A tokenizer: bundled, a Hub id, the user's files (name -> text), or one trained on the data's
 * text column (WordPiece unless `model` says 'bpe').
 */
export type TokenizerChoice =
  | TokenizerSource
  | { files: Record<string, string> }
  /** The user's files from an earlier visit, kept in the browser's storage. */
  | { kept: true }
  | { trainVocabSize: number; model?: TrainedTokenizerModel };

/** Loads (or trains) the chosen tokenizer in the worker. */
function callTokenizer(
  client: StudioClient,
  src: TokenizerChoice,
  columns: ColumnChoice | null,
): Promise<TokenizerInfo> {
  if ('files' in src) return client.call('loadTokenizerFiles', { files: src.files, keep: true });
  if ('kept' in src) return client.call('restoreTokenizerFiles', {});
  if ('trainVocabSize' in src) {
    if (!columns)
      return Promise.reject(
        new Error('Load a data file first: the tokenizer is trained on its texts.'),
      );
    return client.call('trainTokenizer', {
      textColumn: columns.text,
      vocabSize: src.trainVocabSize,
      model: src.model ?? 'wordpiece',
      ...(columns.textPair ? { pairColumn: columns.textPair } : {}),
    });
  }
  return client.call('loadTokenizer', src);
}

/**
 * The choice as settings keep it: bundled and Hub tokenizers load again on the next visit,
 * trained ones are trained again on the reopened file, and dropped files come back from the
 * browser's storage (the worker keeps them).
 */
function persistedTokenizer(src: TokenizerChoice): StudioSettings['tokenizer'] {
  if ('kind' in src) return src;
  if ('trainVocabSize' in src) {
    return { trainVocabSize: src.trainVocabSize, model: src.model ?? 'wordpiece' };
  }
  return { kept: true };
}

/** The bundled demo data file. */
async function fetchDemo(): Promise<LoadedFile> {
  const r = await fetch(DEMO_URL);
  if (!r.ok) throw new Error(`Could not load the demo data (${DEMO_URL}: ${r.status}).`);
  return { name: DEMO_NAME, data: await r.blob(), demo: true };
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
  /** Every log entry of the shown run (the charts derive all their series from it). */
  const [logs, setLogs] = useState<LogEntry[]>([]);
  /** Training samples/s by step, from progress events (the logs carry no timing). */
  const [throughput, setThroughput] = useState<ThroughputPoint[]>([]);
  /** The model's validation rows after a run, for the evaluation and mistakes views. */
  const [evalRows, setEvalRows] = useState<EvalRows | null>(null);
  const [finalMetrics, setFinalMetrics] = useState<Record<string, number> | null>(null);
  const [model, setModel] = useState<ModelInfo | null>(null);
  const [busy, setBusy] = useState<'export' | 'import' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [modelSource, setModelSource] = useState<ModelSource>('scratch');
  const [pretrained, setPretrained] = useState<PretrainedInfo | null>(null);
  const [download, setDownload] = useState<DownloadProgress | null>(null);
  /** The open data file is the bundled demo (else the user's, kept for the next visit). */
  const [demoLoaded, setDemoLoaded] = useState(false);
  /** The data file being read in the worker and its progress (null until the first event). */
  const [reading, setReading] = useState<{ name: string; progress: ReadProgress | null } | null>(
    null,
  );
  const [loadingPretrained, setLoadingPretrained] = useState(false);
  /** A tokenizer is loading, downloading or training (its `download` events show progress). */
  const [loadingTokenizer, setLoadingTokenizer] = useState(false);
  const [memory, setMemory] = useState<MemoryEstimate | null>(null);
  /** The run in progress is paused between steps. */
  const [paused, setPaused] = useState(false);
  /** Why the worker died (crash), else null: the UI offers "Restart worker". */
  const [workerDead, setWorkerDead] = useState<string | null>(null);
  /** Bumped by "Restart worker" to boot a fresh worker. */
  const [bootCount, setBootCount] = useState(0);

  const clientRef = useRef<StudioClient | null>(null);
  const fileRef = useRef<LoadedFile | null>(null);
  const settingsRef = useRef(settings);
  const preparedKey = useRef('');
  const prepareSeq = useRef(0);
  const pendingLogs = useRef<LogEntry[]>([]);
  const flushTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const hooksSent = useRef(false);
  /** The chosen tokenizer (bundled, Hub id, dropped files, trained), replayed into a new worker. */
  const tokenizerRef = useRef<TokenizerChoice>(settings.tokenizer ?? TOKENIZER);
  /** The data report of the prepared dataset (same key as `prepared`). */
  const [report, setReport] = useState<{ key: string; report: DataReport } | null>(null);

  useEffect(() => {
    settingsRef.current = settings;
    saveSettings(browserStorage(), settings);
  }, [settings]);

  const flushLogs = useCallback(() => {
    flushTimer.current = null;
    const batch = pendingLogs.current;
    if (batch.length === 0) return;
    pendingLogs.current = [];
    // Transitions (here and for progress below): React renders them in slices that yield to the
    // browser; updates from a worker message would otherwise render in one blocking task.
    startTransition(() => {
      setSeries((s) => appendLogs(s, batch));
      setLogs((l) => l.concat(batch));
    });
  }, []);

  const onEvent = useCallback(
    (e: WorkerEvent) => {
      if (e.kind === 'progress') {
        const { step, epoch, samplesPerSecond } = e.progress;
        startTransition(() => {
          setProgress(e.progress);
          if (step > 0 && Number.isFinite(samplesPerSecond)) {
            setThroughput((t) =>
              t.length > 0 && t[t.length - 1].step >= step
                ? t
                : t.concat({ step, epoch, value: samplesPerSecond }),
            );
          }
        });
      } else if (e.kind === 'status') startTransition(() => setStatus(e.message));
      else if (e.kind === 'download') setDownload(e.progress);
      else if (e.kind === 'warning') setError(e.message);
      else if (e.kind === 'run') return;
      else if (e.kind === 'read') {
        startTransition(() => setReading((r) => r && { ...r, progress: e.progress }));
      } else {
        pendingLogs.current.push(e.entry);
        flushTimer.current ??= setTimeout(flushLogs, LOG_FLUSH_MS);
      }
    },
    [flushLogs],
  );

  /** Shows a table the worker has read and picks columns (the saved ones if they fit). */
  const showTable = useCallback(
    (summary: TableSummary, keepSavedColumns: boolean, demo = false) => {
      setDemoLoaded(demo);
      const saved = settingsRef.current.columns;
      const columns = keepSavedColumns && columnsFit(saved, summary) ? saved : summary.guess;
      setTable(summary);
      setDataVersion((v) => v + 1);
      setSettings((s) => ({ ...s, columns }));
    },
    [],
  );

  /**
   * Sends a file to the worker and shows it. The user's files are kept for the next visit; the
   * demo is not (it is always at hand).
   */
  const sendTable = useCallback(
    async (client: StudioClient, file: LoadedFile, keepSavedColumns: boolean) => {
      setReading({ name: file.name, progress: null });
      const summary = await client
        .call('loadTable', { fileName: file.name, file: file.data, keep: !file.demo })
        .finally(() => setReading(null));
      fileRef.current = file;
      showTable(summary, keepSavedColumns, file.demo ?? false);
      return summary;
    },
    [showTable],
  );

  // Boot (and re-boot on backend change): a fresh worker, then backend, data and tokenizer.
  useEffect(() => {
    let cancelled = false;
    const client = StudioClient.start();
    clientRef.current = client;
    const off = client.on((e) => {
      if (!cancelled) onEvent(e);
    });
    const offDeath = client.onDeath((err) => {
      if (cancelled) return;
      setWorkerDead(err.message);
      setError(err.message);
      setStatus('The training worker stopped');
    });
    void (async () => {
      try {
        setStatus('Choosing a backend…');
        const info = await client.call('init', { preferred });
        if (cancelled) return;
        setBackend(info);
        // e2e test hooks, read once at start (see e2eHooksFromUrl): `?e2e-quota=1` makes
        // checkpoint writes fail as a full quota would, `?e2e-device-loss=N` destroys the
        // WebGPU device after optimizer step N. Ordinary URLs carry neither: nothing is sent.
        // Sent to the first worker only: a restarted worker (recovery) trains without them.
        const hooks = e2eHooksFromUrl(typeof location === 'undefined' ? '' : location.search);
        if (hooks && !hooksSent.current) {
          hooksSent.current = true;
          await client.call('testHooks', hooks);
        }
        setStatus('Loading data…');
        try {
          // The file open in this page (a backend switch or restart), else the one kept from
          // the last visit, else the demo.
          if (fileRef.current) await sendTable(client, fileRef.current, true);
          else {
            const kept = await client.call('restoreTable', {});
            if (cancelled) return;
            if (kept) showTable(kept, true);
            else await sendTable(client, await fetchDemo(), true);
          }
        } catch (err) {
          if (!cancelled) setError(errorMessage(err));
        }
        if (cancelled) return;
        setStatus('Loading the tokenizer…');
        let tok: TokenizerInfo;
        try {
          tok = await callTokenizer(client, tokenizerRef.current, settingsRef.current.columns);
        } catch (err) {
          // A remembered Hub tokenizer may be gone (or the network with it): say so and go on
          // with the default rather than leaving the studio without a tokenizer.
          if (cancelled || tokenizerRef.current === TOKENIZER) throw err;
          setError(`${errorMessage(err)} The default tokenizer (${TOKENIZER.name}) is used.`);
          tokenizerRef.current = TOKENIZER;
          setSettings((s) => ({ ...s, tokenizer: undefined }));
          tok = await callTokenizer(client, TOKENIZER, settingsRef.current.columns);
        }
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
      offDeath();
      client.terminate();
      if (clientRef.current === client) clientRef.current = null;
    };
  }, [preferred, onEvent, sendTable, showTable, bootCount]);

  // Re-prepare (split + tokenize) whenever the data or its options change.
  const columns = settings.columns;
  const { validationFraction } = settings;
  const maxLength = settings.model.max_length;
  const seed = settings.args.seed;
  // The tokenizer is part of the key: a pretrained checkpoint's own tokenizer re-tokenizes the data.
  const prepareKey = JSON.stringify([
    dataVersion,
    columns,
    validationFraction,
    maxLength,
    seed,
    tokenizer?.name,
    tokenizer?.vocabSize,
  ]);
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
          // The data report (class balance, token lengths at this tokenizer...) after prepare.
          client
            .call('dataReport', { columns, maxLength })
            .then((r) => seq === prepareSeq.current && setReport({ key, report: r }))
            .catch(() => seq === prepareSeq.current && setReport(null));
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
  const dataReport = report?.key === prepareKey ? report.report : null;

  /** Switches to a bundled tokenizer or to dropped tokenizer files (the data is re-prepared). */
  const chooseTokenizer = useCallback(async (src: TokenizerChoice) => {
    const client = clientRef.current;
    if (!client) return;
    setStatus('Loading the tokenizer…');
    setLoadingTokenizer(true);
    setDownload(null);
    try {
      const tok = await callTokenizer(client, src, settingsRef.current.columns);
      tokenizerRef.current = src;
      setSettings((s) => ({ ...s, tokenizer: persistedTokenizer(src) }));
      preparedKey.current = '';
      setTokenizer(tok);
      setError(null);
      setStatus('Ready');
    } catch (err) {
      setError(errorMessage(err));
      setStatus('Ready');
    } finally {
      setLoadingTokenizer(false);
    }
  }, []);
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
    setPretrained(null); // the new worker does not hold the checkpoint: load it again
    preparedKey.current = '';
    setPreferred(choice);
  }, []);

  /** Boots a fresh worker after a crash; the loaded file, tokenizer and data are sent again. */
  const restartWorker = useCallback(() => {
    setWorkerDead(null);
    setError(null);
    setBackend(null);
    setTokenizer(null);
    setPrepared(null);
    setModel(null);
    setPretrained(null);
    setTraining(false);
    setStopping(false);
    setPaused(false);
    preparedKey.current = '';
    setBootCount((n) => n + 1);
  }, []);

  const loadFile = useCallback(
    async (file: File) => {
      const client = clientRef.current;
      if (!client) return;
      setLoadingFile(true);
      setStatus(`Reading ${file.name}…`);
      try {
        const summary = await sendTable(client, { name: file.name, data: file }, false);
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

  /** Opens the bundled demo again and forgets the kept file (the demo opens next time too). */
  const openDemo = useCallback(async () => {
    const client = clientRef.current;
    if (!client) return;
    setLoadingFile(true);
    try {
      const summary = await sendTable(client, await fetchDemo(), false);
      await client.call('forgetTable', {});
      setError(null);
      setStatus(`Loaded ${summary.fileName}`);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setLoadingFile(false);
    }
  }, [sendTable]);

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

  /** The model Train builds: the loaded checkpoint when the picker is on a pretrained source. */
  const specOf = useCallback(
    (sizes: ModelSizes): ModelSpec =>
      modelSource !== 'scratch' && pretrained
        ? { kind: 'pretrained', max_length: sizes.max_length }
        : { kind: 'scratch', ...sizes },
    [modelSource, pretrained],
  );

  /**
   * A run failed: show the worker's message as is (a NaN loss names its step and likely cause).
   * A lost GPU device leaves the worker without a device: offer a restart (a fresh device).
   */
  const failRun = useCallback((err: unknown) => {
    setError(errorMessage(err));
    setStatus('Training failed');
    if (err instanceof Error && err.name === 'DeviceLostError') setWorkerDead(err.message);
  }, []);

  /**
   * Starts a run. `extraArgs` are the advanced TrainingArguments the user set (or imported);
   * the basic fields shown up front win over them.
   */
  const train = useCallback(
    async (extraArgs: Record<string, unknown> = {}) => {
      const client = clientRef.current;
      if (!client || !dataset) return;
      if (modelSource !== 'scratch' && !pretrained) {
        setError(
          'Load a pretrained model first (drop its files or enter a URL or Hub id), or choose "From scratch".',
        );
        return;
      }
      // Refuse only what clearly cannot fit; "tight" runs may still work.
      if (memory?.verdict === 'too-large') {
        setError(memory.message);
        return;
      }
      const { model: sizes, args: basicArgs } = settingsRef.current;
      const args = { ...extraArgs, ...basicArgs };
      if (flushTimer.current) clearTimeout(flushTimer.current);
      flushTimer.current = null;
      pendingLogs.current = [];
      // Only the flag that disables a second click renders at once; clearing the last run's
      // charts and views (an unmount of every evaluation view) renders as a transition, in
      // slices that yield to the browser, instead of one long task on the click.
      setTraining(true);
      setStopping(false);
      startTransition(() => {
        setSeries(emptySeries());
        setLogs([]);
        setThroughput([]);
        setEvalRows(null);
        setFinalMetrics(null);
        setModel(null);
        setProgress({
          step: 0,
          maxSteps: estimateMaxSteps(dataset.trainRows, args),
          epoch: 0,
          samplesPerSecond: NaN,
          etaSeconds: null,
          phase: 'preparing',
        });
        setStatus('Training…');
      });
      try {
        // The worker fills HF defaults for every argument the UI does not edit.
        const result = await client.call('train', {
          model: specOf(sizes),
          args: args as Partial<TrainingArguments> as TrainingArguments,
        });
        if (flushTimer.current) clearTimeout(flushTimer.current);
        flushTimer.current = null;
        pendingLogs.current = [];
        // The end of a run re-renders every panel (unlocked), swaps in the full history and draws
        // the final charts: a transition lets React render that in slices that yield to the
        // browser instead of one long task (the bar: main-thread tasks under 50 ms).
        startTransition(() => {
          // The returned history is the truth; it also covers events that arrived late or not at all.
          setSeries(appendLogs(emptySeries(), result.logHistory));
          setLogs(result.logHistory);
          setFinalMetrics(result.metrics);
          setModel({ labels: dataset.labels, source: 'trained' });
          setProgress((p) =>
            p ? { ...p, step: result.globalStep, etaSeconds: 0, phase: 'done' } : p,
          );
          setStatus(result.stopped ? `Stopped at step ${result.globalStep}` : 'Finished');
        });
        // The evaluation views' rows: one pass of the final model over the validation split.
        client
          .call('evalRows', {})
          .then((rows) => startTransition(() => setEvalRows(rows)))
          .catch((err: unknown) => setError(errorMessage(err)));
      } catch (err) {
        failRun(err);
      } finally {
        startTransition(() => {
          setTraining(false);
          setStopping(false);
          setPaused(false);
        });
      }
    },
    [dataset, specOf, memory, modelSource, pretrained, failRun],
  );

  /** Resumes a stored (interrupted) run from its last checkpoint, streaming like `train`. */
  const resumeRun = useCallback(
    async (id: string) => {
      const client = clientRef.current;
      if (!client) return;
      if (flushTimer.current) clearTimeout(flushTimer.current);
      flushTimer.current = null;
      pendingLogs.current = [];
      setSeries(emptySeries());
      setLogs([]);
      setThroughput([]);
      setEvalRows(null);
      setFinalMetrics(null);
      setModel(null);
      setProgress(null);
      setError(null);
      setTraining(true);
      setStopping(false);
      setPaused(false);
      setStatus('Resuming…');
      try {
        const result = await client.call('resumeRun', { id });
        if (flushTimer.current) clearTimeout(flushTimer.current);
        flushTimer.current = null;
        pendingLogs.current = [];
        // The whole curve: the stored history up to the checkpoint plus the steps trained now.
        setSeries(appendLogs(emptySeries(), result.logHistory));
        setLogs(result.logHistory);
        setProgress((p) =>
          p ? { ...p, step: result.globalStep, etaSeconds: 0, phase: 'done' } : p,
        );
        setFinalMetrics(result.metrics);
        setModel({
          labels: Object.keys(result.metrics).length ? (dataset?.labels ?? []) : [],
          source: 'trained',
        });
        setStatus(result.stopped ? `Stopped at step ${result.globalStep}` : 'Finished');
      } catch (err) {
        failRun(err);
      } finally {
        setTraining(false);
        setStopping(false);
        setPaused(false);
      }
    },
    [dataset, failRun],
  );

  /** Loads a pretrained checkpoint from dropped files or a URL / Hub id into the worker. */
  const loadPretrained = useCallback(async (source: File[] | string) => {
    const client = clientRef.current;
    if (!client) return;
    setLoadingPretrained(true);
    setDownload(null);
    try {
      let info: PretrainedInfo;
      if (typeof source === 'string') {
        info = await client.call('loadPretrained', { url: source });
      } else {
        const files: Record<string, ArrayBuffer> = {};
        for (const f of source) {
          const path = (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name;
          files[path] = await f.arrayBuffer();
        }
        info = await client.call('loadPretrained', { files }, Object.values(files));
      }
      setPretrained(info);
      if (info.tokenizer && info.tokenizerVocabSize !== null) {
        setTokenizer({ name: info.tokenizer, vocabSize: info.tokenizerVocabSize });
      }
      setError(null);
      setStatus(`Loaded ${info.name}`);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setLoadingPretrained(false);
    }
  }, []);

  /** Charts a finished run's `log_history` (from an imported trainer_state.json). */
  const showLogHistory = useCallback((entries: LogEntry[]) => {
    setSeries(appendLogs(emptySeries(), entries));
    setLogs(entries);
    setThroughput([]);
    const evals = entries.filter((e) => 'eval_loss' in e);
    const last = evals.at(-1) as Record<string, number> | undefined;
    setFinalMetrics(
      last ? Object.fromEntries(Object.entries(last).filter(([k]) => k.startsWith('eval_'))) : null,
    );
    setStatus(`Showing an imported run (${entries.length} log entries)`);
  }, []);

  /** A direct worker call, for panels that need one (argument checks). */
  const call = useCallback(
    <K extends RequestName>(name: K, params: Api[K][0]): Promise<Api[K][1]> => {
      const client = clientRef.current;
      if (!client) return Promise.reject(new Error('The training worker is not running.'));
      return client.call(name, params);
    },
    [],
  );

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

  /** Pauses the run between steps (nothing is lost); `resumeTraining` goes on. */
  const pause = useCallback(async () => {
    const client = clientRef.current;
    if (!client) return;
    try {
      const { paused: now } = await client.call('pause', {});
      setPaused(now);
      if (now) setStatus('Paused');
    } catch (err) {
      setError(errorMessage(err));
    }
  }, []);

  const resumeTraining = useCallback(async () => {
    const client = clientRef.current;
    if (!client) return;
    try {
      await client.call('resumeTraining', {});
      setPaused(false);
      setStatus('Training…');
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
      downloadBlob(new Blob([zip], { type: 'application/zip' }), fileName);
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

  // The memory estimate of the run Train would start, refreshed when its inputs change.
  const batchSize = settings.args.per_device_train_batch_size;
  const specKey = JSON.stringify([
    modelSource,
    pretrained?.name,
    settings.model,
    batchSize,
    dataset?.labels.length,
  ]);
  useEffect(() => {
    const client = clientRef.current;
    if (!client || !backend || (modelSource !== 'scratch' && !pretrained)) {
      setMemory(null);
      return;
    }
    let live = true;
    client
      .call('estimateMemory', { model: specOf(settingsRef.current.model), batchSize })
      .then((m) => live && setMemory(m))
      .catch(() => live && setMemory(null));
    return () => {
      live = false;
    };
    // specKey covers the inputs of specOf and the batch size.
  }, [specKey, backend]); // eslint-disable-line react-hooks/exhaustive-deps

  const ready = Boolean(
    backend && table && tokenizer && datasetCurrent && !preparing && !loadingFile && !workerDead,
  );
  return {
    preferred,
    backend,
    settings,
    table,
    tokenizer,
    dataset,
    dataReport,
    chooseTokenizer,
    loadingFile,
    reading,
    preparing,
    training,
    stopping,
    progress,
    status,
    series,
    logs,
    throughput,
    evalRows,
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
    openDemo,
    demoLoaded,
    setColumns,
    setValidationFraction,
    setModelSize,
    setArg,
    train,
    resumeRun,
    paused,
    pause,
    resumeTraining,
    workerDead,
    restartWorker,
    modelSource,
    setModelSource,
    pretrained,
    download,
    loadingPretrained,
    loadingTokenizer,
    loadPretrained,
    memory,
    showLogHistory,
    call,
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
