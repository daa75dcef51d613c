import { type FormEvent, useId, useState } from 'react';
import { api, query } from '../api.ts';
import { type MessageKey, useI18n } from '../i18n/index.tsx';
import type {
  Channel,
  ConsentBodyInput,
  ConsentEvent,
  ConsentPolicy,
  ConsentRow,
  ContactDecision,
  DenyReason,
  OptInStarted,
  Patient360,
  Purpose,
} from '../types.ts';
import { CopyButton } from './CopyButton.tsx';
import { Dialog } from './Dialog.tsx';
import { ErrorText } from './ErrorText.tsx';
import { ConsentChip } from './ProfileContactPoints.tsx';
import {
  CHANNEL_LABEL,
  CHANNELS,
  consentEventText,
  consentScopeText,
  ENFORCEMENT_LABEL,
  evidenceText,
  expiredOptIns,
  isPurpose,
  KIND_CHANNEL,
  PURPOSE_LABEL,
  PURPOSES,
  topicLabel,
} from './patientLabels.ts';
import { TableWrap } from './TableWrap.tsx';

type Topic = (id: string | null) => string;

function useTopic(policy: ConsentPolicy | undefined): Topic {
  const { t, lang } = useI18n();
  return (id) => topicLabel(policy, lang, t, id);
}

