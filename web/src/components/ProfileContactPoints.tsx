import { type FormEvent, useId, useState } from 'react';
import { ApiError, api } from '../api.ts';
import { type MessageKey, useI18n } from '../i18n/index.tsx';
import type { ConsentRow, ContactKind, ContactPoint, Patient360, Purpose } from '../types.ts';
import { ErrorText } from './ErrorText.tsx';
import {
  CHANNEL_LABEL,
  consentCell,
  consentCellText,
  FAILURE_LABEL,
  KIND_CHANNEL,
  KIND_LABEL,
  others,
} from './patientLabels.ts';
import { TableWrap } from './TableWrap.tsx';

const STATUS_LABEL = {
  active: 'contactStatus.active',
  bouncing: 'contactStatus.bouncing',
  invalid: 'contactStatus.invalid',
  removed: 'contactStatus.removed',
} as const;

/** The consent in force for outreach or care through this very point (topic: all). */
function rowFor(consent: ConsentRow[], point: ContactPoint, purpose: Purpose): ConsentRow | undefined {
  const channel = KIND_CHANNEL[point.kind];
  const of = consent.filter((r) => r.purpose === purpose && r.channel === channel && r.topic === null);
  return of.find((r) => r.contactValue === point.value) ?? of.find((r) => r.contactValue === null);
}

export function ConsentChip({ row }: { row: ConsentRow | undefined }) {
  const { t, date } = useI18n();
  if (!row) return <span className="chip neutral">–</span>;
  const cell = consentCell(row);
  const expired = row.state === 'expired' && !row.objected;
  return (
    <span className={`chip ${cell.tone}${expired ? ' wrap' : ''}`}>
      <span aria-hidden="true">{row.permits ? '✓' : cell.tone === 'wait' ? '…' : '✕'} </span>
      {consentCellText(row, t, date)}
      <span className="visually-hidden">
        , {row.permits ? t('consent.permits') : t('consent.notPermits')}
      </span>
    </span>
  );
}

const KINDS: readonly ContactKind[] = ['email', 'phone', 'postal', 'push'];

const VALUE_LABEL: Record<ContactKind, [MessageKey, MessageKey]> = {
  email: ['contacts.value.email', 'contacts.valueHint.email'],
  phone: ['contacts.value.phone', 'contacts.valueHint.phone'],
  postal: ['contacts.value.postal', 'contacts.valueHint.postal'],
  push: ['contacts.value.push', 'contacts.valueHint.push'],
};

type Field = 'value' | 'push';

/**
 * Which field a refusal is about: a validation error names it ("body.value"),
 * a problem's detail starts with it ("value: … is not a phone number").
 */
function fieldError(err: unknown): { field: Field; text: string } | null {
  if (!(err instanceof ApiError) || err.status >= 500 || err.status === 403) return null;
  const body = err.body as { errors?: { field?: string; detail?: string }[] } | undefined;
  for (const e of body?.errors ?? []) {
    const f = /^body\.(value|push)\b/.exec(e.field ?? '');
    if (f && e.detail) return { field: f[1] as Field, text: e.detail };
  }
  const m = /^(value|push): (.+)$/s.exec(err.detail);
  return m ? { field: m[1] as Field, text: m[2] } : null;
}

