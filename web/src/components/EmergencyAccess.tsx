import { type FormEvent, useId, useState } from 'react';
import { api } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { ErrorText } from './ErrorText.tsx';

/** Nödåtkomst: opens a patient outside one's care units for a stated reason, which the audit log keeps. */
export function EmergencyAccess({ patientId, onGranted }: { patientId: string; onGranted(): void }) {
  const { t } = useI18n();
  const id = useId();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) return setError(new Error(t('emergency.reasonRequired')));
    setBusy(true);
    setError(null);
    try {
      await api.post('/api/auth/emergency-access', { patientId, reason: reason.trim() });
      onGranted();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (!open)
    return (
      <button type="button" className="danger" onClick={() => setOpen(true)}>
        {t('emergency.button')}
      </button>
    );
  return (
    <form onSubmit={submit} className="stack emergency-form" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('emergency.title')}</h2>
      <p>{t('emergency.explain')}</p>
      <label htmlFor={`${id}-reason`}>{t('emergency.reason')}</label>
      <textarea
        id={`${id}-reason`}
        required
        rows={3}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
      />
      <ErrorText error={error} />
      <div className="actions">
        <button type="submit" className="danger" disabled={busy}>
          {t('emergency.submit')}
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
