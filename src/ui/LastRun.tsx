import { useEffect, useState } from 'react';
import type { Api, RequestName, RunList } from '../worker/client';
import { formatDateTime, formatInt } from './format';

type Call = <K extends RequestName>(name: K, params: Api[K][0]) => Promise<Api[K][1]>;

interface Props {
  call: Call;
  /** The worker is up (the history is read from its IndexedDB). */
  ready: boolean;
  /** A run has been started or shown in this visit: the line has done its job. */
  hidden: boolean;
  onReopen: (id: string) => void;
  /** Continues an interrupted run from its last checkpoint (not an unpause). */
  onContinue: (id: string) => void;
}

/**
 * After a reload: the last run, where it was left, one click from being shown again (Reopen: its
 * charts, model and evaluation) or continued (Resume, for a run that did not end).
 */
export function LastRun({ call, ready, hidden, onReopen, onContinue }: Props) {
  const [list, setList] = useState<RunList | null>(null);
  useEffect(() => {
    if (!ready) return;
    let live = true;
    call('listRuns', {}).then(
      (l) => live && setList(l),
      () => {
        /* the run history below shows the error */
      },
    );
    return () => {
      live = false;
    };
  }, [call, ready]);
  const last = list?.runs[0];
  if (hidden || !last) return null;
  const interrupted = list.interrupted.includes(last.id);
  const where =
    last.status === 'finished'
      ? `finished: step ${formatInt(last.globalStep)} / ${formatInt(last.maxSteps)}`
      : interrupted
        ? `left at step ${formatInt(last.globalStep)} / ${formatInt(last.maxSteps)}`
        : `${last.status} at step ${formatInt(last.globalStep)} / ${formatInt(last.maxSteps)}`;
  return (
    <div className="last-run" data-testid="last-run" role="status">
      <p>
        Your last run: <strong>{last.fileName}</strong>, {formatDateTime(last.created)}, {where}.
      </p>
      {interrupted ? (
        <button type="button" className="primary" onClick={() => onContinue(last.id)}>
          Resume the last run
        </button>
      ) : (
        <button type="button" onClick={() => onReopen(last.id)}>
          Reopen the last run
        </button>
      )}
    </div>
  );
}
