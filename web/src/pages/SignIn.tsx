import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { ApiError, api } from '../api.ts';
import { PublicPage } from '../components/PublicPage.tsx';
import { useI18n, usePageTitle } from '../i18n/index.tsx';
import { takeReturnPath, useSession } from '../session.tsx';
import type { Me, Providers } from '../types.ts';

export function SignIn() {
  const { t } = useI18n();
  usePageTitle('signIn.title');
  const { me, signedIn } = useSession();
  const notice = (useLocation().state as { notice?: 'passwordSet' } | null)?.notice;
  const [providers, setProviders] = useState<Providers | null>(null);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const target = useRef<string | null>(null);

  useEffect(() => {
    api
      .get<Providers>('/api/auth/providers')
      .then(setProviders)
      .catch(() => setProviders(null));
  }, []);

  // Signed in (just now, or already when arriving): on to the page that asked for it.
  if (me) {
    target.current ??= takeReturnPath();
    return <Navigate to={target.current} replace />;
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    setBusy(true);
    try {
      const m = await api.post<Me>('/api/auth/login', { email, password }, { noRedirect: true });
      signedIn(m);
    } catch (err) {
      setPassword('');
      if (!(err instanceof ApiError)) setError(t('error.network'));
      else if (err.status === 401) setError(t('signIn.wrong'));
      else if (err.status === 423) setError(`${t('signIn.locked')} ${err.detail}`.trim());
      else if (err.status === 429) setError(t('signIn.tooMany'));
      else setError(err.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <PublicPage>
      <h1>{t('signIn.title')}</h1>
      {notice === 'passwordSet' && <p role="status">{t('setup.done')}</p>}
      <form onSubmit={submit} className="stack">
        <label htmlFor="email">{t('signIn.email')}</label>
        <input
          id="email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <label htmlFor="password">{t('signIn.password')}</label>
        <input
          id="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {t('signIn.submit')}
        </button>
      </form>
      {providers?.oidc.enabled && (
        <div className="sso">
          <p className="divider">{t('signIn.or')}</p>
          <a className="button" href="/auth/oidc/login">
            {t('signIn.sso')}
          </a>
          {providers.oidc.label && <p className="hint">{providers.oidc.label}</p>}
        </div>
      )}
    </PublicPage>
  );
}
