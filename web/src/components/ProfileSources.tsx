import { type FormEvent, useId, useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../api.ts';
import { isMessageKey, type MessageKey, useI18n } from '../i18n/index.tsx';
import { formatPersonnummer } from '../personnummer.ts';
import type { Patient360, PlacedBy, ProfileRecord, RecordMatch } from '../types.ts';
import { ErrorText } from './ErrorText.tsx';
import { identifierText } from './patientLabels.ts';
import { TableWrap } from './TableWrap.tsx';

function isMatch(m: unknown): m is RecordMatch {
  return typeof m === 'object' && m !== null && 'explanation' in m && 'via' in m;
}

const ACTIONS: readonly PlacedBy['action'][] = ['merge', 'manual-merge', 'split'];
const isAction = (kind: string): kind is PlacedBy['action'] => (ACTIONS as readonly string[]).includes(kind);

function placedByOf(m: RecordMatch): PlacedBy | null {
  const p = m.placedBy;
  return p && typeof p === 'object' && isAction(p.action) && typeof p.at === 'string' ? p : null;
}

/** The action's own sentence, when a merge or split (no rule) put the record here. */
const PLACED: Record<PlacedBy['action'], MessageKey> = {
  merge: 'sources.placed.merge',
  'manual-merge': 'sources.placed.manual-merge',
  split: 'sources.placed.split',
};

/** A rule explains the record, and a merge or split is why it was explained (again). */
const PLACED_AFTER: Record<PlacedBy['action'], MessageKey> = {
  merge: 'sources.after.merge',
  'manual-merge': 'sources.after.manual-merge',
  split: 'sources.after.split',
};

const PLACED_TITLE: Record<PlacedBy['action'], MessageKey> = {
  merge: 'sources.placedTitle.merge',
  'manual-merge': 'sources.placedTitle.manual-merge',
  split: 'sources.placedTitle.split',
};

/** Who, when and why: the person's own words as they wrote them. */
function Placement({ by, sentence }: { by: PlacedBy; sentence: MessageKey }) {
  const { t, dateTime } = useI18n();
  // An automatic merge's reason is the engine's fixed English sentence: the words above say it.
  const reason = by.action === 'merge' ? null : by.reason;
  return (
    <>
      <span className="block">{t(sentence, { actor: by.actor, at: dateTime(by.at) })}</span>
      {by.action !== 'merge' && (
        <span className="block placed-reason">
          {reason ? t('sources.placedReason', { reason }) : t('sources.reasonCleared')}
        </span>
      )}
      {by.action === 'split' && by.otherProfiles.length > 0 && (
        <span className="block">
          {t('sources.splitOther')}{' '}
          {by.otherProfiles.map((p, i) => (
            <span key={p}>
              {i > 0 && ', '}
              <Link to={`/profiles/${encodeURIComponent(p)}`}>{p.slice(0, 8)}</Link>
            </span>
          ))}
        </span>
      )}
    </>
  );
}

function Explanation({ match, records }: { match: unknown; records: ProfileRecord[] }) {
  const { t, number } = useI18n();
  if (!isMatch(match)) return <p className="hint">{t('sources.firstRecord')}</p>;
  const x = match.explanation;
  const by = placedByOf(match);
  const via = records.find((r) => r.id === match.via);
  const record = via ? `${via.source}/${via.externalId}` : match.via.slice(0, 8);
  // No rule: a person decided earlier that the two records are one person (a merge), and unification kept them together.
  if (x.kind === 'confirmed')
    return (
      <div className="match placed" data-placed="confirmed">
        <p>
          <strong>{t('sources.placedTitle.confirmed')}</strong>
          <span className="block">{t('sources.confirmed', { record })}</span>
          {by && <Placement by={by} sentence={PLACED_AFTER[by.action]} />}
        </p>
      </div>
    );
  // No rule decided: a merge or split placed the record, and there is no score to show.
  if (isAction(x.kind)) {
    const action = by?.action ?? x.kind;
    return (
      <div className="match placed" data-placed={action}>
        <p>
          <strong>{t(PLACED_TITLE[action])}</strong>
          {by ? <Placement by={by} sentence={PLACED[action]} /> : null}
          {action === 'merge' && <span className="block hint">{t('sources.tiedBy', { record })}</span>}
        </p>
      </div>
    );
  }
  const ruleKey = `matchRule.${x.kind}`;
  const pct = (v: number) => `${number(Math.round(v * 1000) / 10)} %`;
  return (
    <div className="match">
      <p>
        <strong>{isMessageKey(ruleKey) ? t(ruleKey) : x.kind}</strong>{' '}
        <span className="hint">
          ({t('sources.rule')} <code>{x.rule}</code>)
        </span>
        <span className="block">
          {t('sources.score', { score: number(x.score), threshold: number(x.threshold) })}
          {' · '}
          {t('sources.via', { record })}
        </span>
        {by && <Placement by={by} sentence={PLACED_AFTER[by.action]} />}
      </p>
      {x.fields.length > 0 && (
        <TableWrap label={t('sources.fields')}>
          <table className="compact-table">
            <caption className="visually-hidden">{t('sources.fields')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('sources.field')}</th>
                <th scope="col">{t('sources.thisRecord')}</th>
                <th scope="col">{t('sources.otherRecord')}</th>
                <th scope="col">{t('sources.similarity')}</th>
              </tr>
            </thead>
            <tbody>
              {x.fields.map((f) => {
                const key = `matchField.${f.field}`;
                return (
                  <tr key={f.field}>
                    <th scope="row">{isMessageKey(key) ? t(key) : f.field}</th>
                    <td>{f.a || '–'}</td>
                    <td>{f.b || '–'}</td>
                    <td className="nowrap">{pct(f.similarity)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableWrap>
      )}
    </div>
  );
}

function RecordData({ r }: { r: ProfileRecord }) {
  const { t, date } = useI18n();
  const d = r.data;
  if (!d) return <p className="hint">{t('sources.noData')}</p>;
  const address = d.addresses[0];
  const rows: [string, string][] = [
    [t('patient.name'), [...d.given, d.family].filter(Boolean).join(' ')],
    [t('patient.personnummer'), d.personnummer ? formatPersonnummer(d.personnummer) : ''],
    ...d.identifiers.map((i): [string, string] => {
      const x = identifierText(i, t);
      return [x.system, x.value];
    }),
    [t('patient.birthDate'), date(d.birthDate)],
    [t('contactKind.email'), d.emails.join(', ')],
    [t('contactKind.phone'), d.phones.join(', ')],
    [
      t('patient.address'),
      address
        ? [address.lines.join(', '), [address.postalCode, address.city].filter(Boolean).join(' ')]
            .filter(Boolean)
            .join(', ')
        : '',
    ],
    [t('prefs.language'), d.language ?? ''],
  ];
  return (
    <dl className="record-data">
      {rows
        .filter(([, v]) => v)
        .map(([k, v]) => (
          <div key={`${k}|${v}`}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
    </dl>
  );
}

function Split({ data, onSplit }: { data: Patient360; onSplit(newProfileId: string): void }) {
  const { t } = useI18n();
  const id = useId();
  const [chosen, setChosen] = useState<string[]>([]);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (chosen.length === 0) return setError(new Error(t('split.chooseRecords')));
    if (chosen.length >= data.records.length) return setError(new Error(t('split.keepOne')));
    if (reason.trim().length < 3) return setError(new Error(t('split.reasonRequired')));
    setBusy(true);
    try {
      const out = await api.post<{ newProfileId: string }>(
        `/api/profiles/${encodeURIComponent(data.profile.id)}/split`,
        { recordIds: chosen, reason: reason.trim() },
      );
      setChosen([]);
      setReason('');
      onSplit(out.newProfileId);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} className="split" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t('split.title')}</h3>
      <p className="hint">{t('split.explain')}</p>
      <fieldset>
        <legend>{t('split.records')}</legend>
        {data.records.map((r) => (
          <label key={r.id} className="checkbox">
            <input
              type="checkbox"
              checked={chosen.includes(r.id)}
              onChange={(e) =>
                setChosen((c) => (e.target.checked ? [...c, r.id] : c.filter((x) => x !== r.id)))
              }
            />
            {r.source}/{r.externalId}
          </label>
        ))}
      </fieldset>
      <label htmlFor={`${id}-reason`}>{t('split.reason')}</label>
      <textarea id={`${id}-reason`} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />
      <ErrorText error={error} />
      <div className="actions">
        <button type="submit" disabled={busy}>
          {t('split.submit')}
        </button>
      </div>
    </form>
  );
}

/** Each source record behind the profile, how it was matched, and (patient:write) splitting some out. */
export function ProfileSources({
  data,
  canWrite,
  onChanged,
}: {
  data: Patient360;
  canWrite: boolean;
  onChanged(): void;
}) {
  const { t, dateTime } = useI18n();
  // Kept here: after a split this profile may have one record left, and the split form goes away.
  const [splitOff, setSplitOff] = useState<string | null>(null);
  return (
    <section className="card" id="sources" aria-labelledby="sources-heading">
      <h2 id="sources-heading">{t('sources.title', { n: data.records.length })}</h2>
      <ul className="plain records">
        {data.records.map((r) => (
          <li key={r.id} className="record" data-source={r.source}>
            <h3>
              {r.source} <code className="external-id">{r.externalId}</code>
              {r.deleted && <span className="badge warn">{t('sources.deleted')}</span>}
              {r.suppressed && <span className="badge warn">{t('sources.suppressed')}</span>}
            </h3>
            <p className="hint">{t('sources.received', { at: dateTime(r.updatedAt) })}</p>
            <RecordData r={r} />
            <Explanation match={r.match} records={data.records} />
          </li>
        ))}
      </ul>
      {canWrite && data.records.length > 1 && (
        <Split
          data={data}
          onSplit={(id) => {
            setSplitOff(id);
            onChanged();
          }}
        />
      )}
      <div role="status">
        {splitOff && (
          <p className="notice">
            {t('split.done')} <Link to={`/profiles/${encodeURIComponent(splitOff)}`}>{t('split.open')}</Link>
            <span className="block">{t('split.note')}</span>
          </p>
        )}
      </div>
    </section>
  );
}
