import { useId } from 'react';
import { Link } from 'react-router-dom';
import { type Translate, useI18n } from '../../i18n/index.tsx';
import { useSession } from '../../session.tsx';
import { ErrorText } from '../ErrorText.tsx';
import { TableWrap } from '../TableWrap.tsx';
import { useBuilderData } from './BuilderData.tsx';
import { FunnelChart, type FunnelRow } from './FunnelChart.tsx';
import { describeRule } from './rules.ts';
import { nodeAt } from './tree.ts';
import type { PreviewState } from './usePreview.ts';

/** The funnel's rows with labels in the reader's language, from the definition they were counted for. */
function useRows(state: PreviewState): FunnelRow[] {
  const { t } = useI18n();
  const { names } = useBuilderData();
  return (state.preview?.funnel ?? []).map((r) => {
    const node = state.counted ? nodeAt(state.counted.root, r.path) : undefined;
    return { ...r, label: node ? describeRule(node, t, names) : r.label };
  });
}

export const todayIso = () => new Date().toISOString().slice(0, 10);

/** Count, as-of date and funnel, updated while the definition is edited. */
export function PreviewPanel({
  state,
  asOf,
  onAsOf,
  waiting,
}: {
  state: PreviewState;
  asOf: string;
  onAsOf(date: string): void;
  /** Rules still to fill in: nothing is counted until they are. */
  waiting: boolean;
}) {
  const { t, number } = useI18n();
  const id = useId();
  const rows = useRows(state);
  const p = state.preview;
  return (
    <section aria-labelledby={`${id}-h`} aria-busy={state.loading} className="card preview-panel">
      <h2 id={`${id}-h`}>{t('seg.preview.title')}</h2>
      <div className="field">
        <label htmlFor={`${id}-asof`}>{t('seg.preview.asOf')}</label>
        <input
          id={`${id}-asof`}
          type="date"
          max={todayIso()}
          value={asOf}
          aria-describedby={`${id}-asof-hint`}
          onChange={(e) => onAsOf(e.target.value || todayIso())}
        />
        <p id={`${id}-asof-hint`} className="hint">
          {t('seg.preview.asOfHint')}
        </p>
      </div>
      <div role="status" className="preview-status">
        {waiting ? (
          <p className="notice">{t('seg.preview.waiting')}</p>
        ) : state.problems.length > 0 ? (
          <p className="notice">{t('seg.preview.problems', { n: state.problems.length })}</p>
        ) : p ? (
          <p className="preview-count">
            <strong data-count={p.count}>{number(p.count)}</strong>{' '}
            {t('seg.preview.of', { universe: number(p.universe) })}
            {state.loading && <span className="hint"> {t('seg.preview.counting')}</span>}
          </p>
        ) : (
          <p className="hint">{t('seg.preview.counting')}</p>
        )}
      </div>
      <ErrorText error={state.error} />
      {p && !waiting && state.problems.length === 0 && rows.length > 0 && (
        <FunnelChart rows={rows} universe={p.universe} />
      )}
    </section>
  );
}

function reasonText(reason: string, t: Translate): { text: string; lang?: string } {
  if (reason === 'matches') return { text: t('seg.sample.matches') };
  if (reason === 'does not match') return { text: t('seg.sample.noMatch') };
  return { text: reason, lang: 'en' };
}

/** A few members with, per top-level rule, whether they pass it and why. */
export function PreviewSample({ state }: { state: PreviewState }) {
  const { t, date } = useI18n();
  const { can } = useSession();
  const id = useId();
  const rows = useRows(state);
  const p = state.preview;
  if (!p || state.problems.length > 0) return null;
  return (
    <section aria-labelledby={`${id}-h`} className="card">
      <h2 id={`${id}-h`}>{t('seg.sample.title')}</h2>
      {p.sample.length === 0 ? (
        <p className="hint">{t('seg.sample.none')}</p>
      ) : (
        <TableWrap label={t('seg.sample.title')}>
          <table className="sample-table">
            <thead>
              <tr>
                <th scope="col">{t('patient.name')}</th>
                <th scope="col">{t('patient.birthDate')}</th>
                {rows.map((r) => (
                  <th scope="col" key={r.path}>
                    {r.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {p.sample.map((m) => (
                <tr key={m.patientId}>
                  <th scope="row">
                    {m.profileId && can('patient:read') ? (
                      <Link to={`/profiles/${encodeURIComponent(m.profileId)}`}>
                        {m.name ?? t('patient.unnamed')}
                      </Link>
                    ) : (
                      (m.name ?? t('patient.unnamed'))
                    )}
                  </th>
                  <td className="nowrap">{date(m.birthDate)}</td>
                  {rows.map((r) => {
                    const why = m.why.find((w) => w.path === r.path);
                    if (!why) return <td key={r.path}>–</td>;
                    const reason = reasonText(why.reason, t);
                    return (
                      <td key={r.path} className={why.passed ? 'pass' : 'fail'}>
                        <span aria-hidden="true" className="mark">
                          {why.passed ? '✓' : '✗'}
                        </span>
                        <span className="visually-hidden">
                          {t(why.passed ? 'seg.sample.passed' : 'seg.sample.failed')}
                        </span>{' '}
                        <span lang={reason.lang}>{reason.text}</span>
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {p.scoped && <p className="hint">{t('seg.sample.scoped')}</p>}
    </section>
  );
}
