/**
 * A small SVG bar chart of row counts for the data report (class balance, token lengths). Plain
 * SVG in a fixed viewBox, as the evaluation charts: no measuring and one render (a recharts bar
 * chart mounted, measured its text and unmounted in tasks of tens of milliseconds). Decorative:
 * the numbers are given as text beside it, so it is hidden from assistive technology; each bar's
 * value shows on hover (an SVG <title>).
 */
import { memo } from 'react';

export interface Bar {
  label: string;
  count: number;
}

const W = 480;
const H = 170;
const M = { top: 8, right: 8, bottom: 22, left: 48 };
/** Most x labels drawn when not every one is asked for. */
const MAX_X_LABELS = 8;
/** Longest x label drawn, in characters (the full label is in the bar's title). */
const MAX_LABEL_CHARS = 12;

/** Round tick values from 0 to at least `max`: steps of 1, 2 or 5 x 10^k. */
export function countTicks(max: number, target = 4): number[] {
  if (!(max > 0)) return [0];
  const raw = max / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step / 2 && ticks.length < 20; v += step) ticks.push(v);
  if (ticks[ticks.length - 1] < max) ticks.push(ticks[ticks.length - 1] + step);
  return ticks;
}

const short = (s: string) =>
  s.length > MAX_LABEL_CHARS ? `${s.slice(0, MAX_LABEL_CHARS - 1)}…` : s;
const compact = (v: number) =>
  v >= 1e6 ? `${+(v / 1e6).toFixed(1)}M` : v >= 1e4 ? `${+(v / 1e3).toFixed(1)}k` : String(v);

export const BarsSvg = memo(function BarsSvg({
  bars,
  color,
  allLabels = false,
  marker,
}: {
  bars: readonly Bar[];
  /** CSS colour of the bars (a theme variable is fine). */
  color: string;
  /** Label every bar (classes); otherwise at most eight evenly spaced labels (histogram bins). */
  allLabels?: boolean;
  /** A dashed vertical line before bar `index` (e.g. max_length), labelled at its top. */
  marker?: { index: number; label: string };
}) {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const ticks = countTicks(bars.reduce((m, b) => Math.max(m, b.count), 0));
  const top = ticks[ticks.length - 1] || 1;
  const y = (v: number) => M.top + ph - (v / top) * ph;
  const slot = pw / Math.max(1, bars.length);
  const gap = Math.min(8, slot * 0.2);
  const every = allLabels ? 1 : Math.max(1, Math.ceil(bars.length / MAX_X_LABELS));
  return (
    <svg width="100%" height="100%" viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="xMidYMid meet">
      <g stroke="var(--grid)" strokeDasharray="3 3">
        {ticks.map((t) => (
          <line key={t} x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} />
        ))}
      </g>
      <g fill="var(--muted)" fontSize={11}>
        {ticks.map((t) => (
          <text key={t} x={M.left - 6} y={y(t) + 4} textAnchor="end">
            {compact(t)}
          </text>
        ))}
        {bars.map((b, i) =>
          i % every === 0 ? (
            <text
              key={i}
              x={M.left + slot * (i + 0.5)}
              y={H - 6}
              textAnchor="middle"
              fontSize={allLabels && bars.length > 8 ? 9 : 10}
            >
              {short(b.label)}
            </text>
          ) : null,
        )}
      </g>
      <g fill={color}>
        {bars.map((b, i) => (
          <rect
            key={i}
            x={M.left + slot * i + gap / 2}
            y={y(b.count)}
            width={Math.max(1, slot - gap)}
            height={Math.max(0, M.top + ph - y(b.count))}
          >
            <title>{`${b.label}: ${b.count.toLocaleString('en-US')} rows`}</title>
          </rect>
        ))}
      </g>
      {marker && marker.index > 0 && marker.index < bars.length && (
        <g data-testid="bars-marker">
          <line
            x1={M.left + slot * marker.index}
            x2={M.left + slot * marker.index}
            y1={M.top}
            y2={M.top + ph}
            stroke="var(--text)"
            strokeDasharray="4 3"
            strokeWidth={1.5}
          />
          <text
            x={M.left + slot * marker.index + 4}
            y={M.top + 10}
            fontSize={10}
            fill="var(--text)"
          >
            {marker.label}
          </text>
        </g>
      )}
    </svg>
  );
});
