/**
 * "Use it in your web page", shown after an export: the folder to serve, the transformers.js
 * code (npm and CDN), and a live check that runs the just exported ONNX files with
 * transformers.js in this page and sets its scores beside the studio's own prediction.
 */
import { useId, useLayoutEffect, useRef, useState } from 'react';
import { unzipSync } from 'fflate';
import type { Prediction } from '../worker/client';
import { typingSomewhere } from './focus';
import { errorMessage, formatBytes } from './format';
import type { WebPageResult } from './webPageCheck';
import { SERVED_FILES, cdnSnippet, folderLayout, modelNameOf, npmSnippet } from './webPageSnippets';

/** The last export, as downloaded: its name, the zip, and the names of its files. */
export interface ExportedZip {
  fileName: string;
  blob: Blob;
  names: string[];
}

interface Props {
  exported: ExportedZip;
  /** The Try it text (the live check classifies it). */
  text: string;
  predict: (text: string) => Promise<Prediction | null>;
}

interface Check {
  text: string;
  studio: Prediction;
  results: WebPageResult[];
}

/** Largest |p_studio - p_transformers.js| over the labels (null when a label is missing). */
function maxDifference(studio: Prediction, r: WebPageResult): number | null {
  let worst = 0;
  for (const [i, label] of studio.labels.entries()) {
    const s = r.scores.find((x) => x.label === label);
    if (!s) return null;
    worst = Math.max(worst, Math.abs(s.score - studio.probs[i]));
  }
  return worst;
}

function CodeBlock({ title, copyLabel, code }: { title: string; copyLabel: string; code: string }) {
  const [copied, setCopied] = useState<string | null>(null);
  const id = useId();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(code);
      setCopied(`${title}: copied.`);
    } catch {
      setCopied('Select the code and copy it (the browser did not allow copying it here).');
    }
  };
  return (
    <div className="code-block">
      <div className="code-block-head">
        <h4 id={id}>{title}</h4>
        <button type="button" className="secondary" onClick={() => void copy()}>
          {copyLabel}
        </button>
      </div>
      <pre aria-labelledby={id} tabIndex={0}>
        <code>{code}</code>
      </pre>
      <p className="hint" role="status">
        {copied}
      </p>
    </div>
  );
}

const ms = (x: number) => `${x < 10 ? x.toFixed(1) : Math.round(x)} ms`;

/** Exports already announced: a panel shown again (after a run) does not take focus for them. */
const announced = new WeakSet<ExportedZip>();

export function WebPageDeploy({ exported, text, predict }: Props) {
  const saved = useRef<HTMLParagraphElement>(null);
  // A new export: focus goes to what it saved (Export was disabled while it ran, leaving focus
  // on the body), unless the user went on typing meanwhile.
  useLayoutEffect(() => {
    if (announced.has(exported)) return;
    announced.add(exported);
    if (!typingSomewhere()) saved.current?.focus();
  }, [exported]);
  const name = modelNameOf(exported.fileName);
  const [check, setCheck] = useState<Check | null>(null);
  const [running, setRunning] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const hasOnnx = exported.names.includes('onnx/model.onnx');

  const run = async () => {
    setRunning(true);
    setError(null);
    setStatus('Loading transformers.js and onnxruntime-web (the first time only)…');
    try {
      const studio = await predict(text);
      if (!studio) throw new Error('The studio has no model to compare with.');
      const { classifyInWebPage } = await import('./webPageCheck');
      setStatus('Running the exported ONNX files (q8, then fp32)…');
      const served = new Set<string>(SERVED_FILES);
      const zip = new Uint8Array(await exported.blob.arrayBuffer());
      // The export unzips as the model's folder: its files lie under that one top folder.
      const top = topFolderOf(rawEntryNames(zip));
      const inFolder = unzipSync(zip, {
        filter: (f) => f.name.startsWith(top) && served.has(f.name.slice(top.length)),
      });
      const files = Object.fromEntries(
        Object.entries(inFolder).map(([k, v]) => [k.slice(top.length), v]),
      );
      const results = await classifyInWebPage(files, text);
      setCheck({ text, studio, results });
      setStatus(null);
    } catch (err) {
      setStatus(null);
      setError(`The check in this page failed: ${errorMessage(err)}`);
    } finally {
      setRunning(false);
    }
  };

  return (
    <section className="web-page-deploy" aria-labelledby="web-page-deploy-title">
      <p
        className="saved-note"
        tabIndex={-1}
        ref={saved}
        role="status"
        aria-live="polite"
        data-testid="export-saved"
      >
        Saved {exported.fileName} ({formatBytes(exported.blob.size)}, {exported.names.length} files)
        to your downloads: unzip it and load the folder with <code>from_pretrained</code>, or serve
        it to transformers.js as below.
      </p>
      <h3 id="web-page-deploy-title">Use it in your web page</h3>
      <p className="hint">
        {hasOnnx ? (
          <>
            The export holds <code>onnx/model.onnx</code> (fp32) and{' '}
            <code>onnx/model_quantized.onnx</code> (8-bit weights, about a quarter of the size),
            which transformers.js runs in any web page. Unzip it into a folder your site serves:
          </>
        ) : (
          'This export holds no ONNX files; export the model again to get them.'
        )}
      </p>
      <pre className="folder-layout" aria-label="Folder to serve" tabIndex={0}>
        {folderLayout(name)}
      </pre>
      <CodeBlock title="npm" copyLabel="Copy npm snippet" code={npmSnippet(name)} />
      <CodeBlock title="CDN" copyLabel="Copy CDN snippet" code={cdnSnippet(name)} />
      <div className="actions">
        <button
          type="button"
          onClick={() => void run()}
          disabled={running || !hasOnnx || text.trim() === ''}
        >
          Check it in this page
        </button>
        <p className="hint">
          {text.trim() === ''
            ? 'Type a text in Try it above, then check that transformers.js gives what the studio gives.'
            : 'Runs the exported files with transformers.js (onnxruntime-web, WASM) on the Try it text.'}
        </p>
      </div>
      <p className="hint" role="status" aria-live="polite">
        {status}
      </p>
      {error && (
        <p className="hint-error" role="alert">
          {error}
        </p>
      )}
      {check && (
        <>
          <CheckTable check={check} />
          <p className="hint">
            Load is the pipeline's set-up: the first one also fetches and compiles onnxruntime-web's
            WASM binary (14 MB, 3.7 MB compressed). The first call warms the session up; the next
            call is what each text costs after that.
          </p>
        </>
      )}
    </section>
  );
}

