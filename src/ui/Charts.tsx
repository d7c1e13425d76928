import {
  memo,
  useCallback,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import type { LogEntry } from '../worker/client';
import { chartFileName, exportChartPng, exportChartSvg } from './chartExport';
import { LineSvg } from './LineSvg';
import { downsampleMinMax, type Point } from './series';
import type { ThroughputPoint } from './useStudio';

/** Bookkeeping values of an evaluation that are not worth a chart. */
const EVAL_SKIP = new Set(['eval_runtime', 'eval_samples_per_second', 'eval_steps_per_second']);
const PALETTE = ['var(--c1)', 'var(--c2)', 'var(--c3)', 'var(--c4)', 'var(--c5)'];

interface ChartSpec {
  key: string;
  title: string;
  description: string;
  color: string;
}

/** The fixed charts first; every other eval_* metric the run logs follows. */
const FIXED: Omit<ChartSpec, 'color'>[] = [
  { key: 'loss', title: 'Training loss', description: 'mean loss since the previous log' },
  { key: 'eval_loss', title: 'Validation loss', description: 'eval_loss on the validation split' },
  {
    key: 'eval_accuracy',
    title: 'Validation accuracy',
    description: 'eval_accuracy on the validation split',
  },
  { key: 'learning_rate', title: 'Learning rate', description: 'learning rate used by the step' },
  { key: 'grad_norm', title: 'Gradient norm', description: 'global gradient norm before clipping' },
  {
    key: 'throughput',
    title: 'Throughput',
    description: 'training samples per second so far',
  },
];

/** A chart point: x (step or epoch), the value, and the raw value when smoothed. */
interface XPoint extends Point {
  raw?: number;
}

interface Raw {
  step: number;
  epoch: number;
  value: number;
}

/** Series by key from the log entries (x kept as both step and epoch). */
export function seriesFromLogs(
  logs: readonly LogEntry[],
  throughput: readonly ThroughputPoint[],
): Map<string, Raw[]> {
  const out = new Map<string, Raw[]>();
  const push = (k: string, r: Raw) => {
    let a = out.get(k);
    if (!a) out.set(k, (a = []));
    a.push(r);
  };
  for (const entry of logs) {
    const e = entry as unknown as Record<string, unknown>;
    const step = e.step;
    if (typeof step !== 'number') continue;
    const epoch = typeof e.epoch === 'number' ? e.epoch : NaN;
    for (const [k, v] of Object.entries(e)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      const charted =
        k === 'loss' ||
        k === 'learning_rate' ||
        k === 'grad_norm' ||
        (k.startsWith('eval_') && !EVAL_SKIP.has(k));
      if (charted) push(k, { step, epoch, value: v });
    }
  }
  if (throughput.length > 0) out.set('throughput', throughput.slice());
  return out;
}

/**
 * TensorBoard's smoothing: an exponential moving average with weight `w` in [0, 1), debiased
 * for the first points (so the curve starts at the data, not at 0).
 */
export function emaSmooth(values: readonly number[], w: number): number[] {
  let last = 0;
  let n = 0;
  return values.map((v) => {
    last = last * w + (1 - w) * v;
    n++;
    const debias = w === 0 ? 1 : 1 - Math.pow(w, n);
    return last / debias;
  });
}

export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-2 || a >= 1e4) return v.toExponential(1);
  return Number(v.toPrecision(3)).toString();
}

/** Export buttons (SVG and PNG) for the chart inside the element `target` returns. */
export function ChartExportButtons({
  target,
  title,
  onError,
}: {
  target: () => Element | null;
  title: string;
  onError?: (err: unknown) => void;
}) {
  const name = chartFileName(title);
  const run = (fn: (el: Element) => void | Promise<void>) => () => {
    const el = target();
    if (!el) return;
    Promise.resolve()
      .then(() => fn(el))
      .catch((err: unknown) => onError?.(err));
  };
  return (
    <span className="chart-export">
      <button
        type="button"
        className="small"
        aria-label={`Download ${title} as SVG`}
        onClick={run((el) => exportChartSvg(el, name))}
      >
        SVG
      </button>
      <button
        type="button"
        className="small"
        aria-label={`Download ${title} as PNG`}
        onClick={run((el) => exportChartPng(el, name))}
      >
        PNG
      </button>
    </span>
  );
}

