import { useId, useState } from 'react';
import { isValidNumber, type NumberFieldSpec } from './defaults';

interface Props {
  /** Accessible name; for HF arguments it is exactly the HF field name. */
  name: string;
  /** Visible label (defaults to `name`). */
  label?: string;
  value: number;
  spec: NumberFieldSpec;
  onChange: (v: number) => void;
  disabled?: boolean;
}

function rangeText(spec: NumberFieldSpec): string {
  const kind = spec.integer ? 'a whole number' : 'a number';
  const lower = spec.exclusiveMin ? `> ${spec.min}` : `≥ ${spec.min}`;
  return `Enter ${kind} ${lower} and ≤ ${spec.max}.`;
}

/**
 * A labelled number input with the HF meaning as a hint. While focused it keeps the typed text
 * (so "5e-" on the way to "5e-4" is allowed) and commits only values within the field's limits.
 */
export function NumberField({ name, label, value, spec, onChange, disabled }: Props) {
  const id = useId();
  const [draft, setDraft] = useState<string | null>(null);
  const text = draft ?? String(value);
  const parsed = text.trim() === '' ? NaN : Number(text);
  const invalid = draft !== null && !isValidNumber(spec, parsed);
  return (
    <div className="field">
      <label htmlFor={id}>{label ?? name}</label>
      <input
        id={id}
        aria-label={name}
        type="number"
        inputMode={spec.integer ? 'numeric' : 'decimal'}
        step={spec.integer ? 1 : 'any'}
        min={spec.exclusiveMin ? undefined : spec.min}
        max={spec.max}
        value={text}
        disabled={disabled}
        aria-invalid={invalid || undefined}
        aria-describedby={`${id}-hint`}
        onChange={(e) => {
          const t = e.target.value;
          setDraft(t);
          const v = Number(t);
          if (t.trim() !== '' && isValidNumber(spec, v) && v !== value) onChange(v);
        }}
        onBlur={() => setDraft(null)}
      />
      <p id={`${id}-hint`} className={invalid ? 'hint hint-error' : 'hint'}>
        {invalid ? `${rangeText(spec)} Keeping ${value}.` : spec.hint}
      </p>
    </div>
  );
}
