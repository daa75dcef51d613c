import { type FormEvent, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api, query } from '../api.ts';
import { ErrorText } from '../components/ErrorText.tsx';
import { bundleResources, humanName, nextLink, personnummer } from '../fhir.ts';
import { type MessageKey, useI18n, usePageTitle } from '../i18n/index.tsx';
import { normalisePersonnummer, PERSONNUMMER_SYSTEM } from '../personnummer.ts';
import type { Bundle, FhirResource } from '../types.ts';

type SearchBy = 'name' | 'personnummer' | 'identifier';
const MODES: readonly SearchBy[] = ['name', 'personnummer', 'identifier'];
const MODE_LABEL: Record<SearchBy, MessageKey> = {
  name: 'search.byName',
  personnummer: 'search.byPersonnummer',
  identifier: 'search.byIdentifier',
};
const PAGE_SIZE = 20;

/** The FHIR search for the form's input, or an error message key when the input cannot be searched. */
function fhirQuery(by: SearchBy, q: string): { path: string } | { error: MessageKey } {
  const term = q.trim();
  if (by === 'personnummer') {
    const pnr = normalisePersonnummer(term);
    if (!pnr) return { error: 'search.badPersonnummer' };
    return {
      path: `/fhir/R4/Patient${query({ identifier: `${PERSONNUMMER_SYSTEM}|${pnr}`, _count: PAGE_SIZE })}`,
    };
  }
  if (by === 'identifier')
    return { path: `/fhir/R4/Patient${query({ identifier: term, _count: PAGE_SIZE })}` };
  // :contains matches anywhere in a name ("qvist" finds Lindqvist); plain name= matches only the start.
  return { path: `/fhir/R4/Patient${query({ 'name:contains': term, _count: PAGE_SIZE })}` };
}

export function PatientSearch() {
  const { t, date } = useI18n();
  usePageTitle('search.title');
  const [params, setParams] = useSearchParams();
  const by = (MODES as readonly string[]).includes(params.get('by') ?? '')
    ? (params.get('by') as SearchBy)
    : 'name';
  const q = params.get('q') ?? '';
  const [draftBy, setDraftBy] = useState<SearchBy>(by);
  const [draft, setDraft] = useState(q);
  const [results, setResults] = useState<{ patients: FhirResource[]; total?: number; more: boolean } | null>(
    null,
  );
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    setResults(null);
    setError(null);
    if (!q.trim()) return;
    const target = fhirQuery(by, q);
    if ('error' in target) {
      setError(new Error(t(target.error)));
      return;
    }
    let live = true;
    setLoading(true);
    api
      .get<Bundle>(target.path)
      .then((b) => {
        if (live) setResults({ patients: bundleResources(b), total: b.total, more: nextLink(b) !== null });
      })
      .catch((err) => live && setError(err))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [by, q, t]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setParams({ by: draftBy, q: draft.trim() });
  };

  const genderKey = (g: unknown): MessageKey | null =>
    g === 'male' || g === 'female' || g === 'other' || g === 'unknown' ? `gender.${g}` : null;

  return (
    <>
      <h1>{t('search.title')}</h1>
      <search>
        <form onSubmit={submit} className="search-form">
          <fieldset className="inline">
            <legend>{t('search.by')}</legend>
            {MODES.map((m) => (
              <label key={m} className="radio">
                <input
                  type="radio"
                  name="by"
                  value={m}
                  checked={draftBy === m}
                  onChange={() => setDraftBy(m)}
                />
                {t(MODE_LABEL[m])}
              </label>
            ))}
          </fieldset>
          <div className="field-row">
            <div className="field">
              <label htmlFor="search-q">{t('search.term')}</label>
              <input
                id="search-q"
                type="search"
                required
                aria-describedby="search-hint"
                value={draft}
                onChange={(e) => setDraft(e.target.value)}
              />
            </div>
            <button type="submit" className="primary">
              {t('search.submit')}
            </button>
          </div>
          <p id="search-hint" className="hint">
            {t(`search.hint.${draftBy}`)}
          </p>
        </form>
      </search>
      <ErrorText error={error} />
      {loading && <p aria-live="polite">{t('common.loading')}</p>}
      {results && (
        <section aria-labelledby="results-heading">
          <h2 id="results-heading">{t('search.results', { n: results.total ?? results.patients.length })}</h2>
          {results.patients.length === 0 ? (
            <p>{t('search.none')}</p>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('patient.name')}</th>
                    <th scope="col">{t('patient.personnummer')}</th>
                    <th scope="col">{t('patient.birthDate')}</th>
                    <th scope="col">{t('patient.gender')}</th>
                  </tr>
                </thead>
                <tbody>
                  {results.patients.map((p) => {
                    const g = genderKey(p.gender);
                    return (
                      <tr key={p.id}>
                        <td>
                          <Link to={`/patients/${encodeURIComponent(p.id ?? '')}`}>
                            {humanName(p) || t('patient.unnamed')}
                          </Link>
                        </td>
                        <td>{personnummer(p)}</td>
                        <td>{date(p.birthDate as string | undefined)}</td>
                        <td>{g ? t(g) : ''}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
          {results.more && <p className="hint">{t('search.more', { n: PAGE_SIZE })}</p>}
        </section>
      )}
    </>
  );
}
