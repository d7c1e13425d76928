/** The evaluation's export buttons and the tables they write (metrics, per-row predictions). */
import { toCsv, type EvalDetails } from '../worker/client';
import { downloadText } from './exportData';

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

export function EvalExports({ details }: { details: EvalDetails }) {
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
