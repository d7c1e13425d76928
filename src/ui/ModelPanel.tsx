import type { ReactNode } from 'react';
import type { TokenizerInfo, TokenizerSource } from '../worker/client';
import type { TokenizerChoice } from './useStudio';
import { MODEL_SPECS, type ModelSizes } from './defaults';
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
  /** Switches the tokenizer: a bundled one, or the user's tokenizer files (name -> text). */
  onTokenizer?: (src: TokenizerChoice) => void;
}

const BUNDLED: TokenizerSource['name'][] = ['bert-base-uncased', 'bert-base-cased'];
/** Vocabulary sizes offered for a WordPiece tokenizer trained on the data (from scratch). */
const TRAIN_SIZES = [2000, 8000];

/** Reads dropped tokenizer files as text (tokenizer.json, tokenizer_config.json). */
async function readTokenizerFiles(list: readonly File[]): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const f of list) files[f.name] = await f.text();
  return files;
}

const ORDER: (keyof ModelSizes)[] = [
  'hidden_size',
  'num_hidden_layers',
  'num_attention_heads',
  'intermediate_size',
  'max_length',
];

/** 2 Model & tokenizer: the bundled tokenizer and the from-scratch BERT encoder's sizes. */
export function ModelPanel({
  tokenizer,
  sizes,
  problem,
  disabled,
  onChange,
  picker,
  pretrained,
  onTokenizer,
}: Props) {
  const bundled = BUNDLED.find((b) => b === tokenizer?.name);
  return (
    <Section n={2} title="Model & tokenizer">
      <p className="summary-line">
        Tokenizer:{' '}
        {tokenizer ? (
          <>
            <strong>{tokenizer.name}</strong> (WordPiece, {formatInt(tokenizer.vocabSize)} tokens
            {bundled ? ', bundled' : ''})
          </>
        ) : (
          <span className="muted">loading bert-base-uncased…</span>
        )}
      </p>
      {onTokenizer && (
        <div className="tokenizer-choice">
          <select
            aria-label="Tokenizer"
            value={bundled ?? 'custom'}
            disabled={disabled}
            onChange={(e) => {
              const name = BUNDLED.find((b) => b === e.target.value);
              const train = /^train-(\d+)$/.exec(e.target.value);
              if (name) onTokenizer({ kind: 'bundled', name });
              else if (train) onTokenizer({ trainVocabSize: Number(train[1]) });
            }}
          >
            {BUNDLED.map((b) => (
              <option key={b} value={b}>
                {b} (bundled)
              </option>
            ))}
            {TRAIN_SIZES.map((n) => (
              <option key={n} value={`train-${n}`}>
                train WordPiece on the data ({formatInt(n)} tokens)
              </option>
            ))}
            {!bundled && <option value="custom">{tokenizer?.name ?? 'loading…'}</option>}
          </select>{' '}
          <FileButton
            label="Your tokenizer files…"
            inputLabel="Choose tokenizer files"
            accept=".json"
            multiple
            disabled={disabled}
            onFiles={(picked) =>
              void readTokenizerFiles(picked).then((files) => {
                if (Object.keys(files).length > 0) onTokenizer({ files });
              })
            }
          />
          <p className="hint">
            tokenizer.json and tokenizer_config.json, as save_pretrained writes them.
          </p>
        </div>
      )}
      {picker}
      <p className="hint">
        Model: <code>BertForSequenceClassification</code>{' '}
        {pretrained
          ? 'fine-tuned from the pretrained checkpoint (from_pretrained with your labels).'
          : "trained from scratch with HF's initialisation."}{' '}
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
