/**
 * The prepared dataset (split + tokenized in the worker) and its data report, prepared again
 * whenever the data or its options change.
 */
import { useEffect, useRef, useState, type RefObject } from 'react';
import type {
  DataReport,
  DatasetSummary,
  StudioClient,
  TableSummary,
  TokenizerInfo,
} from '../../worker/client';
import type { StudioSettings } from '../defaults';
import { errorMessage } from '../format';
import type { Notices } from './useNotices';

/** Wait after the last edit before re-tokenizing, so typing "128" prepares once. */
const PREPARE_DEBOUNCE_MS = 250;

/** What the prepare hook needs from the studio. */
export interface PrepareDeps {
  clientRef: RefObject<StudioClient | null>;
  /** The options the worker's dataset was prepared with; '' makes the data prepare again. */
  preparedKey: RefObject<string>;
  table: TableSummary | null;
  /** Bumped for every table shown. */
  dataVersion: number;
  tokenizer: TokenizerInfo | null;
  settings: StudioSettings;
  /** A run is in progress: its dataset stays as it is. */
  training: boolean;
  notices: Notices;
}

/** The prepared dataset, whether it is current, and its data report. */
export function usePrepare({
  clientRef,
  preparedKey,
  table,
  dataVersion,
  tokenizer,
  settings,
  training,
  notices,
}: PrepareDeps) {
  const { setStatus, setError } = notices;
  /** The prepared dataset and the options (`prepareKey`) it was prepared with. */
  const [prepared, setPrepared] = useState<{ key: string; summary: DatasetSummary } | null>(null);
  /** The data report of the prepared dataset (same key as `prepared`). */
  const [report, setReport] = useState<{ key: string; report: DataReport } | null>(null);
  const [preparing, setPreparing] = useState(false);
  /** Numbers prepare calls: only the latest one's answer is shown. */
  const prepareSeq = useRef(0);

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
  }, [
    table,
    tokenizer,
    columns,
    validationFraction,
    maxLength,
    seed,
    prepareKey,
    training,
    clientRef,
    preparedKey,
    setStatus,
    setError,
  ]);

  return {
    dataset: prepared?.summary ?? null,
    dataReport: report?.key === prepareKey ? report.report : null,
    /** The shown dataset was prepared with the current file and options. */
    datasetCurrent: prepared !== null && prepared.key === prepareKey,
    preparing,
    setPrepared,
  };
}
