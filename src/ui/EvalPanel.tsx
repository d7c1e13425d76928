import { useId, useMemo, useRef, useState } from 'react';
import {
  CartesianGrid,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { toCsv } from '../core/io/csvExport';
import {
  buildEvalDetails,
  type ClassificationDetails,
  type CurvePoint,
  type EvalDetails,
  type EvalRows,
  type RegressionDetails,
} from '../core/train/evalDetails';
import { ChartExportButtons, formatTick } from './Charts';
import { downloadText } from './exportData';
import { Mistakes } from './Mistakes';
import { Section } from './Section';

/** Most points a curve draws (evenly picked; the ends are kept). */
const MAX_CURVE_POINTS = 400;

const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '—');
const num = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '—');

function thin<T>(xs: readonly T[], max = MAX_CURVE_POINTS): T[] {
  if (xs.length <= max) return xs.slice();
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(xs[Math.round((i * (xs.length - 1)) / (max - 1))]);
  return out;
}

/** A point of a unit-square chart, both in [0, 1]. */
type XY = { x: number; y: number };

const UNIT_W = 320;
const UNIT_H = 170;
const UNIT_M = { top: 8, right: 12, bottom: 30, left: 44 };
const UNIT_TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];

/**
 * Lines on the unit square ([0, 1] on both axes) with a dashed diagonal, drawn as plain SVG in a
 * fixed viewBox: no measuring, no ResizeObserver and one render (recharts cost the end of a run
 * a 100+ ms main-thread task for these two charts). Points outside [0, 1] are clamped.
 */
function UnitSquareSvg({
  lines,
  xLabel,
  diagonal,
  dots = false,
}: {
  /** One polyline per entry: its CSS colour and points in data units. */
  lines: { color: string; points: readonly XY[]; step?: boolean }[];
  xLabel: string;
  diagonal: boolean;
  dots?: boolean;
}) {
  const pw = UNIT_W - UNIT_M.left - UNIT_M.right;
  const ph = UNIT_H - UNIT_M.top - UNIT_M.bottom;
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  const x = (v: number) => UNIT_M.left + clamp(v) * pw;
  const y = (v: number) => UNIT_M.top + ph - clamp(v) * ph;
  const path = (pts: readonly XY[], step: boolean) => {
    let d = '';
    let prevY = 0;
    for (const p of pts) {
      if (d && step) d += `L${x(p.x).toFixed(1)},${prevY.toFixed(1)}`;
      d += `${d ? 'L' : 'M'}${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`;
      prevY = y(p.y);
    }
    return d;
  };
  return (
    <svg
      width="100%"
      height="100%"
      viewBox={`0 0 ${UNIT_W} ${UNIT_H}`}
      preserveAspectRatio="xMidYMid meet"
    >
      <g stroke="var(--grid)" strokeDasharray="3 3">
        {UNIT_TICKS.map((t) => (
          <line key={`y${t}`} x1={x(0)} x2={x(1)} y1={y(t)} y2={y(t)} />
        ))}
        {UNIT_TICKS.map((t) => (
          <line key={`x${t}`} x1={x(t)} x2={x(t)} y1={y(0)} y2={y(1)} />
        ))}
      </g>
      <g fill="var(--muted)" fontSize={11}>
        {UNIT_TICKS.map((t) => (
          <text key={`y${t}`} x={UNIT_M.left - 6} y={y(t) + 4} textAnchor="end">
            {formatTick(t)}
          </text>
        ))}
        {UNIT_TICKS.map((t) => (
          <text key={`x${t}`} x={x(t)} y={y(0) + 14} textAnchor="middle">
            {formatTick(t)}
          </text>
        ))}
        <text x={UNIT_M.left + pw / 2} y={UNIT_H - 2} textAnchor="middle">
          {xLabel}
        </text>
      </g>
      {diagonal && (
        <line x1={x(0)} y1={y(0)} x2={x(1)} y2={y(1)} stroke="var(--muted)" strokeDasharray="4 4" />
      )}
      {lines.map((l, i) => (
        <g key={i}>
          <path d={path(l.points, l.step ?? false)} fill="none" stroke={l.color} strokeWidth={2} />
          {dots &&
            l.points.map((p, j) => <circle key={j} cx={x(p.x)} cy={y(p.y)} r={3} fill={l.color} />)}
        </g>
      ))}
    </svg>
  );
}

