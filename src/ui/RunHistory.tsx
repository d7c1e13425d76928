/**
 * Run history: stored runs with their key metrics, storage used, and per run Reopen (chart its
 * log_history), Export (HF zip or trainer_state.json), Delete, and Resume for interrupted runs.
 * Everything from the user's data (file names) is rendered as text.
 */
import { useCallback, useEffect, useState } from 'react';
import type { Api, LogEntry, RequestName, RunList } from '../worker/client';
import { Section } from './Section';

type Call = <K extends RequestName>(name: K, params: Api[K][0]) => Promise<Api[K][1]>;

const fmt = (v: number | null | undefined, d = 4) => (typeof v === 'number' ? v.toFixed(d) : '—');
const mb = (b: number | null) => (b === null ? '?' : `${(b / 1e6).toFixed(1)} MB`);

function lastOf(logs: LogEntry[], key: string): number | null {
  for (let i = logs.length - 1; i >= 0; i--) {
    const v = (logs[i] as unknown as Record<string, unknown>)[key];
    if (typeof v === 'number') return v;
  }
  return null;
}

export function RunHistory(props: {
  call: Call;
  /** Re-read the list when this changes (e.g. after a run ends). */
  refreshKey: unknown;
  training: boolean;
  onLogHistory: (entries: LogEntry[]) => void;
  onResume: (id: string) => void;
  onError: (err: unknown) => void;
}) {
  const { call, refreshKey, training, onLogHistory, onResume, onError } = props;
  const [list, setList] = useState<RunList | null>(null);
  const refresh = useCallback(() => {
    call('listRuns', {}).then(setList, onError);
  }, [call, onError]);
  useEffect(() => {
    refresh();
  }, [refresh, refreshKey, training]);

  const download = async (id: string) => {
    try {
      const { fileName, zip } = await call('exportRun', { id });
      const url = URL.createObjectURL(new Blob([zip], { type: 'application/zip' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = fileName;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (err) {
      onError(err);
    }
  };
  const remove = async (id: string) => {
    try {
      await call('deleteRun', { id });
      refresh();
    } catch (err) {
      onError(err);
    }
  };

  const interrupted = new Set(list?.interrupted ?? []);
  return (
    <Section n={7} title="Run history">
      <p data-testid="storage-used">
        Storage used: {mb(list?.storage.usage ?? null)} of {mb(list?.storage.quota ?? null)}
      </p>
      {list && list.runs.length === 0 && <p>No stored runs yet.</p>}
      {list && list.runs.length > 0 && (
        <table data-testid="run-history">
          <thead>
            <tr>
              <th>Date</th>
              <th>Data</th>
              <th>Status</th>
              <th>Steps</th>
              <th>eval_accuracy</th>
              <th>eval_loss</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.runs.map((r) => (
              <tr key={r.id} data-run-id={r.id}>
                <td>{new Date(r.created).toLocaleString()}</td>
                <td>{r.fileName}</td>
                <td>{interrupted.has(r.id) ? 'interrupted' : r.status}</td>
                <td>
                  {r.globalStep}
                  {r.maxSteps ? ` / ${r.maxSteps}` : ''}
                </td>
                <td>{fmt(r.metrics?.eval_accuracy ?? lastOf(r.logHistory, 'eval_accuracy'))}</td>
                <td>{fmt(r.metrics?.eval_loss ?? lastOf(r.logHistory, 'eval_loss'))}</td>
                <td>
                  {interrupted.has(r.id) && (
                    <button type="button" disabled={training} onClick={() => onResume(r.id)}>
                      Resume
                    </button>
                  )}
                  <button type="button" onClick={() => onLogHistory(r.logHistory)}>
                    Reopen
                  </button>
                  <button type="button" onClick={() => void download(r.id)}>
                    Export
                  </button>
                  <button
                    type="button"
                    disabled={training && !interrupted.has(r.id) && r.status === 'running'}
                    onClick={() => void remove(r.id)}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
