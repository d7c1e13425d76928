/**
 * The prepared dataset (split + tokenized in the worker) and its data report, prepared again
 * whenever the data or its options change. The state is `prepareReducer`'s.
 */
import { useCallback, useEffect, useReducer, useRef, type RefObject } from 'react';
import type { StudioClient, TableSummary, TokenizerInfo } from '../../worker/client';
import type { StudioSettings } from '../defaults';
import { errorMessage } from '../format';
import { runConfigOfPage } from '../settingsConfig';
import type { Notices } from './useNotices';
import { INITIAL_PREPARE_VIEW, prepareReducer } from './prepareReducer';

/** Wait after the last edit before re-tokenizing, so typing "128" prepares once. */
const PREPARE_DEBOUNCE_MS = 250;

/** What the prepare hook needs from the studio. */
export interface PrepareDeps {
  clientRef: RefObject<StudioClient | null>;
  table: TableSummary | null;
  /** Bumped for every table shown. */
  dataVersion: number;
  tokenizer: TokenizerInfo | null;
  /** Counts the tokenizers loaded (the same one loaded again is prepared again). */
  tokenizerVersion: number;
  settings: StudioSettings;
  /** The checkpoint fine-tuned (its name), or null from scratch: as the train request names it. */
  pretrained: string | null;
  /** A run is in progress: its dataset stays as it is. */
  training: boolean;
  notices: Notices;
}

/** The prepared dataset, whether it is current, and its data report. */
export function usePrepare({
  clientRef,
  table,
  dataVersion,
  tokenizer,
  tokenizerVersion,
  settings,
  pretrained,
  training,
  notices,
}: PrepareDeps) {
  const { setStatus, setError } = notices;
  const [view, dispatch] = useReducer(prepareReducer, INITIAL_PREPARE_VIEW);
  /** The latest request's number: an older answer neither sets the status nor an error. */
  const latest = useRef(0);

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
    tokenizerVersion,
  ]);
  const { requested, seq } = view;
  // The data part of the run config a train request of these settings carries (its training
  // part only the seed, the one argument the data depends on): the worker fingerprints the
  // preparation, and a run of the same data does not prepare it again.
  const settingsRef = useRef(settings);
  settingsRef.current = settings;
  useEffect(() => {
    if (!table || !tokenizer || !columns || training) return;
    const key = prepareKey;
    if (key === requested) return;
    const timer = setTimeout(() => {
      const client = clientRef.current;
      if (!client) return;
      const mine = seq + 1;
      latest.current = mine;
      dispatch({ type: 'request', key });
      const config = {
        ...runConfigOfPage(settingsRef.current, {}, pretrained),
        training: { seed },
      };
      client
        .call('prepare', { config })
        .then((summary) => {
          dispatch({ type: 'prepared', seq: mine, key, summary });
          if (mine !== latest.current) return;
          setStatus('Ready to train');
          // The data report (class balance, token lengths at this tokenizer...) after prepare.
          client
            .call('dataReport', { columns, maxLength })
            .then((report) => dispatch({ type: 'report', seq: mine, key, report }))
            .catch(() => dispatch({ type: 'report', seq: mine, key, report: null }));
        })
        .catch((err: unknown) => {
          dispatch({ type: 'failed', seq: mine });
          if (mine === latest.current) setError(errorMessage(err));
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
    pretrained,
    prepareKey,
    requested,
    seq,
    training,
    clientRef,
    setStatus,
    setError,
  ]);

  /** A new worker holds nothing prepared. */
  const reset = useCallback(() => {
    latest.current = -1;
    dispatch({ type: 'reset' });
  }, []);

  const { prepared, report } = view;
  return {
    dataset: prepared?.summary ?? null,
    dataReport: report?.key === prepareKey ? report.report : null,
    /** The shown dataset was prepared with the current file and options. */
    datasetCurrent: prepared !== null && prepared.key === prepareKey,
    preparing: view.preparing,
    reset,
  };
}
