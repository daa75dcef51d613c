import { type FormEvent, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { ApiError, api } from '../api.ts';
import { ErrorText } from '../components/ErrorText.tsx';
import { MIN_PASSWORD_LENGTH } from '../components/PasswordDialog.tsx';
import { PublicPage } from '../components/PublicPage.tsx';
import { useI18n, usePageTitle } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';
import type { Me } from '../types.ts';

/** A refusal of the link itself (used, unknown, or an administrator exists): its detail names `token`. */
const linkRefused = (err: unknown) =>
  err instanceof ApiError && err.status === 400 && err.detail.startsWith('token:');

/**
 * The one-time link the server prints when it starts without users
 * (`/setup?first=…`): creates the first administrator and signs them in.
 */
export function FirstAdmin({ secret }: { secret: string }) {
  const { t } = useI18n();
  usePageTitle('firstAdmin.title');
  const { signedIn } = useSession();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<unknown>(null);
  // The link itself is spent: no retry helps, signing in might.
  const [refused, setRefused] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setRefused(false);
    if (password.length < MIN_PASSWORD_LENGTH) return setError(new Error(t('password.tooShort')));
    if (password !== confirm) return setError(new Error(t('password.mismatch')));
    setBusy(true);
    try {
      const me = await api.post<Me>(
        '/api/auth/bootstrap',
        { token: secret, email, name, password },
        { noRedirect: true },
      );
      signedIn(me);
      navigate('/', { replace: true });
    } catch (err) {
      const spent = linkRefused(err);
      setRefused(spent);
      setError(spent ? new Error(t('firstAdmin.used')) : err);
      setBusy(false);
    }
  };

  return (
    <PublicPage>
      <h1>{t('firstAdmin.title')}</h1>
      {!secret ? (
        <p className="error" role="alert">
          {t('firstAdmin.noToken')}
        </p>
      ) : (
        <>
          <p>{t('firstAdmin.intro')}</p>
          <form onSubmit={submit} className="stack">
            <label htmlFor="first-email">{t('firstAdmin.email')}</label>
            <input
              id="first-email"
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
            <label htmlFor="first-name">{t('firstAdmin.name')}</label>
            <input
              id="first-name"
              type="text"
              autoComplete="name"
              required
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
            <label htmlFor="first-password">{t('firstAdmin.password')}</label>
            <input
              id="first-password"
              type="password"
              autoComplete="new-password"
              required
              aria-describedby="first-rule"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            <p id="first-rule" className="hint">
              {t('password.rule', { n: MIN_PASSWORD_LENGTH })}
            </p>
            <label htmlFor="first-confirm">{t('firstAdmin.confirm')}</label>
            <input
              id="first-confirm"
              type="password"
              autoComplete="new-password"
              required
              value={confirm}
              onChange={(e) => setConfirm(e.target.value)}
            />
            <ErrorText error={error} />
            {refused && (
              <p>
                <Link to="/signin">{t('firstAdmin.signIn')}</Link>
              </p>
            )}
            <button type="submit" className="primary" disabled={busy}>
              {t('firstAdmin.submit')}
            </button>
          </form>
        </>
      )}
    </PublicPage>
  );
}
