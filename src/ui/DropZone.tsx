import { useId, useRef, useState, type ReactNode, type RefObject } from 'react';

interface Props {
  onFile: (file: File) => void;
  disabled?: boolean;
  /** Shown inside the zone, e.g. the current file. */
  children?: ReactNode;
  /** The zone's element (to move focus back to its button). */
  zoneRef?: RefObject<HTMLDivElement | null>;
  /** The button's text, the picker's label and the zone's test id (the data file's by default). */
  title?: string;
  inputLabel?: string;
  testId?: string;
}

/**
 * Drop a data file (CSV, TSV, TXT, JSON Lines, JSON, Parquet, any of them gzip'd) here, or click the zone or its button (Enter or Space when focused) to
 * open the file picker. Only the button is interactive: the zone is a plain drop target (a
 * role="button" around the input and text was a nested control whose name did not match its
 * text). The picker is a visually hidden (not display:none) input so it stays labelled for tests
 * and AT, and it sits outside the button.
 */
export function DropZone({
  onFile,
  disabled,
  children,
  zoneRef,
  title = 'Drop a data file here, or choose one',
  inputLabel = 'Choose a data file',
  testId = 'dropzone',
}: Props) {
  const helpId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const open = () => {
    if (!disabled) input.current?.click();
  };
  return (
    <div
      ref={zoneRef}
      className={`dropzone${over ? ' dropzone-over' : ''}`}
      data-testid={testId}
      aria-disabled={disabled || undefined}
      // A mouse convenience: the whole zone opens the picker; keyboard users have the button.
      onClick={open}
      onDragEnter={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragOver={(e) => {
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        const file = e.dataTransfer.files[0];
        if (file && !disabled) onFile(file);
      }}
    >
      <button
        type="button"
        className="dropzone-title"
        disabled={disabled}
        aria-describedby={helpId}
        onClick={(e) => {
          e.stopPropagation();
          open();
        }}
      >
        {title}
      </button>
      <p id={helpId} className="hint">
        CSV, TSV, JSON Lines, JSON or Parquet, gzip&apos;d or not. One row per example: a text
        column and a label column. Encoding, delimiter and header are detected. Nothing leaves your
        computer.
      </p>
      {children}
      <input
        ref={input}
        className="visually-hidden"
        type="file"
        tabIndex={-1}
        aria-label={inputLabel}
        accept=".csv,.tsv,.txt,.jsonl,.ndjson,.json,.parquet,.conll,.iob,.gz,text/csv,text/tab-separated-values,text/plain,application/json,application/gzip"
        onClick={(e) => e.stopPropagation()}
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) onFile(file);
          e.target.value = ''; // choosing the same file again still fires change
        }}
      />
    </div>
  );
}
