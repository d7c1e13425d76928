/**
 * The classification evaluation: headline metrics, per-class table, confusion matrix, ROC and
 * precision-recall curves, calibration.
 */
import { useId, useMemo, useRef, useState } from 'react';
import type { ClassificationDetails, CurvePoint } from '../worker/client';
import { ChartExportButtons } from './Charts';
import { num, pct, thin } from './evalFormat';
import { UnitSquareSvg } from './UnitSquareSvg';

export function ClassificationView({
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
