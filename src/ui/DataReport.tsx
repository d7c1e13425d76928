/**
 * The data report, shown in the Data section once the data is prepared: rows read and used,
 * anomalies by kind, the detected task, class balance and token lengths (SVG bar charts,
 * with the same numbers as text for screen readers), empty and duplicate rows and a few examples
 * per class. Every string from the file is rendered as text (React escapes it), never as markup.
 */
import { splitWarning, type DataReport as Report, type TableSummary } from '../worker/client';
import { BarsSvg, type Bar } from './BarsSvg';
import { formatInt, formatPercent } from './format';
import { TaggedReport } from './TaggedReport';

interface Props {
  report: Report;
  /** The loaded table (its first anomalies carry row numbers). */
  table: TableSummary | null;
  /**
   * The validation fraction split off the table, or null when a separate validation file is
   * used (the split warning is then not shown).
   */
  validationFraction?: number | null;
}

/** Classes drawn in the chart and listed in the table; the rest are summed up. */
const MAX_CLASSES = 20;
const TASK_NAMES: Record<string, string> = {
  single_label_classification: 'single-label classification',
  multi_label_classification: 'multi-label classification',
  regression: 'regression',
};

function rowList(rows: number[], total: number): string {
  if (rows.length === 0) return '';
  const shown = rows.slice(0, 10).join(', ');
  return total > 10 ? `rows ${shown}…` : `row${rows.length === 1 ? '' : 's'} ${shown}`;
}

/** A bar chart of row counts (decorative: the numbers are also given as text beside it). */
function ReportBars(props: { bars: readonly Bar[]; color: string; allLabels?: boolean }) {
  return (
    <div className="chart-body" aria-hidden="true">
      <BarsSvg {...props} />
    </div>
  );
}