/** Per-row predictions as table rows (header first) for CSV. */
export function predictionRows(d: EvalDetails): (string | number | boolean)[][] {
  if (d.kind === 'regression') {
    return [
      ['row', 'text', 'label', 'prediction', 'error'],
      ...d.rows.map((r) => [r.index, r.text, r.label, r.pred, r.error]),
    ];
  }
  return [
    [
      'row',
      'text',
      'label',
      'prediction',
      'confidence',
      'correct',
      ...d.labelNames.map((l) => `p_${l}`),
    ],
    ...d.rows.map((r) => [
      r.index,
      r.text,
      d.labelNames[r.label],
      d.labelNames[r.pred],
      r.confidence,
      r.correct,
      ...r.probs,
    ]),
  ];
}

/** The summary metrics of the views, as a flat record (for CSV/JSON export). */
export function summaryMetrics(d: EvalDetails): Record<string, number> {
  if (d.kind === 'regression') return { ...d.metrics, rows: d.rows.length };
  const out: Record<string, number> = {
    accuracy: d.accuracy,
    f1_macro: d.f1Macro,
    f1_weighted: d.f1Weighted,
    ece: d.calibration.ece,
    rows: d.rows.length,
  };
  d.labelNames.forEach((l, i) => {
    const r = d.report[i];
    out[`precision_${l}`] = r.precision;
    out[`recall_${l}`] = r.recall;
    out[`f1_${l}`] = r.f1;
    out[`support_${l}`] = r.support;
    out[`roc_auc_${l}`] = d.curves[i].rocAuc;
    out[`average_precision_${l}`] = d.curves[i].averagePrecision;
  });
  return out;
}

function Exports({ details }: { details: EvalDetails }) {
  const metrics = () => summaryMetrics(details);
  return (
    <div className="actions" role="group" aria-label="Export evaluation data">
      <button
        type="button"
        className="secondary"
        onClick={() =>
          downloadText(
            toCsv([['metric', 'value'], ...Object.entries(metrics())]),
            'eval-metrics.csv',
            'text/csv',
          )
        }
      >
        Metrics CSV
      </button>
      <button
        type="button"
        className="secondary"
        onClick={() =>
          downloadText(JSON.stringify(metrics(), null, 2), 'eval-metrics.json', 'application/json')
        }
      >
        Metrics JSON
      </button>
      <button
        type="button"
        className="secondary"
        onClick={() => downloadText(toCsv(predictionRows(details)), 'predictions.csv', 'text/csv')}
      >
        Predictions CSV
      </button>
      <button
        type="button"
        className="secondary"
        onClick={() => {
          const [head, ...rows] = predictionRows(details);
          const json = rows.map((r) => Object.fromEntries(head.map((h, i) => [String(h), r[i]])));
          downloadText(JSON.stringify(json, null, 2), 'predictions.json', 'application/json');
        }}
      >
        Predictions JSON
      </button>
    </div>
  );
}

interface Props {
  details: EvalDetails;
  onError?: (err: unknown) => void;
}

/** The evaluation view: headline metrics, per-class table, confusion matrix, curves, calibration. */
export function EvalPanel({ details, onError }: Props) {
  return (
    <div className="eval" data-testid="eval-view">
      {details.kind === 'classification' ? (
        <ClassificationView d={details} onError={onError} />
      ) : (
        <RegressionView d={details} onError={onError} />
      )}
      <Exports details={details} />
    </div>
  );
}

function ClassificationView({
  d,
  onError,
}: {
  d: ClassificationDetails;
  onError?: (e: unknown) => void;
}) {
  return (
    <>
      <dl className="metrics" data-testid="eval-metrics">
        <div className="metric">
          <dt>accuracy</dt> <dd data-testid="eval-accuracy">{num(d.accuracy, 4)}</dd>
        </div>
        <div className="metric">
          <dt>f1_macro</dt> <dd data-testid="eval-f1-macro">{num(d.f1Macro, 4)}</dd>
        </div>
        <div className="metric">
          <dt>f1_weighted</dt> <dd>{num(d.f1Weighted, 4)}</dd>
        </div>
        <div className="metric">
          <dt>calibration error (ECE)</dt> <dd>{num(d.calibration.ece, 3)}</dd>
        </div>
        <div className="metric">
          <dt>validation rows</dt> <dd>{d.rows.length}</dd>
        </div>
      </dl>
      <div className="eval-grid">
        <ClassTable d={d} />
        <Confusion d={d} />
      </div>
      <div className="charts">
        <Curves d={d} onError={onError} />
        <Calibration d={d} onError={onError} />
      </div>
    </>
  );
}

