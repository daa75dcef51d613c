import { useEffect } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { ApiError } from '../api.ts';
import { ErrorText } from '../components/ErrorText.tsx';
import '../components/patients.css';
import { ProfileClinical } from '../components/ProfileClinical.tsx';
import { ProfileConsent } from '../components/ProfileConsent.tsx';
import { ProfileContactPoints } from '../components/ProfileContactPoints.tsx';
import { ProfileDuplicates } from '../components/ProfileDuplicates.tsx';
import { ProfileMemberships } from '../components/ProfileMemberships.tsx';
import { ProfilePreferences, useLanguageName } from '../components/ProfilePreferences.tsx';
import { ProfilePrivacy } from '../components/ProfilePrivacy.tsx';
import { ProfileSources } from '../components/ProfileSources.tsx';
import { ProfileHistory, ProfileTimeline } from '../components/ProfileTimeline.tsx';
import {
  ageOf,
  CHANNEL_LABEL,
  CHANNELS,
  goldenName,
  identifierText,
  KIND_LABEL,
  others,
} from '../components/patientLabels.ts';
import { type MessageKey, type Translate, useI18n, usePageTitle } from '../i18n/index.tsx';
import { formatPersonnummer } from '../personnummer.ts';
import { useSession } from '../session.tsx';
import type { Channel, ConsentPolicy, Patient360 } from '../types.ts';
import { useLoad } from '../useLoad.ts';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

const GENDER: Record<string, MessageKey> = {
  male: 'gender.male',
  female: 'gender.female',
  other: 'gender.other',
  unknown: 'gender.unknown',
};

/**
 * The server's warnings are English sentences; the ones it derives from data
 * the page also has (shared contact points, restriction, possible duplicates)
 * are said again in the reader's language, and any other is shown as it came.
 */
const KNOWN_WARNING = [
  / is shared with \d+ other profile/,
  /^Processing is restricted/,
  /identifiers of an erased person/,
  /possible duplicate/,
];

interface Warning {
  text: string;
  lang?: string;
  /** A part of the page that deals with it. */
  href?: string;
}

function warnings(data: Patient360, t: Translate, privacy: boolean): Warning[] {
  const out: Warning[] = [];
  for (const p of data.contactPoints)
    if (p.status !== 'removed' && p.sharedWith > 0 && !p.verifiedOwn)
      out.push({
        text: t('profile.warn.shared', {
          kind: t(KIND_LABEL[p.kind]),
          value: p.display,
          others: others(p.sharedWith, t),
        }),
      });
  if (data.profile.restricted) out.push({ text: t('profile.warn.restricted') });
  if (data.profile.suppressed)
    out.push({ text: t('profile.warn.suppressed'), href: privacy ? '#privacy' : undefined });
  if (data.conflicts.length === 1) out.push({ text: t('profile.warn.conflict'), href: '#duplicates' });
  if (data.conflicts.length > 1)
    out.push({ text: t('profile.warn.conflicts', { n: data.conflicts.length }), href: '#duplicates' });
  for (const w of data.warnings)
    if (!KNOWN_WARNING.some((re) => re.test(w))) out.push({ text: w, lang: 'en' });
  return out;
}

const SECTIONS: [string, MessageKey][] = [
  ['duplicates', 'duplicates.title'],
  ['contact-points', 'contacts.title'],
  ['consent', 'consent.title'],
  ['clinical', 'clinicalSummary.title'],
  ['timeline', 'timeline.title'],
  ['memberships', 'memberships.title'],
  ['sources', 'sources.short'],
  ['preferences', 'prefs.title'],
  ['history', 'history.title'],
  ['privacy', 'privacy.title'],
];

