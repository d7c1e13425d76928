import { useEffect, useId, useLayoutEffect, useRef, type ReactNode, type RefObject } from 'react';
import type {
  ColumnChoice,
  DataReport as Report,
  DatasetSummary,
  ReadProgress,
  TableReadChoice,
  TableSummary,
} from '../worker/client';
import { DataReport } from './DataReport';
import { ReadChoice, ValidationFile } from './DataFileControls';
import { VALIDATION_FRACTION_SPEC } from './defaults';
import { DropZone } from './DropZone';
import { focusLost } from './focus';
import { formatDatasetSummary, formatInt } from './format';
import { NumberField } from './NumberField';
import { ReadingProgress } from './ReadingProgress';
import { Section } from './Section';

interface Props {
  table: TableSummary | null;
  dataset: DatasetSummary | null;
  /** False while the shown dataset is being re-prepared for new options. */
  datasetCurrent: boolean;
  columns: ColumnChoice | null;
  validationFraction: number;
  loadingFile: boolean;
  /** The file being read in the worker and its progress, or null. */
  reading: { name: string; progress: ReadProgress | null } | null;
  preparing: boolean;
  disabled: boolean;
  onFile: (file: File) => void;
  /** Opens the bundled demo again (offered while the user's own file is open). */
  onDemo?: () => void;
  onColumns: (c: ColumnChoice) => void;
  onValidationFraction: (v: number) => void;
  /** The data report of the prepared dataset, when it has arrived. */
  report?: Report | null;
  /** How CSV files are read (delimiter, header; detected when left out) and its control. */
  readChoice?: TableReadChoice;
  onReadChoice?: (read: TableReadChoice) => void;
  /** A separate validation file, instead of a split of the training file. */
  validation?: TableSummary | null;
  onValidationFile?: (file: File) => void;
  onClearValidation?: () => void;
}

/** How the file was read: "comma-separated", "tab-separated", "Parquet", "CoNLL"…, "gzip". */
export function formatLabel(t: TableSummary): string {
  const base =
    t.format === 'parquet'
      ? 'Parquet'
      : t.format === 'conll'
        ? 'CoNLL'
        : t.format === 'jsonl'
          ? 'JSON Lines'
          : t.format === 'json'
            ? 'JSON'
            : t.delimiter === '\t'
              ? 'tab-separated'
              : t.delimiter === ','
                ? 'comma-separated'
                : `"${t.delimiter}"-separated`;
  return t.gzip ? `${base} (gzip)` : base;
}

const PREVIEW_ROWS = 5;

/** A labelled column picker; `allowNone` adds "(none)" for optional columns. */
function ColumnSelect(props: {
  id: string;
  label: string;
  columns: readonly string[];
  value: string;
  disabled: boolean;
  allowNone?: boolean;
  onChange: (column: string) => void;
  hint: ReactNode;
  selectRef?: RefObject<HTMLSelectElement | null>;
}) {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <select
        ref={props.selectRef}
        id={props.id}
        aria-label={props.label}
        value={props.value}
        disabled={props.disabled}
        onChange={(e) => props.onChange(e.target.value)}
      >
        {props.allowNone && <option value="">(none)</option>}
        {props.columns.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
      <p className="hint">{props.hint}</p>
    </div>
  );
}

