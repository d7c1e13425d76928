/**
 * The run shown, as the reducer of the worker's snapshots (`runReducer.ts`): snapshots are
 * applied as transitions, so React renders them in slices that yield to the browser.
 */
import { startTransition, useCallback, useReducer } from 'react';
import type { RunSnapshot } from '../../worker/client';
import { INITIAL_RUN_VIEW, runActive, runReducer } from './runReducer';

export type { ThroughputPoint } from './runReducer';

/** The run view and the actions that change it. */
export function useRun() {
  const [view, dispatch] = useReducer(runReducer, INITIAL_RUN_VIEW);
  const onSnapshot = useCallback(
    (snapshot: RunSnapshot) => startTransition(() => dispatch({ type: 'snapshot', snapshot })),
    [],
  );
  return {
    view,
    dispatch,
    onSnapshot,
    /** A run is in progress (the one source: the worker's run state). */
    training: runActive(view.state),
    stopping: view.state === 'stopping',
    paused: view.state === 'paused',
  };
}

/** The run's view and updates, as the training actions get them. */
export type Run = ReturnType<typeof useRun>;