/** Patient 360: one person across sources, with contact points, consent, a clinical summary (by role) and history. */
export function ProfilePage() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  usePageTitle('profile.title');
  const navigate = useNavigate();
  const { can } = useSession();
  const languageName = useLanguageName();
  const path = `/api/profiles/${encodeURIComponent(id)}`;
  const profile = useLoad<Patient360>(path);
  const policy = useLoad<ConsentPolicy>('/api/settings/consent-policy');
  // Not the previous person's page while the next one loads (a link from one profile to another):
  // the answer for this address, or a profile already redirected to (a merged one's survivor).
  const data =
    profile.data && (profile.loaded === path || profile.data.profile.id === id) ? profile.data : undefined;
  const canWrite = can('patient:write');
  const privacy = can('privacy:manage');

  // A merged profile answers with its survivor: show the survivor's address.
  useEffect(() => {
    if (data && profile.loaded === path && data.profile.id !== id)
      navigate(`/profiles/${encodeURIComponent(data.profile.id)}`, { replace: true });
  }, [data, profile.loaded, path, id, navigate]);

  const name = data ? goldenName(data.profile.golden) || t('patient.unnamed') : '';
  useEffect(() => {
    if (name) document.title = `${name} – ${t('app.name')}`;
  }, [name, t]);

  // 410: the profile was dissolved, its records moved to other profiles; the detail names those the caller may open.
  const gone = profile.error instanceof ApiError && profile.error.status === 410;
  const movedTo = gone
    ? [...new Set((profile.error as ApiError).detail.match(UUID) ?? [])].filter((x) => x !== id)
    : [];

  if (!data)
    return (
      <>
        <p className="breadcrumb">
          <Link to="/profiles">{t('profile.back')}</Link>
        </p>
        <h1>{t('profile.title')}</h1>
        {gone ? (
          <div className="notice" role="alert">
            <p>{t('profile.dissolved')}</p>
            {movedTo.length > 0 ? (
              <ul>
                {movedTo.map((p) => (
                  <li key={p}>
                    <Link to={`/profiles/${encodeURIComponent(p)}`}>
                      {t('profile.movedTo', { id: p.slice(0, 8) })}
                    </Link>
                  </li>
                ))}
              </ul>
            ) : (
              <p>
                <Link to="/profiles">{t('profile.findPerson')}</Link>
              </p>
            )}
          </div>
        ) : (
          <ErrorText error={profile.error} />
        )}
        {!profile.error && <p aria-live="polite">{t('common.loading')}</p>}
      </>
    );

  const g = data.profile.golden;
  const age = ageOf(g.birthDate);
  const erased = data.profile.status === 'erased';
  const list = warnings(data, t, privacy);
  const sections = SECTIONS.filter(
    ([s]) =>
      (s !== 'duplicates' || data.conflicts.length > 0) &&
      (s !== 'clinical' || data.clinical) &&
      (s !== 'privacy' || privacy) &&
      (s !== 'memberships' || data.memberships.segments),
  );
  const channel = data.profile.preferredChannel;
  const identifiers = g.identifiers ?? [];

  return (
    <>
      <p className="breadcrumb">
        <Link to="/profiles">{t('profile.back')}</Link>
      </p>
      <div className="profile-header">
        <h1>{name}</h1>
        <p className="profile-facts">
          <span>
            <span className="visually-hidden">{t('patient.personnummer')}: </span>
            {g.personnummer ? formatPersonnummer(g.personnummer) : t('profile.noPersonnummer')}
          </span>
          {age !== null && <span>{t('profile.age', { n: age })}</span>}
          {g.gender && GENDER[g.gender] && <span>{t(GENDER[g.gender])}</span>}
          <span>
            {t('prefs.language')}: {languageName(data.profile.language ?? g.language) || t('prefs.notSet')}
          </span>
          {channel && (CHANNELS as readonly string[]).includes(channel) && (
            <span>
              {t('prefs.channel')}: {t(CHANNEL_LABEL[channel as Channel])}
            </span>
          )}
          {g.address && (
            <span>
              {[g.address.lines.join(', '), [g.address.postalCode, g.address.city].filter(Boolean).join(' ')]
                .filter(Boolean)
                .join(', ')}
            </span>
          )}
        </p>
        {identifiers.length > 0 && (
          <dl className="profile-identifiers">
            {identifiers.map((i) => {
              const x = identifierText(i, t);
              return (
                <div key={`${i.system}|${i.value}`}>
                  <dt>{x.known ? x.system : <code className="identifier-system">{x.system}</code>}</dt>
                  <dd>{x.value}</dd>
                </div>
              );
            })}
          </dl>
        )}
        <ul className="plain flags" aria-label={t('profile.flags')}>
          {erased && <li className="badge warn">{t('profile.flag.erased')}</li>}
          {data.profile.restricted && <li className="badge warn">{t('profile.flag.restricted')}</li>}
          {data.profile.suppressed && <li className="badge warn">{t('profile.flag.suppressed')}</li>}
          {data.profile.doNotContact && <li className="badge warn">{t('profile.flag.doNotContact')}</li>}
          {g.deceased && <li className="badge warn">{t('profile.flag.deceased')}</li>}
        </ul>
        {data.fhirPatients.length > 0 && (
          <p className="hint">
            {t('profile.ehr')}{' '}
            {data.fhirPatients.map((f, i) => (
              <span key={f}>
                {i > 0 && ', '}
                <Link to={`/patients/${encodeURIComponent(f)}`}>
                  {t('profile.ehrLink', { id: f.slice(0, 8) })}
                </Link>
              </span>
            ))}
          </p>
        )}
      </div>
      <ErrorText error={profile.error} />
      {list.length > 0 && (
        <section className="notice warnings" aria-labelledby="warnings-heading">
          <h2 id="warnings-heading">{t('profile.warnings')}</h2>
          <ul>
            {list.map((w) => (
              <li key={w.text} lang={w.lang}>
                {w.href ? <a href={w.href}>{w.text}</a> : w.text}
              </li>
            ))}
          </ul>
        </section>
      )}
      {erased ? (
        <p className="notice">{t('profile.erasedText')}</p>
      ) : (
        <>
          <nav className="section-nav" aria-label={t('profile.sections')}>
            <ul className="plain">
              {sections.map(([s, label]) => (
                <li key={s}>
                  <a href={`#${s}`}>{t(label)}</a>
                </li>
              ))}
            </ul>
          </nav>
          <ProfileDuplicates data={data} canWrite={canWrite} onChanged={profile.reload} />
          <ProfileContactPoints data={data} canWrite={canWrite} onChanged={profile.reload} />
          <ProfileConsent data={data} policy={policy.data} canWrite={canWrite} onChanged={profile.reload} />
          {data.clinical && <ProfileClinical clinical={data.clinical} />}
          <ProfileTimeline data={data} policy={policy.data} />
          {data.memberships.segments && <ProfileMemberships segments={data.memberships.segments} />}
          <ProfileSources data={data} canWrite={canWrite} onChanged={profile.reload} />
          <div className="card-grid">
            <ProfilePreferences data={data} canWrite={canWrite} onChanged={profile.reload} />
            <ProfileHistory history={data.history} />
          </div>
          {privacy && <ProfilePrivacy data={data} onChanged={profile.reload} />}
        </>
      )}
    </>
  );
}
