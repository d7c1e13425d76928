/**
 * Previous / next buttons for a paged list, with its "21–40 of 86" line in a polite live region.
 */
import type { PageSlice } from './paging';

export interface PagerProps {
  /** What is paged, for the buttons and the navigation's name ("classes", "mistakes"). */
  noun: string;
  /** The navigation landmark's accessible name, e.g. "Mistakes pages". */
  label: string;
  /** Test ids of the navigation and of its page line. */
  testId: string;
  pageTestId: string;
  shown: PageSlice;
  setPage: (page: number) => void;
}

export function Pager({ noun, label, testId, pageTestId, shown, setPage }: PagerProps) {
  return (
    <nav className="field-row pager" aria-label={label} data-testid={testId}>
      <button
        type="button"
        className="small"
        disabled={shown.page === 0}
        onClick={() => setPage(shown.page - 1)}
      >
        Previous {noun}
      </button>
      <span data-testid={pageTestId} aria-live="polite">
        {shown.label}
      </span>
      <button
        type="button"
        className="small"
        disabled={shown.page >= shown.pages - 1}
        onClick={() => setPage(shown.page + 1)}
      >
        Next {noun}
      </button>
    </nav>
  );
}
