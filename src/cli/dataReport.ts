/** The data report on stderr: what `studio train` says of the rows it read. */
import type { DataReport } from '../core/data/report';
import type { TaggedDataSummary } from '../core/data/taggedTypes';
import type { TableSummary } from '../core/session';
import { log } from './runtime';

/** What `studio train` found in a tagged file: sentences, tokens, tags, scheme, issues. */
export function logTaggedFile(path: string, t: TableSummary): void {
  const g = t.tagged;
  if (!g) return;
  const format =
    (g.format === 'conll' ? 'CoNLL' : 'JSON Lines (tokens, ner_tags)') + (t.gzip ? ', gzip' : '');
  log(
    `read ${path}: ${format}, token classification: ${g.sentences} sentences, ${g.words} tokens, ` +
      `${g.labelNames.length} tags [${g.labelNames.join(', ')}], scheme ${g.scheme}` +
      (g.convertedTags ? ` (${g.convertedTags} tags converted to IOB2)` : '') +
      `; ${g.issues.length} issue${g.issues.length === 1 ? '' : 's'}`,
  );
  for (const i of g.issues.slice(0, 5)) {
    const more = i.count > i.lines.length ? ` and ${i.count - i.lines.length} more` : '';
    log(`  ${i.message}: ${i.count}, lines ${i.lines.slice(0, 10).join(', ')}${more}`);
  }
}

/** The tagged data report's lines: entities per type, lengths, what truncation cuts. */
function logTaggedReport(g: TaggedDataSummary, maxLength: number): void {
  const types = g.entitiesPerType.map((e) => `${e.type} ${e.count}`).join(', ');
  log(`  task: token-classification; entities per type: ${types || 'none'}`);
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
    const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
    return `mean ${mean.toFixed(1)}, median ${at(0.5)}, p95 ${at(0.95)}, max ${s[s.length - 1] ?? 0}`;
  };
  log(`  sentence lengths in words: ${stats(g.wordLengths)}`);
  log(`  in sub-tokens (before truncation): ${stats(g.subTokenLengths)}`);
  log(
    `  truncation at max_length ${maxLength}: ${g.sentencesTruncated} sentences cut, ` +
      `${g.entitiesCut} entities cut`,
  );
}

/** The data report's lines the summary above lacks: rows used, anomaly kinds, task, lengths. */
export function logDataReport(r: DataReport, maxLength = 0): void {
  if (r.tagged) return logTaggedReport(r.tagged, maxLength);
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
