import { useId } from 'react';
import { useI18n } from '../../i18n/index.tsx';
import { TableWrap } from '../TableWrap.tsx';

export interface FunnelRow {
  path: string;
  label: string;
  alone: number;
  cumulative: number;
}

const W = 400;
const LABEL_W = 150;
const ROW_H = 30;
const BAR_H = 18;
const NUM_W = 48;

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * How many pass each top-level rule: a light bar for the rule alone and a
 * dark bar for it together with every rule above it, starting from everyone
 * (the universe). The chart is an image with a summary; the table beside it
 * holds the same numbers for screen readers and for reading off.
 */
export function FunnelChart({ rows, universe }: { rows: readonly FunnelRow[]; universe: number }) {
  const { t, number } = useI18n();
  const id = useId();
  const all: FunnelRow[] = [
    { path: 'universe', label: t('seg.funnel.universe'), alone: universe, cumulative: universe },
    ...rows,
  ];
  const H = all.length * ROW_H + 4;
  const scale = (n: number) => (universe > 0 ? ((W - LABEL_W - NUM_W) * n) / universe : 0);
  const summary = t('seg.funnel.summary', {
    universe: number(universe),
    steps: rows.map((r) => `${r.label}: ${number(r.cumulative)}`).join('; '),
  });
  return (
    <figure className="funnel">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-labelledby={`${id}-title`}
        focusable="false"
        className="funnel-chart"
      >
        <title id={`${id}-title`}>{summary}</title>
        {all.map((r, i) => {
          const y = i * ROW_H + 4;
          return (
            <g key={r.path} data-path={r.path}>
              <text x={0} y={y + BAR_H - 4} className="chart-label">
                {clip(r.label, 22)}
              </text>
              <rect x={LABEL_W} y={y} width={W - LABEL_W - NUM_W} height={BAR_H} className="bar-track" />
              <rect x={LABEL_W} y={y} width={scale(r.alone)} height={BAR_H} className="bar-alone" />
              <rect x={LABEL_W} y={y} width={scale(r.cumulative)} height={BAR_H} className="bar-cumulative" />
              <text x={W} y={y + BAR_H - 4} textAnchor="end" className="chart-number">
                {number(r.cumulative)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="hint">
        <span className="legend-swatch cumulative" aria-hidden="true" /> {t('seg.funnel.cumulative')}{' '}
        <span className="legend-swatch alone" aria-hidden="true" /> {t('seg.funnel.alone')}
      </figcaption>
      <TableWrap label={t('seg.funnel.table')}>
        <table className="funnel-table">
          <thead>
            <tr>
              <th scope="col">{t('seg.funnel.rule')}</th>
              <th scope="col" className="num">
                {t('seg.funnel.aloneShort')}
              </th>
              <th scope="col" className="num">
                {t('seg.funnel.cumulativeShort')}
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.path} data-path={r.path}>
                <th scope="row">{r.label}</th>
                <td className="num">{number(r.alone)}</td>
                <td className="num">{number(r.cumulative)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </figure>
  );
}
