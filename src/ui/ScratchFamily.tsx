import type { ModelFamilyInfo } from '../worker/client';
import { scratchFamilyName } from './studio/useModelFamilies';

interface Props {
  families: ModelFamilyInfo[] | null;
  /** config.json's model_type of the model trained from scratch ('transformer': BERT). */
  modelType: string;
  disabled: boolean;
  onChange: (modelType: string) => void;
}

/**
 * The family of the model trained from scratch (the run's `model_type`): BERT, the default, or
 * another family the studio builds. The sizes below go to the family's own config keys.
 */
export function ScratchFamily({ families, modelType, disabled, onChange }: Props) {
  // BERT is the model table's default, 'transformer'; its own model_type 'bert' is the same.
  const value = modelType === 'bert' ? 'transformer' : modelType;
  const options = (families ?? [{ displayName: 'BERT', modelTypes: ['bert'] }]).map((f) => ({
    value: f.modelTypes.includes('bert') ? 'transformer' : f.modelTypes[0],
    label: f.displayName,
  }));
  if (!options.some((o) => o.value === value)) {
    options.push({ value, label: scratchFamilyName(families, value) });
  }
  return (
    <p className="scratch-family">
      <label>
        Family of the new model{' '}
        <select
          aria-label="From-scratch model family"
          value={value}
          disabled={disabled}
          onChange={(e) => onChange(e.target.value)}
        >
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
              {o.value === 'transformer' ? ' (default)' : ''}
            </option>
          ))}
        </select>
      </label>
      <span className="hint">
        {' '}
        The architecture trained from scratch (config.json&apos;s <code>model_type</code>, the
        run&apos;s <code>--model_type</code>): its config takes the sizes below under the
        family&apos;s own keys (DistilBERT: dim, n_layers, n_heads, hidden_dim) and
        transformers&apos; initialisation of that family.
      </span>
    </p>
  );
}
