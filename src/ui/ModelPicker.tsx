import { useRef, useState } from 'react';
import type {
  DownloadProgress,
  MemoryEstimate,
  ModelFamilyInfo,
  PretrainedInfo,
} from '../worker/client';
import { DownloadBar } from './DownloadBar';
import { formatInt } from './format';
import type { ModelSource } from './useStudio';
import { ScratchFamily } from './ScratchFamily';

interface Props {
  source: ModelSource;
  onSource: (s: ModelSource) => void;
  pretrained: PretrainedInfo | null;
  download: DownloadProgress | null;
  loading: boolean;
  memory: MemoryEstimate | null;
  disabled: boolean;
  /** The families the studio builds (null while not known). */
  families: ModelFamilyInfo[] | null;
  /** The from-scratch model's config.json model_type ('transformer': BERT, the default). */
  scratchModelType: string;
  onScratchModelType: (modelType: string) => void;
  /** `refresh`: fetch a URL / Hub id again, past the browser cache (Download again). */
  onLoad: (source: File[] | string, refresh?: boolean) => void;
  /** Sets learning_rate to the usual fine-tuning value. */
  onFineTuneLr?: () => void;
  learningRate?: number;
}

const SOURCES: { id: ModelSource; label: string }[] = [
  { id: 'scratch', label: 'From scratch' },
  { id: 'files', label: 'Pretrained files' },
  { id: 'url', label: 'URL or Hub id' },
];

/** Learning rate HF's examples use for fine-tuning pretrained encoder checkpoints. */
export const FINE_TUNE_LR = 5e-5;

/**
 * The model picker: train from scratch, or fine-tune a pretrained checkpoint of a family the
 * studio builds from dropped files (config.json, model.safetensors, tokenizer files) or a folder
 * URL / Hub id, with download progress, the checkpoint's family, size and the max_length it
 * takes, and the run's memory estimate.
 */
