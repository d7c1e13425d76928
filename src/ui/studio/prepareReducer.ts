/**
 * The prepared dataset as the page shows it, as a pure reducer: which options were asked of the
 * worker last (`requested`; '' prepares again), the dataset summary and data report of the
 * latest answer (older answers are ignored by their sequence number), and whether one is on its
 * way.
 */
import type { DataReport, DatasetSummary } from '../../worker/client';

export interface PrepareView {
  /** The options key last asked of the worker ('' : none, or the data must be prepared again). */
  requested: string;
  /** Numbers requests: only the latest one's answer is shown. */
  seq: number;
  prepared: { key: string; summary: DatasetSummary } | null;
  report: { key: string; report: DataReport } | null;
  preparing: boolean;
}

export type PrepareAction =
  | { type: 'request'; key: string }
  | { type: 'prepared'; seq: number; key: string; summary: DatasetSummary }
  | { type: 'report'; seq: number; key: string; report: DataReport | null }
  | { type: 'failed'; seq: number }
  /** A new worker holds nothing prepared. */
  | { type: 'reset' };

export const INITIAL_PREPARE_VIEW: PrepareView = {
  requested: '',
  seq: 0,
  prepared: null,
  report: null,
  preparing: false,
};

export function prepareReducer(view: PrepareView, action: PrepareAction): PrepareView {
  switch (action.type) {
    case 'request':
      return { ...view, requested: action.key, seq: view.seq + 1, preparing: true };
    case 'prepared':
      if (action.seq !== view.seq) return view;
      return {
        ...view,
        prepared: { key: action.key, summary: action.summary },
        preparing: false,
      };
    case 'report':
      if (action.seq !== view.seq) return view;
      return { ...view, report: action.report && { key: action.key, report: action.report } };
    case 'failed':
      if (action.seq !== view.seq) return view;
      return { ...view, requested: '', prepared: null, preparing: false };
    case 'reset':
      return { ...INITIAL_PREPARE_VIEW, seq: view.seq + 1 };
  }
}
