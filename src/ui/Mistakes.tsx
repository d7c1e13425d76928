import { useDeferredValue, useEffect, useId, useMemo, useState } from 'react';
import { splitKept, type ClassificationDetails, type RowPrediction } from '../worker/client';
import { pageSlice } from './paging';
import { Pager } from './Pager';

type SortKey = 'confidence' | 'label' | 'pred' | 'text';
/** Rows per page; the search and the sort work over all of them. */
export const MISTAKES_PAGE = 20;

const COLUMNS: { key: SortKey; title: string }[] = [
  { key: 'text', title: 'Text' },
  { key: 'label', title: 'True label' },
  { key: 'pred', title: 'Prediction' },
  { key: 'confidence', title: 'Confidence' },
];

/** The text cell: what the model saw, then (marked) what truncation cut. */
function TextCell({ row, showCut }: { row: RowPrediction; showCut: boolean }) {
  if (!showCut || !row.truncated || row.keptText === null) return <>{row.text}</>;
  const split = splitKept(row.text, row.keptText);
  if (!split) {
    return (
      <>
        {row.text} <span className="hint">(model saw: {row.keptText})</span>
      </>
    );
  }
  return (
    <>
      <span>{split.kept}</span>
      <del className="cut" title="Cut by truncation: the model never saw this">
        <span className="visually-hidden"> [cut by truncation:] </span>
        {split.cut}
      </del>
    </>
  );
}

/** Validation rows the model gets wrong: searchable, sortable, most confident first. */
export function Mistakes({ d }: { d: ClassificationDetails }) {
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({
    key: 'confidence',
    desc: true,
  });
  const [showCut, setShowCut] = useState(true);
  const [page, setPage] = useState(0);
  const searchId = useId();
  const cutId = useId();
  const q = useDeferredValue(query.trim().toLowerCase());
  const rows = useMemo(() => {
    const name = (i: number) => d.labelNames[i];
    const hit = q
      ? d.mistakes.filter(
          (r) =>
            r.text.toLowerCase().includes(q) ||
            name(r.label).toLowerCase().includes(q) ||
            name(r.pred).toLowerCase().includes(q),
        )
      : d.mistakes.slice();
    const dir = sort.desc ? -1 : 1;
    const by: Record<SortKey, (a: RowPrediction, b: RowPrediction) => number> = {
      confidence: (a, b) => a.confidence - b.confidence,
      label: (a, b) => name(a.label).localeCompare(name(b.label)),
      pred: (a, b) => name(a.pred).localeCompare(name(b.pred)),
      text: (a, b) => a.text.localeCompare(b.text),
    };
    return hit.sort((a, b) => dir * by[sort.key](a, b) || a.index - b.index);
  }, [d, q, sort]);
  // A new search, sort or evaluation starts at the first page.
  useEffect(() => setPage(0), [d, q, sort]);
  const shown = pageSlice(rows.length, MISTAKES_PAGE, page);
  const truncated = d.mistakes.filter((r) => r.truncated).length;
  const toggle = (key: SortKey) =>
    setSort((s) => (s.key === key ? { key, desc: !s.desc } : { key, desc: key === 'confidence' }));
  return (
    <div className="mistakes" data-testid="mistakes-view">
      <div className="field-row">
        <label htmlFor={searchId}>Search mistakes</label>
        <input
          id={searchId}
          type="search"
          value={query}
          placeholder="text or label"
          onChange={(e) => setQuery(e.target.value)}
        />
        <label className="check" htmlFor={cutId}>
          <input
            id={cutId}
            type="checkbox"
            checked={showCut}
            onChange={(e) => setShowCut(e.target.checked)}
          />{' '}
          Mark text cut by truncation ({truncated} of these rows were cut)
        </label>
      </div>
      <p className="hint" role="status" data-testid="mistakes-count">
        {d.mistakes.length} of {d.rows.length} validation rows are wrong
        {q ? `; ${rows.length} match “${query.trim()}”` : ''}.
      </p>
      {rows.length > MISTAKES_PAGE && (
        <Pager
          noun="mistakes"
          label="Mistakes pages"
          testId="mistakes-pager"
          pageTestId="mistakes-page"
          shown={shown}
          setPage={setPage}
        />
      )}
      <div className="table-wrap">
        <table aria-label="Validation mistakes" data-testid="mistakes-table" className="wrap-text">
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <th
                  key={c.key}
                  scope="col"
                  aria-sort={
                    sort.key === c.key ? (sort.desc ? 'descending' : 'ascending') : undefined
                  }
                >
                  <button type="button" className="sort" onClick={() => toggle(c.key)}>
                    {c.title}
                    <span aria-hidden="true">
                      {sort.key === c.key ? (sort.desc ? ' ▼' : ' ▲') : ''}
                    </span>
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.slice(shown.start, shown.end).map((r) => (
              <tr key={r.index}>
                <td className="text-cell">
                  <TextCell row={r} showCut={showCut} />
                </td>
                <td>{d.labelNames[r.label]}</td>
                <td>{d.labelNames[r.pred]}</td>
                <td className="num">{(r.confidence * 100).toFixed(1)}%</td>
              </tr>
            ))}
            {rows.length === 0 && (
              <tr>
                <td colSpan={4} className="muted">
                  {d.mistakes.length === 0 ? 'No mistakes on the validation split.' : 'No match.'}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}
