import { type FormEvent, useId, useState } from 'react';
import { api } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import type { Patient360 } from '../types.ts';
import { Dialog } from './Dialog.tsx';
import { ErrorText } from './ErrorText.tsx';

type Action = 'restrict' | 'erase';

function ReasonDialog({
  action,
  data,
  onClose,
  onDone,
}: {
  action: Action;
  data: Patient360;
  onClose(): void;
  onDone(): void;
}) {
  const { t } = useI18n();
  const id = useId();
  const [reason, setReason] = useState('');
  const [sure, setSure] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const restricted = data.profile.restricted;
  const erase = action === 'erase';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (reason.trim().length < 3) return setError(new Error(t('privacy.reasonRequired')));
    if (erase && !sure) return setError(new Error(t('privacy.eraseConfirmRequired')));
    setBusy(true);
    try {
      const path = `/api/profiles/${encodeURIComponent(data.profile.id)}/${action}`;
      await api.post(
        path,
        erase ? { reason: reason.trim(), confirm: true } : { restricted: !restricted, reason: reason.trim() },
      );
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const title = erase ? t('privacy.erase') : restricted ? t('privacy.lift') : t('privacy.restrict');
  return (
    <Dialog title={title} onClose={onClose}>
      <form onSubmit={submit}>
        <p>
          {erase
            ? t('privacy.eraseExplain')
            : restricted
              ? t('privacy.liftExplain')
              : t('privacy.restrictExplain')}
        </p>
        <label htmlFor={`${id}-reason`}>{t('privacy.reason')}</label>
        <textarea
          id={`${id}-reason`}
          rows={3}
          required
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
        {erase && (
          <label className="checkbox">
            <input type="checkbox" checked={sure} onChange={(e) => setSure(e.target.checked)} />
            {t('privacy.eraseConfirm')}
          </label>
        )}
        <ErrorText error={error} />
        <div className="actions">
          <button type="submit" className={erase ? 'danger' : 'primary'} disabled={busy || (erase && !sure)}>
            {erase ? t('privacy.eraseSubmit') : title}
          </button>
          <button type="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** GDPR rights (privacy:manage): export (art. 15/20), restriction (art. 18), erasure (art. 17). */
export function ProfilePrivacy({ data, onChanged }: { data: Patient360; onChanged(): void }) {
  const { t } = useI18n();
  const [open, setOpen] = useState<Action | null>(null);
  const [done, setDone] = useState('');
  const base = `/api/profiles/${encodeURIComponent(data.profile.id)}/export`;
  return (
    <section className="card" id="privacy" aria-labelledby="privacy-heading">
      <h2 id="privacy-heading">{t('privacy.title')}</h2>
      <h3>{t('privacy.export')}</h3>
      <p className="hint">{t('privacy.exportHint')}</p>
      <p className="actions">
        <a className="button" href={`${base}?format=json`} download>
          {t('privacy.exportJson')}
        </a>
        <a className="button" href={`${base}?format=pdf`} download>
          {t('privacy.exportPdf')}
        </a>
      </p>
      <h3>{t('privacy.rights')}</h3>
      <div className="actions">
        <button type="button" onClick={() => setOpen('restrict')}>
          {data.profile.restricted ? t('privacy.lift') : t('privacy.restrict')}
        </button>
        <button type="button" className="danger" onClick={() => setOpen('erase')}>
          {t('privacy.erase')}
        </button>
      </div>
      <p className="status" role="status">
        {done}
      </p>
      {open && (
        <ReasonDialog
          action={open}
          data={data}
          onClose={() => setOpen(null)}
          onDone={() => {
            setDone(
              open === 'erase'
                ? t('privacy.erased')
                : data.profile.restricted
                  ? t('privacy.lifted')
                  : t('privacy.restricted'),
            );
            setOpen(null);
            onChanged();
          }}
        />
      )}
    </section>
  );
}
