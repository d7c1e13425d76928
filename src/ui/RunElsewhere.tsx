import { useLayoutEffect, useRef, useState } from 'react';
import type { Api, ModelSpec, RequestName, TrainingArguments } from '../worker/client';
import { downloadBlob } from './exportData';
import { typingSomewhere } from './focus';
import { errorMessage, formatBytes } from './format';

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
  const [note, setNote] = useState<{ text: string; n: number } | null>(null);
  const noteRef = useRef<HTMLParagraphElement>(null);
  // Each download's confirmation takes focus (the button was disabled while the zip was built),
  // unless the user went on typing meanwhile.
  useLayoutEffect(() => {
    if (note && !typingSomewhere()) noteRef.current?.focus();
  }, [note]);
  const onClick = async () => {
    setBusy(true);
    try {
      const run = setup?.();
      const { fileName, zip, leftOut } = await call(
        'exportScript',
        run ? { model: run.model, args: run.args as Partial<TrainingArguments> } : {},
      );
      downloadBlob(new Blob([zip], { type: 'application/zip' }), fileName);
      setNote((n) => ({
        n: (n?.n ?? 0) + 1,
        text:
          `Saved ${fileName} (${formatBytes(zip.byteLength)}) to your downloads: unzip it, then ` +
          'run accelerate launch train.py args.json on the machine with the GPU (its README.md ' +
          'has the commands for one GPU, several, and torchrun).' +
          (leftOut.length > 0 ? ` Left out: ${leftOut.join(' ')}` : ''),
      }));
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
      {/* Always there, so screen readers announce the text when it arrives (a polite live region). */}
      <p
        className="hint"
        role="status"
        aria-live="polite"
        tabIndex={-1}
        ref={noteRef}
        data-testid="run-elsewhere-note"
      >
        {note?.text}
      </p>
    </>
  );
}
