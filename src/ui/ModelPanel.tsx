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
}

const ORDER: (keyof ModelSizes)[] = [
  'hidden_size',
  'num_hidden_layers',
  'num_attention_heads',
  'intermediate_size',
  'max_length',
];

/** 2 Model & tokenizer: the bundled tokenizer and the from-scratch BERT encoder's sizes. */
export function ModelPanel({ tokenizer, sizes, problem, disabled, onChange }: Props) {
  return (
    <Section n={2} title="Model & tokenizer">
      <p className="summary-line">
        Tokenizer:{' '}
        {tokenizer ? (
          <>
            <strong>{tokenizer.name}</strong> (WordPiece, {formatInt(tokenizer.vocabSize)} tokens,
            bundled)
          </>
        ) : (
          <span className="muted">loading bert-base-uncased…</span>
        )}
      </p>
      <p className="hint">
        Model: <code>BertForSequenceClassification</code> trained from scratch with HF&apos;s
        initialisation. It exports as an HF folder that Python <code>transformers</code> loads.
      </p>
      <div className="field-grid">
        {ORDER.map((key) => (
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
