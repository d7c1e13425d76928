/**
 * Compare runs: the loss and evaluation curves of 2+ stored runs overlaid (one colour per run,
 * with a legend), and their TrainingArguments side by side with the differing rows marked.
 * Each chart carries `data-testid="compare-<key>"` and `data-points` (points over all runs);
 * each argument row `data-arg` and `data-differs`.
 */
import { useMemo } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { diffArgs, type LogEntry, type RunRecord } from '../worker/client';
import { formatDateTime } from './format';
import { roundTicks } from './paging';

/** One colour per run (the studio's chart palette, then darker variants). */
const COLOURS = ['var(--c1)', 'var(--c2)', 'var(--c3)', 'var(--c4)', 'var(--c5)', '#475569'];

/** Curves compared, in this order; an eval curve shows only when a run logged it. */
const CURVES = [
  { key: 'loss', title: 'Training loss' },
  { key: 'eval_loss', title: 'Validation loss' },
  { key: 'eval_accuracy', title: 'Validation accuracy' },
] as const;

/** A short, unique label of a run for legends and table headers: "#n file, date". */
export function runLabel(r: RunRecord, index: number): string {
  const when = formatDateTime(r.created, true);
  return `#${index + 1} ${r.fileName} ${when}`;
}

/** Points of one metric of one run: step -> value, from its log_history. */
function pointsOf(logs: readonly LogEntry[], key: string): { step: number; value: number }[] {
  const out: { step: number; value: number }[] = [];
  for (const e of logs) {
    const v = (e as unknown as Record<string, unknown>)[key];
    if (typeof v === 'number' && Number.isFinite(v) && typeof e.step === 'number') {
      out.push({ step: e.step, value: v });
    }
  }
  return out;
}

const formatValue = (v: unknown): string =>
  v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v);

function CompareChart({
  runs,
  curve,
}: {
  runs: readonly RunRecord[];
  curve: (typeof CURVES)[number];
}) {
  // One row per step, one column per run (`r0`, `r1`…): recharts draws a line per column.
  const { rows, points } = useMemo(() => {
    const byStep = new Map<number, Record<string, number>>();
    let n = 0;
    runs.forEach((r, i) => {
      for (const p of pointsOf(r.logHistory, curve.key)) {
        const row = byStep.get(p.step) ?? { step: p.step };
        row[`r${i}`] = p.value;
        byStep.set(p.step, row);
        n++;
      }
    });
    const sorted = [...byStep.values()].sort((a, b) => a.step - b.step);
    return { rows: sorted, points: n };
  }, [runs, curve.key]);
  // Round ticks (0, 200, 400, 600 and the last step when it is far from 600), from 0 unless the
  // runs start late (resumed far in): recharts' own ticks step from the first point (10, 210…).
  const { domain, ticks } = useMemo(() => {
    const first = rows[0]?.step ?? 0;
    const last = rows[rows.length - 1]?.step ?? 0;
    const lo = first <= last - first ? 0 : first;
    return { domain: [lo, last] as [number, number], ticks: roundTicks(lo, last, 4) };
  }, [rows]);
  if (points === 0) return null;
  return (
    <figure
      className="chart"
      data-testid={`compare-${curve.key}`}
      data-points={points}
      data-ticks={ticks.join(' ')}
      aria-label={`${curve.title} of ${runs.length} runs by step: ${points} points`}
    >
      <figcaption>
        <span className="chart-title">{curve.title}</span>{' '}
        <span className="hint">
          <code>{curve.key}</code>
        </span>
      </figcaption>
      <div className="chart-body" aria-hidden="true">
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={rows} margin={{ top: 8, right: 12, bottom: 4, left: 0 }}>
            <CartesianGrid stroke="var(--grid)" strokeDasharray="3 3" />
            <XAxis
              dataKey="step"
              type="number"
              allowDecimals={false}
              domain={domain}
              ticks={ticks}
              interval={0}
              tick={{ fill: 'var(--muted)', fontSize: 11 }}
              stroke="var(--grid)"
            />
            <YAxis
              width={52}
              domain={['auto', 'auto']}
              tickFormatter={(v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3))}
              tick={{ fill: 'var(--muted)', fontSize: 11 }}
              stroke="var(--grid)"
            />
            <Tooltip
              formatter={(v) => (typeof v === 'number' ? v.toPrecision(4) : String(v))}
              labelFormatter={(s) => `step ${String(s)}`}
              contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)' }}
            />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            {runs.map((r, i) => (
              <Line
                key={r.id}
                type="linear"
                dataKey={`r${i}`}
                name={runLabel(r, i)}
                stroke={COLOURS[i % COLOURS.length]}
                strokeWidth={2}
                dot={rows.length < 30}
                connectNulls
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

/** The comparison of `runs` (2 or more), with a Close button. */
export function CompareRuns({
  runs,
  onClose,
}: {
  runs: readonly RunRecord[];
  onClose: () => void;
}) {
  const rows = useMemo(() => diffArgs(runs.map((r) => r.args)), [runs]);
  const differing = rows.filter((r) => r.differs).length;
  return (
    <section className="compare" aria-labelledby="compare-title" data-testid="compare-runs">
      <div className="panel-head">
        <h3 id="compare-title">Compare {runs.length} runs</h3>
        <button type="button" className="secondary" onClick={onClose}>
          Close comparison
        </button>
      </div>
      <div className="charts compare-charts">
        {CURVES.map((c) => (
          <CompareChart key={c.key} runs={runs} curve={c} />
        ))}
      </div>
      <table className="compare-args" data-testid="compare-args">
        <caption>
          TrainingArguments side by side:{' '}
          {differing === 0
            ? 'all the same.'
            : `${differing} ${differing === 1 ? 'differs' : 'differ'} (marked, listed first).`}
        </caption>
        <thead>
          <tr>
            <th scope="col">Argument</th>
            {runs.map((r, i) => (
              <th scope="col" key={r.id}>
                <span
                  className="swatch"
                  style={{ background: COLOURS[i % COLOURS.length] }}
                  aria-hidden="true"
                />
                {runLabel(r, i)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr
              key={row.key}
              data-arg={row.key}
              data-differs={row.differs ? 'true' : 'false'}
              className={row.differs ? 'differs' : undefined}
            >
              <th scope="row">
                <code>{row.key}</code>
                {row.differs && <span className="visually-hidden"> (differs)</span>}
              </th>
              {row.values.map((v, i) => (
                <td key={runs[i].id}>{formatValue(v)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
