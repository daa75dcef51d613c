import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { api } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { ErrorText } from './ErrorText.tsx';

export const MIN_PASSWORD_LENGTH = 12;

/** Change one's own password: a modal dialog (Escape closes it). */
export function PasswordDialog({ onClose }: { onClose(): void }) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const dialog = ref.current;
    // Unmounting removes the dialog, and with it the modal state.
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (next.length < MIN_PASSWORD_LENGTH) return setError(new Error(t('password.tooShort')));
    if (next !== confirm) return setError(new Error(t('password.mismatch')));
    setBusy(true);
    try {
      await api.post(
        '/api/auth/password',
        { currentPassword: current, newPassword: next },
        { noRedirect: true },
      );
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog ref={ref} className="dialog" aria-labelledby={`${id}-title`} onClose={onClose}>
      <h2 id={`${id}-title`}>{t('password.title')}</h2>
      {done ? (
        <>
          <p role="status">{t('password.changed')}</p>
          <div className="actions">
            <button type="button" className="primary" onClick={onClose}>
              {t('common.close')}
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={submit}>
          <label htmlFor={`${id}-current`}>{t('password.current')}</label>
          <input
            id={`${id}-current`}
            type="password"
            autoComplete="current-password"
            required
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
          />
          <label htmlFor={`${id}-new`}>{t('password.new')}</label>
          <input
            id={`${id}-new`}
            type="password"
            autoComplete="new-password"
            required
            aria-describedby={`${id}-rule`}
            value={next}
            onChange={(e) => setNext(e.target.value)}
          />
          <p id={`${id}-rule`} className="hint">
            {t('password.rule', { n: MIN_PASSWORD_LENGTH })}
          </p>
          <label htmlFor={`${id}-confirm`}>{t('password.confirm')}</label>
          <input
            id={`${id}-confirm`}
            type="password"
            autoComplete="new-password"
            required
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
          />
          <ErrorText error={error} />
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              {t('password.submit')}
            </button>
            <button type="button" onClick={onClose}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
