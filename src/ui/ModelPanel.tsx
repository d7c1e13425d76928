import type { ReactNode } from 'react';
import type { TokenizerInfo } from '../worker/client';
import { MODEL_SPECS, type ModelSizes } from './defaults';
import { formatInt } from './format';
import { NumberField } from './NumberField';
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
}: Props) {
  return (
    <Section n={2} title="Model & tokenizer">
      <p className="summary-line">
        Tokenizer:{' '}
        {tokenizer ? (
          <>
            <strong>{tokenizer.name}</strong> (WordPiece, {formatInt(tokenizer.vocabSize)} tokens
            {tokenizer.name === 'bert-base-uncased' ? ', bundled' : ''})
          </>
        ) : (
          <span className="muted">loading bert-base-uncased…</span>
        )}
      </p>
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
