/**
 * A small SVG line chart for the live training charts. It replaces recharts there because a
 * recharts 3 chart costs tens of milliseconds per update (a redux store, text measuring with
 * getBoundingClientRect, many components) and ten of them updating while a run streams blocked the
 * main thread for seconds. This one draws one <path> per line, a grid and a few tick labels: a
 * single render and a handful of DOM writes per update.
 */
import { memo, useEffect, useMemo, useRef, useState, type PointerEvent } from 'react';

/** A point: x (step or epoch), the drawn value, and the raw value under a smoothed one. */
export interface LinePoint {
  step: number;
  value: number;
  raw?: number;
}

interface Props {
  /** Points sorted by x (already downsampled by the caller). */
  points: readonly LinePoint[];
  /** CSS colour of the line (a theme variable is fine: it is set as a style). */
  color: string;
  /** Log-scale y axis (the caller drops values <= 0). */
  logScale: boolean;
  /** Name of the x axis for the hover readout ("step" or "epoch"). */
  xLabel: string;
  /** Name of the line in the hover readout. */
  name: string;
  /** Draws `raw` as a faint line under `value`. */
  showRaw: boolean;
  /** Formats tick labels and the readout. */
  format: (v: number) => string;
}

const MARGIN = { top: 8, right: 12, bottom: 22, left: 52 };
const TICKS = 5;

/** "Nice" linear ticks (1, 2, 5 x 10^k steps) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = TICKS): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (lo === hi) return [lo];
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const norm = raw / mag;
  const step = (norm >= 5 ? 10 : norm >= 2 ? 5 : norm >= 1.5 ? 2 : 1) * mag;
  const out: number[] = [];
  // The length cap ends the loop where `step` is below the float spacing at `lo` (a range of
  // ~1e-16 relative width: v += step would not move v, and push would run out of memory).
  for (
    let v = Math.ceil(lo / step) * step;
    v <= hi + step * 1e-9 && out.length <= 4 * count;
    v += step
  ) {
    out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  }
  return out;
}

/** Ticks for a log axis: powers of ten inside [lo, hi], or linear ticks within one decade. */
function logTicks(lo: number, hi: number): number[] {
  const a = Math.ceil(Math.log10(lo));
  const b = Math.floor(Math.log10(hi));
  if (b - a >= 1) {
    const out: number[] = [];
    const every = Math.max(1, Math.ceil((b - a + 1) / TICKS));
    for (let k = a; k <= b; k += every) out.push(Math.pow(10, k));
    return out;
  }
  return niceTicks(lo, hi, 3).filter((v) => v > 0);
}

