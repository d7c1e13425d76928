/**
 * The data section's file controls: how a CSV file is read (delimiter, header; each change
 * reads it again, as the command line's --delimiter and --no_header) and the separate
 * validation file's line (rows, columns, anomalies) with the way back to a split.
 */
import { useId, type RefObject } from 'react';
import type { TableReadChoice, TableSummary } from '../worker/client';
import { formatInt } from './format';

/** The delimiters offered (as `--delimiter`); auto sniffs them. */
const DELIMITERS: { value: string; label: string }[] = [
  { value: '', label: 'auto (detected)' },
  { value: ',', label: 'comma ,' },
  { value: '\t', label: 'tab' },
  { value: ';', label: 'semicolon ;' },
  { value: '|', label: 'pipe |' },
];

const headerValue = (h: boolean | undefined) => (h === undefined ? '' : h ? 'yes' : 'no');

/** The delimiter and header controls: each change reads the file again. */
export function ReadChoice(props: {
  choice: TableReadChoice;
  disabled: boolean;
  onChange: (read: TableReadChoice) => void;
}) {
  const ids = { delimiter: useId(), header: useId() };
  const c = props.choice;
  return (
    <div className="field-row read-choice" data-testid="read-choice">
      <label htmlFor={ids.delimiter}>Delimiter</label>
      <select
        id={ids.delimiter}
        value={c.delimiter ?? ''}
        disabled={props.disabled}
        onChange={(e) => {
          const { delimiter: _d, ...rest } = c;
          props.onChange(e.target.value ? { ...rest, delimiter: e.target.value } : rest);
        }}
      >
        {DELIMITERS.map((d) => (
          <option key={d.label} value={d.value}>
            {d.label}
          </option>
        ))}
      </select>
      <label htmlFor={ids.header}>Header row</label>
      <select
        id={ids.header}
        value={headerValue(c.hasHeader)}
        disabled={props.disabled}
        onChange={(e) => {
          const { hasHeader: _h, ...rest } = c;
          const v = e.target.value;
          props.onChange(v ? { ...rest, hasHeader: v === 'yes' } : rest);
        }}
      >
        <option value="">auto (detected)</option>
        <option value="yes">yes: row 1 names the columns</option>
        <option value="no">no: row 1 is data</option>
      </select>
    </div>
  );
}

/** The validation file's line: its rows, columns and anomalies, and a button to drop it. */
export function ValidationFile(props: {
  validation: TableSummary;
  disabled: boolean;
  onClear?: () => void;
  headingRef: RefObject<HTMLHeadingElement | null>;
}) {
  const v = props.validation;
  return (
    <div className="validation-file" data-testid="validation-file">
      <h3 tabIndex={-1} ref={props.headingRef}>
        Validation file: {v.fileName}
      </h3>
      <p data-testid="validation-summary">
        {formatInt(v.rowCount)} rows · {formatInt(v.columns.length)} columns ({v.columns.join(', ')}
        ) · {formatInt(v.anomalyCount)} unusual row{v.anomalyCount === 1 ? '' : 's'}
        {v.anomalyCount > 0 &&
          `: ${v.anomalies
            .slice(0, 3)
            .map((a) => `row ${a.row}: ${a.message}`)
            .join('; ')}`}
        . It is used for evaluation instead of a split of the training file.
      </p>
      {props.onClear && (
        <button type="button" className="small" disabled={props.disabled} onClick={props.onClear}>
          Use a split of the training file instead
        </button>
      )}
    </div>
  );
}