interface ChartProps {
  spec: ChartSpec;
  raw: Raw[];
  xKey: 'step' | 'epoch';
  logScale: boolean;
  smoothing: number;
  emptyText: string;
  onError?: (err: unknown) => void;
}

/**
 * One metric; draws a downsampled copy of long series (full data kept), no animation (it
 * streams). With smoothing, the raw series is a faint line under the smoothed one.
 */
const MetricChart = memo(function MetricChart({
  spec,
  raw,
  xKey,
  logScale,
  smoothing,
  emptyText,
  onError,
}: ChartProps) {
  const ref = useRef<HTMLElement>(null);
  const smoothed = smoothing > 0 && spec.key === 'loss';
  const shown = useMemo(() => {
    let pts = raw.filter((r) => Number.isFinite(r[xKey]) && (!logScale || r.value > 0));
    const values = smoothed
      ? emaSmooth(
          pts.map((r) => r.value),
          smoothing,
        )
      : null;
    const xp: XPoint[] = pts.map((r, i) =>
      values
        ? { step: r[xKey], value: values[i], raw: r.value }
        : { step: r[xKey], value: r.value },
    );
    pts = [];
    return downsampleMinMax(xp) as XPoint[];
  }, [raw, xKey, logScale, smoothed, smoothing]);
  const last = raw.length > 0 ? raw[raw.length - 1] : null;
  const xLabel = xKey === 'step' ? 'step' : 'epoch';
  return (
    <figure
      ref={ref}
      className="chart"
      data-testid={`chart-${spec.key}`}
      data-points={shown.length}
      aria-label={`${spec.title} by ${xLabel}: ${raw.length} points${
        last ? `, latest ${formatTick(last.value)} at step ${last.step}` : ''
      }`}
    >
      <figcaption>
        <span className="chart-title">{spec.title}</span>{' '}
        <span className="hint">
          <code>{spec.key}</code>
          {last ? ` · ${formatTick(last.value)} @ ${last.step}` : ''}
        </span>
        {raw.length > 0 && (
          <ChartExportButtons target={() => ref.current} title={spec.title} onError={onError} />
        )}
      </figcaption>
      <div className="chart-body" aria-hidden="true">
        {shown.length === 0 ? (
          <p className="chart-empty">{emptyText}</p>
        ) : (
          <LineSvg
            points={shown}
            color={spec.color}
            logScale={logScale}
            xLabel={xLabel}
            name={smoothed ? `${spec.key} (smoothed)` : spec.key}
            showRaw={smoothed}
            format={formatTick}
          />
        )}
      </div>
    </figure>
  );
});

interface Props {
  logs: readonly LogEntry[];
  throughput: readonly ThroughputPoint[];
  /** Whether evaluation is turned off (explains empty eval charts). */
  evalOff: boolean;
  /** A run is streaming into the charts: redraws are throttled. */
  live?: boolean;
  onError?: (err: unknown) => void;
  /** Extra controls at the end of the toolbar. */
  children?: ReactNode;
}

/**
 * The live charts with a toolbar: loss smoothing (EMA, as TensorBoard), x by step or epoch, log
 * scale. Training loss, every eval_* metric, learning rate, grad norm and throughput.
 */
