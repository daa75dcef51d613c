import { type FormEvent, useState } from 'react';
import { api } from '../api.ts';
import { ErrorText } from '../components/ErrorText.tsx';
import { useI18n, usePageTitle } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';
import type { PermissionInfo, Role } from '../types.ts';
import { useLoad } from '../useLoad.ts';

function CreateRole({ permissions, onCreated }: { permissions: PermissionInfo[]; onCreated(): void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [labelEn, setLabelEn] = useState('');
  const [labelSv, setLabelSv] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState('');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setCreated('');
    if (chosen.length === 0) return setError(new Error(t('roles.choosePermissions')));
    try {
      await api.post('/api/roles', { name, label: { en: labelEn, sv: labelSv }, permissions: chosen });
      setCreated(name);
      setName('');
      setLabelEn('');
      setLabelSv('');
      setChosen([]);
      onCreated();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section aria-labelledby="create-role">
      <h2 id="create-role">{t('roles.create')}</h2>
      <form onSubmit={submit} className="grid-form">
        <div className="field">
          <label htmlFor="role-name">{t('roles.name')}</label>
          <input
            id="role-name"
            required
            pattern="[a-z][a-z0-9-]*"
            aria-describedby="role-name-hint"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <p id="role-name-hint" className="hint">
            {t('roles.nameHint')}
          </p>
        </div>
        <div className="field">
          <label htmlFor="role-label-sv">{t('roles.labelSv')}</label>
          <input id="role-label-sv" required value={labelSv} onChange={(e) => setLabelSv(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="role-label-en">{t('roles.labelEn')}</label>
          <input id="role-label-en" required value={labelEn} onChange={(e) => setLabelEn(e.target.value)} />
        </div>
        <fieldset className="wide permission-list">
          <legend>{t('roles.permissions')}</legend>
          {permissions.map((p) => (
            <label key={p.id} className="checkbox">
              <input
                type="checkbox"
                checked={chosen.includes(p.id)}
                onChange={(e) =>
                  setChosen((cs) => (e.target.checked ? [...cs, p.id] : cs.filter((c) => c !== p.id)))
                }
              />
              <code>{p.id}</code> <span className="hint">{p.description}</span>
            </label>
          ))}
        </fieldset>
        <div className="wide">
          <ErrorText error={error} />
          {created && <p role="status">{t('roles.created', { name: created })}</p>}
          <button type="submit" className="primary">
            {t('roles.createSubmit')}
          </button>
        </div>
      </form>
    </section>
  );
}

export function Roles() {
  const { t, lang } = useI18n();
  usePageTitle('roles.title');
  const { can } = useSession();
  const roles = useLoad<Role[]>('/api/roles');
  const permissions = useLoad<PermissionInfo[]>('/api/permissions');
  const [error, setError] = useState<unknown>(null);

  const remove = async (role: Role) => {
    if (!window.confirm(t('roles.confirmDelete', { name: role.label[lang] }))) return;
    setError(null);
    try {
      await api.delete(`/api/roles/${encodeURIComponent(role.name)}`);
      roles.reload();
    } catch (err) {
      setError(err);
    }
  };

  const custom = roles.data?.filter((r) => !r.builtin) ?? [];
  return (
    <>
      <h1>{t('roles.title')}</h1>
      <ErrorText error={roles.error ?? permissions.error ?? error} />
      {roles.data && permissions.data && (
        <section aria-labelledby="matrix-heading">
          <h2 id="matrix-heading">{t('roles.matrix')}</h2>
          {/* A wide table scrolls; the scrolling region must be reachable by keyboard (WCAG 2.1.1). */}
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: see above */}
          <section className="table-wrap" aria-labelledby="matrix-heading" tabIndex={0}>
            <table className="matrix">
              <thead>
                <tr>
                  <th scope="col">{t('roles.permission')}</th>
                  {roles.data.map((r) => (
                    <th scope="col" key={r.name}>
                      {r.label[lang]}
                      {!r.builtin && <span className="badge">{t('roles.custom')}</span>}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {permissions.data.map((p) => (
                  <tr key={p.id}>
                    <th scope="row">
                      <code>{p.id}</code>
                      <span className="hint block">{p.description}</span>
                    </th>
                    {roles.data?.map((r) => (
                      <td key={r.name} className="mark">
                        {r.permissions.includes(p.id) ? (
                          <>
                            <span aria-hidden="true">✓</span>
                            <span className="visually-hidden">{t('common.yes')}</span>
                          </>
                        ) : (
                          <span className="visually-hidden">{t('common.no')}</span>
                        )}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </section>
      )}
      {can('role:write') && custom.length > 0 && (
        <section aria-labelledby="custom-heading">
          <h2 id="custom-heading">{t('roles.customRoles')}</h2>
          <ul className="plain">
            {custom.map((r) => (
              <li key={r.name}>
                {r.label[lang]} <code>{r.name}</code>{' '}
                <button type="button" className="danger" onClick={() => void remove(r)}>
                  {t('common.delete')}
                  <span className="visually-hidden"> {r.label[lang]}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {can('role:write') && permissions.data && (
        <CreateRole permissions={permissions.data} onCreated={roles.reload} />
      )}
    </>
  );
}
