import { useState, type ReactNode } from 'react';
import type { DownloadProgress, TokenizerInfo, TrainedTokenizerModel } from '../worker/client';
import type { TokenizerChoice } from './useStudio';
import { BUNDLED_TOKENIZERS, MODEL_SPECS, type ModelSizeKey, type ModelSizes } from './defaults';
import { DownloadBar } from './DownloadBar';
import { formatInt } from './format';
import { NumberField } from './NumberField';
import { FileButton } from './FileButton';
import { Section } from './Section';

interface Props {
  tokenizer: TokenizerInfo | null;
  sizes: ModelSizes;
  problem: string | null;
  disabled: boolean;
  onChange: <K extends keyof ModelSizes>(key: K, v: ModelSizes[K]) => void;
  /** The model picker (from scratch / pretrained files / URL or Hub id). */
  picker?: ReactNode;
  /** A pretrained source is chosen: only max_length applies (the checkpoint fixes the sizes). */
  pretrained?: boolean;
  /** The from-scratch model's family, as the page names it ("BERT", "DistilBERT", ...). */
  scratchFamily?: string;
  /** Switches the tokenizer: bundled, a Hub id, the user's files, or trained on the data. */
  onTokenizer?: (src: TokenizerChoice) => void;
  /** A tokenizer is loading; with `download`, its files' download progress. */
  tokenizerLoading?: boolean;
  download?: DownloadProgress | null;
}

/** Tokenizers offered for training on the data (from scratch), with the sizes offered. */
const TRAIN_MODELS: { model: TrainedTokenizerModel; label: string }[] = [
  { model: 'wordpiece', label: 'WordPiece' },
  { model: 'bpe', label: 'byte-level BPE' },
];
const TRAIN_SIZES = [2000, 8000];

/** Reads dropped tokenizer files as text (tokenizer.json, tokenizer_config.json). */
async function readTokenizerFiles(list: readonly File[]): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const f of list) files[f.name] = await f.text();
  return files;
}

const ORDER: ModelSizeKey[] = [
  'hidden_size',
  'num_hidden_layers',
  'num_attention_heads',
  'intermediate_size',
  'max_length',
  'hidden_dropout_prob',
  'attention_probs_dropout_prob',
];

/** 2 Model & tokenizer: the bundled tokenizer and the from-scratch model's sizes. */
export function ModelPanel({
  tokenizer,
  sizes,
  problem,
  disabled,
  onChange,
  picker,
  pretrained,
  scratchFamily = 'BERT',
  onTokenizer,
  tokenizerLoading,
  download,
}: Props) {
  const [hubId, setHubId] = useState('');
  const bundled = BUNDLED_TOKENIZERS.find((b) => b === tokenizer?.name);
  const busy = disabled || Boolean(tokenizerLoading);
  const kind = tokenizer?.model && tokenizer.model !== 'unknown' ? `${tokenizer.model}, ` : '';
  return (
    <Section n={2} title="Model & tokenizer" anchor="step-model">
      <p className="summary-line" data-testid="tokenizer-summary">
        Tokenizer:{' '}
        {tokenizer ? (
          <>
            <strong>{tokenizer.name}</strong> ({kind}
            {formatInt(tokenizer.vocabSize)} tokens
            {bundled ? ', bundled' : ''})
          </>
        ) : (
          <span className="muted">loading…</span>
        )}
      </p>
      {onTokenizer && (
        <div className="tokenizer-choice">
          <select
            aria-label="Tokenizer"
            value={bundled ?? 'custom'}
            disabled={busy}
            onChange={(e) => {
              const name = BUNDLED_TOKENIZERS.find((b) => b === e.target.value);
              // "train-2000" (WordPiece) or "train-bpe-2000".
              const train = /^train-(bpe-)?(\d+)$/.exec(e.target.value);
              if (name) onTokenizer({ kind: 'bundled', name });
              else if (train) {
                onTokenizer({
                  trainVocabSize: Number(train[2]),
                  model: train[1] ? 'bpe' : 'wordpiece',
                });
              }
            }}
          >
            {BUNDLED_TOKENIZERS.map((b) => (
              <option key={b} value={b}>
                {b} (bundled)
              </option>
            ))}
            {TRAIN_MODELS.map(({ model, label }) => (
              <optgroup key={model} label={`Train ${label} on the data`}>
                {TRAIN_SIZES.map((n) => (
                  <option
                    key={n}
                    value={model === 'wordpiece' ? `train-${n}` : `train-${model}-${n}`}
                  >
                    train {label} on the data ({formatInt(n)} tokens)
                  </option>
                ))}
              </optgroup>
            ))}
            {!bundled && <option value="custom">{tokenizer?.name ?? 'loading…'}</option>}
          </select>{' '}
          <FileButton
            label="Your tokenizer files…"
            inputLabel="Choose tokenizer files"
            accept=".json"
            multiple
            disabled={busy}
            onFiles={(picked) =>
              void readTokenizerFiles(picked).then((files) => {
                if (Object.keys(files).length > 0) onTokenizer({ files });
              })
            }
          />
          <form
            className="url-row"
            onSubmit={(e) => {
              e.preventDefault();
              if (hubId.trim() && !busy) onTokenizer({ kind: 'hub', id: hubId.trim() });
            }}
          >
            <input
              type="text"
              aria-label="Tokenizer Hub id"
              placeholder="bert-base-multilingual-cased or owner/name@revision"
              value={hubId}
              disabled={busy}
              onChange={(e) => setHubId(e.target.value)}
            />
            <button type="submit" disabled={busy || !hubId.trim()}>
              Load from the Hub
            </button>
            <button
              type="button"
              disabled={busy || !hubId.trim()}
              title="Fetch the files again instead of the browser's copy (a Hub branch such as main may have changed; a copy over a day old is fetched again anyway)"
              onClick={() => onTokenizer({ kind: 'hub', id: hubId.trim(), refresh: true })}
            >
              Download again
            </button>
          </form>
          {tokenizerLoading && download && (
            <DownloadBar download={download} label="Tokenizer download progress" />
          )}
          <p className="hint">
            Your files: tokenizer.json and tokenizer_config.json, as save_pretrained writes them. A
            Hub id downloads the same files from huggingface.co once; the browser keeps them.
          </p>
        </div>
      )}
      {picker}
      <p className="hint">
        Model: <code>AutoModelForSequenceClassification</code>{' '}
        {pretrained
          ? "of the checkpoint's family, fine-tuned from it (from_pretrained with your labels)."
          : `of a small ${scratchFamily}, trained from scratch with transformers' initialisation of that family.`}{' '}
        It exports as an HF folder that Python <code>transformers</code> loads.
      </p>
      <div className="field-grid">
        {ORDER.filter((key) => !pretrained || key === 'max_length').map((key) => (
          <NumberField
            key={key}
            name={key}
            value={sizes[key]}
            spec={MODEL_SPECS[key]}
            disabled={disabled}
            onChange={(v) => onChange(key, v)}
          />
        ))}
      </div>
      {problem && (
        <p className="hint hint-error" role="status">
          {problem}
        </p>
      )}
    </Section>
  );
}