export const Charts = memo(function Charts({
  logs: liveLogs,
  throughput: liveThroughput,
  evalOff,
  live = false,
  onError,
  children,
}: Props) {
  // While a run streams, redraw at most every CHART_THROTTLE_MS; when it ends, at once.
  const logs = useThrottled(liveLogs, live);
  const throughput = useThrottled(liveThroughput, live);
  const [smoothing, setSmoothing] = useState(0.6);
  const [xKey, setXKey] = useState<'step' | 'epoch'>('step');
  const [logScale, setLogScale] = useState(false);
  const smoothId = useId();
  const xId = useId();
  const logId = useId();
  // Series keep their identity while their length is unchanged, so only charts with new
  // points re-render (throughput grows on every progress event, eval_* every eval_steps).
  const prev = useRef<Map<string, Raw[]>>(new Map());
  const all = useMemo(() => {
    const next = seriesFromLogs(logs, throughput);
    for (const [k, a] of next) {
      const old = prev.current.get(k);
      if (old && sameSeries(old, a)) next.set(k, old);
    }
    prev.current = next;
    return next;
  }, [logs, throughput]);
  const keyList = [...all.keys()].join('\n');
  const specs = useMemo(() => {
    const fixed = new Set(FIXED.map((f) => f.key));
    const extra = keyList
      .split('\n')
      .filter((k) => k && !fixed.has(k))
      .sort()
      .map((k) => ({ key: k, title: k, description: k }));
    return [...FIXED, ...extra].map((s, i) => ({ ...s, color: PALETTE[i % PALETTE.length] }));
  }, [keyList]);
  const onSmoothing = useCallback((v: number) => setSmoothing(v), []);
  return (
    <>
      <div className="chart-toolbar" role="group" aria-label="Chart options">
        <label htmlFor={smoothId}>
          Loss smoothing <output htmlFor={smoothId}>{smoothing.toFixed(2)}</output>
        </label>
        <input
          id={smoothId}
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          value={smoothing}
          aria-label="Loss smoothing"
          onChange={(e) => onSmoothing(Number(e.target.value))}
        />
        <label htmlFor={xId}>X axis</label>
        <select
          id={xId}
          aria-label="X axis"
          value={xKey}
          onChange={(e) => setXKey(e.target.value === 'epoch' ? 'epoch' : 'step')}
        >
          <option value="step">step</option>
          <option value="epoch">epoch</option>
        </select>
        <label className="check" htmlFor={logId}>
          <input
            id={logId}
            type="checkbox"
            checked={logScale}
            onChange={(e) => setLogScale(e.target.checked)}
          />{' '}
          Log scale
        </label>
        {children}
      </div>
      <div className="charts">
        {specs.map((spec) => (
          <MetricChart
            key={spec.key}
            spec={spec}
            raw={all.get(spec.key) ?? EMPTY}
            xKey={xKey}
            logScale={logScale}
            smoothing={smoothing}
            onError={onError}
            emptyText={
              spec.key.startsWith('eval_') && evalOff
                ? 'eval_strategy is "no": no evaluations.'
                : 'No points yet. Press Train to see the curve.'
            }
          />
        ))}
      </div>
    </>
  );
});

const EMPTY: Raw[] = [];

/** Same points (length, last step and value): the log history only grows or is replaced. */
function sameSeries(a: readonly Raw[], b: readonly Raw[]): boolean {
  if (a.length !== b.length) return false;
  if (a.length === 0) return true;
  const x = a[a.length - 1];
  const y = b[b.length - 1];
  return x.step === y.step && x.value === y.value && a[0].value === b[0].value;
}

/** Chart redraws while a run streams: at most one per this many ms. */
const CHART_THROTTLE_MS = 750;

/**
 * `value`, updated at most every CHART_THROTTLE_MS while `throttle` is on (the latest value
 * always lands, at the end of the interval); passed through as is when it is off.
 */
function useThrottled<T>(value: T, throttle: boolean): T {
  const [shown, setShown] = useState(value);
  const last = useRef(0);
  useEffect(() => {
    if (!throttle) return;
    const wait = last.current + CHART_THROTTLE_MS - performance.now();
    const apply = () => {
      last.current = performance.now();
      setShown(value);
    };
    if (wait <= 0) {
      apply();
      return;
    }
    const t = setTimeout(apply, wait);
    return () => clearTimeout(t);
  }, [value, throttle]);
  return throttle ? shown : value;
}
