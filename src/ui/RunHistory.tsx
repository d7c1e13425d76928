/**
 * Run history: stored runs with their key metrics, storage used, and per run Reopen (its charts,
 * last step and final model), Export (HF zip or trainer_state.json), Log CSV, Delete, and Resume
 * for interrupted runs. Tick 2+ runs and press Compare to overlay their curves and set their
 * TrainingArguments side by side (`CompareRuns`). Everything from the user's data (file names)
 * is rendered as text.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import {
  recordsToCsv,
  type Api,
  type CsvCell,
  type LogEntry,
  type RequestName,
  type RunList,
  type RunRecord,
} from '../worker/client';
import { CompareRuns } from './CompareRuns';
import { downloadBlob, downloadText } from './exportData';
import { formatBytes, formatDateTime } from './format';
import { Section } from './Section';

type Call = <K extends RequestName>(name: K, params: Api[K][0]) => Promise<Api[K][1]>;

const fmt = (v: number | null | undefined, d = 4) => (typeof v === 'number' ? v.toFixed(d) : '—');
const mb = (b: number | null) => (b === null ? '?' : formatBytes(b));

function lastOf(logs: LogEntry[], key: string): number | null {
  for (let i = logs.length - 1; i >= 0; i--) {
    const v = (logs[i] as unknown as Record<string, unknown>)[key];
    if (typeof v === 'number') return v;
  }
  return null;
}

/** The status a row shows: stored status, or "interrupted" when no live worker holds it. */
function statusOf(r: RunRecord, interrupted: ReadonlySet<string>): string {
  return interrupted.has(r.id) ? 'interrupted' : r.status;
}

export function RunHistory(props: {
  call: Call;
  /** Re-read the list when this changes (e.g. after a run ends). */
  refreshKey: unknown;
  training: boolean;
  /** Reopen: the run's charts, last step and final model. */
  onReopen: (id: string) => void;
  /** Resume: continues an interrupted run from its last checkpoint (not an unpause). */
  onContinue: (id: string) => void;
  onError: (err: unknown) => void;
}) {
  const { call, refreshKey, training, onReopen, onContinue, onError } = props;
  const [list, setList] = useState<RunList | null>(null);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [comparing, setComparing] = useState<readonly string[] | null>(null);
  const refresh = useCallback(() => {
    call('listRuns', {}).then(setList, onError);
  }, [call, onError]);
  useEffect(() => {
    refresh();
  }, [refresh, refreshKey, training]);

  const download = async (id: string) => {
    try {
      const { fileName, zip } = await call('exportRun', { id });
      downloadBlob(new Blob([zip], { type: 'application/zip' }), fileName);
    } catch (err) {
      onError(err);
    }
  };
  const remove = async (id: string) => {
    try {
      await call('deleteRun', { id });
      setSelected((s) => {
        const next = new Set(s);
        next.delete(id);
        return next;
      });
      setComparing((c) => (c && c.includes(id) ? null : c));
      refresh();
    } catch (err) {
      onError(err);
    }
  };
  const toggle = (id: string, on: boolean) =>
    setSelected((s) => {
      const next = new Set(s);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  const runs = useMemo(() => list?.runs ?? [], [list]);
  const interrupted = new Set(list?.interrupted ?? []);
  const picked = runs.filter((r) => selected.has(r.id));
  // Compared oldest first, so run #1 is the one trained first.
  const compared = useMemo(
    () =>
      comparing
        ? runs.filter((r) => comparing.includes(r.id)).sort((a, b) => a.created - b.created)
        : [],
    [comparing, runs],
  );
  return (
    <Section n={7} title="Run history" anchor="step-history">
      <p data-testid="storage-used">
        Storage used: {mb(list?.storage.usage ?? null)} of {mb(list?.storage.quota ?? null)}
      </p>
      {list && runs.length === 0 && <p className="muted">No stored runs yet.</p>}
      {runs.length > 0 && (
        <>
          <div className="table-scroll">
            <table data-testid="run-history" className="run-history">
              <caption className="visually-hidden">
                Stored runs, newest first. Tick two or more to compare them.
              </caption>
              <thead>
                <tr>
                  <th scope="col">
                    <span className="visually-hidden">Compare</span>
                  </th>
                  <th scope="col">Date</th>
                  <th scope="col">Data</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    Steps
                  </th>
                  <th scope="col" className="num">
                    eval_accuracy
                  </th>
                  <th scope="col" className="num">
                    eval_loss
                  </th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {runs.map((r) => {
                  const date = formatDateTime(r.created);
                  const status = statusOf(r, interrupted);
                  return (
                    <tr key={r.id} data-run-id={r.id} data-status={status}>
                      <td>
                        <input
                          type="checkbox"
                          aria-label={`Select the run of ${date} to compare`}
                          checked={selected.has(r.id)}
                          onChange={(e) => toggle(r.id, e.currentTarget.checked)}
                        />
                      </td>
                      <th scope="row">{date}</th>
                      <td className="file-name-cell">{r.fileName}</td>
                      <td>
                        <span className={`run-status run-status-${status}`}>{status}</span>
                        {r.reason && status !== 'finished' && (
                          <span className="run-reason">{r.reason}</span>
                        )}
                      </td>
                      <td className="num">
                        {r.globalStep}
                        {r.maxSteps ? ` / ${r.maxSteps}` : ''}
                      </td>
                      <td className="num">
                        {fmt(r.metrics?.eval_accuracy ?? lastOf(r.logHistory, 'eval_accuracy'))}
                      </td>
                      <td className="num">
                        {fmt(r.metrics?.eval_loss ?? lastOf(r.logHistory, 'eval_loss'))}
                      </td>
                      <td>
                        <div className="row-actions">
                          {interrupted.has(r.id) && (
                            <button
                              type="button"
                              className="primary"
                              disabled={training}
                              onClick={() => onContinue(r.id)}
                            >
                              Resume
                            </button>
                          )}
                          <button type="button" disabled={training} onClick={() => onReopen(r.id)}>
                            Reopen
                          </button>
                          <button type="button" onClick={() => void download(r.id)}>
                            Export
                          </button>
                          <button
                            type="button"
                            onClick={() =>
                              downloadText(
                                recordsToCsv(r.logHistory as unknown as Record<string, CsvCell>[]),
                                `${r.id}-log_history.csv`,
                                'text/csv',
                              )
                            }
                          >
                            Log CSV
                          </button>
                          <button
                            type="button"
                            className="secondary"
                            disabled={training && !interrupted.has(r.id) && r.status === 'running'}
                            onClick={() => void remove(r.id)}
                          >
                            Delete
                          </button>
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <div className="actions">
            <button
              type="button"
              disabled={picked.length < 2}
              onClick={() => setComparing(picked.map((r) => r.id))}
            >
              Compare
            </button>
            <p className="hint" aria-live="polite">
              {picked.length < 2
                ? `Tick two or more runs to compare them (${picked.length} ticked).`
                : `${picked.length} runs ticked.`}
            </p>
          </div>
        </>
      )}
      {compared.length >= 2 && <CompareRuns runs={compared} onClose={() => setComparing(null)} />}
    </Section>
  );
}