function ClassTable({ d }: { d: ClassificationDetails }) {
  return (
    <div className="table-wrap">
      <table aria-label="Per-class scores" data-testid="class-table">
        <thead>
          <tr>
            <th scope="col">class</th>
            <th scope="col">precision</th>
            <th scope="col">recall</th>
            <th scope="col">F1</th>
            <th scope="col">support</th>
            <th scope="col">ROC AUC</th>
          </tr>
        </thead>
        <tbody>
          {d.labelNames.map((l, i) => (
            <tr key={l}>
              <th scope="row">{l}</th>
              <td className="num">{num(d.report[i].precision)}</td>
              <td className="num">{num(d.report[i].recall)}</td>
              <td className="num">{num(d.report[i].f1)}</td>
              <td className="num">{d.report[i].support}</td>
              <td className="num">{num(d.curves[i].rocAuc)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Confusion({ d }: { d: ClassificationDetails }) {
  const [normalised, setNormalised] = useState(false);
  const name = useId();
  const m = normalised ? d.confusionNormalised : d.confusion;
  const max = Math.max(1e-9, ...m.flat());
  return (
    <div className="confusion">
      <fieldset className="toggle">
        <legend>Confusion matrix</legend>
        <label>
          <input
            type="radio"
            name={name}
            checked={!normalised}
            onChange={() => setNormalised(false)}
          />{' '}
          Counts
        </label>
        <label>
          <input
            type="radio"
            name={name}
            checked={normalised}
            onChange={() => setNormalised(true)}
          />{' '}
          Normalised by true class
        </label>
      </fieldset>
      <div className="table-wrap">
        <table
          className="heatmap"
          aria-label={`Confusion matrix (${normalised ? 'fraction of each true class' : 'counts'}): rows are true labels, columns predictions`}
          data-testid="confusion-matrix"
        >
          <thead>
            <tr>
              <th scope="col">true \ predicted</th>
              {d.labelNames.map((l) => (
                <th key={l} scope="col">
                  {l}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {m.map((row, i) => (
              <tr key={d.labelNames[i]}>
                <th scope="row">{d.labelNames[i]}</th>
                {row.map((v, j) => (
                  <td
                    key={j}
                    className={`num${i === j ? ' diag' : ''}`}
                    data-count={d.confusion[i][j]}
                    style={{
                      background: `color-mix(in srgb, var(--accent) ${Math.round((v / max) * 45)}%, transparent)`,
                    }}
                  >
                    {normalised ? pct(v) : v}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function Curves({ d, onError }: { d: ClassificationDetails; onError?: (e: unknown) => void }) {
  const [kind, setKind] = useState<'roc' | 'pr'>('roc');
  const ref = useRef<HTMLElement>(null);
  const selectId = useId();
  // Binary: the second class is the positive one (the first's curves mirror it).
  const classes = d.labelNames.length === 2 ? [1] : d.labelNames.map((_, i) => i);
  const data = useMemo(
    () =>
      classes.map((c) => {
        const pts: CurvePoint[] = kind === 'roc' ? d.curves[c].roc : d.curves[c].pr;
        return thin(pts.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)));
      }),
    [d, kind, classes.join()], // eslint-disable-line react-hooks/exhaustive-deps
  );
  const title = kind === 'roc' ? 'ROC curve' : 'Precision-recall curve';
  const area = (c: number) =>
    kind === 'roc' ? `AUC ${num(d.curves[c].rocAuc)}` : `AP ${num(d.curves[c].averagePrecision)}`;
  const colors = ['var(--c1)', 'var(--c2)', 'var(--c3)', 'var(--c4)', 'var(--c5)'];
  return (
    <figure
      ref={ref}
      className="chart"
      data-testid="curve-chart"
      aria-label={`${title}, one vs rest: ${classes.map((c) => `${d.labelNames[c]} ${area(c)}`).join(', ')}`}
    >
      <figcaption>
        <label htmlFor={selectId} className="chart-title">
          Curve
        </label>{' '}
        <select
          id={selectId}
          value={kind}
          onChange={(e) => setKind(e.target.value === 'pr' ? 'pr' : 'roc')}
        >
          <option value="roc">ROC</option>
          <option value="pr">Precision-recall</option>
        </select>{' '}
        <span className="hint">
          {classes.map((c) => `${d.labelNames[c]}: ${area(c)}`).join(' · ')}
        </span>
        <ChartExportButtons target={() => ref.current} title={title} onError={onError} />
      </figcaption>
      <div className="chart-body" aria-hidden="true">
        <UnitSquareSvg
          xLabel={kind === 'roc' ? 'false positive rate' : 'recall'}
          diagonal={kind === 'roc'}
          lines={classes.map((c, i) => ({
            color: colors[i % colors.length],
            points: data[i],
            step: kind === 'pr',
          }))}
        />
      </div>
    </figure>
  );
}

function Calibration({ d, onError }: { d: ClassificationDetails; onError?: (e: unknown) => void }) {
  const ref = useRef<HTMLElement>(null);
  const bins = d.calibration.bins.filter((b) => b.count > 0);
  return (
    <figure
      ref={ref}
      className="chart"
      data-testid="calibration-chart"
      aria-label={`Calibration: accuracy against confidence in ${bins.length} bins; expected calibration error ${num(d.calibration.ece)}`}
    >
      <figcaption>
        <span className="chart-title">Calibration</span>{' '}
        <span className="hint">ECE {num(d.calibration.ece)} · dashed: perfectly calibrated</span>
        <ChartExportButtons target={() => ref.current} title="Calibration" onError={onError} />
      </figcaption>
      <div className="chart-body" aria-hidden="true">
        <UnitSquareSvg
          xLabel="confidence"
          diagonal
          dots
          lines={[
            { color: 'var(--c3)', points: bins.map((b) => ({ x: b.confidence, y: b.accuracy })) },
          ]}
        />
      </div>
    </figure>
  );
}

function RegressionView({ d, onError }: { d: RegressionDetails; onError?: (e: unknown) => void }) {
  const ref = useRef<HTMLElement>(null);
  const pts = useMemo(() => thin(d.rows, 2000), [d]);
  const lo = Math.min(...d.rows.map((r) => Math.min(r.label, r.pred)));
  const hi = Math.max(...d.rows.map((r) => Math.max(r.label, r.pred)));
  return (
    <>
      <dl className="metrics" data-testid="eval-metrics">
        {Object.entries(d.metrics).map(([k, v]) => (
          <div key={k} className="metric">
            <dt>{k}</dt> <dd>{num(v, 4)}</dd>
          </div>
        ))}
      </dl>
      <div className="charts">
        <figure
          ref={ref}
          className="chart"
          aria-label={`Predicted against true values, ${d.rows.length} rows`}
        >
          <figcaption>
            <span className="chart-title">Predicted vs true</span>
            <ChartExportButtons
              target={() => ref.current}
              title="Predicted vs true"
              onError={onError}
            />
          </figcaption>
          <div className="chart-body" aria-hidden="true">
            <ResponsiveContainer width="100%" height="100%">
              <ScatterChart
                accessibilityLayer={false}
                margin={{ top: 8, right: 12, bottom: 4, left: 0 }}
              >
                <CartesianGrid stroke="var(--grid)" strokeDasharray="3 3" />
                <XAxis
                  dataKey="label"
                  type="number"
                  name="true"
                  domain={[lo, hi]}
                  tick={{ fill: 'var(--muted)', fontSize: 11 }}
                />
                <YAxis
                  dataKey="pred"
                  type="number"
                  name="predicted"
                  domain={[lo, hi]}
                  width={52}
                  tick={{ fill: 'var(--muted)', fontSize: 11 }}
                />
                <ReferenceLine
                  segment={[
                    { x: lo, y: lo },
                    { x: hi, y: hi },
                  ]}
                  stroke="var(--muted)"
                  strokeDasharray="4 4"
                />
                <Tooltip
                  contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)' }}
                />
                <Scatter data={pts} fill="var(--c1)" isAnimationActive={false} />
              </ScatterChart>
            </ResponsiveContainer>
          </div>
        </figure>
      </div>
    </>
  );
}

/**
 * 6 Evaluate: the evaluation view and the mistakes table for the last run's model on the
 * validation split (built on the main thread from the worker's rows once per run).
 */
export function ModelViews({
  rows,
  onError,
}: {
  rows: EvalRows | null;
  onError?: (err: unknown) => void;
}) {
  const details = useMemo(() => {
    if (!rows) return null;
    try {
      return buildEvalDetails(rows);
    } catch (err) {
      onError?.(err);
      return null;
    }
  }, [rows, onError]);
  return (
    <Section n={6} title="Evaluate: what the model learned">
      {!details ? (
        <p className="muted">Train a model to see its evaluation and its mistakes here.</p>
      ) : (
        <>
          <h3>Evaluation on the validation split</h3>
          <EvalPanel details={details} onError={onError} />
          {details.kind === 'classification' && (
            <>
              <h3>Mistakes</h3>
              <Mistakes d={details} />
            </>
          )}
        </>
      )}
    </Section>
  );
}
