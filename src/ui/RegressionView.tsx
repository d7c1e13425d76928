/** The regression evaluation: its metrics and predicted against true values. */
import { useMemo, useRef } from 'react';
import {
  CartesianGrid,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { RegressionDetails } from '../worker/client';
import { ChartExportButtons } from './Charts';
import { num, thin } from './evalFormat';

export function RegressionView({
  d,
  onError,
}: {
  d: RegressionDetails;
  onError?: (e: unknown) => void;
}) {
  const ref = useRef<HTMLElement>(null);
  const pts = useMemo(() => thin(d.rows, 2000), [d]);
  // A loop, not a spread into Math.min/max: a large validation split overflows the stack.
  const [lo, hi] = useMemo(() => {
    let min = Infinity;
    let max = -Infinity;
    for (const r of d.rows) {
      min = Math.min(min, r.label, r.pred);
      max = Math.max(max, r.label, r.pred);
    }
    return [min, max];
  }, [d]);
  return (
    <>
      <dl className="metrics" data-testid="eval-metrics">
        {Object.entries(d.metrics).map(([k, v]) => (
          <div key={k} className="metric">
            <dt>{k}</dt> <dd>{num(v, 4)}</dd>
          </div>
        ))}
      </dl>
      <div className="charts">
        <figure
          ref={ref}
          className="chart"
          aria-label={`Predicted against true values, ${d.rows.length} rows`}
        >
          <figcaption>
            <span className="chart-title">Predicted vs true</span>
            <ChartExportButtons
              target={() => ref.current}
              title="Predicted vs true"
              onError={onError}
            />
          </figcaption>
          <div className="chart-body" aria-hidden="true">
            <ResponsiveContainer width="100%" height="100%">
              <ScatterChart
                accessibilityLayer={false}
                margin={{ top: 8, right: 12, bottom: 4, left: 0 }}
              >
                <CartesianGrid stroke="var(--grid)" strokeDasharray="3 3" />
                <XAxis
                  dataKey="label"
                  type="number"
                  name="true"
                  domain={[lo, hi]}
                  tick={{ fill: 'var(--muted)', fontSize: 11 }}
                />
                <YAxis
                  dataKey="pred"
                  type="number"
                  name="predicted"
                  domain={[lo, hi]}
                  width={52}
                  tick={{ fill: 'var(--muted)', fontSize: 11 }}
                />
                <ReferenceLine
                  segment={[
                    { x: lo, y: lo },
                    { x: hi, y: hi },
                  ]}
                  stroke="var(--muted)"
                  strokeDasharray="4 4"
                />
                <Tooltip
                  contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)' }}
                />
                <Scatter data={pts} fill="var(--c1)" isAnimationActive={false} />
              </ScatterChart>
            </ResponsiveContainer>
          </div>
        </figure>
      </div>
    </>
  );
}
