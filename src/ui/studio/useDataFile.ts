/**
 * The open data file: the table the worker read from it, reading progress, the bundled demo,
 * and the file kept in the browser's storage for the next visit.
 */
import {
  startTransition,
  useCallback,
  useRef,
  useState,
  type Dispatch,
  type RefObject,
  type SetStateAction,
} from 'react';
import type {
  ColumnChoice,
  ReadProgress,
  StudioClient,
  TableReadChoice,
  TableSummary,
} from '../../worker/client';
import type { StudioSettings } from '../defaults';
import { errorMessage } from '../format';
import type { Notices } from './useNotices';

/** The bundled demo, relative to the page (Vite serves `public/`). */
const DEMO_URL = 'demo/spam.csv';
const DEMO_NAME = 'spam.csv';

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

/** The bundled demo data file. */
async function fetchDemo(): Promise<LoadedFile> {
  const r = await fetch(DEMO_URL);
  if (!r.ok) throw new Error(`Could not load the demo data (${DEMO_URL}: ${r.status}).`);
  return { name: DEMO_NAME, data: await r.blob(), demo: true };
}

/** The saved columns exist in the table (and text and label differ). */
function columnsFit(cols: ColumnChoice | null, table: TableSummary): cols is ColumnChoice {
  if (!cols) return false;
  const has = (c: string | undefined) => c === undefined || table.columns.includes(c);
  return has(cols.text) && has(cols.label) && has(cols.textPair) && cols.text !== cols.label;
}

/** What the data file hook needs from the studio. */
export interface DataFileDeps {
  clientRef: RefObject<StudioClient | null>;
  /** The latest settings: their saved columns are kept when they fit a table. */
  settingsRef: RefObject<StudioSettings>;
  setSettings: Dispatch<SetStateAction<StudioSettings>>;
  notices: Notices;
  /**
   * A new training file was opened: what belonged to the old one (the run's views, its model)
   * goes. Returns what was cleared, for the notice.
   */
  onNewFile: () => string[];
}

