import { useId, type ReactNode } from 'react';
import {
  ARG_SPECS,
  EVAL_STRATEGIES,
  EVAL_STRATEGY_HINT,
  SCHEDULERS,
  SCHEDULER_HINT,
  type UiArgs,
  type UiArgsNumberKey,
} from './defaults';
import { NumberField } from './NumberField';
import { Section } from './Section';

interface Props {
  args: UiArgs;
  disabled: boolean;
  onChange: <K extends keyof UiArgs>(key: K, v: UiArgs[K]) => void;
  /** The advanced arguments and training_args.json import/export. */
  children?: ReactNode;
}

const NUMBER_FIELDS: UiArgsNumberKey[] = [
  'learning_rate',
  'num_train_epochs',
  'max_steps',
  'per_device_train_batch_size',
  'per_device_eval_batch_size',
  'weight_decay',
  'warmup_steps',
  'logging_steps',
];

/** 3 Training arguments: HF `TrainingArguments` by their own names; the rest keep HF defaults. */
export function ArgsPanel({ args, disabled, onChange, children }: Props) {
  const evalId = useId();
  const schedId = useId();
  return (
    <Section n={3} title="Training arguments" anchor="step-args">
      <p className="hint">
        Names and meanings follow <code>transformers.TrainingArguments</code>; anything not shown
        keeps HF&apos;s default (AdamW betas 0.9/0.999, max_grad_norm 1.0, …).
      </p>
      <div className="field-grid">
        {NUMBER_FIELDS.map((key) => (
          <NumberField
            key={key}
            name={key}
            value={args[key]}
            spec={ARG_SPECS[key]}
            disabled={disabled}
            onChange={(v) => onChange(key, v)}
          />
        ))}
        <div className="field">
          <label htmlFor={evalId}>eval_strategy</label>
          <select
            id={evalId}
            aria-label="eval_strategy"
            aria-describedby={`${evalId}-hint`}
            value={args.eval_strategy}
            disabled={disabled}
            onChange={(e) => onChange('eval_strategy', e.target.value as UiArgs['eval_strategy'])}
          >
            {EVAL_STRATEGIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          <p id={`${evalId}-hint`} className="hint">
            {EVAL_STRATEGY_HINT}
          </p>
        </div>
        <NumberField
          name="eval_steps"
          value={args.eval_steps}
          spec={ARG_SPECS.eval_steps}
          disabled={disabled}
          onChange={(v) => onChange('eval_steps', v)}
        />
        <NumberField
          name="seed"
          value={args.seed}
          spec={ARG_SPECS.seed}
          disabled={disabled}
          onChange={(v) => onChange('seed', v)}
        />
        <div className="field">
          <label htmlFor={schedId}>lr_scheduler_type</label>
          <select
            id={schedId}
            aria-label="lr_scheduler_type"
            aria-describedby={`${schedId}-hint`}
            value={args.lr_scheduler_type}
            disabled={disabled}
            onChange={(e) =>
              onChange('lr_scheduler_type', e.target.value as UiArgs['lr_scheduler_type'])
            }
          >
            {SCHEDULERS.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          <p id={`${schedId}-hint`} className="hint">
            {SCHEDULER_HINT}
          </p>
        </div>
      </div>
      {children}
    </Section>
  );
}
