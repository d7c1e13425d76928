import { useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

interface Props {
  onFile: (file: File) => void;
  disabled?: boolean;
  /** Shown inside the zone, e.g. the current file. */
  children?: ReactNode;
}

/**
 * Drop a CSV/TSV/TXT file here, or click / press Enter or Space to open the file picker. The
 * picker is a visually hidden (not display:none) input so it stays labelled for tests and AT.
 */
export function DropZone({ onFile, disabled, children }: Props) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const open = () => {
    if (!disabled) input.current?.click();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      open();
    }
  };
  return (
    <div
      className={`dropzone${over ? ' dropzone-over' : ''}`}
      data-testid="dropzone"
      role="button"
      tabIndex={disabled ? -1 : 0}
      aria-disabled={disabled || undefined}
      // An explicit name: the zone's content holds the file name, which could contain "Train".
      aria-label="Drop a data file here, or press Enter to choose one"
      aria-describedby="dropzone-help"
      onClick={open}
      onKeyDown={onKeyDown}
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
      <p className="dropzone-title">Drop a CSV, TSV or TXT file here, or choose one</p>
      <p id="dropzone-help" className="hint">
        One row per example: a text column and a label column. Encoding, delimiter and header are
        detected. Nothing leaves your computer.
      </p>
      {children}
      <input
        ref={input}
        className="visually-hidden"
        type="file"
        tabIndex={-1}
        aria-label="Choose a data file"
        accept=".csv,.tsv,.txt,text/csv,text/tab-separated-values,text/plain"
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
