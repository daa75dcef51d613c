import type { Queryable } from '../db/client.ts';
import { consentHistory, contactPoints } from './consent-store.ts';
import { foldName, normaliseEmail, normalisePersonnummer, normalisePhone } from './match/normalise.ts';
import type { GoldenRecord } from './match/survivorship.ts';
import type { ConsentEvent, ContactPoint, ProfileStatus, SourceKind, SourceRecord } from './model.ts';

export interface ProfileRecord {
  id: string;
  source: string;
  sourceKind: SourceKind;
  externalId: string;
  data: SourceRecord | null;
  deleted: boolean;
  suppressed: boolean;
  /** How unification linked it: the rule, the record it matched, the fields and score. */
  match: unknown;
  receivedAt: string;
  updatedAt: string;
}

export interface HistoryItem {
  seq: number;
  at: string;
  kind: string;
  otherProfiles: string[];
  recordIds: string[];
  actor: string;
  reason: string | null;
  detail: unknown;
}

export interface Profile {
  id: string;
  status: ProfileStatus;
  mergedInto: string | null;
  golden: Partial<GoldenRecord>;
  restricted: boolean;
  restrictedReason: string | null;
  /** Carries the identifiers of an erased person (suppression.ts markSuppressedProfiles). */
  suppressed: boolean;
  doNotContact: boolean;
  language: string | null;
  timeZone: string;
  preferredChannel: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

interface ProfileRow {
  id: string;
  status: ProfileStatus;
  merged_into: string | null;
  golden: Partial<GoldenRecord>;
  restricted: boolean;
  restricted_reason: string | null;
  suppressed: boolean;
  do_not_contact: boolean;
  language: string | null;
  time_zone: string;
  preferred_channel: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  version: number;
}

const iso = (d: Date | string) => new Date(d).toISOString();

const toProfile = (r: ProfileRow): Profile => ({
  id: r.id,
  status: r.status,
  mergedInto: r.merged_into,
  golden: r.golden,
  restricted: r.restricted,
  restrictedReason: r.restricted_reason,
  suppressed: r.suppressed,
  doNotContact: r.do_not_contact,
  language: r.language,
  timeZone: r.time_zone,
  preferredChannel: r.preferred_channel,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
  version: Number(r.version),
});

export async function getProfile(db: Queryable, id: string): Promise<Profile | null> {
  const [r] = await db.query<ProfileRow>('SELECT * FROM patient_profile WHERE id = $1', [id]);
  return r ? toProfile(r) : null;
}

export async function profileRecords(db: Queryable, id: string): Promise<ProfileRecord[]> {
  const rows = await db.query<{
    id: string;
    source: string;
    kind: SourceKind;
    external_id: string;
    data: SourceRecord | null;
    deleted: boolean;
    suppressed: boolean;
    match: unknown;
    received_at: Date;
    updated_at: Date;
  }>(
    `SELECT r.id, r.source, s.kind, r.external_id, r.data, r.deleted, r.suppressed, r.match, r.received_at, r.updated_at
     FROM patient_record r JOIN patient_source s ON s.name = r.source WHERE r.profile_id = $1
     ORDER BY s.priority DESC, r.received_at, r.id`,
    [id],
  );
  return rows.map((r) => ({
    id: r.id,
    source: r.source,
    sourceKind: r.kind,
    externalId: r.external_id,
    data: r.data,
    deleted: r.deleted,
    suppressed: r.suppressed,
    match: r.match,
    receivedAt: iso(r.received_at),
    updatedAt: iso(r.updated_at),
  }));
}

export async function profileHistory(db: Queryable, id: string): Promise<HistoryItem[]> {
  const rows = await db.query<{
    seq: number;
    at: Date;
    kind: string;
    other_profiles: string[];
    record_ids: string[];
    actor: string;
    reason: string | null;
    detail: unknown;
    profile_id: string;
  }>(
    `SELECT * FROM patient_history WHERE profile_id = $1 OR $1 = ANY(other_profiles) ORDER BY seq DESC LIMIT 200`,
    [id],
  );
  return (
    rows
      // A split writes one row on each side; each side shows its own.
      .filter((r) => r.profile_id === id || r.kind !== 'split')
      .map((r) => ({
        seq: Number(r.seq),
        at: iso(r.at),
        kind: r.kind,
        otherProfiles: r.profile_id === id ? r.other_profiles : [r.profile_id],
        recordIds: r.record_ids,
        actor: r.actor,
        reason: r.reason,
        detail: r.detail,
      }))
  );
}

/** The EHR patients behind a profile: access control and the clinical summary go through them. */
export async function fhirPatientIds(db: Queryable, profileId: string): Promise<string[]> {
  const rows = await db.query<{ external_id: string }>(
    `SELECT r.external_id FROM patient_record r JOIN patient_source s ON s.name = r.source
     WHERE r.profile_id = $1 AND s.kind = 'fhir' AND NOT r.deleted ORDER BY r.external_id`,
    [profileId],
  );
  return rows.map((r) => r.external_id);
}

export interface ProfileSummary {
  id: string;
  name: string;
  birthDate: string | null;
  personnummer: string | null;
  sources: string[];
  fhirPatients: string[];
  restricted: boolean;
}

/**
 * Finds active profiles by personnummer (any accepted spelling), e-mail,
 * phone number, or name ("family", "given family", a prefix of the family
 * name with å/ä/ö folded).
 */
export async function searchProfiles(
  db: Queryable,
  text: string,
  limit: number,
  at: Date,
): Promise<ProfileSummary[]> {
  const t = text.trim();
  if (t === '') return [];
  const params: unknown[] = [];
  let where: string;
  // A given name narrows a name search; compared folded (Åsa = Asa), after the indexed family-name lookup.
  let given: string | null = null;
  const pnr = normalisePersonnummer(t, at);
  const email = t.includes('@') ? normaliseEmail(t) : null;
  const phone = /^[+\d][\d\s-]{5,}$/.test(t) && !pnr.ok ? normalisePhone(t) : null;
  if (pnr.ok) {
    params.push(pnr.value);
    where = 'p.personnummer = $1';
  } else if (email?.ok || phone?.ok) {
    params.push(email?.ok ? 'email' : 'phone', email?.ok ? email.value : phone?.ok ? phone.value : '');
    where = `p.id IN (SELECT profile_id FROM patient_contact_point WHERE kind = $1 AND value = $2)`;
  } else {
    const words = t.split(/\s+/).map(foldName).filter(Boolean);
    const family = words[words.length - 1] ?? '';
    params.push(`${family.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where = 'p.family_fold LIKE $1';
    if (words.length > 1) given = words[0];
  }
  params.push(given ? limit * 20 : limit);
  const rows = await db.query<{
    id: string;
    golden: Partial<GoldenRecord>;
    restricted: boolean;
    sources: string[];
    fhir: string[];
  }>(
    `SELECT p.id, p.golden, p.restricted,
       ARRAY(SELECT DISTINCT r.source FROM patient_record r WHERE r.profile_id = p.id AND NOT r.deleted) AS sources,
       ARRAY(SELECT r.external_id FROM patient_record r JOIN patient_source s ON s.name = r.source
             WHERE r.profile_id = p.id AND s.kind = 'fhir' AND NOT r.deleted) AS fhir
     FROM patient_profile p WHERE p.status = 'active' AND ${where}
     ORDER BY p.family_fold, p.id LIMIT $${params.length}`,
    params,
  );
  const wanted = given;
  const kept = wanted
    ? rows.filter((r) => (r.golden.given ?? []).some((g) => foldName(g).startsWith(wanted))).slice(0, limit)
    : rows;
  return kept.map((r) => ({
    id: r.id,
    name: [...(r.golden.given ?? []), r.golden.family].filter(Boolean).join(' '),
    birthDate: r.golden.birthDate ?? null,
    personnummer: r.golden.personnummer ?? null,
    sources: r.sources,
    fhirPatients: r.fhir,
    restricted: r.restricted,
  }));
}

export interface ProfileDetail {
  profile: Profile;
  records: ProfileRecord[];
  history: HistoryItem[];
  contactPoints: ContactPoint[];
  consents: ConsentEvent[];
  /**
   * Open possible duplicates queued against this profile. `otherProfileId` is
   * the active profile the record belongs to now (null: in none); the HTTP
   * layer nulls it when the caller may not see that profile.
   */
  conflicts: Array<{
    id: string;
    recordId: string;
    otherProfileId: string | null;
    reason: string;
    at: string;
  }>;
}

export async function profileDetail(db: Queryable, id: string): Promise<ProfileDetail | null> {
  const profile = await getProfile(db, id);
  if (!profile) return null;
  const [records, history, points, consents, conflicts] = await Promise.all([
    profileRecords(db, id),
    profileHistory(db, id),
    contactPoints(db, id),
    consentHistory(db, id),
    db.query<{ id: string; record_id: string; other_profile: string | null; reason: string; at: Date }>(
      `SELECT c.id, c.record_id, c.reason, c.at,
         (SELECT p.id FROM patient_record r JOIN patient_profile p ON p.id = r.profile_id
          WHERE r.id = c.record_id AND p.status = 'active' AND p.id <> c.profile_id) AS other_profile
       FROM patient_match_conflict c WHERE c.profile_id = $1 AND c.resolved_at IS NULL ORDER BY c.at, c.id`,
      [id],
    ),
  ]);
  return {
    profile,
    records,
    history,
    contactPoints: points,
    consents,
    // The reason quotes the other record's identifiers; whoever opens this profile may not see that person.
    conflicts: conflicts.map((c) => ({
      id: c.id,
      recordId: c.record_id,
      otherProfileId: c.other_profile,
      reason: c.reason.replace(/\d{6,}(-\d{4})?/g, '…'),
      at: iso(c.at),
    })),
  };
}
