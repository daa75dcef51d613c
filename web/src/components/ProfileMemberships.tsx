import { Link } from 'react-router-dom';
import { useI18n } from '../i18n/index.tsx';
import type { Patient360 } from '../types.ts';

/** The saved segments the person is in now; journeys join when that module exists. */
export function ProfileMemberships({
  segments,
}: {
  segments: NonNullable<Patient360['memberships']['segments']>;
}) {
  const { t, dateTime } = useI18n();
  return (
    <section className="card" id="memberships" aria-labelledby="memberships-heading">
      <h2 id="memberships-heading">{t('memberships.title')}</h2>
      {segments.length === 0 ? (
        <p className="hint">{t('memberships.none')}</p>
      ) : (
        <ul className="plain event-list">
          {segments.map((s) => (
            <li key={s.id}>
              <span className="event-body">
                <Link to={`/segments/${encodeURIComponent(s.id)}`}>{s.name}</Link>
                <span className="block hint">
                  {t('memberships.since')} <time dateTime={s.since}>{dateTime(s.since)}</time>
                </span>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