/**
 * The zip's file names, read from its directory (nothing is decompressed), relative to the one
 * top folder they lie in when they do.
 */
export function zipEntryNames(zip: Uint8Array): string[] {
  const names = rawEntryNames(zip);
  const top = topFolderOf(names);
  return names.map((n) => n.slice(top.length));
}

/** The one folder every entry lies in (`name/`), or '' when they do not share one. */
function topFolderOf(names: string[]): string {
  const first = names[0]?.split('/')[0];
  return first && names.length > 0 && names.every((n) => n.startsWith(`${first}/`))
    ? `${first}/`
    : '';
}

function rawEntryNames(zip: Uint8Array): string[] {
  const names: string[] = [];
  try {
    unzipSync(zip, {
      filter: (f) => {
        names.push(f.name);
        return false;
      },
    });
  } catch {
    return [];
  }
  return names;
}

function CheckTable({ check }: { check: Check }) {
  const { studio, results } = check;
  let best = 0;
  for (let i = 1; i < studio.probs.length; i++) if (studio.probs[i] > studio.probs[best]) best = i;
  const studioTop = studio.labels[best];
  const [first = 0, second = 0] = [...studio.probs].sort((a, b) => b - a);
  return (
    <table className="web-page-check" data-testid="web-page-check">
      <caption>
        “{check.text.length > 60 ? `${check.text.slice(0, 60)}…` : check.text}” in this page
      </caption>
      <thead>
        <tr>
          <th scope="col">Run by</th>
          <th scope="col">Top label</th>
          <th scope="col">Score</th>
          <th scope="col">Largest difference from the studio</th>
          <th scope="col">Load</th>
          <th scope="col">First call</th>
          <th scope="col">Next call</th>
        </tr>
      </thead>
      <tbody>
        <tr data-runtime="studio" data-top-label={studioTop} data-margin={first - second}>
          <th scope="row">The studio (TF.js)</th>
          <td>{studioTop}</td>
          <td>{(studio.probs[best] ?? NaN).toFixed(4)}</td>
          <td>—</td>
          <td>—</td>
          <td>—</td>
          <td>—</td>
        </tr>
        {results.map((r) => {
          const diff = maxDifference(studio, r);
          return (
            <tr
              key={r.dtype}
              data-runtime={`transformers.js ${r.dtype}`}
              data-top-label={r.scores[0]?.label}
              data-max-difference={diff ?? ''}
            >
              <th scope="row">
                transformers.js {r.dtype} (<code>{r.file}</code>)
              </th>
              <td>{r.scores[0]?.label}</td>
              <td>{r.scores[0]?.score.toFixed(4)}</td>
              <td>{diff === null ? 'labels differ' : diff.toExponential(1)}</td>
              <td>{ms(r.loadMs)}</td>
              <td>{ms(r.firstMs)}</td>
              <td>{ms(r.inferMs)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
