import { memo } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { downsampleMinMax, type Point, type Series, type SeriesKey } from './series';

interface ChartSpec {
  key: SeriesKey;
  title: string;
  description: string;
  /** CSS variable holding the line colour (themed). */
  color: string;
}

const CHARTS: ChartSpec[] = [
  {
    key: 'loss',
    title: 'Training loss',
    description: 'mean loss since the previous log',
    color: 'var(--c1)',
  },
  {
    key: 'eval_loss',
    title: 'Validation loss',
    description: 'eval_loss on the validation split',
    color: 'var(--c2)',
  },
  {
    key: 'eval_accuracy',
    title: 'Validation accuracy',
    description: 'eval_accuracy on the validation split',
    color: 'var(--c3)',
  },
  {
    key: 'learning_rate',
    title: 'Learning rate',
    description: 'learning rate used by the step',
    color: 'var(--c4)',
  },
  {
    key: 'grad_norm',
    title: 'Gradient norm',
    description: 'global gradient norm before clipping',
    color: 'var(--c5)',
  },
];

function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-2 || a >= 1e4) return v.toExponential(1);
  return Number(v.toPrecision(3)).toString();
}

interface ChartProps {
  spec: ChartSpec;
  points: Point[];
  emptyText: string;
}

/** One metric by step; draws a downsampled copy of long series, no animation (it streams). */
const MetricChart = memo(function MetricChart({ spec, points, emptyText }: ChartProps) {
  const shown = downsampleMinMax(points);
  const last = points.length > 0 ? points[points.length - 1] : null;
  return (
    <figure
      className="chart"
      data-testid={`chart-${spec.key}`}
      data-points={shown.length}
      aria-label={`${spec.title} by step: ${points.length} points${
        last ? `, latest ${formatTick(last.value)} at step ${last.step}` : ''
      }`}
    >
      <figcaption>
        <span className="chart-title">{spec.title}</span>{' '}
        <span className="hint">
          <code>{spec.key}</code>
          {last ? ` · ${formatTick(last.value)} @ ${last.step}` : ''}
        </span>
      </figcaption>
      <div className="chart-body" aria-hidden="true">
        {points.length === 0 ? (
          <p className="chart-empty">{emptyText}</p>
        ) : (
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={shown} margin={{ top: 8, right: 12, bottom: 4, left: 0 }}>
              <CartesianGrid stroke="var(--grid)" strokeDasharray="3 3" />
              <XAxis
                dataKey="step"
                type="number"
                domain={['dataMin', 'dataMax']}
                tick={{ fill: 'var(--muted)', fontSize: 11 }}
                stroke="var(--grid)"
              />
              <YAxis
                width={52}
                domain={['auto', 'auto']}
                tickFormatter={formatTick}
                tick={{ fill: 'var(--muted)', fontSize: 11 }}
                stroke="var(--grid)"
              />
              <Tooltip
                formatter={(v) => (typeof v === 'number' ? formatTick(v) : String(v))}
                labelFormatter={(s) => `step ${String(s)}`}
                contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)' }}
              />
              <Line
                type="linear"
                dataKey="value"
                name={spec.key}
                stroke={spec.color}
                strokeWidth={2}
                dot={points.length < 30}
                isAnimationActive={false}
              />
            </LineChart>
          </ResponsiveContainer>
        )}
      </div>
    </figure>
  );
});

interface Props {
  series: Series;
  /** Whether evaluation is turned off (explains empty eval charts). */
  evalOff: boolean;
}

/** The live charts: loss, validation loss and accuracy, learning rate, gradient norm. */
export function Charts({ series, evalOff }: Props) {
  return (
    <div className="charts">
      {CHARTS.map((spec) => (
        <MetricChart
          key={spec.key}
          spec={spec}
          points={series[spec.key]}
          emptyText={
            spec.key.startsWith('eval_') && evalOff
              ? 'eval_strategy is "no": no evaluations.'
              : 'No points yet. Press Train to see the curve.'
          }
        />
      ))}
    </div>
  );
}
