/** The ROC, precision-recall and calibration charts' plain-SVG unit square. */
import { formatTick } from './Charts';

/** A point of a unit-square chart, both in [0, 1]. */
export type XY = { x: number; y: number };

const UNIT_W = 320;
const UNIT_H = 170;
const UNIT_M = { top: 8, right: 12, bottom: 30, left: 44 };
const UNIT_TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];

/**
 * Lines on the unit square ([0, 1] on both axes) with a dashed diagonal, drawn as plain SVG in a
 * fixed viewBox: no measuring, no ResizeObserver and one render (recharts cost the end of a run
 * a 100+ ms main-thread task for these two charts). Points outside [0, 1] are clamped.
 */
export function UnitSquareSvg({
  lines,
  xLabel,
  diagonal,
  dots = false,
}: {
  /** One polyline per entry: its CSS colour and points in data units. */
  lines: { color: string; points: readonly XY[]; step?: boolean }[];
  xLabel: string;
  diagonal: boolean;
  dots?: boolean;
}) {
  const pw = UNIT_W - UNIT_M.left - UNIT_M.right;
  const ph = UNIT_H - UNIT_M.top - UNIT_M.bottom;
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  const x = (v: number) => UNIT_M.left + clamp(v) * pw;
  const y = (v: number) => UNIT_M.top + ph - clamp(v) * ph;
  const path = (pts: readonly XY[], step: boolean) => {
    let d = '';
    let prevY = 0;
    for (const p of pts) {
      if (d && step) d += `L${x(p.x).toFixed(1)},${prevY.toFixed(1)}`;
      d += `${d ? 'L' : 'M'}${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`;
      prevY = y(p.y);
    }
    return d;
  };
  return (
    <svg
      width="100%"
      height="100%"
      viewBox={`0 0 ${UNIT_W} ${UNIT_H}`}
      preserveAspectRatio="xMidYMid meet"
    >
      <g stroke="var(--grid)" strokeDasharray="3 3">
        {UNIT_TICKS.map((t) => (
          <line key={`y${t}`} x1={x(0)} x2={x(1)} y1={y(t)} y2={y(t)} />
        ))}
        {UNIT_TICKS.map((t) => (
          <line key={`x${t}`} x1={x(t)} x2={x(t)} y1={y(0)} y2={y(1)} />
        ))}
      </g>
      <g fill="var(--muted)" fontSize={11}>
        {UNIT_TICKS.map((t) => (
          <text key={`y${t}`} x={UNIT_M.left - 6} y={y(t) + 4} textAnchor="end">
            {formatTick(t)}
          </text>
        ))}
        {UNIT_TICKS.map((t) => (
          <text key={`x${t}`} x={x(t)} y={y(0) + 14} textAnchor="middle">
            {formatTick(t)}
          </text>
        ))}
        <text x={UNIT_M.left + pw / 2} y={UNIT_H - 2} textAnchor="middle">
          {xLabel}
        </text>
      </g>
      {diagonal && (
        <line x1={x(0)} y1={y(0)} x2={x(1)} y2={y(1)} stroke="var(--muted)" strokeDasharray="4 4" />
      )}
      {lines.map((l, i) => (
        <g key={i}>
          <path d={path(l.points, l.step ?? false)} fill="none" stroke={l.color} strokeWidth={2} />
          {dots &&
            l.points.map((p, j) => <circle key={j} cx={x(p.x)} cy={y(p.y)} r={3} fill={l.color} />)}
        </g>
      ))}
    </svg>
  );
}
