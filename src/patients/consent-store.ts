import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/client.ts';
import type {
  Channel,
  ConsentEvent,
  ContactPoint,
  ContactStatus,
  DeliveryFailure,
  ProfileFacts,
  ProfileStatus,
} from './model.ts';

interface ConsentRow {
  id: string;
  profile_id: string;
  channel: Channel | null;
  contact_value: string | null;
  purpose: ConsentEvent['purpose'];
  topic: string | null;
  state: ConsentEvent['state'];
  objection: boolean;
  source: string;
  actor: string;
  evidence: ConsentEvent['evidence'];
  at: Date | string;
  recorded_at: Date | string;
  expires_at: Date | string | null;
}

const toEvent = (r: ConsentRow): ConsentEvent => ({
  id: r.id,
  profileId: r.profile_id,
  channel: r.channel,
  contactValue: r.contact_value,
  purpose: r.purpose,
  topic: r.topic,
  state: r.state,
  objection: r.objection,
  source: r.source,
  actor: r.actor,
  evidence: r.evidence,
  at: new Date(r.at).toISOString(),
  recordedAt: new Date(r.recorded_at).toISOString(),
  ...(r.expires_at ? { expiresAt: new Date(r.expires_at).toISOString() } : {}),
});

/** Appends consent history; an id seen before is skipped, so replaying a source is harmless. */
export async function insertConsentEvents(db: Queryable, events: readonly ConsentEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const rows = await db.query<{ id: string }>(
    `INSERT INTO patient_consent (id, profile_id, channel, contact_value, purpose, topic, state, objection, source, actor, evidence, at, recorded_at, expires_at)
     SELECT x.id, x."profileId", x.channel, x."contactValue", x.purpose, x.topic, x.state, x.objection, x.source, x.actor, x.evidence, x.at, x."recordedAt", x."expiresAt"
     FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, "profileId" uuid, channel text, "contactValue" text, purpose text, topic text,
       state text, objection boolean, source text, actor text, evidence jsonb, at timestamptz, "recordedAt" timestamptz, "expiresAt" timestamptz)
     ORDER BY x.at, x."recordedAt"
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [JSON.stringify(events)],
  );
  return rows.length;
}

export function newConsentId(): string {
  return randomUUID();
}

export async function consentHistory(db: Queryable, profileId: string): Promise<ConsentEvent[]> {
  return (
    await db.query<ConsentRow>('SELECT * FROM patient_consent WHERE profile_id = $1 ORDER BY seq', [
      profileId,
    ])
  ).map(toEvent);
}

const SHARED_COUNT = `(SELECT count(DISTINCT o.profile_id) FROM patient_contact_point o JOIN patient_profile op ON op.id = o.profile_id
   WHERE o.kind = c.kind AND o.value = c.value AND o.profile_id <> c.profile_id AND o.status <> 'removed'
     AND op.status = 'active')::int`;

interface PointRow {
  id: string;
  profile_id: string;
  kind: ContactPoint['kind'];
  value: string;
  display: string;
  mobile: boolean | null;
  sources: string[];
  verified_at: Date | string | null;
  verified_own: boolean;
  status: ContactStatus;
  failures: DeliveryFailure[];
  preferred: boolean;
  push: ContactPoint['push'] | null;
  shared: number;
}

export const toPoint = (r: PointRow): ContactPoint => ({
  id: r.id,
  profileId: r.profile_id,
  kind: r.kind,
  value: r.value,
  display: r.display,
  ...(r.mobile === null ? {} : { mobile: r.mobile }),
  sources: r.sources,
  verifiedAt: r.verified_at ? new Date(r.verified_at).toISOString() : null,
  verifiedOwn: r.verified_own,
  status: r.status,
  failures: r.failures,
  sharedWith: Number(r.shared),
  preferred: r.preferred,
  ...(r.push ? { push: r.push } : {}),
});

/** A profile's contact points, each with how many other active profiles share it (families). */
export async function contactPoints(db: Queryable, profileId: string): Promise<ContactPoint[]> {
  return (
    await db.query<PointRow>(
      `SELECT c.*, ${SHARED_COUNT} AS shared
       FROM patient_contact_point c WHERE c.profile_id = $1 ORDER BY c.kind, c.status = 'removed', c.preferred DESC, c.created_at`,
      [profileId],
    )
  ).map(toPoint);
}

interface FactsRow {
  id: string;
  status: ProfileStatus;
  merged_into: string | null;
  restricted: boolean;
  suppressed: boolean;
  do_not_contact: boolean;
  language: string | null;
  time_zone: string;
  preferred_channel: Channel | null;
  golden_language: string | null;
  golden_deceased: boolean | null;
}

export interface ContactContextRow {
  profile: ProfileFacts;
  mergedInto: string | null;
  contactPoints: ContactPoint[];
  consents: ConsentEvent[];
  suppressed: boolean;
}

/**
 * Everything canContact needs for one profile, in one round trip: the
 * profile, its contact points (each with how many other profiles share it)
 * and its consent history. Erasure marks the erased profile itself erased;
 * `suppressed` is another profile that carries the erased person's
 * identifiers (a duplicate kept apart, or one whose record a re-import
 * suppressed), marked when that was found (suppression.ts).
 */
export async function loadContactContext(
  db: Queryable,
  profileId: string,
): Promise<ContactContextRow | null> {
  return (await loadContactContexts(db, [profileId]))[0] ?? null;
}

/** loadContactContext for many profiles in one statement (a segment's consent rule, a campaign run). */
export async function loadContactContexts(
  db: Queryable,
  profileIds: readonly string[],
): Promise<ContactContextRow[]> {
  if (profileIds.length === 0) return [];
  const rows = await db.query<FactsRow & { points: PointRow[] | null; consents: ConsentRow[] | null }>(
    `SELECT p.id, p.status, p.merged_into, p.restricted, p.suppressed, p.do_not_contact, p.language, p.time_zone, p.preferred_channel,
       p.golden->'language' AS golden_language, p.golden->'deceased' AS golden_deceased,
       (SELECT json_agg(x) FROM (SELECT c.*, ${SHARED_COUNT} AS shared FROM patient_contact_point c
          WHERE c.profile_id = p.id AND c.status <> 'removed') x) AS points,
       (SELECT json_agg(e ORDER BY e.seq) FROM patient_consent e WHERE e.profile_id = p.id) AS consents
     FROM patient_profile p WHERE p.id = ANY($1::uuid[])`,
    [profileIds],
  );
  return rows.map((f) => ({
    profile: {
      id: f.id,
      status: f.status,
      restricted: f.restricted,
      deceased: f.golden_deceased === true,
      doNotContact: f.do_not_contact,
      language: f.language ?? f.golden_language ?? 'sv',
      timeZone: f.time_zone,
      preferredChannel: f.preferred_channel,
    },
    mergedInto: f.merged_into,
    contactPoints: (f.points ?? []).map(toPoint),
    consents: (f.consents ?? []).map(toEvent),
    suppressed: f.suppressed,
  }));
}
