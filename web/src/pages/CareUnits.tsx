import { type FormEvent, useState } from 'react';
import { api } from '../api.ts';
import { ErrorText } from '../components/ErrorText.tsx';
import { useI18n, usePageTitle } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';
import type { CareUnit } from '../types.ts';
import { useLoad } from '../useLoad.ts';

function CreateCareUnit({ onCreated }: { onCreated(): void }) {
  const { t } = useI18n();
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [refs, setRefs] = useState('');
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const list = refs
      .split(/[\s,]+/)
      .map((r) => r.trim())
      .filter(Boolean);
    const bad = list.find((r) => !/^(Organization|Location)\/[A-Za-z0-9\-.]{1,64}$/.test(r));
    if (bad) return setError(new Error(t('careUnits.badRef', { ref: bad })));
    try {
      await api.post('/api/care-units', { id, name, refs: list });
      setId('');
      setName('');
      setRefs('');
      onCreated();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section aria-labelledby="create-unit">
      <h2 id="create-unit">{t('careUnits.create')}</h2>
      <form onSubmit={submit} className="grid-form">
        <div className="field">
          <label htmlFor="unit-id">{t('careUnits.id')}</label>
          <input id="unit-id" required value={id} onChange={(e) => setId(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="unit-name">{t('careUnits.name')}</label>
          <input id="unit-name" required value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field wide">
          <label htmlFor="unit-refs">{t('careUnits.refs')}</label>
          <textarea
            id="unit-refs"
            rows={3}
            aria-describedby="unit-refs-hint"
            value={refs}
            onChange={(e) => setRefs(e.target.value)}
          />
          <p id="unit-refs-hint" className="hint">
            {t('careUnits.refsHint')}
          </p>
        </div>
        <div className="wide">
          <ErrorText error={error} />
          <button type="submit" className="primary">
            {t('careUnits.createSubmit')}
          </button>
        </div>
      </form>
    </section>
  );
}

export function CareUnits() {
  const { t } = useI18n();
  usePageTitle('careUnits.title');
  const { can } = useSession();
  const units = useLoad<CareUnit[]>('/api/care-units');
  return (
    <>
      <h1>{t('careUnits.title')}</h1>
      <ErrorText error={units.error} />
      {units.data &&
        (units.data.length === 0 ? (
          <p>{t('careUnits.none')}</p>
        ) : (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{t('careUnits.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('careUnits.id')}</th>
                  <th scope="col">{t('careUnits.name')}</th>
                  <th scope="col">{t('careUnits.refs')}</th>
                </tr>
              </thead>
              <tbody>
                {units.data.map((u) => (
                  <tr key={u.id}>
                    <td>
                      <code>{u.id}</code>
                    </td>
                    <th scope="row">{u.name}</th>
                    <td>{u.refs.join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      {can('care-unit:write') && <CreateCareUnit onCreated={units.reload} />}
    </>
  );
}
