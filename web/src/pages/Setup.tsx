import { type FormEvent, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { api } from '../api.ts';
import { ErrorText } from '../components/ErrorText.tsx';
import { MIN_PASSWORD_LENGTH } from '../components/PasswordDialog.tsx';
import { PublicPage } from '../components/PublicPage.tsx';
import { useI18n, usePageTitle } from '../i18n/index.tsx';
import { FirstAdmin } from './FirstAdmin.tsx';

/**
 * `/setup?token=…`: the one-time link a new or reset user follows to choose a password.
 * `/setup?first=…`: the link the server prints at first start, to create the first administrator.
 */
export function Setup() {
  const [params] = useSearchParams();
  const first = params.get('first');
  if (first !== null) return <FirstAdmin secret={first} />;
  return <SetPassword token={params.get('token') ?? ''} />;
}

function SetPassword({ token }: { token: string }) {
  const { t } = useI18n();
  usePageTitle('setup.title');
  const navigate = useNavigate();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (password.length < MIN_PASSWORD_LENGTH) return setError(new Error(t('password.tooShort')));
    if (password !== confirm) return setError(new Error(t('password.mismatch')));
    setBusy(true);
    try {
      await api.post('/api/auth/setup', { token, password }, { noRedirect: true });
      navigate('/signin', { replace: true, state: { notice: 'passwordSet' } });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <PublicPage>
      <h1>{t('setup.title')}</h1>
      {!token ? (
        <p className="error" role="alert">
          {t('setup.noToken')}
        </p>
      ) : (
        <form onSubmit={submit} className="stack">
          <label htmlFor="setup-password">{t('password.new')}</label>
          <input
            id="setup-password"
            type="password"
            autoComplete="new-password"
            required
            aria-describedby="setup-rule"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <p id="setup-rule" className="hint">
            {t('password.rule', { n: MIN_PASSWORD_LENGTH })}
          </p>
          <label htmlFor="setup-confirm">{t('password.confirm')}</label>
          <input
            id="setup-confirm"
            type="password"
            autoComplete="new-password"
            required
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
          />
          <ErrorText error={error} />
          <button type="submit" className="primary" disabled={busy}>
            {t('setup.submit')}
          </button>
        </form>
      )}
    </PublicPage>
  );
}
