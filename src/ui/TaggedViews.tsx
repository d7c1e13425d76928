/**
 * The evaluation views of a token-classification run (seqeval's scores as the Trainer logs
 * them): the headline metrics, the per-entity-type table, the confusion of entity types (with
 * missed and spurious entities) and the validation sentences with mistakes, the gold and
 * predicted spans marked (colour plus a text marker).
 */
import { useDeferredValue, useId, useMemo, useState } from 'react';
import type { TaggedEvalDetails, TaggedSentenceResult } from '../worker/client';
import { pageSlice } from './paging';
import { Pager } from './Pager';

/** Sentences per page; the search works over all of them. */
export const TAGGED_MISTAKES_PAGE = 20;

const num = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '–');

/** Headline metrics and the per-type table. */
function EntityTable({ d }: { d: TaggedEvalDetails }) {
  const m = d.metrics;
  return (
    <>
      <dl className="metrics" data-testid="eval-metrics">
        {(['precision', 'recall', 'f1', 'accuracy'] as const).map((k) => (
          <div className="metric" key={k}>
            <dt>eval_{k}</dt>
            <dd>{num(m[k])}</dd>
          </div>
        ))}
      </dl>
      <div className="table-wrap">
        <table aria-label="Per-entity-type scores" data-testid="entity-table">
          <thead>
            <tr>
              <th scope="col">Entity type</th>
              <th scope="col">Precision</th>
              <th scope="col">Recall</th>
              <th scope="col">F1</th>
              <th scope="col">Support</th>
            </tr>
          </thead>
          <tbody>
            {m.perType.map((t) => (
              <tr key={t.type} data-type={t.type}>
                <th scope="row">{t.type}</th>
                <td className="num">{num(t.precision)}</td>
                <td className="num">{num(t.recall)}</td>
                <td className="num">{num(t.f1)}</td>
                <td className="num">{t.number}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="hint">
        seqeval's entity matching (conlleval-style, IOB2): an entity counts only when its type and
        its words both match. Support: the type's entities in the validation tags.
      </p>
    </>
  );
}

/** The entity-type confusion as a heatmap table: rows gold, columns predicted. */
function EntityConfusionTable({ d }: { d: TaggedEvalDetails }) {
  const { types, counts } = d.confusion;
  const n = types.length + 1;
  const rowNames = [...types, 'spurious'];
  const colNames = [...types, 'missed'];
  const max = Math.max(1, ...counts);
  return (
    <div className="confusion">
      <h4 className="chart-title">Confusion of entity types</h4>
      <div className="table-wrap">
        <table
          className="heatmap"
          aria-label="Entity confusion (counts): rows are gold entity types, columns predicted types; the spurious row holds predicted entities with no gold entity of that span, the missed column gold entities with no predicted entity of that span"
          data-testid="entity-confusion"
        >
          <thead>
            <tr>
              <th scope="col">gold \ predicted</th>
              {colNames.map((c) => (
                <th key={c} scope="col">
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rowNames.map((r, i) => (
              <tr key={r}>
                <th scope="row">{r}</th>
                {colNames.map((c, j) => {
                  const v = counts[i * n + j] ?? 0;
                  const blank = i === n - 1 && j === n - 1;
                  return (
                    <td
                      key={c}
                      className={`num${i === j && i < n - 1 ? ' diag' : ''}`}
                      data-count={v}
                      style={{
                        background: `color-mix(in srgb, var(--accent) ${Math.round((v / max) * 45)}%, transparent)`,
                      }}
                    >
                      {blank ? '' : v}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

interface Piece {
  text: string;
  type: string | null;
  /** A span starts at this word. */
  start: boolean;
}

/** The words of a sentence grouped by the spans in `spans` (one line of marks). */
function piecesOf(words: string[], spans: TaggedSentenceResult['gold']): Piece[] {
  const at: (string | null)[] = words.map(() => null);
  const starts = new Set<number>();
  for (const s of spans) {
    starts.add(s.start);
    for (let w = s.start; w < s.end && w < words.length; w++) at[w] = s.type;
  }
  const out: Piece[] = [];
  for (let w = 0; w < words.length; w++) {
    const last = out.at(-1);
    if (last && at[w] !== null && last.type === at[w] && !starts.has(w))
      last.text += ` ${words[w]}`;
    else out.push({ text: words[w], type: at[w], start: starts.has(w) });
  }
  return out;
}

/** One sentence with its spans marked: the type as text in brackets after each span. */
function MarkedSentence({
  words,
  spans,
  which,
}: {
  words: string[];
  spans: TaggedSentenceResult['gold'];
  which: 'gold' | 'predicted';
}) {
  const pieces = piecesOf(words, spans);
  return (
    <span className={`tagged-line ${which}`}>
      {pieces.map((p, i) => (
        <span key={i}>
          {i > 0 && ' '}
          {p.type ? (
            <mark
              className={`entity ${which}`}
              data-type={p.type}
              aria-label={`${which} ${p.type}: ${p.text}`}
            >
              {p.text} <span className="entity-type">[{p.type}]</span>
            </mark>
          ) : (
            p.text
          )}
        </span>
      ))}
    </span>
  );
}

/** Validation sentences with mistakes (most first): searchable, 20 a page. */
function TaggedMistakes({ d }: { d: TaggedEvalDetails }) {
  const [query, setQuery] = useState('');
  const [page, setPage] = useState(0);
  const searchId = useId();
  const q = useDeferredValue(query.trim().toLowerCase());
  const rows = useMemo(() => {
    const wrong = d.sentences.filter((s) => s.errors > 0);
    if (!q) return wrong;
    return wrong.filter(
      (s) =>
        s.words.join(' ').toLowerCase().includes(q) ||
        s.gold.some((e) => e.type.toLowerCase().includes(q)) ||
        s.predicted.some((e) => e.type.toLowerCase().includes(q)),
    );
  }, [d, q]);
  const shown = pageSlice(rows.length, TAGGED_MISTAKES_PAGE, page);
  return (
    <div className="mistakes">
      <div className="field-row">
        <label htmlFor={searchId}>Search sentences</label>
        <input
          id={searchId}
          type="search"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setPage(0);
          }}
          placeholder="a word or an entity type"
        />
      </div>
      <p className="hint" data-testid="tagged-mistakes-count">
        {d.sentencesWithErrors} of {d.sentenceCount} validation sentences have a mistake
        {d.sentences.length < d.sentencesWithErrors
          ? ` (the ${d.sentences.filter((s) => s.errors > 0).length} with the most are listed)`
          : ''}
        . Each sentence shows its gold entities, then the predicted ones (gold spans underlined,
        predicted ones boxed, each followed by its type in brackets).
      </p>
      {rows.length > TAGGED_MISTAKES_PAGE && (
        <Pager
          noun="sentences"
          label="Sentence mistakes pages"
          testId="tagged-mistakes-pager"
          pageTestId="tagged-mistakes-page"
          shown={shown}
          setPage={setPage}
        />
      )}
      <div className="table-wrap">
        <table
          aria-label="Validation sentences with mistakes"
          data-testid="tagged-mistakes"
          className="wrap-text"
        >
          <thead>
            <tr>
              <th scope="col">Sentence</th>
              <th scope="col">Errors</th>
            </tr>
          </thead>
          <tbody>
            {rows.slice(shown.start, shown.end).map((s) => (
              <tr key={s.row}>
                <td className="text-cell">
                  <div>
                    <span className="line-tag">gold </span>
                    <MarkedSentence words={s.words} spans={s.gold} which="gold" />
                  </div>
                  <div>
                    <span className="line-tag">predicted </span>
                    <MarkedSentence words={s.words} spans={s.predicted} which="predicted" />
                  </div>
                </td>
                <td className="num">{s.errors}</td>
              </tr>
            ))}
            {rows.length === 0 && (
              <tr>
                <td colSpan={2} className="muted">
                  {d.sentencesWithErrors === 0
                    ? 'No mistakes on the validation split.'
                    : 'No match.'}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** The token-classification evaluation views. */
export function TaggedViews({ d }: { d: TaggedEvalDetails }) {
  return (
    <>
      <h3>Evaluation on the validation split</h3>
      <div className="eval" data-testid="eval-view">
        <EntityTable d={d} />
        <EntityConfusionTable d={d} />
      </div>
      <h3>Mistakes</h3>
      <TaggedMistakes d={d} />
    </>
  );
}
