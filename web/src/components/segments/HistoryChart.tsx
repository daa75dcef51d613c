import { useId } from 'react';
import { useI18n } from '../../i18n/index.tsx';
import type { CountPoint } from '../../types.ts';
import { TableWrap } from '../TableWrap.tsx';

const W = 560;
const H = 200;
const LEFT = 48;
const RIGHT = 12;
const TOP = 12;
const LINE_BOTTOM = 130;
const BAR_MID = 165;
const BAR_MAX = 22;
const SHOWN = 10;

/**
 * Members over time (a line), and how many entered (up) and left (down) at
 * each recount. An image with a summary, and the latest counts as a table.
 */
export function HistoryChart({ points }: { points: readonly CountPoint[] }) {
  const { t, number, dateTime, date } = useI18n();
  const id = useId();
  if (points.length === 0) return <p className="hint">{t('seg.history.none')}</p>;
  const times = points.map((p) => Date.parse(p.at));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const maxMembers = Math.max(1, ...points.map((p) => p.members));
  const maxMoves = Math.max(1, ...points.flatMap((p) => [p.entered, p.exited]));
  const x = (ms: number) =>
    t1 === t0 ? (LEFT + W - RIGHT) / 2 : LEFT + ((ms - t0) * (W - LEFT - RIGHT)) / (t1 - t0);
  const y = (n: number) => LINE_BOTTOM - (n * (LINE_BOTTOM - TOP)) / maxMembers;
  const bar = (n: number) => (n * BAR_MAX) / maxMoves;
  const line = points.map((p, i) => `${x(times[i]).toFixed(1)},${y(p.members).toFixed(1)}`).join(' ');
  const first = points[0];
  const last = points[points.length - 1];
  const summary = t('seg.history.summary', {
    n: points.length,
    first: number(first.members),
    from: date(first.at),
    last: number(last.members),
    to: date(last.at),
  });
  return (
    <figure className="history">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-labelledby={`${id}-title`}
        focusable="false"
        className="history-chart"
      >
        <title id={`${id}-title`}>{summary}</title>
        <line x1={LEFT} x2={W - RIGHT} y1={LINE_BOTTOM} y2={LINE_BOTTOM} className="axis" />
        <line x1={LEFT} x2={W - RIGHT} y1={BAR_MID} y2={BAR_MID} className="axis" />
        <text x={LEFT - 6} y={TOP + 4} textAnchor="end" className="chart-number">
          {number(maxMembers)}
        </text>
        <text x={LEFT - 6} y={LINE_BOTTOM} textAnchor="end" className="chart-number">
          0
        </text>
        {points.map((p, i) => (
          <g key={p.at}>
            <rect
              x={x(times[i]) - 3}
              y={BAR_MID - bar(p.entered)}
              width={6}
              height={bar(p.entered)}
              className="bar-entered"
            />
            <rect x={x(times[i]) - 3} y={BAR_MID} width={6} height={bar(p.exited)} className="bar-exited" />
          </g>
        ))}
        {points.length > 1 && <polyline points={line} className="history-line" />}
        {points.map((p, i) => (
          <circle key={p.at} cx={x(times[i])} cy={y(p.members)} r={3.5} className="history-dot" />
        ))}
        <text x={LEFT} y={H - 4} className="chart-label">
          {date(first.at)}
        </text>
        {date(last.at) !== date(first.at) && (
          <text x={W - RIGHT} y={H - 4} textAnchor="end" className="chart-label">
            {date(last.at)}
          </text>
        )}
      </svg>
      <figcaption className="hint">
        <span className="legend-swatch line" aria-hidden="true" /> {t('seg.history.members')}{' '}
        <span className="legend-swatch entered" aria-hidden="true" /> {t('seg.history.entered')}{' '}
        <span className="legend-swatch exited" aria-hidden="true" /> {t('seg.history.exited')}
      </figcaption>
      <TableWrap label={t('seg.history.table')}>
        <table className="history-table">
          <thead>
            <tr>
              <th scope="col">{t('seg.history.at')}</th>
              <th scope="col" className="num">
                {t('seg.history.members')}
              </th>
              <th scope="col" className="num">
                {t('seg.history.entered')}
              </th>
              <th scope="col" className="num">
                {t('seg.history.exited')}
              </th>
              <th scope="col" className="num">
                {t('seg.history.version')}
              </th>
            </tr>
          </thead>
          <tbody>
            {[...points]
              .reverse()
              .slice(0, SHOWN)
              .map((p) => (
                <tr key={p.at}>
                  <td className="nowrap">{dateTime(p.at)}</td>
                  <td className="num">{number(p.members)}</td>
                  <td className="num">+{number(p.entered)}</td>
                  <td className="num">−{number(p.exited)}</td>
                  <td className="num">{p.version}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </TableWrap>
    </figure>
  );
}
