import { type FormEvent, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api, query } from '../api.ts';
import { ErrorText } from '../components/ErrorText.tsx';
import '../components/patients.css';
import { TableWrap } from '../components/TableWrap.tsx';
import { useI18n, usePageTitle } from '../i18n/index.tsx';
import { formatPersonnummer } from '../personnummer.ts';
import type { ProfileSummary } from '../types.ts';

const LIMIT = 50;

/** People: the unified profiles, found by personnummer (any spelling), e-mail, phone or name. */
export function Profiles() {
  const { t, date } = useI18n();
  usePageTitle('profiles.title');
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const [draft, setDraft] = useState(q);
  const [results, setResults] = useState<ProfileSummary[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => setDraft(q), [q]);

  useEffect(() => {
    setResults(null);
    setError(null);
    if (!q.trim()) return;
    let live = true;
    setLoading(true);
    api
      .get<{ profiles: ProfileSummary[] }>(`/api/profiles${query({ q: q.trim(), limit: LIMIT })}`)
      .then((r) => live && setResults(r.profiles))
      .catch((err) => live && setError(err))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [q]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setParams({ q: draft.trim() });
  };

  return (
    <>
      <h1>{t('profiles.title')}</h1>
      <p className="lead">{t('profiles.intro')}</p>
      <search>
        <form onSubmit={submit} className="search-form">
          <div className="field-row">
            <div className="field">
              <label htmlFor="profiles-q">{t('profiles.term')}</label>
              <input
                id="profiles-q"
                type="search"
                required
                autoComplete="off"
                aria-describedby="profiles-hint"
                value={draft}
                onChange={(e) => setDraft(e.target.value)}
              />
            </div>
            <button type="submit" className="primary">
              {t('search.submit')}
            </button>
          </div>
          <p id="profiles-hint" className="hint">
            {t('profiles.hint')}
          </p>
        </form>
      </search>
      <ErrorText error={error} />
      {loading && <p aria-live="polite">{t('common.loading')}</p>}
      {results && (
        <section aria-labelledby="profiles-results">
          <h2 id="profiles-results" aria-live="polite">
            {t('search.results', { n: results.length })}
          </h2>
          {results.length === 0 ? (
            <p>{t('profiles.none')}</p>
          ) : (
            <TableWrap label={t('profiles.title')}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('patient.name')}</th>
                    <th scope="col">{t('patient.personnummer')}</th>
                    <th scope="col">{t('patient.birthDate')}</th>
                    <th scope="col">{t('profiles.sources')}</th>
                  </tr>
                </thead>
                <tbody>
                  {results.map((p) => (
                    <tr key={p.id}>
                      <td>
                        <Link to={`/profiles/${encodeURIComponent(p.id)}`}>
                          {p.name || t('patient.unnamed')}
                        </Link>
                        {p.restricted && <span className="badge warn">{t('profile.flag.restricted')}</span>}
                      </td>
                      <td className="nowrap">{p.personnummer ? formatPersonnummer(p.personnummer) : '–'}</td>
                      <td className="nowrap">{date(p.birthDate)}</td>
                      <td>{p.sources.join(', ')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
          {results.length >= LIMIT && <p className="hint">{t('search.more', { n: LIMIT })}</p>}
        </section>
      )}
    </>
  );
}