/** A contact point by hand (POST /api/profiles/:id/contact-points); the server normalises and checks it. */
function AddContactPoint({ profileId, onAdded }: { profileId: string; onAdded(): void }) {
  const { t } = useI18n();
  const id = useId();
  const [kind, setKind] = useState<ContactKind>('phone');
  const [value, setValue] = useState('');
  const [p256dh, setP256dh] = useState('');
  const [auth, setAuth] = useState('');
  const [preferred, setPreferred] = useState(false);
  const [verifiedOwn, setVerifiedOwn] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [invalid, setInvalid] = useState<{ field: Field; text: string; lang?: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [added, setAdded] = useState(false);
  const [label, hint] = VALUE_LABEL[kind];

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setInvalid(null);
    setAdded(false);
    if (!value.trim()) return setInvalid({ field: 'value', text: t('contacts.valueRequired') });
    if (kind === 'push' && (!p256dh.trim() || !auth.trim()))
      return setInvalid({ field: 'push', text: t('contacts.pushKeysRequired') });
    setBusy(true);
    try {
      await api.post(`/api/profiles/${encodeURIComponent(profileId)}/contact-points`, {
        kind,
        value: value.trim(),
        preferred,
        verifiedOwn,
        ...(kind === 'push' ? { push: { p256dh: p256dh.trim(), auth: auth.trim() } } : {}),
      });
      setValue('');
      setP256dh('');
      setAuth('');
      setPreferred(false);
      setVerifiedOwn(false);
      setAdded(true);
      onAdded();
    } catch (err) {
      const f = fieldError(err);
      // The server's sentences are English; they are shown as they came, marked as such.
      if (f) setInvalid({ ...f, lang: 'en' });
      else setError(err);
    } finally {
      setBusy(false);
    }
  };

  const valueError = invalid?.field === 'value' ? invalid : null;
  const pushError = invalid?.field === 'push' ? invalid : null;
  return (
    <form onSubmit={submit} className="add-point" aria-labelledby={`${id}-title`} noValidate>
      <h3 id={`${id}-title`}>{t('contacts.add')}</h3>
      <div className="field-row">
        <div className="field kind-field">
          <label htmlFor={`${id}-kind`}>{t('contacts.kind')}</label>
          <select
            id={`${id}-kind`}
            value={kind}
            onChange={(e) => {
              setKind(e.target.value as ContactKind);
              setInvalid(null);
            }}
          >
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(KIND_LABEL[k])}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-value`}>{t(label)}</label>
          {kind === 'postal' ? (
            <textarea
              id={`${id}-value`}
              rows={3}
              value={value}
              aria-invalid={valueError ? true : undefined}
              aria-describedby={`${id}-value-hint${valueError ? ` ${id}-value-error` : ''}`}
              onChange={(e) => setValue(e.target.value)}
            />
          ) : (
            <input
              id={`${id}-value`}
              type={kind === 'email' ? 'email' : kind === 'phone' ? 'tel' : kind === 'push' ? 'url' : 'text'}
              autoComplete="off"
              value={value}
              aria-invalid={valueError ? true : undefined}
              aria-describedby={`${id}-value-hint${valueError ? ` ${id}-value-error` : ''}`}
              onChange={(e) => setValue(e.target.value)}
            />
          )}
          <p id={`${id}-value-hint`} className="hint">
            {t(hint)}
          </p>
          {valueError && (
            <p id={`${id}-value-error`} className="error field-error" role="alert" lang={valueError.lang}>
              {valueError.text}
            </p>
          )}
        </div>
      </div>
      {kind === 'push' && (
        <div className="field-row">
          <div className="field">
            <label htmlFor={`${id}-p256dh`}>{t('contacts.pushP256dh')}</label>
            <input
              id={`${id}-p256dh`}
              autoComplete="off"
              value={p256dh}
              aria-invalid={pushError ? true : undefined}
              aria-describedby={pushError ? `${id}-push-error` : undefined}
              onChange={(e) => setP256dh(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-auth`}>{t('contacts.pushAuth')}</label>
            <input
              id={`${id}-auth`}
              autoComplete="off"
              value={auth}
              aria-invalid={pushError ? true : undefined}
              aria-describedby={pushError ? `${id}-push-error` : undefined}
              onChange={(e) => setAuth(e.target.value)}
            />
          </div>
        </div>
      )}
      {pushError && (
        <p id={`${id}-push-error`} className="error field-error" role="alert" lang={pushError.lang}>
          {pushError.text}
        </p>
      )}
      <label className="checkbox">
        <input type="checkbox" checked={preferred} onChange={(e) => setPreferred(e.target.checked)} />
        {t('contacts.addPreferred')}
      </label>
      <label className="checkbox">
        <input type="checkbox" checked={verifiedOwn} onChange={(e) => setVerifiedOwn(e.target.checked)} />
        {t('contacts.addOwn')}
      </label>
      <ErrorText error={error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {t('contacts.addSubmit')}
        </button>
        <p className="status" role="status">
          {added ? t('contacts.added') : ''}
        </p>
      </div>
    </form>
  );
}

