/**
 * The classification evaluation: headline metrics, per-class table, confusion matrix, ROC and
 * precision-recall curves, calibration.
 */
import { useId, useMemo, useRef, useState } from 'react';
import {
  matrixMax,
  topConfusions,
  type ClassificationDetails,
  type CurvePoint,
} from '../worker/client';
import { ChartExportButtons } from './Charts';
import { curveClasses, num, pct, thin } from './evalFormat';
import { formatInt } from './format';
import { pageSlice } from './paging';
import { Pager } from './Pager';
import { UnitSquareSvg } from './UnitSquareSvg';

/** Classes up to which the whole confusion matrix is drawn; past it, the top confusions. */
const MATRIX_MAX_CLASSES = 20;
/** Confusions listed when the matrix is too large to draw. */
const TOP_CONFUSIONS = 20;
/** Classes per page of the per-class table. */
const CLASS_PAGE = 20;

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
  const [page, setPage] = useState(0);
  const shown = pageSlice(d.labelNames.length, CLASS_PAGE, page);
  const rows = [];
  for (let i = shown.start; i < shown.end; i++) rows.push(i);
  return (
    <div className="class-table">
      {shown.pages > 1 && (
        <Pager
          noun="classes"
          label="Per-class pages"
          testId="class-pager"
          pageTestId="class-table-page"
          shown={shown}
          setPage={setPage}
        />
      )}
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
            {rows.map((i) => (
              <tr key={i}>
                <th scope="row">{d.labelNames[i]}</th>
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
    </div>
  );
}

function Confusion({ d }: { d: ClassificationDetails }) {
  return d.labelNames.length > MATRIX_MAX_CLASSES ? <TopConfusions d={d} /> : <Matrix d={d} />;
}

/** A matrix too large to draw: its largest off-diagonal cells, ranked, and what they leave out. */
function TopConfusions({ d }: { d: ClassificationDetails }) {
  const t = useMemo(() => topConfusions(d.confusion, TOP_CONFUSIONS), [d]);
  const classes = formatInt(d.labelNames.length);
  return (
    <div className="confusion">
      <h4 className="chart-title">Top confusions</h4>
      <div className="table-wrap">
        <table
          aria-label={`Top confusions: the ${t.top.length} largest off-diagonal cells of the confusion matrix`}
          data-testid="top-confusions"
        >
          <thead>
            <tr>
              <th scope="col">true label</th>
              <th scope="col">predicted as</th>
              <th scope="col">rows</th>
              <th scope="col">of the true class</th>
            </tr>
          </thead>
          <tbody>
            {t.top.map((c) => (
              <tr key={`${c.actual}-${c.predicted}`} data-count={c.count}>
                <th scope="row">{d.labelNames[c.actual]}</th>
                <td>{d.labelNames[c.predicted]}</td>
                <td className="num">{formatInt(c.count)}</td>
                <td className="num">{pct(c.share)}</td>
              </tr>
            ))}
            {t.top.length === 0 && (
              <tr>
                <td colSpan={4} className="muted">
                  No confusions: every validation row is predicted right.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <p className="hint" data-testid="confusion-rest">
        The matrix of {classes} classes is too large to draw ({classes} x {classes}).{' '}
        {t.cells > t.top.length
          ? `These are the ${formatInt(t.top.length)} largest of ${formatInt(t.cells)} confusions (true label, prediction); they hold ${formatInt(t.wrongShown)} of the ${formatInt(t.wrong)} wrong rows. `
          : `These are all ${formatInt(t.cells)} confusions, ${formatInt(t.wrong)} wrong rows. `}
        The predictions CSV below holds every row.
      </p>
    </div>
  );
}

function Matrix({ d }: { d: ClassificationDetails }) {
  const [normalised, setNormalised] = useState(false);
  const name = useId();
  const m = normalised ? d.confusionNormalised : d.confusion;
  const max = Math.max(1e-9, matrixMax(m));
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
  // Binary: the second class is the positive one (the first's curves mirror it). Many classes:
  // those with the most validation rows.
  const classes = useMemo(() => curveClasses(d), [d]);
  const total = d.labelNames.length;
  const data = useMemo(
    () =>
      classes.map((c) => {
        const pts: CurvePoint[] = kind === 'roc' ? d.curves[c].roc : d.curves[c].pr;
        return thin(pts.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)));
      }),
    [d, kind, classes],
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
          {classes.length < total && total > 2
            ? ` (the ${classes.length} of ${formatInt(total)} classes with the most validation rows)`
            : ''}
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
