import { useState } from 'react';
import { api } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import type { ConsentRow, ContactPoint, Patient360, Purpose } from '../types.ts';
import { ErrorText } from './ErrorText.tsx';
import { CHANNEL_LABEL, consentCell, KIND_CHANNEL, KIND_LABEL, others } from './patientLabels.ts';
import { TableWrap } from './TableWrap.tsx';

const STATUS_LABEL = {
  active: 'contactStatus.active',
  bouncing: 'contactStatus.bouncing',
  invalid: 'contactStatus.invalid',
  removed: 'contactStatus.removed',
} as const;

/** The consent in force for outreach or care through this very point (topic: all). */
function rowFor(consent: ConsentRow[], point: ContactPoint, purpose: Purpose): ConsentRow | undefined {
  const channel = KIND_CHANNEL[point.kind];
  const of = consent.filter((r) => r.purpose === purpose && r.channel === channel && r.topic === null);
  return of.find((r) => r.contactValue === point.value) ?? of.find((r) => r.contactValue === null);
}

export function ConsentChip({ row }: { row: ConsentRow | undefined }) {
  const { t } = useI18n();
  if (!row) return <span className="chip neutral">–</span>;
  const cell = consentCell(row);
  return (
    <span className={`chip ${cell.tone}`}>
      <span aria-hidden="true">{row.permits ? '✓' : cell.tone === 'wait' ? '…' : '✕'} </span>
      {t(cell.label)}
      <span className="visually-hidden">
        , {row.permits ? t('consent.permits') : t('consent.notPermits')}
      </span>
    </span>
  );
}

export function ProfileContactPoints({
  data,
  canWrite,
  onChanged,
}: {
  data: Patient360;
  canWrite: boolean;
  onChanged(): void;
}) {
  const { t, date, dateTime } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const points = [...data.contactPoints].sort(
    (a, b) => Number(a.status === 'removed') - Number(b.status === 'removed'),
  );

  const patch = async (p: ContactPoint, body: Record<string, boolean>) => {
    setError(null);
    setBusy(p.id);
    try {
      await api.patch(`/api/contact-points/${encodeURIComponent(p.id)}`, body);
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="card" id="contact-points" aria-labelledby="contact-points-heading">
      <h2 id="contact-points-heading">{t('contacts.title')}</h2>
      <ErrorText error={error} />
      {points.length === 0 ? (
        <p>{t('contacts.none')}</p>
      ) : (
        <TableWrap label={t('contacts.title')}>
          <table className="contact-points">
            <thead>
              <tr>
                <th scope="col">{t('contacts.point')}</th>
                <th scope="col">{t('contacts.outreach')}</th>
                <th scope="col">{t('contacts.care')}</th>
                <th scope="col">{t('contacts.sources')}</th>
                {canWrite && <th scope="col">{t('common.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {points.map((p) => (
                <tr key={p.id} className={p.status === 'removed' ? 'muted' : undefined}>
                  <th scope="row">
                    <span className="hint block">
                      {t(KIND_LABEL[p.kind])}
                      {t(CHANNEL_LABEL[KIND_CHANNEL[p.kind]]) !== t(KIND_LABEL[p.kind]) &&
                        ` · ${t(CHANNEL_LABEL[KIND_CHANNEL[p.kind]])}`}
                      {p.kind === 'phone' && p.mobile === false ? ` · ${t('contacts.notMobile')}` : ''}
                    </span>
                    <span className="contact-value">{p.display || p.value}</span>
                    {p.preferred && <span className="badge">{t('contacts.preferred')}</span>}
                    {p.sharedWith > 0 && p.status !== 'removed' && (
                      <span className="badge warn block-badge">
                        {t('contacts.shared', { others: others(p.sharedWith, t) })}
                      </span>
                    )}
                    <span className="block hint point-status">
                      <span className={p.status === 'active' ? undefined : 'badge warn status-badge'}>
                        {t(STATUS_LABEL[p.status])}
                      </span>
                      {' · '}
                      {p.verifiedAt
                        ? t('contacts.verifiedOn', { date: date(p.verifiedAt) })
                        : t('contacts.unverified')}
                      {p.verifiedOwn && ` · ${t('contacts.own')}`}
                    </span>
                    {p.failures.length > 0 && (
                      <details>
                        <summary>{t('contacts.failures', { n: p.failures.length })}</summary>
                        <ul className="plain compact">
                          {p.failures.map((f) => (
                            <li key={`${f.at}-${f.kind}`}>
                              {dateTime(f.at)}: {f.detail}
                            </li>
                          ))}
                        </ul>
                      </details>
                    )}
                  </th>
                  <td>
                    <ConsentChip row={rowFor(data.consent, p, 'outreach')} />
                  </td>
                  <td>
                    <ConsentChip row={rowFor(data.consent, p, 'care')} />
                  </td>
                  <td>{p.sources.join(', ') || '–'}</td>
                  {canWrite && (
                    <td>
                      {p.status !== 'removed' && (
                        <div className="actions-cell">
                          {!p.verifiedAt && (
                            <button
                              type="button"
                              disabled={busy === p.id}
                              onClick={() => void patch(p, { verified: true })}
                            >
                              {t('contacts.verify')}
                              <span className="visually-hidden"> {p.display}</span>
                            </button>
                          )}
                          <button
                            type="button"
                            aria-pressed={p.verifiedOwn}
                            disabled={busy === p.id}
                            onClick={() => void patch(p, { verifiedOwn: !p.verifiedOwn })}
                          >
                            {t('contacts.markOwn')}
                            <span className="visually-hidden"> {p.display}</span>
                          </button>
                          {!p.preferred && (
                            <button
                              type="button"
                              disabled={busy === p.id}
                              onClick={() => void patch(p, { preferred: true })}
                            >
                              {t('contacts.makePreferred')}
                              <span className="visually-hidden"> {p.display}</span>
                            </button>
                          )}
                        </div>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <p className="hint">{t('contacts.hint')}</p>
    </section>
  );
}
