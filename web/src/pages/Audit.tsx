import { type FormEvent, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api, query } from '../api.ts';
import { ErrorText } from '../components/ErrorText.tsx';
import { type MessageKey, useI18n, usePageTitle } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';
import type { AuditRecord } from '../types.ts';

const PAGE_SIZE = 50;
const FILTERS = ['user', 'patient', 'action', 'from', 'to'] as const;
type Filter = (typeof FILTERS)[number];
const FILTER_LABEL: Record<Filter, MessageKey> = {
  user: 'audit.user',
  patient: 'audit.patient',
  action: 'audit.action',
  from: 'audit.from',
  to: 'audit.to',
};
const OUTCOME_LABEL: Record<AuditRecord['outcome'], MessageKey> = {
  success: 'audit.outcome.success',
  denied: 'audit.outcome.denied',
  error: 'audit.outcome.error',
};

/** A day chosen in a date field as the instant it starts (Swedish time as the browser sees it). */
function dayStart(day: string, plusDays = 0): string | undefined {
  if (!day) return undefined;
  const d = new Date(`${day}T00:00:00`);
  d.setDate(d.getDate() + plusDays);
  return d.toISOString();
}

function ExtractLinks() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const [patient, setPatient] = useState(params.get('patient') ?? '');
  const id = patient.trim();
  const href = (format: string) => `/api/audit/extract${query({ patient: id, format })}`;
  return (
    <section aria-labelledby="extract-heading" className="card">
      <h2 id="extract-heading">{t('audit.extract')}</h2>
      <p className="hint">{t('audit.extractHint')}</p>
      <div className="field-row">
        <div className="field">
          <label htmlFor="extract-patient">{t('audit.patient')}</label>
          <input id="extract-patient" value={patient} onChange={(e) => setPatient(e.target.value)} />
        </div>
        {id ? (
          <>
            <a className="button" href={href('csv')} download>
              {t('audit.extractCsv')}
            </a>
            <a className="button" href={href('pdf')} download>
              {t('audit.extractPdf')}
            </a>
          </>
        ) : (
          <p className="hint">{t('audit.extractNeedsPatient')}</p>
        )}
      </div>
    </section>
  );
}

export function Audit() {
  const { t, dateTime } = useI18n();
  usePageTitle('audit.title');
  const { can } = useSession();
  const [params, setParams] = useSearchParams();
  const [draft, setDraft] = useState<Record<Filter, string>>(
    () => Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ''])) as Record<Filter, string>,
  );
  const [records, setRecords] = useState<AuditRecord[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const search = params.toString();

  const fetchPage = async (before?: string) => {
    const p = new URLSearchParams(search);
    const path = `/api/audit${query({
      user: p.get('user'),
      patient: p.get('patient'),
      action: p.get('action'),
      from: dayStart(p.get('from') ?? ''),
      to: dayStart(p.get('to') ?? '', 1),
      limit: PAGE_SIZE,
      before,
    })}`;
    return api.get<{ records: AuditRecord[]; next: string | null }>(path);
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: fetchPage reads only `search`
  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    fetchPage()
      .then((page) => {
        if (!live) return;
        setRecords(page.records);
        setNext(page.next);
      })
      .catch((err) => live && setError(err))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [search]);

  const more = async () => {
    if (!next) return;
    setLoading(true);
    try {
      const page = await fetchPage(next);
      setRecords((rs) => [...(rs ?? []), ...page.records]);
      setNext(page.next);
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const p: Record<string, string> = {};
    for (const f of FILTERS) if (draft[f].trim()) p[f] = draft[f].trim();
    setParams(p);
  };

  // Ids are UUIDs: the first 8 characters tell them apart on screen, the link and title carry all.
  const short = (id: string) => (id.length > 13 ? `${id.slice(0, 8)}…` : id);
  const patientLink = (id: string) =>
    can('patient:read') ? (
      <Link key={id} className="block" to={`/patients/${encodeURIComponent(id)}`} title={id}>
        <code>{short(id)}</code>
      </Link>
    ) : (
      <code key={id} className="block" title={id}>
        {short(id)}
      </code>
    );

  return (
    <>
      <h1>{t('audit.title')}</h1>
      <form onSubmit={submit} className="grid-form filters" aria-label={t('audit.filters')}>
        {FILTERS.map((f) => (
          <div className="field" key={f}>
            <label htmlFor={`audit-${f}`}>{t(FILTER_LABEL[f])}</label>
            <input
              id={`audit-${f}`}
              type={f === 'from' || f === 'to' ? 'date' : 'text'}
              value={draft[f]}
              onChange={(e) => setDraft((d) => ({ ...d, [f]: e.target.value }))}
            />
          </div>
        ))}
        <div className="field actions-end">
          <button type="submit" className="primary">
            {t('audit.apply')}
          </button>
        </div>
      </form>
      <ErrorText error={error} />
      {records && (
        <section aria-labelledby="audit-results">
          <h2 id="audit-results">{t('audit.records', { n: records.length })}</h2>
          {records.length === 0 ? (
            <p>{t('audit.none')}</p>
          ) : (
            <div className="table-wrap">
              <table className="audit">
                <thead>
                  <tr>
                    <th scope="col">{t('audit.time')}</th>
                    <th scope="col">{t('audit.actor')}</th>
                    <th scope="col">{t('audit.action')}</th>
                    <th scope="col">{t('audit.resource')}</th>
                    <th scope="col">{t('audit.patients')}</th>
                    <th scope="col">{t('audit.outcome')}</th>
                    <th scope="col">{t('audit.ip')}</th>
                    <th scope="col">{t('audit.purpose')}</th>
                    <th scope="col">{t('audit.emergency')}</th>
                  </tr>
                </thead>
                <tbody>
                  {records.map((r) => (
                    <tr key={r.seq} className={r.emergency ? 'emergency' : undefined} data-seq={r.seq}>
                      <td>{dateTime(r.at)}</td>
                      <td className="actor">
                        {r.actorName}
                        <span className="hint block">
                          <span className="visually-hidden">{t('audit.role')}: </span>
                          {r.role}
                          {r.careUnits.length > 0 && (
                            <>
                              {' · '}
                              <span className="visually-hidden">{t('audit.careUnit')}: </span>
                              {r.careUnits.join(', ')}
                            </>
                          )}
                        </span>
                      </td>
                      <td>
                        <code>{r.action}</code>
                        {r.detail && <span className="hint block">{r.detail}</span>}
                      </td>
                      <td>
                        {r.resourceType ?? ''}
                        {r.resourceIds.length > 0 && (
                          <details>
                            <summary>{t('audit.ids', { n: r.resourceIds.length })}</summary>
                            <ul className="plain compact ids">
                              {r.resourceIds.map((id) => (
                                <li key={id}>
                                  <code>{id}</code>
                                </li>
                              ))}
                            </ul>
                          </details>
                        )}
                      </td>
                      <td>{r.patientIds.map(patientLink)}</td>
                      <td>
                        <span className={`badge outcome-${r.outcome}`}>{t(OUTCOME_LABEL[r.outcome])}</span>
                      </td>
                      <td>{r.ip ?? ''}</td>
                      <td>{r.purpose ?? ''}</td>
                      <td>
                        {r.emergency ? <span className="badge warn">{t('audit.emergencyYes')}</span> : ''}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {next && (
            <button type="button" onClick={() => void more()} disabled={loading}>
              {t('audit.more')}
            </button>
          )}
        </section>
      )}
      {loading && <p aria-live="polite">{t('common.loading')}</p>}
      <ExtractLinks />
    </>
  );
}
