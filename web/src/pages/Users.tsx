import { type FormEvent, useState } from 'react';
import { api } from '../api.ts';
import { CopyButton } from '../components/CopyButton.tsx';
import { ErrorText } from '../components/ErrorText.tsx';
import { useI18n, usePageTitle } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';
import type { CareUnit, Role, User } from '../types.ts';
import { useLoad } from '../useLoad.ts';

/** A one-time set-password link, shown with a copy button. */
function SetupLink({ url, who }: { url: string; who: string }) {
  const { t } = useI18n();
  const full = new URL(url, window.location.origin).toString();
  return (
    <div className="notice" role="status">
      <p>{t('users.setupLink', { name: who })}</p>
      <p>
        <code className="secret">{full}</code> <CopyButton text={full} />
      </p>
    </div>
  );
}

function CreateUser({ roles, units, onCreated }: { roles: Role[]; units: CareUnit[]; onCreated(): void }) {
  const { t, lang } = useI18n();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState('');
  const [careUnits, setCareUnits] = useState<string[]>([]);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<{ name: string; setupUrl?: string } | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setCreated(null);
    try {
      const res = await api.post<{ user: User; setupUrl?: string }>('/api/users', {
        email,
        name,
        role,
        careUnits,
        ...(password ? { password } : {}),
      });
      setCreated({ name, setupUrl: res.setupUrl });
      setEmail('');
      setName('');
      setPassword('');
      setCareUnits([]);
      onCreated();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section aria-labelledby="create-user">
      <h2 id="create-user">{t('users.create')}</h2>
      <form onSubmit={submit} className="grid-form">
        <div className="field">
          <label htmlFor="user-name">{t('users.name')}</label>
          <input id="user-name" required value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="user-email">{t('users.email')}</label>
          <input
            id="user-email"
            type="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="user-role">{t('users.role')}</label>
          <select id="user-role" required value={role} onChange={(e) => setRole(e.target.value)}>
            <option value="">{t('common.choose')}</option>
            {roles.map((r) => (
              <option key={r.name} value={r.name}>
                {r.label[lang]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="user-password">{t('users.password')}</label>
          <input
            id="user-password"
            type="password"
            autoComplete="new-password"
            aria-describedby="user-password-hint"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <p id="user-password-hint" className="hint">
            {t('users.passwordHint')}
          </p>
        </div>
        <fieldset className="wide">
          <legend>{t('users.careUnits')}</legend>
          {units.length === 0 && <p className="hint">{t('careUnits.none')}</p>}
          {units.map((u) => (
            <label key={u.id} className="checkbox">
              <input
                type="checkbox"
                checked={careUnits.includes(u.id)}
                onChange={(e) =>
                  setCareUnits((cs) => (e.target.checked ? [...cs, u.id] : cs.filter((c) => c !== u.id)))
                }
              />
              {u.name}
            </label>
          ))}
        </fieldset>
        <div className="wide">
          <ErrorText error={error} />
          <button type="submit" className="primary">
            {t('users.createSubmit')}
          </button>
        </div>
      </form>
      {created &&
        (created.setupUrl ? (
          <SetupLink url={created.setupUrl} who={created.name} />
        ) : (
          <p role="status">{t('users.created', { name: created.name })}</p>
        ))}
    </section>
  );
}

export function Users() {
  const { t, lang, dateTime } = useI18n();
  usePageTitle('users.title');
  const { can } = useSession();
  const writable = can('user:write');
  const users = useLoad<User[]>('/api/users');
  const roles = useLoad<Role[]>('/api/roles');
  const units = useLoad<CareUnit[]>('/api/care-units');
  const [error, setError] = useState<unknown>(null);
  const [reset, setReset] = useState<{ url: string; who: string } | null>(null);

  const roleLabel = (name: string) => roles.data?.find((r) => r.name === name)?.label[lang] ?? name;
  const unitName = (id: string) => units.data?.find((u) => u.id === id)?.name ?? id;

  const change = async (user: User, patch: Partial<Pick<User, 'role' | 'disabled'>>) => {
    setError(null);
    try {
      await api.patch(`/api/users/${encodeURIComponent(user.id)}`, patch);
      users.reload();
    } catch (err) {
      setError(err);
    }
  };
  const resetPassword = async (user: User) => {
    setError(null);
    try {
      const res = await api.post<{ setupUrl: string }>(`/api/users/${encodeURIComponent(user.id)}/reset`);
      setReset({ url: res.setupUrl, who: user.name });
    } catch (err) {
      setError(err);
    }
  };

  return (
    <>
      <h1>{t('users.title')}</h1>
      <ErrorText error={users.error ?? error} />
      {reset && <SetupLink url={reset.url} who={reset.who} />}
      {users.data && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{t('users.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('users.nameEmail')}</th>
                <th scope="col">{t('users.role')}</th>
                <th scope="col">{t('users.careUnits')}</th>
                <th scope="col">{t('users.lastSignIn')}</th>
                <th scope="col">{t('users.status')}</th>
                {writable && <th scope="col">{t('common.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {users.data.map((u) => (
                <tr key={u.id} className={u.disabled ? 'muted' : undefined}>
                  <th scope="row">
                    {u.name}
                    <span className="hint block">{u.email}</span>
                  </th>
                  <td>
                    {writable && roles.data ? (
                      <select
                        aria-label={t('users.roleFor', { name: u.name })}
                        value={u.role}
                        onChange={(e) => void change(u, { role: e.target.value })}
                      >
                        {roles.data.map((r) => (
                          <option key={r.name} value={r.name}>
                            {r.label[lang]}
                          </option>
                        ))}
                      </select>
                    ) : (
                      roleLabel(u.role)
                    )}
                  </td>
                  <td>{u.careUnits.map(unitName).join(', ')}</td>
                  <td>{u.lastSignInAt ? dateTime(u.lastSignInAt) : t('users.never')}</td>
                  <td>
                    {u.disabled ? t('users.disabled') : t('users.active')}
                    <span className="hint block">
                      <span className="visually-hidden">{t('users.method')}: </span>
                      {u.method === 'oidc' ? t('users.methodOidc') : t('users.methodPassword')}
                    </span>
                  </td>
                  {writable && (
                    <td>
                      <div className="actions-cell">
                        <button type="button" onClick={() => void change(u, { disabled: !u.disabled })}>
                          {u.disabled ? t('users.enable') : t('users.disable')}
                          <span className="visually-hidden"> {u.name}</span>
                        </button>
                        {u.method === 'password' && (
                          <button type="button" onClick={() => void resetPassword(u)}>
                            {t('users.reset')}
                            <span className="visually-hidden"> {u.name}</span>
                          </button>
                        )}
                      </div>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {writable && roles.data && (
        <CreateUser roles={roles.data} units={units.data ?? []} onCreated={users.reload} />
      )}
    </>
  );
}
