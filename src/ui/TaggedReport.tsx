/**
 * The data report's part for a tagged file (CoNLL, tagged JSON Lines): what the reader found
 * (format, sentences, words, tags, scheme, IOB1 converted, issues with their lines), entities
 * per type, sentence lengths in words and in sub-tokens, and what truncation at max_length cuts.
 * Bars are decorative: each chart's numbers are also given as text.
 */
import type { TaggedDataSummary } from '../worker/client';
import { BarsSvg, type Bar } from './BarsSvg';
import { formatInt } from './format';

/** Bins of a length histogram: `n` bins of one whole width over [0, max]. */
export function lengthBars(lengths: readonly number[], n = 12): Bar[] {
  if (lengths.length === 0) return [];
  let max = 0;
  for (const v of lengths) if (v > max) max = v;
  const width = Math.max(1, Math.ceil((max + 1) / n));
  const bins = Math.ceil((max + 1) / width);
  const counts = new Array<number>(bins).fill(0);
  for (const v of lengths) counts[Math.floor(v / width)]++;
  return counts.map((count, i) => ({
    label: width === 1 ? String(i) : `${i * width}–${(i + 1) * width - 1}`,
    count,
  }));
}

function stats(lengths: readonly number[]): string {
  if (lengths.length === 0) return 'none';
  const sorted = lengths.slice().sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return `mean ${mean.toFixed(1)}, median ${at(0.5)}, 95th percentile ${at(0.95)}, longest ${sorted.at(-1)}`;
}

function LengthChart(props: { id: string; title: string; lengths: number[]; color: string }) {
  return (
    <figure className="chart" aria-labelledby={props.id}>
      <figcaption>
        <span className="chart-title" id={props.id}>
          {props.title}
        </span>
      </figcaption>
      <div className="chart-body" aria-hidden="true">
        <BarsSvg bars={lengthBars(props.lengths)} color={props.color} />
      </div>
      <p className="hint">{stats(props.lengths)}.</p>
    </figure>
  );
}

export function TaggedReport({ t, maxLength }: { t: TaggedDataSummary; maxLength?: number }) {
  const entities = t.entitiesPerType.reduce((a, e) => a + e.count, 0);
  return (
    <div className="tagged-report" data-testid="tagged-report">
      <p data-testid="tagged-found">
        {t.format === 'conll' ? 'CoNLL' : 'JSON Lines'} file: {formatInt(t.sentences)} sentences,{' '}
        {formatInt(t.words)} words, {t.labelNames.length} tags ({t.labelNames.join(', ')}), scheme{' '}
        {t.scheme}
        {t.convertedTags > 0
          ? `, ${formatInt(t.convertedTags)} IOB1 tags converted to IOB2`
          : ''}; {formatInt(entities)} entities.
      </p>
      {t.issues.length > 0 && (
        <ul className="report-list" aria-label="Tag issues" data-testid="tagged-issues">
          {t.issues.map((i) => (
            <li key={i.message}>
              {i.message}: {formatInt(i.count)}{' '}
              <span className="muted">
                (line{i.lines.length === 1 ? '' : 's'} {i.lines.join(', ')}
                {i.count > i.lines.length ? '…' : ''})
              </span>
            </li>
          ))}
        </ul>
      )}
      <p data-testid="tagged-truncation">
        Truncation at max_length{maxLength ? ` ${maxLength}` : ''} cuts{' '}
        {formatInt(t.sentencesTruncated)} sentence{t.sentencesTruncated === 1 ? '' : 's'} and{' '}
        {formatInt(t.entitiesCut)} entit{t.entitiesCut === 1 ? 'y' : 'ies'} (their words get no
        prediction).
      </p>
      <div className="report-charts">
        <figure className="chart" aria-labelledby="tagged-entities-title">
          <figcaption>
            <span className="chart-title" id="tagged-entities-title">
              Entities per type
            </span>
          </figcaption>
          <div className="chart-body" aria-hidden="true">
            <BarsSvg
              bars={t.entitiesPerType.map((e) => ({ label: e.type, count: e.count }))}
              color="var(--c1)"
              allLabels
            />
          </div>
          <table
            className="report-table"
            aria-label="Entities per type"
            data-testid="tagged-entities"
          >
            <thead>
              <tr>
                <th scope="col">type</th>
                <th scope="col">entities</th>
              </tr>
            </thead>
            <tbody>
              {t.entitiesPerType.map((e) => (
                <tr key={e.type}>
                  <th scope="row">{e.type}</th>
                  <td>{formatInt(e.count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </figure>
        <LengthChart
          id="tagged-words-title"
          title="Words per sentence"
          lengths={t.wordLengths}
          color="var(--c2)"
        />
        <LengthChart
          id="tagged-subtokens-title"
          title="Sub-tokens per sentence (with special tokens, before truncation)"
          lengths={t.subTokenLengths}
          color="var(--c3)"
        />
      </div>
    </div>
  );
}
