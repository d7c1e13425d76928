/**
 * The evaluation view (classification or regression, with its exports) and step 6 of the page,
 * which adds the mistakes table. The views live in ClassificationView.tsx and
 * RegressionView.tsx, the exports in EvalExports.tsx.
 */
import { useMemo } from 'react';
import {
  buildEvalDetails,
  type EvalDetails,
  type EvalRows,
  type TaggedEvalDetails,
} from '../worker/client';
import { ClassificationView } from './ClassificationView';
import { EvalExports } from './EvalExports';
import { Mistakes } from './Mistakes';
import { RegressionView } from './RegressionView';
import { Section } from './Section';
import { TaggedViews } from './TaggedViews';

export { predictionRows, summaryMetrics } from './EvalExports';

interface Props {
  details: EvalDetails;
  onError?: (err: unknown) => void;
}

/** The evaluation view: headline metrics, per-class table, confusion matrix, curves, calibration. */
export function EvalPanel({ details, onError }: Props) {
  return (
    <div className="eval" data-testid="eval-view">
      {details.kind === 'classification' ? (
        <ClassificationView d={details} onError={onError} />
      ) : (
        <RegressionView d={details} onError={onError} />
      )}
      <EvalExports details={details} />
    </div>
  );
}

/**
 * 6 Evaluate: the evaluation view and the mistakes table for the last run's model on the
 * validation split (built on the main thread from the worker's rows once per run).
 */
export function ModelViews({
  rows,
  tagged,
  onError,
}: {
  rows: EvalRows | null;
  /** A token-classification run's evaluation details (its own views). */
  tagged?: TaggedEvalDetails | null;
  onError?: (err: unknown) => void;
}) {
  const details = useMemo(() => {
    if (!rows) return null;
    try {
      return buildEvalDetails(rows);
    } catch (err) {
      onError?.(err);
      return null;
    }
  }, [rows, onError]);
  return (
    <Section n={6} title="Evaluate: what the model learned" anchor="step-evaluate">
      {tagged ? (
        <TaggedViews d={tagged} />
      ) : !details ? (
        <p className="muted">Train a model to see its evaluation and its mistakes here.</p>
      ) : (
        <>
          <h3>Evaluation on the validation split</h3>
          <EvalPanel details={details} onError={onError} />
          {details.kind === 'classification' && (
            <>
              <h3>Mistakes</h3>
              <Mistakes d={details} />
            </>
          )}
        </>
      )}
    </Section>
  );
}
