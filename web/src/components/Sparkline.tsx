import type { ObservationPoint } from '../types.ts';

const W = 140;
const H = 40;
const PAD = 4;

/**
 * A small line chart of an observation series (oldest first). Blood pressure
 * draws the diastolic values as a second, dashed line. The chart is an image
 * with a text alternative; the numbers themselves are beside it.
 */
export function Sparkline({ series, label }: { series: readonly ObservationPoint[]; label: string }) {
  if (series.length === 0) return null;
  const values = series.flatMap((p) => (p.value2 === undefined ? [p.value] : [p.value, p.value2]));
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const x = (i: number) => (series.length === 1 ? W / 2 : PAD + (i * (W - 2 * PAD)) / (series.length - 1));
  const y = (v: number) => (max === min ? H / 2 : H - PAD - ((v - min) * (H - 2 * PAD)) / span);
  const line = (pick: (p: ObservationPoint) => number | undefined) =>
    series
      .map((p, i) => {
        const v = pick(p);
        return v === undefined ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      })
      .filter(Boolean)
      .join(' ');
  const last = series[series.length - 1];
  const hasSecond = series.some((p) => p.value2 !== undefined);
  return (
    <svg
      className="sparkline"
      role="img"
      aria-label={label}
      viewBox={`0 0 ${W} ${H}`}
      width={W}
      height={H}
      focusable="false"
    >
      {series.length > 1 && <polyline points={line((p) => p.value)} className="spark-line" />}
      {hasSecond && series.length > 1 && (
        <polyline points={line((p) => p.value2)} className="spark-line second" />
      )}
      <circle cx={x(series.length - 1)} cy={y(last.value)} r={3} className="spark-dot" />
      {last.value2 !== undefined && (
        <circle cx={x(series.length - 1)} cy={y(last.value2)} r={3} className="spark-dot" />
      )}
    </svg>
  );
}
