import { FileButton } from './FileButton';

interface Props {
  /** Records the file as its own entry in the run history (errors are shown by the caller). */
  onImport: (file: File) => Promise<void>;
  disabled: boolean;
}

/**
 * Adds a run trained elsewhere (the CLI, Python `transformers`) to the run history from its
 * trainer_state.json, beside the page's runs and comparable with them.
 */
export function ImportRun({ onImport, disabled }: Props) {
  const onFile = (file: File) => void onImport(file);
  return (
    <div className="actions">
      <FileButton
        label="Open trainer_state.json"
        inputLabel="Choose a trainer_state.json"
        accept=".json,application/json"
        disabled={disabled}
        onFiles={([f]) => onFile(f)}
      />
      <p className="hint">
        Add a run from the command line or from Python <code>transformers</code> to the run history,
        to compare it with yours: its <code>output_dir/trainer_state.json</code> (or a
        checkpoint&apos;s).
      </p>
    </div>
  );
}
