import { useState } from 'react';
import type { Api, ModelSpec, RequestName, TrainingArguments } from '../worker/client';
import { downloadBlob } from './exportData';
import { errorMessage } from './format';

type Call = <K extends RequestName>(name: K, params: Api[K][0]) => Promise<Api[K][1]>;

interface Props {
  call: Call;
  /** The model and arguments of a run as the page's settings stand (null: data not ready). */
  setup: (() => { model: ModelSpec; args: Record<string, unknown> }) | null;
  /** The data is not prepared yet, or a run is in progress. */
  disabled: boolean;
  onError: (err: unknown) => void;
}

/**
 * "Run it elsewhere": the run the page's settings describe, as a transformers Trainer script for
 * Accelerate or torchrun (train.py, args.json, accelerate_config.yaml, data, tokenizer, step-0
 * weights), as a zip. It needs no run here (a model too large for the tab is the case it is
 * for); when the settings are those of the last run and it stopped early, its last checkpoint
 * comes too, to continue from.
 */
export function RunElsewhere({ call, setup, disabled, onError }: Props) {
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const onClick = async () => {
    setBusy(true);
    try {
      const run = setup?.();
      const { fileName, zip, leftOut } = await call(
        'exportScript',
        run ? { model: run.model, args: run.args as Partial<TrainingArguments> } : {},
      );
      downloadBlob(new Blob([zip], { type: 'application/zip' }), fileName);
      setNote(
        `Saved ${fileName}: unzip it, then accelerate launch train.py args.json (its README.md has the commands).` +
          (leftOut.length > 0 ? ` Left out: ${leftOut.join(' ')}` : ''),
      );
    } catch (err) {
      onError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        className="secondary"
        onClick={() => void onClick()}
        disabled={disabled || busy}
        title="The run as a transformers Trainer script for one GPU, several GPUs or machines (Accelerate, torchrun)"
      >
        Run it elsewhere
      </button>
      {note && (
        <p className="hint" role="status" data-testid="run-elsewhere-note">
          {note}
        </p>
      )}
    </>
  );
}