export function ProfileContactPoints({
  data,
  canWrite,
  onChanged,
}: {
  data: Patient360;
  canWrite: boolean;
  onChanged(): void;
}) {
  const { t, date, dateTime } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [done, setDone] = useState('');
  const points = [...data.contactPoints].sort(
    (a, b) => Number(a.status === 'removed') - Number(b.status === 'removed'),
  );

  const patch = async (
    p: ContactPoint,
    body: Partial<Record<'verified' | 'verifiedOwn' | 'preferred', boolean>> & {
      status?: ContactPoint['status'];
    },
  ) => {
    setError(null);
    setDone('');
    setBusy(p.id);
    try {
      await api.patch(`/api/contact-points/${encodeURIComponent(p.id)}`, body);
      if (body.status === 'active') setDone(t('contacts.activated'));
      if (body.status === 'removed') setDone(t('contacts.removedNow'));
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="card" id="contact-points" aria-labelledby="contact-points-heading">
      <h2 id="contact-points-heading">{t('contacts.title')}</h2>
      <ErrorText error={error} />
      <p className="status" role="status">
        {done}
      </p>
      {points.length === 0 ? (
        <p>{t('contacts.none')}</p>
      ) : (
        <TableWrap label={t('contacts.title')}>
          <table className="contact-points">
            <thead>
              <tr>
                <th scope="col">{t('contacts.point')}</th>
                <th scope="col">{t('contacts.outreach')}</th>
                <th scope="col">{t('contacts.care')}</th>
                <th scope="col">{t('contacts.sources')}</th>
                {canWrite && <th scope="col">{t('common.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {points.map((p) => (
                <tr key={p.id} className={p.status === 'removed' ? 'muted' : undefined}>
                  <th scope="row">
                    <span className="hint block">
                      {t(KIND_LABEL[p.kind])}
                      {t(CHANNEL_LABEL[KIND_CHANNEL[p.kind]]) !== t(KIND_LABEL[p.kind]) &&
                        ` · ${t(CHANNEL_LABEL[KIND_CHANNEL[p.kind]])}`}
                      {p.kind === 'phone' && p.mobile === false ? ` · ${t('contacts.notMobile')}` : ''}
                    </span>
                    <span className="contact-value">{p.display || p.value}</span>
                    {p.preferred && <span className="badge">{t('contacts.preferred')}</span>}
                    {p.sharedWith > 0 && p.status !== 'removed' && (
                      <span className="badge warn block-badge">
                        {t('contacts.shared', { others: others(p.sharedWith, t) })}
                      </span>
                    )}
                    <span className="block hint point-status">
                      <span className={p.status === 'active' ? undefined : 'badge warn status-badge'}>
                        {t(STATUS_LABEL[p.status])}
                      </span>
                      {' · '}
                      {p.verifiedAt
                        ? t('contacts.verifiedOn', { date: date(p.verifiedAt) })
                        : t('contacts.unverified')}
                      {p.verifiedOwn && ` · ${t('contacts.own')}`}
                    </span>
                    {p.failures.length > 0 && (
                      <details>
                        <summary>
                          {p.failures.length === 1
                            ? t('contacts.failure1')
                            : t('contacts.failures', { n: p.failures.length })}
                        </summary>
                        <ul className="plain compact">
                          {p.failures.map((f, i) => (
                            // biome-ignore lint/suspicious/noArrayIndexKey: an append-only history; two entries may share time and kind
                            <li key={i}>
                              {dateTime(f.at)}: <strong>{t(FAILURE_LABEL[f.kind])}</strong>
                              {f.detail ? ` – ${f.detail}` : ''}
                            </li>
                          ))}
                        </ul>
                      </details>
                    )}
                  </th>
                  <td>
                    <ConsentChip row={rowFor(data.consent, p, 'outreach')} />
                  </td>
                  <td>
                    <ConsentChip row={rowFor(data.consent, p, 'care')} />
                  </td>
                  <td>{p.sources.join(', ') || '–'}</td>
                  {canWrite && (
                    <td>
                      <div className="actions-cell">
                        {p.status !== 'active' && (
                          <button
                            type="button"
                            className={p.status === 'removed' ? undefined : 'primary'}
                            disabled={busy === p.id}
                            onClick={() => void patch(p, { status: 'active' })}
                          >
                            {t('contacts.activate')}
                            <span className="visually-hidden"> {p.display}</span>
                          </button>
                        )}
                        {p.status !== 'removed' && (
                          <>
                            {!p.verifiedAt && (
                              <button
                                type="button"
                                disabled={busy === p.id}
                                onClick={() => void patch(p, { verified: true })}
                              >
                                {t('contacts.verify')}
                                <span className="visually-hidden"> {p.display}</span>
                              </button>
                            )}
                            <button
                              type="button"
                              aria-pressed={p.verifiedOwn}
                              disabled={busy === p.id}
                              onClick={() => void patch(p, { verifiedOwn: !p.verifiedOwn })}
                            >
                              {t('contacts.markOwn')}
                              <span className="visually-hidden"> {p.display}</span>
                            </button>
                            {!p.preferred && (
                              <button
                                type="button"
                                disabled={busy === p.id}
                                onClick={() => void patch(p, { preferred: true })}
                              >
                                {t('contacts.makePreferred')}
                                <span className="visually-hidden"> {p.display}</span>
                              </button>
                            )}
                            <button
                              type="button"
                              className="danger"
                              disabled={busy === p.id}
                              onClick={() => void patch(p, { status: 'removed' })}
                            >
                              {t('contacts.remove')}
                              <span className="visually-hidden"> {p.display}</span>
                            </button>
                          </>
                        )}
                      </div>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <p className="hint">{t('contacts.hint')}</p>
      {canWrite && <AddContactPoint profileId={data.profile.id} onAdded={onChanged} />}
    </section>
  );
}
