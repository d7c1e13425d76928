import type { LogEntry } from '../worker/client';
import { FileButton } from './FileButton';
import { parseLogHistory } from './series';

interface Props {
  onLogHistory: (entries: LogEntry[]) => void;
  onError: (message: string) => void;
  disabled: boolean;
}

/** Charts a run trained elsewhere (the CLI, Python `transformers`) from its trainer_state.json. */
export function ImportRun({ onLogHistory, onError, disabled }: Props) {
  const onFile = async (file: File) => {
    try {
      onLogHistory(parseLogHistory(await file.text(), file.name));
    } catch (e) {
      onError((e as Error).message);
    }
  };
  return (
    <div className="actions">
      <FileButton
        label="Open trainer_state.json"
        inputLabel="Choose a trainer_state.json"
        accept=".json,application/json"
        disabled={disabled}
        onFiles={([f]) => void onFile(f)}
      />
      <p className="hint">
        Chart a run from the command line or from Python <code>transformers</code>: its{' '}
        <code>output_dir/trainer_state.json</code> (or a checkpoint&apos;s).
      </p>
    </div>
  );
}