/** The open data file's state and the actions that open one. */
export function useDataFile({
  clientRef,
  settingsRef,
  setSettings,
  notices,
  onNewFile,
}: DataFileDeps) {
  const { setStatus, setError } = notices;
  const [table, setTable] = useState<TableSummary | null>(null);
  /** Bumped for every table shown: the same file opened again is prepared again. */
  const [dataVersion, setDataVersion] = useState(0);
  const [loadingFile, setLoadingFile] = useState(false);
  /** The open data file is the bundled demo (else the user's, kept for the next visit). */
  const [demoLoaded, setDemoLoaded] = useState(false);
  /** The data file being read in the worker and its progress (null until the first event). */
  const [reading, setReading] = useState<{ name: string; progress: ReadProgress | null } | null>(
    null,
  );
  const fileRef = useRef<LoadedFile | null>(null);
  /** The file last sent (one that failed to read too: a delimiter chosen after is for it). */
  const attemptRef = useRef<LoadedFile | null>(null);
  /**
   * How CSV files are read (delimiter, header): detected unless chosen. The choice is kept in
   * the settings, so the file kept from the last visit is read as it was.
   */
  const [readChoice, setReadChoiceState] = useState<TableReadChoice>(
    () => settingsRef.current.read ?? {},
  );
  const readRef = useRef<TableReadChoice>(settingsRef.current.read ?? {});
  /** The choice the next read uses; `keep`: also kept in the settings (once it has read). */
  const setReadChoice = useCallback(
    (read: TableReadChoice, keep = true) => {
      readRef.current = read;
      setReadChoiceState(read);
      if (!keep) return;
      setSettings((s) => {
        const { read: _old, ...rest } = s;
        return Object.keys(read).length > 0 ? { ...rest, read } : rest;
      });
    },
    [setSettings],
  );
  /** A separate validation file (instead of a split), and the file itself for a new worker. */
  const [validation, setValidation] = useState<TableSummary | null>(null);
  const validationRef = useRef<LoadedFile | null>(null);
  const validationShown = useRef(false);
  validationShown.current = validation !== null;
  const validationShownName = useRef<string | null>(null);
  validationShownName.current = validation?.fileName ?? null;

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
    [settingsRef, setSettings],
  );

  /**
   * Sends a file to the worker and shows it. The user's files are kept for the next visit; the
   * demo is not (it is always at hand).
   */
  const sendTable = useCallback(
    async (client: StudioClient, file: LoadedFile, keepSavedColumns: boolean, fresh = false) => {
      attemptRef.current = file;
      setReading({ name: file.name, progress: null });
      const summary = await client
        .call('loadTable', {
          fileName: file.name,
          file: file.data,
          keep: !file.demo,
          read: readRef.current,
          fresh,
        })
        .finally(() => setReading(null));
      fileRef.current = file;
      showTable(summary, keepSavedColumns, file.demo ?? false);
      // A fresh worker gets the validation file again too.
      const v = validationRef.current;
      if (v) {
        setValidation(
          await client.call('loadValidationTable', {
            fileName: v.name,
            file: v.data,
            read: readRef.current,
          }),
        );
      }
      return summary;
    },
    [showTable],
  );

  /**
   * The boot step: into a fresh worker, the file open in this page (a backend switch or
   * restart), else the one kept from the last visit, else the demo. A failure is shown and the
   * boot goes on (to the tokenizer); `isCancelled` says this worker was replaced meanwhile.
   */
  const openStartFile = useCallback(
    async (client: StudioClient, isCancelled: () => boolean) => {
      try {
        if (fileRef.current) await sendTable(client, fileRef.current, true);
        else {
          const kept = await client.call('restoreTable', { read: readRef.current });
          if (isCancelled()) return;
          if (kept) {
            // Read as detected when the kept choice no longer read it: the choice is dropped.
            const choice = readRef.current;
            const held =
              (choice.delimiter === undefined || choice.delimiter === kept.delimiter) &&
              (choice.hasHeader === undefined || choice.hasHeader === kept.hasHeader);
            if (!held) setReadChoice({});
            showTable(kept, true);
            const v = await client.call('restoreValidationTable', { read: readRef.current });
            if (!isCancelled()) setValidation(v);
          } else await sendTable(client, await fetchDemo(), true);
        }
      } catch (err) {
        if (!isCancelled()) setError(errorMessage(err));
      }
    },
    [sendTable, showTable, setError, setReadChoice],
  );

  /** A read event: the progress of the file being read. */
  const onRead = useCallback((progress: ReadProgress) => {
    startTransition(() => setReading((r) => r && { ...r, progress }));
  }, []);

  /** Opens the user's file (kept for the next visit). */
  const loadFile = useCallback(
    async (file: File) => {
      const client = clientRef.current;
      if (!client) return;
      setLoadingFile(true);
      setStatus(`Reading ${file.name}…`);
      // A new file is read as detected; a delimiter or header chosen after applies to it.
      setReadChoice({});
      try {
        const oldValidation = validationRef.current?.name ?? validationShownName.current;
        const summary = await sendTable(client, { name: file.name, data: file }, false, true);
        // The old file's validation file, errors and views no longer apply: cleared, and said.
        validationRef.current = null;
        setValidation(null);
        setError(null);
        const cleared = [
          ...(oldValidation ? [`its validation file ${oldValidation}`] : []),
          ...onNewFile(),
        ];
        setStatus(
          cleared.length
            ? `Loaded ${summary.fileName}; cleared what belonged to the last file: ${cleared.join(', ')}`
            : `Loaded ${summary.fileName}`,
        );
      } catch (err) {
        setError(errorMessage(err));
        setStatus('Ready');
      } finally {
        setLoadingFile(false);
      }
    },
    [clientRef, sendTable, setError, setStatus, setReadChoice, onNewFile],
  );

  /** Opens the bundled demo again and forgets the kept file (the demo opens next time too). */
  const openDemo = useCallback(async () => {
    const client = clientRef.current;
    if (!client) return;
    setLoadingFile(true);
    try {
      // Forgotten first: once the demo shows, a reload opens the demo too.
      await client.call('forgetTable', {});
      await client.call('clearValidationTable', {});
      validationRef.current = null;
      setValidation(null);
      // The demo is read as detected.
      setReadChoice({});
      const summary = await sendTable(client, await fetchDemo(), false, true);
      onNewFile();
      setError(null);
      setStatus(`Loaded ${summary.fileName}`);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setLoadingFile(false);
    }
  }, [clientRef, sendTable, setError, setStatus, setReadChoice, onNewFile]);

  /** Reads the open file (and the validation file) again with another delimiter or header. */
  const chooseRead = useCallback(
    async (read: TableReadChoice) => {
      const client = clientRef.current;
      if (!client) return;
      // Kept in the settings only once the file reads with it (a reload must not fail on it).
      setReadChoice(read, false);
      setLoadingFile(true);
      try {
        // The file last sent (the one a one-column error was about), else the kept one.
        const file = attemptRef.current ?? fileRef.current;
        const summary = file
          ? await sendTable(client, file, true)
          : await client.call('rereadTable', { read });
        if (!file) showTable(summary, true);
        const v = validationRef.current;
        if (v && !file) {
          setValidation(
            await client.call('loadValidationTable', { fileName: v.name, file: v.data, read }),
          );
        } else if (!v && validationShown.current) {
          // The validation file kept from the last visit, read again too.
          setValidation(await client.call('restoreValidationTable', { read }));
        }
        setReadChoice(read);
        setError(null);
        setStatus(`Read ${summary.fileName} again`);
      } catch (err) {
        setError(errorMessage(err));
      } finally {
        setLoadingFile(false);
      }
    },
    [clientRef, sendTable, setError, setStatus, showTable, setReadChoice],
  );

  /** Uses `file` for validation instead of a split of the training file. */
  const loadValidationFile = useCallback(
    async (file: File) => {
      const client = clientRef.current;
      if (!client) return;
      setLoadingFile(true);
      setStatus(`Reading ${file.name}…`);
      try {
        const summary = await client.call('loadValidationTable', {
          fileName: file.name,
          file,
          read: readRef.current,
          keep: true,
        });
        validationRef.current = { name: file.name, data: file };
        setValidation(summary);
        setDataVersion((v) => v + 1); // prepared again with it
        setError(null);
        setStatus(`Loaded ${summary.fileName} for validation`);
      } catch (err) {
        setError(errorMessage(err));
        setStatus('Ready');
      } finally {
        setLoadingFile(false);
      }
    },
    [clientRef, setError, setStatus],
  );

  /** Back to a split of the training file. */
  const clearValidationFile = useCallback(async () => {
    const client = clientRef.current;
    if (!client) return;
    try {
      await client.call('clearValidationTable', {});
      validationRef.current = null;
      setValidation(null);
      setDataVersion((v) => v + 1);
      setError(null); // an error about the validation file no longer applies
    } catch (err) {
      setError(errorMessage(err));
    }
  }, [clientRef, setError]);

  return {
    table,
    readChoice,
    chooseRead,
    validation,
    loadValidationFile,
    clearValidationFile,
    dataVersion,
    loadingFile,
    demoLoaded,
    reading,
    openStartFile,
    onRead,
    loadFile,
    openDemo,
  };
}
