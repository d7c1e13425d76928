import { FileButton } from './FileButton';

interface Props {
  /** The demo's row count, once read. */
  rows: number | null;
  disabled: boolean;
  onFile: (file: File) => void;
}

/** Says the open data is the bundled demo, and takes the user's own file in one click. */
export function DemoNotice({ rows, disabled, onFile }: Props) {
  return (
    <div className="demo-notice" data-testid="demo-notice">
      <p>
        <strong>Demo data</strong>: the SMS Spam Collection
        {rows !== null ? ` (${rows.toLocaleString('en-US')} texts labelled ham or spam)` : ''},
        ready to train. Drop a CSV, TSV, JSON Lines or Parquet file anywhere in step 1, or:
      </p>
      <FileButton
        label="Use your own file"
        inputLabel="Choose your own data file"
        accept=".csv,.tsv,.txt,.jsonl,.ndjson,.json,.parquet,.conll,.iob,.gz,text/csv,text/tab-separated-values,text/plain,application/json,application/gzip"
        disabled={disabled}
        className="primary"
        onFiles={([f]) => f && onFile(f)}
      />
    </div>
  );
}
