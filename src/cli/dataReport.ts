/** The data report on stderr: what `studio train` says of the rows it read. */
import type { DataReport } from '../core/data/report';
import { log } from './runtime';

/** The data report's lines the summary above lacks: rows used, anomaly kinds, task, lengths. */
export function logDataReport(r: DataReport): void {
  const kinds = Object.entries(r.anomaliesByKind).map(([k, n]) => `${k} ${n}`);
  log(
    `data report: rows read ${r.rows}, rows used ${r.rowsUsed}, ${r.columns.length} columns; ` +
      `anomalies ${r.anomalyCount}${kinds.length ? ` (${kinds.join(', ')})` : ''}`,
  );
  log(`  task: ${r.task.problemType} (${r.task.reason})`);
  const tl = r.tokenLengths;
  if (tl) {
    log(
      `  tokens per row at ${tl.tokenizer} (before truncation): mean ${tl.mean.toFixed(1)}, median ${tl.median}, p95 ${tl.p95}; ` +
        `${(tl.truncatedShare * 100).toFixed(1)}% of rows truncated at max_length ${tl.maxLength}` +
        (tl.measured < r.rows ? ` (sample of ${tl.measured})` : ''),
    );
  }
  log(
    `  empty rows ${r.empty.count}${r.empty.rows.length ? ` (rows ${r.empty.rows.slice(0, 10).join(', ')})` : ''}; ` +
      `duplicate texts ${r.duplicates.count}` +
      (r.duplicates.conflictingLabels
        ? `, ${r.duplicates.conflictingLabels} with a different label`
        : ''),
  );
  if (r.capped) log(`  warning: ${r.capped}`);
}