/** 1 Data: drop a file, see a preview, pick columns and the validation split. */
export function DataPanel(p: Props) {
  const ids = { text: useId(), label: useId(), pair: useId() };
  const table = p.table;
  const cols = p.columns;
  const textSelect = useRef<HTMLSelectElement>(null);
  const zone = useRef<HTMLDivElement>(null);
  // A file the user chose or dropped: once read, focus goes to its text column (the next
  // choice), not to the page top (the picker's button is disabled while the file is read).
  const focusAfter = useRef<{ table: TableSummary | null; always: boolean } | null>(null);
  const validationHeading = useRef<HTMLHeadingElement>(null);
  const focusValidation = useRef<{ validation: TableSummary | null } | null>(null);
  const onValidationFile = (file: File) => {
    focusValidation.current = { validation: p.validation ?? null };
    p.onValidationFile?.(file);
  };
  useEffect(() => {
    const pending = focusValidation.current;
    if (!pending || p.loadingFile) return;
    focusValidation.current = null;
    if (p.validation && p.validation !== pending.validation) validationHeading.current?.focus();
  }, [p.loadingFile, p.validation]);
  const onFile = (file: File) => {
    focusAfter.current = { table, always: true };
    p.onFile(file);
  };
  // A file chosen elsewhere ("Use your own file" above the panel, whose button goes away once the
  // file is read): the same place, when focus was lost on the way. Not the first file a visit
  // opens by itself (the demo, or the file kept from the last visit).
  useLayoutEffect(() => {
    if (p.loadingFile && !focusAfter.current && table)
      focusAfter.current = { table, always: false };
  }, [p.loadingFile]); // eslint-disable-line react-hooks/exhaustive-deps -- the table when loading starts
  useLayoutEffect(() => {
    const pending = focusAfter.current;
    if (!pending || p.loadingFile) return;
    focusAfter.current = null;
    if (!pending.always && !focusLost()) return;
    if (table && table !== pending.table && textSelect.current) textSelect.current.focus();
    else if (pending.always) {
      zone.current?.querySelector<HTMLButtonElement>('button.dropzone-title')?.focus();
    }
  }, [p.loadingFile, table]);
  return (
    <Section n={1} title="Data" anchor="step-data">
      <DropZone onFile={onFile} disabled={p.disabled || p.loadingFile} zoneRef={zone}>
        <p className="file-line">
          {table ? (
            <>
              Loaded: <strong data-testid="file-name">{table.fileName}</strong> ·{' '}
              {formatInt(table.rowCount)} rows · {table.encoding} ·{' '}
              <span data-testid="file-format">{formatLabel(table)}</span>
              {table.format === undefined || table.format === 'csv'
                ? table.hasHeader
                  ? ' · header row'
                  : ' · no header'
                : ''}
            </>
          ) : (
            <span className="muted">No file yet: the SMS spam demo loads by itself.</span>
          )}
        </p>
        {p.onDemo && table && (
          <p className="hint">
            Your file reopens when you come back.{' '}
            <button
              type="button"
              className="small"
              disabled={p.disabled || p.loadingFile}
              onClick={(e) => {
                e.stopPropagation(); // the zone around it opens the file picker
                p.onDemo?.();
              }}
            >
              Open the demo data instead
            </button>
          </p>
        )}
        {table?.capped && (
          <p className="hint hint-error" data-testid="file-capped">
            {table.capped}
          </p>
        )}
      </DropZone>
      {table && p.onReadChoice && (table.format === undefined || table.format === 'csv') && (
        <ReadChoice
          choice={p.readChoice ?? {}}
          disabled={p.disabled || p.loadingFile}
          onChange={p.onReadChoice}
        />
      )}
      {p.reading && (
        <ReadingProgress
          key={p.reading.name}
          fileName={p.reading.name}
          progress={p.reading.progress}
        />
      )}

      {table && table.anomalyCount > 0 && (
        <details className="anomalies">
          <summary>
            {formatInt(table.anomalyCount)} unusual row{table.anomalyCount === 1 ? '' : 's'} handled
            while reading
          </summary>
          <ul>
            {table.anomalies.map((a, i) => (
              <li key={i}>
                row {a.row}: {a.message}
              </li>
            ))}
          </ul>
        </details>
      )}

      {table && (
        <div className="table-wrap">
          <table aria-label="Data preview">
            <thead>
              <tr>
                {table.columns.map((c, i) => (
                  <th key={i} scope="col">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {table.preview.slice(0, PREVIEW_ROWS).map((row, r) => (
                <tr key={r}>
                  {table.columns.map((_, c) => (
                    <td key={c} title={row[c] ?? ''}>
                      {row[c] ?? ''}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {table && cols && (
        <div className="field-grid">
          <ColumnSelect
            id={ids.text}
            label="Text column"
            selectRef={textSelect}
            columns={table.columns}
            value={cols.text}
            disabled={p.disabled}
            onChange={(v) => p.onColumns({ ...cols, text: v })}
            hint={
              <>
                The input the model reads (the tokenizer&apos;s <code>text</code>).
              </>
            }
          />
          <ColumnSelect
            id={ids.label}
            label="Label column"
            columns={table.columns}
            value={cols.label}
            disabled={p.disabled}
            onChange={(v) => p.onColumns({ ...cols, label: v })}
            hint="The class to predict; becomes config.json id2label."
          />
          <ColumnSelect
            id={ids.pair}
            label="Text pair column"
            columns={table.columns}
            value={cols.textPair ?? ''}
            disabled={p.disabled}
            allowNone
            onChange={(v) => {
              const { textPair: _drop, ...rest } = cols;
              p.onColumns(v ? { ...rest, textPair: v } : rest);
            }}
            hint={
              <>
                Optional <code>text_pair</code> for sentence-pair tasks ([SEP]-joined).
              </>
            }
          />
          {!p.validation && (
            <NumberField
              name="validation fraction"
              label="Validation fraction"
              value={p.validationFraction}
              spec={VALIDATION_FRACTION_SPEC}
              onChange={p.onValidationFraction}
              disabled={p.disabled}
            />
          )}
        </div>
      )}

      {table && p.onValidationFile && (
        <div className="validation">
          {p.validation ? (
            <ValidationFile
              validation={p.validation}
              disabled={p.disabled || p.loadingFile}
              onClear={p.onClearValidation}
              headingRef={validationHeading}
            />
          ) : (
            <DropZone
              onFile={onValidationFile}
              disabled={p.disabled || p.loadingFile}
              title="Drop a validation file here, or choose one (optional)"
              inputLabel="Choose a validation file"
              testId="validation-dropzone"
            >
              <p className="hint">
                Without one, the validation fraction above is split off the training file (
                <code>--validation_file</code> on the command line).
              </p>
            </DropZone>
          )}
        </div>
      )}

      {p.dataset ? (
        <div className={`dataset${p.datasetCurrent ? '' : ' stale'}`} aria-busy={p.preparing}>
          <p data-testid="dataset-summary" className="summary-line">
            {formatDatasetSummary(p.dataset)}
          </p>
          <DatasetNotes dataset={p.dataset} />
          {p.report && (
            <DataReport
              report={p.report}
              table={table}
              validationFraction={p.validation ? null : p.validationFraction}
            />
          )}
        </div>
      ) : (
        table && (
          <p className="muted">
            {p.preparing ? 'Splitting and tokenizing…' : 'Waiting for the tokenizer…'}
          </p>
        )
      )}
    </Section>
  );
}

function DatasetNotes({ dataset }: { dataset: DatasetSummary }) {
  const notes: string[] = [`${dataset.meanTokens.toFixed(1)} tokens per row on average`];
  if (dataset.truncatedRows > 0)
    notes.push(
      `${formatInt(dataset.truncatedRows)} of ${formatInt(dataset.trainRows + dataset.validationRows)} training and validation rows cut at max_length`,
    );
  if (dataset.skippedRows.length > 0)
    notes.push(
      dataset.skippedMessage ??
        `${formatInt(dataset.skippedRows.length)} rows skipped (empty text or label)`,
    );
  if (dataset.overlap > 0)
    notes.push(`${formatInt(dataset.overlap)} validation texts also appear in training`);
  return <p className="hint">{notes.join(' · ')}</p>;
}
