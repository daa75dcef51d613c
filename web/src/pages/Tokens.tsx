import { type FormEvent, useState } from 'react';
import { api } from '../api.ts';
import { CopyButton } from '../components/CopyButton.tsx';
import { ErrorText } from '../components/ErrorText.tsx';
import { useI18n, usePageTitle } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';
import type { ApiToken, Role, User } from '../types.ts';
import { useLoad } from '../useLoad.ts';

function CreateToken({ roles, users, onCreated }: { roles: Role[]; users: User[]; onCreated(): void }) {
  const { t, lang } = useI18n();
  const [name, setName] = useState('');
  const [role, setRole] = useState('');
  const [userId, setUserId] = useState('');
  const [expires, setExpires] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [secret, setSecret] = useState<{ name: string; token: string } | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setSecret(null);
    try {
      const res = await api.post<{ id: string; token: string }>('/api/tokens', {
        name,
        role,
        ...(userId ? { userId } : {}),
        // The end of the chosen day, Swedish time.
        ...(expires ? { expiresAt: new Date(`${expires}T23:59:59`).toISOString() } : {}),
      });
      setSecret({ name, token: res.token });
      setName('');
      setUserId('');
      setExpires('');
      onCreated();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section aria-labelledby="create-token">
      <h2 id="create-token">{t('tokens.create')}</h2>
      {secret && (
        <div className="notice" role="status">
          <p>
            <strong>{t('tokens.secretOnce', { name: secret.name })}</strong>
          </p>
          <p>
            <code className="secret" data-testid="token-secret">
              {secret.token}
            </code>{' '}
            <CopyButton text={secret.token} />
          </p>
          <button type="button" onClick={() => setSecret(null)}>
            {t('tokens.secretDone')}
          </button>
        </div>
      )}
      <form onSubmit={submit} className="grid-form">
        <div className="field">
          <label htmlFor="token-name">{t('tokens.name')}</label>
          <input id="token-name" required value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="token-role">{t('tokens.role')}</label>
          <select id="token-role" required value={role} onChange={(e) => setRole(e.target.value)}>
            <option value="">{t('common.choose')}</option>
            {roles.map((r) => (
              <option key={r.name} value={r.name}>
                {r.label[lang]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="token-user">{t('tokens.user')}</label>
          <select id="token-user" value={userId} onChange={(e) => setUserId(e.target.value)}>
            <option value="">{t('tokens.noUser')}</option>
            {users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name} ({u.email})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="token-expires">{t('tokens.expires')}</label>
          <input
            id="token-expires"
            type="date"
            value={expires}
            onChange={(e) => setExpires(e.target.value)}
          />
        </div>
        <div className="wide">
          <ErrorText error={error} />
          <button type="submit" className="primary">
            {t('tokens.createSubmit')}
          </button>
        </div>
      </form>
    </section>
  );
}

export function Tokens() {
  const { t, lang, dateTime } = useI18n();
  usePageTitle('tokens.title');
  const { can } = useSession();
  const writable = can('token:write');
  const tokens = useLoad<ApiToken[]>('/api/tokens');
  const roles = useLoad<Role[]>('/api/roles');
  const users = useLoad<User[]>(can('user:read') ? '/api/users' : null);
  const [error, setError] = useState<unknown>(null);

  const revoke = async (token: ApiToken) => {
    if (!window.confirm(t('tokens.confirmRevoke', { name: token.name }))) return;
    setError(null);
    try {
      await api.delete(`/api/tokens/${encodeURIComponent(token.id)}`);
      tokens.reload();
    } catch (err) {
      setError(err);
    }
  };

  const now = Date.now();
  const status = (tk: ApiToken) =>
    tk.revokedAt
      ? t('tokens.revoked')
      : tk.expiresAt && Date.parse(tk.expiresAt) < now
        ? t('tokens.expired')
        : t('tokens.active');
  const roleLabel = (name: string) => roles.data?.find((r) => r.name === name)?.label[lang] ?? name;
  const userName = (id: string | null) =>
    id ? (users.data?.find((u) => u.id === id)?.name ?? id) : t('tokens.integration');

  return (
    <>
      <h1>{t('tokens.title')}</h1>
      <ErrorText error={tokens.error ?? error} />
      {tokens.data &&
        (tokens.data.length === 0 ? (
          <p>{t('tokens.none')}</p>
        ) : (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{t('tokens.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('tokens.name')}</th>
                  <th scope="col">{t('tokens.role')}</th>
                  <th scope="col">{t('tokens.user')}</th>
                  <th scope="col">{t('tokens.created')}</th>
                  <th scope="col">{t('tokens.expires')}</th>
                  <th scope="col">{t('tokens.lastUsed')}</th>
                  <th scope="col">{t('tokens.status')}</th>
                  {writable && <th scope="col">{t('common.actions')}</th>}
                </tr>
              </thead>
              <tbody>
                {tokens.data.map((tk) => (
                  <tr key={tk.id} className={tk.revokedAt ? 'muted' : undefined}>
                    <th scope="row">{tk.name}</th>
                    <td>{roleLabel(tk.role)}</td>
                    <td>{userName(tk.userId)}</td>
                    <td>{dateTime(tk.createdAt)}</td>
                    <td>{tk.expiresAt ? dateTime(tk.expiresAt) : t('tokens.never')}</td>
                    <td>{tk.lastUsedAt ? dateTime(tk.lastUsedAt) : t('tokens.neverUsed')}</td>
                    <td>{status(tk)}</td>
                    {writable && (
                      <td>
                        {!tk.revokedAt && (
                          <button type="button" className="danger" onClick={() => void revoke(tk)}>
                            {t('tokens.revoke')}
                            <span className="visually-hidden"> {tk.name}</span>
                          </button>
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      {writable && roles.data && (
        <CreateToken roles={roles.data} users={users.data ?? []} onCreated={tokens.reload} />
      )}
    </>
  );
}
