import { useState } from 'react';
import { Link } from 'react-router-dom';
import { isMessageKey, type MessageKey, type Translate, useI18n } from '../i18n/index.tsx';
import type { ConsentPolicy, HistoryItem, Patient360 } from '../types.ts';
import { consentEventText, evidenceText, expiredOptIns, topicLabel } from './patientLabels.ts';

const SHOWN = 12;

export const HISTORY_LABEL: Record<string, MessageKey> = {
  merge: 'history.kind.merge',
  'manual-merge': 'history.kind.manual-merge',
  split: 'history.kind.split',
  erase: 'history.kind.erase',
  restrict: 'history.kind.restrict',
  unrestrict: 'history.kind.unrestrict',
  suppressed: 'history.kind.suppressed',
  dissolve: 'history.kind.dissolve',
};

const historyLabel = (t: Translate, h: HistoryItem) =>
  HISTORY_LABEL[h.kind] ? t(HISTORY_LABEL[h.kind]) : h.kind;

/**
 * The reason as written; the ones the server writes itself (English, fixed:
 * src/patients/suppression.ts, unify/engine.ts) in the reader's language.
 */
const SERVER_REASON: Record<string, MessageKey> = {
  'a record matched both profiles': 'history.reason.merge',
  'its records all moved to this profile': 'history.reason.mergeMoved',
  'its records moved to different profiles': 'history.reason.dissolve',
};

function historyReason(t: Translate, h: HistoryItem): string | null {
  if (h.kind === 'suppressed') return t('history.reason.suppressed');
  const own = h.reason !== null && Object.hasOwn(SERVER_REASON, h.reason) ? SERVER_REASON[h.reason] : null;
  return own ? t(own) : h.reason;
}

interface Entry {
  key: string;
  at: string;
  kind: 'clinical' | 'consent' | 'profile';
  title: string;
  detail: string | null;
}

/** Care contacts (from the server's timeline), consent changes and profile events, newest first, in the reader's language. */
function entries(
  data: Patient360,
  policy: ConsentPolicy | undefined,
  t: Translate,
  lang: 'sv' | 'en',
  dateTime: (v: string) => string,
  date: (v: string) => string,
): Entry[] {
  const topic = (id: string | null) => topicLabel(policy, lang, t, id);
  const out: Entry[] = [];
  const expired = expiredOptIns(data.consent, data.consentHistory);
  for (const e of data.consentHistory) {
    const lapsed = expired.get(e.id);
    out.push({
      key: `c-${e.id}`,
      at: e.at,
      kind: 'consent',
      title: consentEventText(e, t, topic, lapsed && date(lapsed)),
      detail: evidenceText(e, t, dateTime),
    });
  }
  for (const h of data.history)
    out.push({
      key: `h-${h.seq}`,
      at: h.at,
      kind: 'profile',
      title: historyLabel(t, h),
      detail: historyReason(t, h),
    });
  data.timeline
    .filter((x) => x.kind === 'clinical')
    .forEach((x, i) => {
      let title = x.title;
      if (x.ref?.startsWith('Encounter/'))
        title = x.title.startsWith('Visit: ')
          ? t('timeline.visitWhat', { what: x.title.slice('Visit: '.length) })
          : t('timeline.careContact');
      else if (x.ref?.startsWith('Appointment/')) {
        const status = x.title.replace(/^Appointment /, '');
        const key = `status.${status}`;
        title = t('timeline.appointment', { status: isMessageKey(key) ? t(key).toLowerCase() : status });
      }
      out.push({ key: `t-${x.ref ?? i}`, at: x.at, kind: 'clinical', title, detail: x.detail });
    });
  return out.sort((a, b) => b.at.localeCompare(a.at));
}

const KIND_LABEL: Record<Entry['kind'], MessageKey> = {
  clinical: 'timeline.kind.clinical',
  consent: 'timeline.kind.consent',
  profile: 'timeline.kind.profile',
};

export function ProfileTimeline({ data, policy }: { data: Patient360; policy: ConsentPolicy | undefined }) {
  const { t, lang, dateTime, date } = useI18n();
  const [all, setAll] = useState(false);
  const list = entries(data, policy, t, lang, dateTime, date);
  const shown = all ? list : list.slice(0, SHOWN);
  return (
    <section className="card" id="timeline" aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">{t('timeline.title')}</h2>
      {list.length === 0 ? (
        <p className="hint">{t('timeline.none')}</p>
      ) : (
        <ol className="plain event-list timeline">
          {shown.map((e) => (
            <li key={e.key} className={`kind-${e.kind}`}>
              <time dateTime={e.at} className="event-time">
                {dateTime(e.at)}
              </time>
              <span className="event-body">
                <span className="badge kind">{t(KIND_LABEL[e.kind])}</span> {e.title}
                {e.detail && <span className="block hint">{e.detail}</span>}
              </span>
            </li>
          ))}
        </ol>
      )}
      {list.length > SHOWN && (
        <button type="button" onClick={() => setAll((a) => !a)} aria-expanded={all}>
          {all ? t('timeline.fewer') : t('timeline.all', { n: list.length })}
        </button>
      )}
    </section>
  );
}

/** Merges, splits, erasure and restriction of this profile. */
export function ProfileHistory({ history }: { history: HistoryItem[] }) {
  const { t, dateTime } = useI18n();
  return (
    <section className="card" id="history" aria-labelledby="history-heading">
      <h2 id="history-heading">{t('history.title')}</h2>
      {history.length === 0 ? (
        <p className="hint">{t('history.none')}</p>
      ) : (
        <ol className="plain event-list">
          {history.map((h) => {
            const reason = historyReason(t, h);
            return (
              <li key={h.seq}>
                <time dateTime={h.at} className="event-time">
                  {dateTime(h.at)}
                </time>
                <span className="event-body">
                  <strong>{historyLabel(t, h)}</strong>
                  {h.recordIds.length > 0 && (
                    <>
                      {' · '}
                      {h.recordIds.length === 1
                        ? t('history.record1')
                        : t('history.records', { n: h.recordIds.length })}
                    </>
                  )}
                  <span className="block hint">
                    {t('history.by', { actor: h.actor })}
                    {reason ? ` · ${reason}` : ''}
                  </span>
                  {h.otherProfiles.length > 0 && (
                    <span className="block">
                      {t('history.other')}{' '}
                      {h.otherProfiles.map((p, i) => (
                        <span key={p}>
                          {i > 0 && ', '}
                          <Link to={`/profiles/${encodeURIComponent(p)}`}>{p.slice(0, 8)}</Link>
                        </span>
                      ))}
                    </span>
                  )}
                </span>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
