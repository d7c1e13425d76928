/**
 * Try it for a token classifier: the typed text with its entities marked, as
 * `pipeline("token-classification", aggregation_strategy="simple")` groups them (each mark says
 * its type and score in text and to screen readers), and the list of entities below.
 */
import { useEffect, useRef } from 'react';
import type { TextEntity } from '../worker/client';
import { formatBytes } from './format';
import type { ExportedZip } from './WebPageDeploy';

export function EntityText({ text, entities }: { text: string; entities: TextEntity[] }) {
  const parts: React.ReactNode[] = [];
  let at = 0;
  const sorted = entities.slice().sort((a, b) => a.start - b.start);
  sorted.forEach((e, i) => {
    if (e.start < at) return;
    if (e.start > at) parts.push(text.slice(at, e.start));
    const pct = `${(e.score * 100).toFixed(1)}%`;
    parts.push(
      <mark
        key={i}
        className="entity predicted"
        data-type={e.entity_group}
        data-score={e.score}
        aria-label={`${e.entity_group} ${pct}: ${text.slice(e.start, e.end)}`}
      >
        {text.slice(e.start, e.end)}{' '}
        <span className="entity-type">
          [{e.entity_group} {pct}]
        </span>
      </mark>,
    );
    at = e.end;
  });
  if (at < text.length) parts.push(text.slice(at));
  return (
    <div data-testid="entities">
      <p className="tagged-line">{parts}</p>
      <p className="hint" data-testid="entity-count">
        {entities.length === 0
          ? 'No entities found.'
          : `${entities.length} entit${entities.length === 1 ? 'y' : 'ies'}: ` +
            entities.map((e) => `${e.entity_group} "${e.word}"`).join(', ')}
      </p>
    </div>
  );
}

/**
 * What the export of a token classifier saved (focus moves to it, as for a text classifier's),
 * and how to load it with transformers' token-classification pipeline.
 */
export function TaggedExportSaved({ exported }: { exported: ExportedZip }) {
  const saved = useRef<HTMLParagraphElement>(null);
  useEffect(() => saved.current?.focus(), [exported]);
  const dir = exported.fileName.replace(/\.zip$/, '');
  return (
    <p
      className="saved-note"
      tabIndex={-1}
      ref={saved}
      role="status"
      aria-live="polite"
      data-testid="export-saved"
    >
      Saved {exported.fileName} ({formatBytes(exported.blob.size)}, {exported.names.length} files)
      to your downloads: unzip it and load the folder with{' '}
      <code>
        pipeline(&quot;token-classification&quot;, model=&quot;{dir}&quot;,
        aggregation_strategy=&quot;simple&quot;)
      </code>{' '}
      or <code>AutoModelForTokenClassification.from_pretrained</code>.
    </p>
  );
}