/** Padded y domain: 5% each side (a flat line gets +-1, or a decade on a log axis). */
function yDomain(lo: number, hi: number, log: boolean): [number, number] {
  if (log) {
    const l = Math.log10(lo);
    const h = Math.log10(hi);
    const pad = h === l ? 0.5 : (h - l) * 0.05;
    return [Math.pow(10, l - pad), Math.pow(10, h + pad)];
  }
  const pad = hi === lo ? Math.abs(hi) * 0.1 || 1 : (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

function pathOf(
  pts: readonly LinePoint[],
  key: 'value' | 'raw',
  x: (v: number) => number,
  y: (v: number) => number,
): string {
  let d = '';
  for (const p of pts) {
    const v = p[key];
    if (v === undefined || !Number.isFinite(v)) continue;
    d += `${d ? 'L' : 'M'}${x(p.step).toFixed(1)},${y(v).toFixed(1)}`;
  }
  return d;
}

/**
 * Width and height of an element, kept current with a ResizeObserver. Its first callback comes
 * after the browser's own layout, so mounting a chart never forces a synchronous layout of the
 * page (measuring with getBoundingClientRect in a layout effect did: tens of milliseconds when
 * the charts appear at the start of a run).
 */
function useSize(): [React.RefObject<HTMLDivElement | null>, { w: number; h: number }] {
  const ref = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ w: 0, h: 0 });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const set = (w: number, h: number) =>
      setSize((s) =>
        s.w === Math.round(w) && s.h === Math.round(h) ? s : { w: Math.round(w), h: Math.round(h) },
      );
    const ro = new ResizeObserver((entries) => {
      const c = entries[0]?.contentRect;
      if (c) set(c.width, c.height);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, size];
}

/**
 * The chart: grid, axes with tick labels, the line (dots when under 30 points), and a readout of
 * the nearest point under the pointer. Fills its parent (give the parent a height).
 */
export const LineSvg = memo(function LineSvg({
  points,
  color,
  logScale,
  xLabel,
  name,
  showRaw,
  format,
}: Props) {
  const [ref, { w, h }] = useSize();
  const [hover, setHover] = useState<number | null>(null);
  const geo = useMemo(() => {
    if (points.length === 0 || w <= MARGIN.left + MARGIN.right || h <= 0) return null;
    let x0 = Infinity;
    let x1 = -Infinity;
    let y0 = Infinity;
    let y1 = -Infinity;
    for (const p of points) {
      x0 = Math.min(x0, p.step);
      x1 = Math.max(x1, p.step);
      for (const v of showRaw && p.raw !== undefined ? [p.value, p.raw] : [p.value]) {
        if (!Number.isFinite(v) || (logScale && v <= 0)) continue;
        y0 = Math.min(y0, v);
        y1 = Math.max(y1, v);
      }
    }
    if (!Number.isFinite(y0)) return null;
    const [lo, hi] = yDomain(y0, y1, logScale);
    const pw = w - MARGIN.left - MARGIN.right;
    const ph = h - MARGIN.top - MARGIN.bottom;
    const x = (v: number) => MARGIN.left + (x1 === x0 ? pw / 2 : ((v - x0) / (x1 - x0)) * pw);
    const y = logScale
      ? (v: number) =>
          MARGIN.top +
          ph -
          ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * ph
      : (v: number) => MARGIN.top + ph - ((v - lo) / (hi - lo)) * ph;
    const xTicks = niceTicks(x0, x1, Math.max(2, Math.min(TICKS, Math.floor(pw / 60))));
    const yTicks = (logScale ? logTicks(lo, hi) : niceTicks(lo, hi, 4)).filter(
      (v) => v >= lo && v <= hi,
    );
    return { x, y, xTicks, yTicks, pw, ph };
  }, [points, w, h, logScale, showRaw]);

  const onMove = (e: PointerEvent<SVGSVGElement>) => {
    if (!geo || points.length === 0) return;
    const px = e.clientX - e.currentTarget.getBoundingClientRect().left;
    let best = 0;
    let dist = Infinity;
    for (let i = 0; i < points.length; i++) {
      const d = Math.abs(geo.x(points[i].step) - px);
      if (d < dist) {
        dist = d;
        best = i;
      }
    }
    setHover(best);
  };
  const hp = hover !== null && hover < points.length ? points[hover] : null;

  return (
    <div ref={ref} className="line-svg">
      {geo && (
        <svg
          width={w}
          height={h}
          viewBox={`0 0 ${w} ${h}`}
          onPointerMove={onMove}
          onPointerLeave={() => setHover(null)}
        >
          <g className="line-svg-grid" stroke="var(--grid)" strokeDasharray="3 3">
            {geo.yTicks.map((v) => (
              <line
                key={`y${v}`}
                x1={MARGIN.left}
                x2={MARGIN.left + geo.pw}
                y1={geo.y(v)}
                y2={geo.y(v)}
              />
            ))}
            {geo.xTicks.map((v) => (
              <line
                key={`x${v}`}
                x1={geo.x(v)}
                x2={geo.x(v)}
                y1={MARGIN.top}
                y2={MARGIN.top + geo.ph}
              />
            ))}
          </g>
          <g fill="var(--muted)" fontSize={11}>
            {geo.yTicks.map((v) => (
              <text key={`y${v}`} x={MARGIN.left - 6} y={geo.y(v) + 4} textAnchor="end">
                {format(v)}
              </text>
            ))}
            {geo.xTicks.map((v) => (
              <text key={`x${v}`} x={geo.x(v)} y={MARGIN.top + geo.ph + 15} textAnchor="middle">
                {format(v)}
              </text>
            ))}
          </g>
          {showRaw && (
            <path
              d={pathOf(points, 'raw', geo.x, geo.y)}
              fill="none"
              stroke={color}
              strokeOpacity={0.3}
              strokeWidth={1}
            />
          )}
          <path
            d={pathOf(points, 'value', geo.x, geo.y)}
            fill="none"
            stroke={color}
            strokeWidth={2}
          />
          {points.length < 30 && (
            <g fill={color}>
              {points.map((p, i) =>
                Number.isFinite(p.value) ? (
                  <circle key={i} cx={geo.x(p.step)} cy={geo.y(p.value)} r={2.5} />
                ) : null,
              )}
            </g>
          )}
          {hp && (
            <line
              x1={geo.x(hp.step)}
              x2={geo.x(hp.step)}
              y1={MARGIN.top}
              y2={MARGIN.top + geo.ph}
              stroke="var(--muted)"
            />
          )}
        </svg>
      )}
      {hp && geo && (
        <div
          className="line-svg-tip"
          style={{
            left: Math.min(geo.x(hp.step) + 8, Math.max(0, w - 150)),
            top: MARGIN.top,
          }}
        >
          {xLabel} {format(hp.step)}
          <br />
          {name}: {format(hp.value)}
          {showRaw && hp.raw !== undefined ? ` (raw ${format(hp.raw)})` : ''}
        </div>
      )}
    </div>
  );
});