export function ModelPicker(p: Props) {
  const input = useRef<HTMLInputElement>(null);
  const [url, setUrl] = useState('');
  const [over, setOver] = useState(false);
  const { families } = p;
  const familyNames = families?.map((f) => f.displayName).join(', ');
  const busy = p.disabled || p.loading;
  return (
    <div className="model-picker">
      <div role="radiogroup" aria-label="Model source" className="segmented">
        {SOURCES.map((s) => (
          <label key={s.id}>
            <input
              type="radio"
              name="model-source"
              value={s.id}
              checked={p.source === s.id}
              disabled={p.disabled}
              onChange={() => p.onSource(s.id)}
            />{' '}
            {s.label}
          </label>
        ))}
      </div>
      {p.source === 'scratch' && (
        <ScratchFamily
          families={families}
          modelType={p.scratchModelType}
          disabled={p.disabled}
          onChange={p.onScratchModelType}
        />
      )}
      {p.source === 'files' && (
        <div
          className={`dropzone${over ? ' dropzone-over' : ''}`}
          data-testid="pretrained-dropzone"
          role="button"
          tabIndex={busy ? -1 : 0}
          aria-disabled={busy || undefined}
          aria-label="Drop pretrained model files here, or press Enter to choose them"
          onClick={() => !busy && input.current?.click()}
          onKeyDown={(e) => {
            if (e.key === 'Enter' || e.key === ' ') {
              e.preventDefault();
              if (!busy) input.current?.click();
            }
          }}
          onDragEnter={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragOver={(e) => e.preventDefault()}
          onDragLeave={() => setOver(false)}
          onDrop={(e) => {
            e.preventDefault();
            setOver(false);
            const files = [...e.dataTransfer.files];
            if (files.length > 0 && !busy) p.onLoad(files);
          }}
        >
          <p className="dropzone-title">
            Drop config.json, model.safetensors and the tokenizer files (tokenizer.json,
            tokenizer_config.json or vocab.txt) here, or choose them
          </p>
          <p className="hint" data-testid="model-families">
            Checkpoints of{' '}
            {familyNames ? `these families: ${familyNames}` : 'the families the studio builds'};
            F32, F16 or BF16. Another family (ALBERT, a decoder, ...) trains with Run it elsewhere.
          </p>
          <input
            ref={input}
            type="file"
            multiple
            className="visually-hidden"
            aria-label="Choose pretrained model files"
            accept=".json,.safetensors,.txt,.model"
            disabled={busy}
            onChange={(e) => {
              const files = [...(e.target.files ?? [])];
              e.target.value = '';
              if (files.length > 0) p.onLoad(files);
            }}
          />
        </div>
      )}
      {p.source === 'url' && (
        <form
          className="url-row"
          onSubmit={(e) => {
            e.preventDefault();
            if (url.trim() && !busy) p.onLoad(url.trim());
          }}
        >
          <input
            type="text"
            aria-label="Model URL or Hub id"
            placeholder="google/bert_uncased_L-4_H-256_A-4 or https://…/folder"
            value={url}
            disabled={busy}
            onChange={(e) => setUrl(e.target.value)}
          />
          <button type="submit" disabled={busy || !url.trim()}>
            Load
          </button>
          {p.pretrained && (
            <button
              type="button"
              disabled={busy || !url.trim()}
              title="Fetch the files again instead of the browser's copy (a Hub branch such as main may have changed; a copy over a day old is fetched again anyway)"
              onClick={() => p.onLoad(url.trim(), true)}
            >
              Download again
            </button>
          )}
        </form>
      )}
      {p.source !== 'scratch' && p.loading && p.download && (
        <DownloadBar download={p.download} label="Download progress" />
      )}
      {p.source !== 'scratch' && p.pretrained && (
        <div className="pretrained-info" data-testid="pretrained-info">
          <p className="summary-line">
            Checkpoint: <strong>{p.pretrained.name}</strong> ·{' '}
            <span data-testid="pretrained-family">{p.pretrained.family}</span> ·{' '}
            {formatInt(p.pretrained.parameters)} parameters · {p.pretrained.num_hidden_layers}{' '}
            layers, hidden {p.pretrained.hidden_size}, {p.pretrained.num_attention_heads} heads ·{' '}
            {p.pretrained.dtypes.join('/')} · reads up to {p.pretrained.lengthLimit.maxLength}{' '}
            tokens
          </p>
          <p className="hint">
            Tokenizer:{' '}
            {p.pretrained.tokenizer ?? 'none in the checkpoint (the current one is used)'}. Its
            classification head is kept when it has as many labels as your data (as from_pretrained
            keeps it), and made new for your labels otherwise.
          </p>
          {p.pretrained.notices.map((n) => (
            <p key={n} className="hint">
              {n}
            </p>
          ))}
          {p.learningRate !== undefined && p.learningRate !== FINE_TUNE_LR && p.onFineTuneLr && (
            <p className="hint">
              Fine-tuning usually uses learning_rate 5e-5.{' '}
              <button type="button" onClick={p.onFineTuneLr} disabled={p.disabled}>
                Use 5e-5
              </button>
            </p>
          )}
        </div>
      )}
      {p.memory && (
        <p
          className={`hint${p.memory.verdict === 'fits' ? '' : ' hint-error'}`}
          data-testid="memory-estimate"
          role="status"
        >
          Memory:{' '}
          {p.memory.verdict === 'fits'
            ? 'fits'
            : p.memory.verdict === 'tight'
              ? 'may not fit'
              : 'will not fit'}{' '}
          — {p.memory.message}
          {p.memory.verdict !== 'fits' && (
            <>
              {' '}
              Or train it outside the browser: <a href="#step-try">Run it elsewhere</a> writes this
              run as a transformers Trainer script for Accelerate (one GPU or many).
            </>
          )}
        </p>
      )}
    </div>
  );
}