/** The data report; see the module comment. */
export function DataReport({ report, table, validationFraction = null }: Props) {
  const r = report;
  const split =
    validationFraction !== null && r.task.problemType === 'single_label_classification'
      ? splitWarning(r.classBalance, validationFraction)
      : null;
  const kinds = Object.entries(r.anomaliesByKind).sort((a, b) => b[1] - a[1]);
  const firstRows = (kind: string) =>
    (table?.anomalies ?? []).filter((a) => a.kind === kind).map((a) => a.row);
  const classes = r.classBalance.slice(0, MAX_CLASSES);
  const classTotal = r.classBalance.reduce((a, c) => a + c.count, 0) || 1;
  const tl = r.tokenLengths;
  const lengthData = tl
    ? tl.bins.map((b, i) => ({
        label:
          b.open || (i === tl.bins.length - 1 && tl.atCap > 0)
            ? `${b.from}+`
            : b.to - b.from <= 1
              ? String(b.from)
              : `${b.from}–${b.to - 1}`,
        count: b.count,
      }))
    : [];
  const cutShown = tl ? tl.bins.slice(tl.cutBin).reduce((a, b) => a + b.count, 0) : 0;
  return (
    <section className="data-report" data-testid="data-report" aria-labelledby="data-report-title">
      <h3 id="data-report-title">Data report</h3>
      <dl className="metrics">
        <div className="metric">
          <dt>rows read</dt>
          <dd data-testid="report-rows">{formatInt(r.rows)}</dd>
        </div>
        <div className="metric">
          <dt>rows used</dt>
          <dd data-testid="report-rows-used">{formatInt(r.rowsUsed)}</dd>
        </div>
        <div className="metric">
          <dt>columns</dt>
          <dd data-testid="report-columns">{formatInt(r.columns.length)}</dd>
        </div>
        <div className="metric">
          <dt>anomalies</dt>
          <dd data-testid="report-anomalies">{formatInt(r.anomalyCount)}</dd>
        </div>
        {tl && (
          <div className="metric">
            <dt>truncated at {tl.maxLength}</dt>
            <dd data-testid="report-truncated">{formatPercent(tl.truncatedShare)}</dd>
          </div>
        )}
      </dl>

      <p className="report-task">
        Task:{' '}
        <strong data-testid="report-task">
          {r.tagged
            ? 'token classification'
            : (TASK_NAMES[r.task.problemType] ?? r.task.problemType)}
        </strong>
        {r.task.labels.length > 0 &&
          ` · ${formatInt(r.task.labels.length)} ${r.tagged ? 'tags' : 'labels'}`}
        .{' '}
        <span className="hint" data-testid="report-task-reason">
          {r.task.reason}
        </span>
      </p>

      {r.tagged && <TaggedReport t={r.tagged} maxLength={tl?.maxLength} />}

      {split && (
        <p className="hint hint-warn" role="note" data-testid="report-split-warning">
          <strong>Too few validation rows per class.</strong> {split.message}
        </p>
      )}

      {kinds.length > 0 && (
        <ul
          className="report-list"
          aria-label="Anomalies by kind"
          data-testid="report-anomaly-kinds"
        >
          {kinds.map(([kind, n]) => (
            <li key={kind}>
              <code>{kind}</code>: {formatInt(n)}
              {firstRows(kind).length > 0 && (
                <span className="muted"> ({rowList(firstRows(kind), n)})</span>
              )}
            </li>
          ))}
        </ul>
      )}

      <div className="report-charts">
        {classes.length > 0 && !r.tagged && (
          <figure className="chart" aria-labelledby="report-class-title">
            <figcaption>
              <span className="chart-title" id="report-class-title">
                Class balance
              </span>
            </figcaption>
            <ReportBars bars={classes} color="var(--c1)" allLabels />
            <table className="report-table" aria-label="Class counts" data-testid="report-classes">
              <thead>
                <tr>
                  <th scope="col">label</th>
                  <th scope="col">rows</th>
                  <th scope="col">share</th>
                </tr>
              </thead>
              <tbody>
                {classes.map((c) => (
                  <tr key={c.label} data-testid={`report-class-${c.label}`}>
                    <th scope="row">{c.label}</th>
                    <td>{formatInt(c.count)}</td>
                    <td>{formatPercent(c.count / classTotal)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {r.classBalance.length > MAX_CLASSES && (
              <p className="hint">…and {r.classBalance.length - MAX_CLASSES} more labels</p>
            )}
          </figure>
        )}

        {tl && (
          <figure className="chart" aria-labelledby="report-length-title">
            <figcaption>
              <span className="chart-title" id="report-length-title">
                Tokens per row ({tl.tokenizer})
              </span>
            </figcaption>
            <div
              className="chart-body"
              aria-hidden="true"
              data-testid="report-length-bars"
              data-bins={tl.bins.length}
              data-cut-bin={tl.cutBin}
              data-cut-rows={cutShown}
            >
              <BarsSvg
                bars={lengthData}
                color="var(--c3)"
                marker={{ index: tl.cutBin, label: `max_length ${tl.maxLength}` }}
              />
            </div>
            <p className="hint" data-testid="report-lengths">
              Measured before truncation. {formatPercent(tl.truncatedShare)} of rows (
              {formatInt(tl.truncatedRows)} of {formatInt(tl.measured)} measured
              {tl.cutBin < tl.bins.length ? ', the bars right of the max_length line' : ''}) are
              longer than max_length {tl.maxLength} and get cut. Mean {tl.mean.toFixed(1)} tokens,
              median {tl.median}, 95th percentile {tl.p95}
              {tl.atCap > 0
                ? ` (${formatInt(tl.atCap)} rows counted at ${formatInt(tl.measureCap)}, the most measured)`
                : ''}
              .
            </p>
          </figure>
        )}
      </div>

      {!r.tagged && (
        <ul className="report-list" aria-label="Empty and duplicate rows">
          <li data-testid="report-empty">
            {formatInt(r.empty.count)} empty row{r.empty.count === 1 ? '' : 's'} (no text or no
            label, left out)
            {r.empty.count > 0 && (
              <span className="muted">: {rowList(r.empty.rows, r.empty.count)}</span>
            )}
          </li>
          <li data-testid="report-duplicates">
            {formatInt(r.duplicates.count)} duplicate text{r.duplicates.count === 1 ? '' : 's'}
            {r.duplicates.conflictingLabels > 0 &&
              `, ${formatInt(r.duplicates.conflictingLabels)} with a different label`}
            {r.duplicates.count > 0 && (
              <span className="muted">: {rowList(r.duplicates.rows, r.duplicates.count)}</span>
            )}
          </li>
        </ul>
      )}

      {r.examplesPerClass.length > 0 && !r.tagged && (
        <details className="report-examples">
          <summary>Examples per class</summary>
          <dl>
            {r.examplesPerClass.slice(0, MAX_CLASSES).map((e) => (
              <div key={e.label}>
                <dt>{e.label}</dt>
                {e.examples.map((x, i) => (
                  <dd key={i}>{x}</dd>
                ))}
              </div>
            ))}
          </dl>
        </details>
      )}
    </section>
  );
}
