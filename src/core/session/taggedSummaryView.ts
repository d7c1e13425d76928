/**
 * What the UI (and `studio train`) shows of a tagged file when it is opened, in the table
 * summary's shape: sentences as rows (words, tags), the reader's issues as anomalies, the
 * format, tags and scheme found.
 */
import type { LoadedTagged } from './tagged';
import type { TableSummary } from './types';

/** Sentences the preview shows. */
const PREVIEW_ROWS = 20;

/** The table summary of a tagged file (columns `tokens` and `ner_tags`, a row per sentence). */
export function summarizeTagged(t: LoadedTagged): TableSummary {
  const c = t.corpus;
  const sentences = c.offsets.length - 1;
  const preview: string[][] = [];
  for (let i = 0; i < Math.min(PREVIEW_ROWS, sentences); i++) {
    const from = c.offsets[i];
    const to = c.offsets[i + 1];
    const tags: string[] = [];
    for (let w = from; w < to; w++) tags.push(c.labelNames[c.tags[w]]);
    preview.push([c.words.slice(from, to).join(' '), tags.join(' ')]);
  }
  const anomalies = c.issues.flatMap((issue) =>
    issue.lines.map((row) => ({ row, kind: 'tag-issue', message: issue.message })),
  );
  return {
    fileName: t.fileName,
    encoding: t.encoding,
    delimiter: c.format === 'conll' ? '\t' : '',
    hasHeader: false,
    columns: ['tokens', 'ner_tags'],
    rowCount: sentences,
    preview,
    anomalies: anomalies.slice(0, 50),
    anomalyCount: c.issues.reduce((n, i) => n + i.count, 0),
    guess: { text: 'tokens', label: 'ner_tags' },
    format: c.format,
    gzip: t.gzip === true,
    capped: null,
    bytesRead: t.bytes,
    taskKind: 'token-classification',
    tagged: {
      format: c.format,
      sentences,
      words: c.words.length,
      labelNames: [...c.labelNames],
      scheme: c.scheme,
      convertedTags: c.convertedTags,
      issues: c.issues,
    },
  };
}
