import { type ReactNode, useEffect, useState } from 'react';
import { useParams } from 'react-router-dom';
import { ApiError, api } from '../api.ts';
import { ErrorText } from '../components/ErrorText.tsx';
import { PublicPage } from '../components/PublicPage.tsx';
import '../components/patients.css';
import { isMessageKey, type MessageKey, useI18n, usePageTitle } from '../i18n/index.tsx';
import type { OptInStatus } from '../types.ts';

type View =
  | { kind: 'loading' }
  | { kind: 'invalid' }
  | { kind: 'error'; error: unknown }
  | { kind: 'status'; status: OptInStatus; justConfirmed: boolean };

const PURPOSE: Record<string, MessageKey> = {
  outreach: 'optIn.purpose.outreach',
  care: 'optIn.purpose.care',
  tracking: 'optIn.purpose.tracking',
};

/**
 * `/confirm/:token`, the link in the patient's e-mail (double opt-in). Opening
 * it only shows what would be confirmed: mail scanners that fetch links must
 * not confirm on the patient's behalf, so confirming takes the button (POST).
 */
export function OptInConfirm() {
  const { token = '' } = useParams();
  const { t, date } = useI18n();
  usePageTitle('optIn.title');
  const [view, setView] = useState<View>({ kind: 'loading' });
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    api
      .get<OptInStatus>(`/api/opt-in/${encodeURIComponent(token)}`)
      .then((status) => live && setView({ kind: 'status', status, justConfirmed: false }))
      .catch((error) => {
        if (!live) return;
        // A token of the wrong shape fails validation (400); an unknown one is 404: both are "not valid".
        if (error instanceof ApiError && (error.status === 404 || error.status === 400))
          setView({ kind: 'invalid' });
        else setView({ kind: 'error', error });
      });
    return () => {
      live = false;
    };
  }, [token]);

  const confirm = async () => {
    if (view.kind !== 'status') return;
    setBusy(true);
    try {
      const status = await api.post<OptInStatus>(`/api/opt-in/${encodeURIComponent(token)}`, undefined, {
        noRedirect: true,
      });
      setView({ kind: 'status', status, justConfirmed: true });
    } catch (error) {
      if (error instanceof ApiError && error.status === 410)
        setView({ kind: 'status', status: { ...view.status, state: 'expired' }, justConfirmed: false });
      else if (error instanceof ApiError && error.status === 404) setView({ kind: 'invalid' });
      else setView({ kind: 'error', error });
    } finally {
      setBusy(false);
    }
  };

  const topicName = (topic: string | null) => {
    if (topic === null) return t('optIn.topic.all');
    const key = `optIn.topic.${topic}`;
    return isMessageKey(key) ? t(key) : topic;
  };

  let body: ReactNode;
  if (view.kind === 'loading') body = <p aria-live="polite">{t('common.loading')}</p>;
  else if (view.kind === 'invalid')
    body = (
      <p className="notice" role="alert">
        {t('optIn.invalid')}
      </p>
    );
  else if (view.kind === 'error') body = <ErrorText error={view.error} />;
  else {
    const s = view.status;
    const what = (
      <dl className="facts opt-in-facts">
        <div className="fact">
          <dt>{t('optIn.emailLabel')}</dt>
          <dd>{s.email}</dd>
        </div>
        <div className="fact">
          <dt>{t('optIn.what')}</dt>
          <dd>{PURPOSE[s.purpose] ? t(PURPOSE[s.purpose]) : s.purpose}</dd>
        </div>
        <div className="fact">
          <dt>{t('optIn.topic')}</dt>
          <dd>{topicName(s.topic)}</dd>
        </div>
      </dl>
    );
    if (s.state === 'confirmed')
      body = (
        <>
          <p className="confirmed" role="status">
            <strong>{view.justConfirmed ? t('optIn.thanks') : t('optIn.already')}</strong>
          </p>
          {what}
          <p>{t('optIn.withdrawHint')}</p>
        </>
      );
    else if (s.state === 'expired')
      body = (
        <>
          <p className="notice" role="alert">
            {t('optIn.expired', { at: date(s.expiresAt) })}
          </p>
          {what}
        </>
      );
    else
      body = (
        <>
          <p>{t('optIn.intro')}</p>
          {what}
          <p className="hint">{t('optIn.validUntil', { at: date(s.expiresAt) })}</p>
          <button type="button" className="primary" disabled={busy} onClick={() => void confirm()}>
            {t('optIn.confirm')}
          </button>
          <p className="hint">{t('optIn.ignoreHint')}</p>
        </>
      );
  }

  return (
    <PublicPage>
      <h1>{t('optIn.title')}</h1>
      {body}
    </PublicPage>
  );
}
