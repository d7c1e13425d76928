import { useEffect, useId, useState, type ComponentProps } from 'react';
import { RunElsewhere } from './RunElsewhere';
import type { Prediction, TextEntity } from '../worker/client';
import { EntityText, TaggedExportSaved } from './EntityText';
import { FileButton } from './FileButton';
import { formatProbabilities, formatTruncation, rankPrediction } from './format';
import { Section } from './Section';
import type { ModelInfo } from './useStudio';
import { WebPageDeploy, type ExportedZip } from './WebPageDeploy';

interface Props {
  model: ModelInfo | null;
  /** False while training (the worker's model is changing). */
  canPredict: boolean;
  busy: 'export' | 'import' | null;
  training: boolean;
  /** The run in progress is paused: its model can be tried and exported. */
  paused?: boolean;
  predict: (text: string) => Promise<Prediction | null>;
  /** A token classifier's entities in a text. */
  entities: (text: string) => Promise<TextEntity[] | null>;
  onExport: () => void;
  /** The last export of this model (for "Use it in your web page"), or null. */
  exported: ExportedZip | null;
  onImport: (file: File) => void;
  onError: (err: unknown) => void;
  call: ComponentProps<typeof RunElsewhere>['call'];
  /** The model and arguments a run would have now; null until the data is prepared. */
  runSetup: ComponentProps<typeof RunElsewhere>['setup'];
}

/** Wait after the last keystroke before classifying. */
const PREDICT_DEBOUNCE_MS = 300;

/** 5 Try it & export: classify typed text; download the model; load an exported one. */
export function TryIt(p: Props) {
  const textId = useId();
  const [text, setText] = useState('');
  const [result, setResult] = useState<{ text: string; prediction: Prediction } | null>(null);
  const [found, setFound] = useState<{ text: string; entities: TextEntity[] } | null>(null);
  const { predict, entities, onError, canPredict, model } = p;
  const tagged = model?.tagged === true;
  // Another model (trained, loaded, reopened): the last one's entities are not its own.
  useEffect(() => setFound(null), [model]);

  useEffect(() => {
    if (!canPredict || !model || text.trim() === '') return;
    let cancelled = false;
    const timer = setTimeout(() => {
      const asked = tagged
        ? entities(text).then((e) => {
            if (!cancelled && e) setFound({ text, entities: e });
          })
        : predict(text).then((prediction) => {
            if (!cancelled && prediction) setResult({ text, prediction });
          });
      asked.catch((err: unknown) => {
        if (!cancelled) onError(err);
      });
    }, PREDICT_DEBOUNCE_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [text, canPredict, model, tagged, predict, entities, onError]);

  const shownEntities = tagged && canPredict && found && text.trim() !== '' ? found : null;
  const shown =
    !tagged && canPredict && model && result && text.trim() !== '' ? result.prediction : null;
  const top = shown ? rankPrediction(shown)[0] : null;
  const cut = shown ? formatTruncation(shown) : null;

  return (
    <Section n={5} title="Try it & export" anchor="step-try">
      <div className="field">
        <label htmlFor={textId}>{tagged ? 'Text to tag' : 'Text to classify'}</label>
        <textarea
          id={textId}
          aria-label={tagged ? 'Text to tag' : 'Text to classify'}
          rows={3}
          value={text}
          placeholder={
            tagged
              ? 'e.g. Empire State Building is in New York'
              : 'e.g. WINNER! Claim your free prize now, text WIN to 80086'
          }
          onChange={(e) => setText(e.target.value)}
        />
        <p className="hint">
          {model
            ? tagged
              ? `Using the ${model.source} model (tags: ${model.labels.join(', ')}). Entities are marked as you type, grouped as the pipeline's aggregation_strategy="simple" groups them.`
              : `Using the ${model.source} model (labels: ${model.labels.join(', ')}). Classified as you type.`
            : 'Train a model (or load an exported one) to try it here.'}
        </p>
      </div>
      <div className="prediction" data-testid="prediction" aria-live="polite">
        {shownEntities ? (
          <EntityText text={shownEntities.text} entities={shownEntities.entities} />
        ) : shown && top ? (
          <>
            <span className="predicted-label">{top.label}</span>{' '}
            <span className="probs">{formatProbabilities(shown)}</span>
          </>
        ) : (
          <span className="muted">
            {model
              ? canPredict
                ? 'Type some text above.'
                : 'Waiting for training to end…'
              : 'No model yet.'}
          </span>
        )}
      </div>
      <p className="hint" role="status" data-testid="prediction-truncation">
        {cut}
      </p>
      <div className="actions">
        <button
          type="button"
          onClick={p.onExport}
          disabled={!model || (p.training && !p.paused) || p.busy !== null}
        >
          Export model
        </button>
        <RunElsewhere
          call={p.call}
          setup={p.runSetup}
          disabled={p.runSetup === null || p.training}
          onError={onError}
        />
        <FileButton
          label="Load exported model"
          inputLabel="Choose an exported model zip"
          accept=".zip,application/zip"
          disabled={p.training || p.busy !== null}
          onFiles={([file]) => p.onImport(file)}
        />
        <p className="hint">
          Export: a zip of the HF folder (config.json, model.safetensors, tokenizer files,
          training_args.json, trainer_state.json) for <code>from_pretrained</code>, ONNX files (
          <code>onnx/</code>) for transformers.js, and TF.js weights.
        </p>
      </div>
      {p.exported && model && tagged && !p.training && <TaggedExportSaved exported={p.exported} />}
      {p.exported && model && !tagged && !p.training && (
        <WebPageDeploy exported={p.exported} text={text} predict={predict} />
      )}
    </Section>
  );
}