/** Purpose × channel (rows per topic): the state in force for every contact point, and for single points where it differs. */
function ConsentMatrix({ rows, topic }: { rows: ConsentRow[]; topic: Topic }) {
  const { t } = useI18n();
  const keys: { purpose: Purpose; topic: string | null }[] = [];
  for (const r of rows)
    if (!keys.some((k) => k.purpose === r.purpose && k.topic === r.topic))
      keys.push({ purpose: r.purpose, topic: r.topic });
  // Each purpose starts with its "all topics" row, then the topics.
  keys.sort(
    (a, b) =>
      PURPOSES.indexOf(a.purpose) - PURPOSES.indexOf(b.purpose) ||
      Number(a.topic !== null) - Number(b.topic !== null),
  );
  return (
    <TableWrap label={t('consent.matrix')}>
      <table className="consent-matrix">
        <caption className="visually-hidden">{t('consent.matrix')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('consent.purposeTopic')}</th>
            {CHANNELS.map((c) => (
              <th scope="col" key={c}>
                {t(CHANNEL_LABEL[c])}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={`${k.purpose}/${k.topic}`} className={k.topic === null ? 'group-start' : undefined}>
              <th scope="row">
                {k.topic === null ? <strong>{t(PURPOSE_LABEL[k.purpose])}</strong> : null}
                <span className={k.topic === null ? 'block hint' : 'block topic'}>{topic(k.topic)}</span>
              </th>
              {CHANNELS.map((c) => {
                const cell = rows.filter(
                  (r) => r.purpose === k.purpose && r.channel === c && r.topic === k.topic,
                );
                const general = cell.find((r) => r.contactValue === null);
                const points = cell.filter(
                  (r) =>
                    r.contactValue !== null && (r.state !== general?.state || r.permits !== general?.permits),
                );
                return (
                  <td key={c}>
                    <ConsentChip row={general} />
                    {k.topic === null && general && (
                      <span className="block hint">{t(ENFORCEMENT_LABEL[general.enforcement])}</span>
                    )}
                    {points.map((p) => (
                      <span className="block point-consent" key={p.contactValue}>
                        <span className="hint">{p.contactValue}: </span>
                        <ConsentChip row={p} />
                      </span>
                    ))}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function TopicOptions({ policy, purpose }: { policy: ConsentPolicy | undefined; purpose?: Purpose }) {
  const { t, lang } = useI18n();
  return (
    <>
      <option value="">{t('consent.allTopics')}</option>
      {(policy?.topics ?? [])
        .filter((x) => !purpose || x.purpose === purpose)
        .map((x) => (
          <option key={x.id} value={x.id}>
            {x.label[lang]}
          </option>
        ))}
    </>
  );
}

function RecordConsentDialog({
  data,
  policy,
  onClose,
  onDone,
}: {
  data: Patient360;
  policy: ConsentPolicy | undefined;
  onClose(): void;
  onDone(): void;
}) {
  const { t } = useI18n();
  const id = useId();
  const [purpose, setPurpose] = useState<Purpose>('outreach');
  const [channel, setChannel] = useState<Channel | ''>('');
  const [contactValue, setContactValue] = useState('');
  const [topic, setTopic] = useState('');
  const [state, setState] = useState<'granted' | 'withdrawn'>('granted');
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const points = data.contactPoints.filter(
    (p) => p.status !== 'removed' && channel !== '' && KIND_CHANNEL[p.kind] === channel,
  );

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (note.trim().length < 3) return setError(new Error(t('consent.noteRequired')));
    setBusy(true);
    try {
      const body: ConsentBodyInput = {
        purpose,
        channel: channel || null,
        contactValue: channel && contactValue ? contactValue : null,
        topic: topic || null,
        state,
        note: note.trim(),
      };
      await api.post(`/api/profiles/${encodeURIComponent(data.profile.id)}/consents`, body);
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={t('consent.record')} onClose={onClose}>
      <form onSubmit={submit}>
        <fieldset className="inline">
          <legend>{t('consent.decision')}</legend>
          <label className="radio">
            <input
              type="radio"
              name={`${id}-state`}
              checked={state === 'granted'}
              onChange={() => setState('granted')}
            />
            {t('consent.grant')}
          </label>
          <label className="radio">
            <input
              type="radio"
              name={`${id}-state`}
              checked={state === 'withdrawn'}
              onChange={() => setState('withdrawn')}
            />
            {t('consent.withdraw')}
          </label>
        </fieldset>
        <label htmlFor={`${id}-purpose`}>{t('consent.purpose')}</label>
        <select
          id={`${id}-purpose`}
          value={purpose}
          onChange={(e) => isPurpose(e.target.value) && setPurpose(e.target.value)}
        >
          {PURPOSES.map((p) => (
            <option key={p} value={p}>
              {t(PURPOSE_LABEL[p])}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-channel`}>{t('consent.channel')}</label>
        <select
          id={`${id}-channel`}
          value={channel}
          onChange={(e) => {
            setChannel(e.target.value as Channel | '');
            setContactValue('');
          }}
        >
          <option value="">{t('consent.allChannels')}</option>
          {CHANNELS.map((c) => (
            <option key={c} value={c}>
              {t(CHANNEL_LABEL[c])}
            </option>
          ))}
        </select>
        {channel !== '' && (
          <>
            <label htmlFor={`${id}-point`}>{t('consent.contactPoint')}</label>
            <select id={`${id}-point`} value={contactValue} onChange={(e) => setContactValue(e.target.value)}>
              <option value="">{t('consent.allPoints')}</option>
              {points.map((p) => (
                <option key={p.id} value={p.value}>
                  {p.display || p.value}
                </option>
              ))}
            </select>
          </>
        )}
        <label htmlFor={`${id}-topic`}>{t('consent.topic')}</label>
        <select id={`${id}-topic`} value={topic} onChange={(e) => setTopic(e.target.value)}>
          <TopicOptions policy={policy} />
        </select>
        <label htmlFor={`${id}-note`}>{t('consent.note')}</label>
        <textarea
          id={`${id}-note`}
          rows={3}
          required
          aria-describedby={`${id}-note-hint`}
          value={note}
          onChange={(e) => setNote(e.target.value)}
        />
        <p id={`${id}-note-hint`} className="hint">
          {t('consent.noteHint')}
        </p>
        <ErrorText error={error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {t('consent.save')}
          </button>
          <button type="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function ObjectionDialog({
  profileId,
  onClose,
  onDone,
}: {
  profileId: string;
  onClose(): void;
  onDone(): void;
}) {
  const { t } = useI18n();
  const id = useId();
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (note.trim().length < 3) return setError(new Error(t('consent.noteRequired')));
    setBusy(true);
    try {
      await api.post(`/api/profiles/${encodeURIComponent(profileId)}/objection`, { note: note.trim() });
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={t('consent.objection')} onClose={onClose}>
      <form onSubmit={submit}>
        <p>{t('consent.objectionExplain')}</p>
        <label htmlFor={`${id}-note`}>{t('consent.objectionNote')}</label>
        <textarea
          id={`${id}-note`}
          rows={3}
          required
          value={note}
          onChange={(e) => setNote(e.target.value)}
        />
        <ErrorText error={error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {t('consent.objectionSubmit')}
          </button>
          <button type="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** What a new double opt-in starts from: the one whose link expired. */
interface OptInStart {
  email: string | null;
  purpose: Purpose;
  topic: string | null;
}

function OptInDialog({
  data,
  policy,
  initial,
  onClose,
}: {
  data: Patient360;
  policy: ConsentPolicy | undefined;
  initial: OptInStart | null;
  onClose(): void;
}) {
  const { t, dateTime } = useI18n();
  const id = useId();
  const emails = data.contactPoints.filter((p) => p.kind === 'email' && p.status !== 'removed');
  // A double opt-in is for purposes that need a yes by e-mail (outreach and tracking by default; not care).
  const needYes = PURPOSES.filter((p) =>
    policy ? policy.enforcement[p].email !== 'not-required' : p !== 'care',
  );
  const purposes: readonly Purpose[] = needYes.length > 0 ? needYes : ['outreach', 'tracking'];
  const [purpose, setPurpose] = useState<Purpose>(
    initial && purposes.includes(initial.purpose)
      ? initial.purpose
      : purposes.includes('outreach')
        ? 'outreach'
        : purposes[0],
  );
  // An address no longer among the contact points is offered as "another address", filled in.
  const known = initial?.email ? emails.some((p) => p.value === initial.email) : false;
  const [email, setEmail] = useState(
    initial?.email ? (known ? initial.email : '') : (emails[0]?.value ?? ''),
  );
  const [other, setOther] = useState(initial?.email && !known ? initial.email : '');
  const [topic, setTopic] = useState(initial?.topic ?? '');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [started, setStarted] = useState<OptInStarted | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const address = email === '' ? other.trim() : email;
    if (!address) return setError(new Error(t('optIn.emailRequired')));
    setBusy(true);
    try {
      setStarted(
        await api.post<OptInStarted>(`/api/profiles/${encodeURIComponent(data.profile.id)}/opt-in`, {
          email: address,
          purpose,
          topic: topic || null,
        }),
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={t('optIn.start')} onClose={onClose}>
      {started ? (
        <div role="status">
          <p>{t('optIn.linkReady', { at: dateTime(started.expiresAt) })}</p>
          <p>
            <code className="secret" data-testid="opt-in-link">
              {started.confirmUrl}
            </code>
          </p>
          <p>
            <CopyButton text={started.confirmUrl} label={t('optIn.copy')} />
          </p>
          <div className="actions">
            <button type="button" className="primary" onClick={onClose}>
              {t('common.close')}
            </button>
          </div>
        </div>
      ) : (
        <form onSubmit={submit}>
          <p>{t('optIn.explain')}</p>
          <label htmlFor={`${id}-email`}>{t('optIn.email')}</label>
          <select id={`${id}-email`} value={email} onChange={(e) => setEmail(e.target.value)}>
            {emails.map((p) => (
              <option key={p.id} value={p.value}>
                {p.display || p.value}
              </option>
            ))}
            <option value="">{t('optIn.otherEmail')}</option>
          </select>
          {email === '' && (
            <>
              <label htmlFor={`${id}-other`}>{t('optIn.address')}</label>
              <input
                id={`${id}-other`}
                type="email"
                required
                autoComplete="off"
                value={other}
                onChange={(e) => setOther(e.target.value)}
              />
            </>
          )}
          <label htmlFor={`${id}-purpose`}>{t('consent.purpose')}</label>
          <select
            id={`${id}-purpose`}
            value={purpose}
            onChange={(e) => {
              if (!isPurpose(e.target.value)) return;
              setPurpose(e.target.value);
              setTopic('');
            }}
          >
            {purposes.map((p) => (
              <option key={p} value={p}>
                {t(PURPOSE_LABEL[p])}
              </option>
            ))}
          </select>
          <label htmlFor={`${id}-topic`}>{t('consent.topic')}</label>
          <select id={`${id}-topic`} value={topic} onChange={(e) => setTopic(e.target.value)}>
            <TopicOptions policy={policy} purpose={purpose} />
          </select>
          <ErrorText error={error} />
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              {t('optIn.submit')}
            </button>
            <button type="button" onClick={onClose}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

/** Every reason the server may give for a no (src/patients/model.ts DENY_REASONS). */
const DENY_LABEL: Record<DenyReason, MessageKey> = {
  erased: 'deny.erased',
  merged: 'deny.merged',
  restricted: 'deny.restricted',
  deceased: 'deny.deceased',
  'do-not-contact': 'deny.do-not-contact',
  suppressed: 'deny.suppressed',
  objected: 'deny.objected',
  'unknown-topic': 'deny.unknown-topic',
  'no-contact-point': 'deny.no-contact-point',
  'contact-point-failing': 'deny.contact-point-failing',
  'shared-contact-point': 'deny.shared-contact-point',
  'no-consent': 'deny.no-consent',
  withdrawn: 'deny.withdrawn',
  'pending-confirmation': 'deny.pending-confirmation',
};

/** The double opt-ins whose link expired unconfirmed and still decide a cell: staff send a new one. */
function ExpiredOptIns({
  rows,
  events,
  topic,
  canWrite,
  onRestart,
}: {
  rows: ConsentRow[];
  events: ConsentEvent[];
  topic: Topic;
  canWrite: boolean;
  onRestart(start: OptInStart): void;
}) {
  const { t, date } = useI18n();
  const ids = [
    ...new Set(rows.filter((r) => r.state === 'expired' && !r.objected && r.eventId).map((r) => r.eventId)),
  ];
  const list = ids.flatMap((id) => {
    const e = events.find((x) => x.id === id);
    return e?.expiresAt ? [{ e, at: e.expiresAt }] : [];
  });
  if (list.length === 0) return null;
  return (
    <div className="notice expired-opt-ins">
      <ul className="plain">
        {list.map(({ e, at }) => {
          const scope = consentScopeText(e, t, topic);
          return (
            <li key={e.id}>
              <strong>{t('consent.state.expiredAt', { at: date(at) })}</strong>{' '}
              {t('consent.expired.scope', { scope })}
              <span className="block">{t('consent.expired.hint')}</span>
              {canWrite && (
                <button
                  type="button"
                  onClick={() => onRestart({ email: e.contactValue, purpose: e.purpose, topic: e.topic })}
                >
                  {t('optIn.restart')}
                  <span className="visually-hidden">: {scope}</span>
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/** May we contact the person on a channel, for a purpose and topic? The same decision the senders make. */
function CanContact({ profileId, policy }: { profileId: string; policy: ConsentPolicy | undefined }) {
  const { t } = useI18n();
  const id = useId();
  const [channel, setChannel] = useState<Channel>('sms');
  const [purpose, setPurpose] = useState<Purpose>('outreach');
  const [topic, setTopic] = useState('');
  // Care messages count as clinical unless the request says otherwise (the server's default): the box follows the purpose.
  const [clinical, setClinical] = useState(false);
  const [answer, setAnswer] = useState<ContactDecision | null>(null);
  const [error, setError] = useState<unknown>(null);

  const check = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setAnswer(null);
    try {
      setAnswer(
        await api.get<ContactDecision>(
          `/api/profiles/${encodeURIComponent(profileId)}/can-contact${query({
            channel,
            purpose,
            topic: topic || undefined,
            clinical: clinical ? 'true' : 'false',
          })}`,
        ),
      );
    } catch (err) {
      setError(err);
    }
  };

  const denyText = (a: ContactDecision) => {
    if (!a.denyReason) return a.reason;
    // An opt-in whose link expired is "no consent" to the server; the detail says which.
    if (a.denyReason === 'no-consent' && /link expired/.test(a.detail ?? '')) return t('deny.optInExpired');
    return t(DENY_LABEL[a.denyReason]);
  };
  return (
    <form onSubmit={check} className="can-contact" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t('canContact.title')}</h3>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-channel`}>{t('consent.channel')}</label>
          <select
            id={`${id}-channel`}
            value={channel}
            onChange={(e) => setChannel(e.target.value as Channel)}
          >
            {CHANNELS.map((c) => (
              <option key={c} value={c}>
                {t(CHANNEL_LABEL[c])}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-purpose`}>{t('consent.purpose')}</label>
          <select
            id={`${id}-purpose`}
            value={purpose}
            onChange={(e) => {
              if (!isPurpose(e.target.value)) return;
              setPurpose(e.target.value);
              setClinical(e.target.value === 'care');
            }}
          >
            {PURPOSES.map((p) => (
              <option key={p} value={p}>
                {t(PURPOSE_LABEL[p])}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-topic`}>{t('consent.topic')}</label>
          <select id={`${id}-topic`} value={topic} onChange={(e) => setTopic(e.target.value)}>
            <TopicOptions policy={policy} />
          </select>
        </div>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={clinical}
            aria-describedby={`${id}-clinical-hint`}
            onChange={(e) => setClinical(e.target.checked)}
          />
          {t('canContact.clinical')}
        </label>
        <button type="submit">{t('canContact.check')}</button>
      </div>
      <p id={`${id}-clinical-hint`} className="hint">
        {t('canContact.clinicalHint')}
      </p>
      <ErrorText error={error} />
      <div role="status">
        {answer &&
          (answer.allowed ? (
            <p className="answer yes">
              <strong>{t('canContact.yes')}</strong>{' '}
              {answer.basis ? t(`canContact.basis.${answer.basis}`) : ''}
              {answer.contactPoint && ` ${t('canContact.to', { to: answer.contactPoint.display })}`}
            </p>
          ) : (
            <p className="answer no">
              <strong>{t('canContact.no')}</strong> {denyText(answer)}
              {answer.detail && (
                <span className="block hint" lang="en">
                  {answer.detail}
                </span>
              )}
            </p>
          ))}
      </div>
    </form>
  );
}

export function ProfileConsent({
  data,
  policy,
  canWrite,
  onChanged,
}: {
  data: Patient360;
  policy: ConsentPolicy | undefined;
  canWrite: boolean;
  onChanged(): void;
}) {
  const { t, date, dateTime } = useI18n();
  const topic = useTopic(policy);
  const [open, setOpen] = useState<'record' | 'objection' | 'opt-in' | null>(null);
  const [optInFrom, setOptInFrom] = useState<OptInStart | null>(null);
  const [saved, setSaved] = useState(false);
  const history = [...data.consentHistory].sort((a, b) => b.at.localeCompare(a.at));
  const expired = expiredOptIns(data.consent, data.consentHistory);
  const done = () => {
    setOpen(null);
    setSaved(true);
    onChanged();
  };
  const closeOptIn = () => {
    setOpen(null);
    onChanged();
  };

  return (
    <section className="card" id="consent" aria-labelledby="consent-heading">
      <h2 id="consent-heading">{t('consent.title')}</h2>
      {canWrite && (
        <div className="actions card-actions">
          <button type="button" onClick={() => setOpen('record')}>
            {t('consent.record')}
          </button>
          <button
            type="button"
            onClick={() => {
              setOptInFrom(null);
              setOpen('opt-in');
            }}
          >
            {t('optIn.start')}
          </button>
          <button type="button" className="danger" onClick={() => setOpen('objection')}>
            {t('consent.objection')}
          </button>
        </div>
      )}
      <p className="status" role="status">
        {saved ? t('consent.saved') : ''}
      </p>
      <ExpiredOptIns
        rows={data.consent}
        events={data.consentHistory}
        topic={topic}
        canWrite={canWrite}
        onRestart={(start) => {
          setOptInFrom(start);
          setOpen('opt-in');
        }}
      />
      <ConsentMatrix rows={data.consent} topic={topic} />
      <p className="hint">{t('consent.matrixHint')}</p>
      <CanContact profileId={data.profile.id} policy={policy} />
      <h3>{t('consent.history', { n: history.length })}</h3>
      {history.length === 0 ? (
        <p className="hint">{t('consent.noHistory')}</p>
      ) : (
        <ol className="plain event-list consent-history">
          {history.map((e) => {
            const lapsed = expired.get(e.id);
            return (
              <li key={e.id}>
                <time dateTime={e.at} className="event-time">
                  {date(e.at)}
                </time>
                <span className="event-body">
                  <span
                    className={`chip ${e.state === 'granted' ? 'yes' : e.state === 'pending' && !lapsed ? 'wait' : 'no'}`}
                  >
                    {consentEventText(e, t, topic, lapsed && date(lapsed))}
                  </span>
                  <span className="block hint">
                    {evidenceText(e, t, dateTime)} · {t('consent.by', { actor: e.actor, source: e.source })}
                  </span>
                </span>
              </li>
            );
          })}
        </ol>
      )}
      {open === 'record' && (
        <RecordConsentDialog data={data} policy={policy} onClose={() => setOpen(null)} onDone={done} />
      )}
      {open === 'objection' && (
        <ObjectionDialog profileId={data.profile.id} onClose={() => setOpen(null)} onDone={done} />
      )}
      {open === 'opt-in' && (
        <OptInDialog data={data} policy={policy} initial={optInFrom} onClose={closeOptIn} />
      )}
    </section>
  );
}
