import { randomUUID } from 'node:crypto';
import { inTransaction, type SqlClient } from '../db/client.ts';
import { profileIdFor } from './ids.ts';
import { conflictBetween, personnummerConflict } from './match/rules.ts';
import type { SourceRecord } from './model.ts';
import { matchRules } from './settings.ts';
import { FHIR_SOURCE } from './sources.ts';
import { addSuppression, identityOf, markSuppressedProfiles, tombstoneKeys } from './suppression.ts';
import { settleConflicts, settleErased } from './unify/conflicts.ts';
import { lockProfiles } from './unify/engine.ts';
import { explainAfterSplit, type PlacedBy, type RecordMatch } from './unify/explain.ts';
import { addHistory, carryRefusals, mergeInto } from './unify/merge.ts';
import { recomputeProfiles } from './unify/recompute.ts';

/** A request a person cannot fix by retrying: names what is wrong and what to do. */
export class ProfileError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

interface Actor {
  actor: string;
  now: Date;
}

async function activeProfile(c: SqlClient, id: string): Promise<{ id: string; created_at: Date }> {
  // Serialised with unification (see lockProfiles); re-taking it in one transaction is free.
  await lockProfiles(c);
  const { rows } = await c.query<{
    id: string;
    status: string;
    merged_into: string | null;
    created_at: Date;
  }>('SELECT id, status, merged_into, created_at FROM patient_profile WHERE id = $1 FOR UPDATE', [id]);
  const p = rows[0];
  if (!p) throw new ProfileError(404, `profile ${id} does not exist`);
  if (p.status === 'merged')
    throw new ProfileError(
      409,
      `profile ${id} was merged into ${p.merged_into}; act on that profile instead`,
    );
  if (p.status === 'erased') throw new ProfileError(410, `profile ${id} was erased`);
  if (p.status === 'dissolved')
    throw new ProfileError(
      409,
      `profile ${id} no longer holds any source record (they moved to other profiles; see its history); act on those profiles instead`,
    );
  return p;
}

interface LiveRecord {
  id: string;
  data: SourceRecord;
  match: RecordMatch | null;
}

async function recordsOf(c: SqlClient, profileId: string): Promise<LiveRecord[]> {
  return (
    await c.query<LiveRecord>(
      'SELECT id, data, match FROM patient_record WHERE profile_id = $1 AND NOT deleted AND data IS NOT NULL ORDER BY received_at, id',
      [profileId],
    )
  ).rows;
}

/** The record a profile started from: the one it is named after, else one nothing placed, else the first. */
function founderOf(records: readonly LiveRecord[], profileId: string): LiveRecord | undefined {
  return (
    records.find((r) => profileIdFor(r.id) === profileId) ??
    records.find((r) => r.match === null) ??
    records[0]
  );
}

/**
 * Unmerge: moves the named records out into a profile of their own and
 * remembers that they are not the same person as the records left behind, so
 * automatic unification never joins them again. If those records were a
 * profile of their own before a merge, that profile (and its id) comes back.
 * Consents stay with the original profile: who gave them is exactly what the
 * person splitting must check, so the response says so.
 */
export async function splitProfile(
  c: SqlClient,
  profileId: string,
  recordIds: readonly string[],
  reason: string,
  a: Actor,
): Promise<{ profileId: string; newProfileId: string }> {
  await activeProfile(c, profileId);
  const all = await recordsOf(c, profileId);
  const moving = new Set(recordIds);
  const unknown = recordIds.filter((r) => !all.some((x) => x.id === r));
  if (unknown.length > 0)
    throw new ProfileError(
      422,
      `recordIds: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not a record of profile ${profileId}; list its records with GET /api/profiles/${profileId}`,
    );
  if (moving.size === 0 || moving.size >= all.length)
    throw new ProfileError(
      422,
      'recordIds: name at least one record to move out and leave at least one behind',
    );
  // A moved record that founded a profile before it was merged names that profile.
  const { rows: previous } = await c.query<{ id: string }>(
    `SELECT id FROM patient_profile WHERE id = ANY($2::uuid[]) AND status = 'merged' AND merged_into = $1 ORDER BY id LIMIT 1`,
    [profileId, [...moving].map(profileIdFor)],
  );
  const newId = previous[0]?.id ?? randomUUID();
  if (previous[0])
    await c.query(
      `UPDATE patient_profile SET status = 'active', merged_into = NULL, updated_at = $2 WHERE id = $1`,
      [newId, a.now],
    );
  else
    await c.query(
      `INSERT INTO patient_profile (id, golden, created_at, updated_at) VALUES ($1, '{}'::jsonb, $2, $2)`,
      [newId, a.now],
    );
  await c.query('UPDATE patient_record SET profile_id = $1 WHERE id = ANY($2::uuid[])', [newId, [...moving]]);
  const stay = all.filter((r) => !moving.has(r.id)).map((r) => r.id);
  const pairs = [...moving].flatMap((m) => stay.map((s) => (m < s ? [m, s] : [s, m])));
  await c.query(
    `INSERT INTO patient_no_match (record_a, record_b, created_at)
     SELECT a, b, $3 FROM unnest($1::uuid[], $2::uuid[]) AS x(a, b) ON CONFLICT DO NOTHING`,
    [pairs.map((p) => p[0]), pairs.map((p) => p[1]), a.now],
  );
  // This decision replaces an earlier "same person" between the two sides.
  await c.query(
    `DELETE FROM patient_same_person WHERE (record_a = ANY($1::uuid[]) AND record_b = ANY($2::uuid[]))
       OR (record_a = ANY($2::uuid[]) AND record_b = ANY($1::uuid[]))`,
    [[...moving], stay],
  );
  // Points the moved records give travel with their verification and failure history;
  // nothing else of the original person is copied.
  const movedValues = all
    .filter((r) => moving.has(r.id))
    .flatMap((r) => [...r.data.emails, ...r.data.phones]);
  await c.query(
    `INSERT INTO patient_contact_point (id, profile_id, kind, value, display, mobile, sources, verified_at, verified_own, status, failures, preferred, push, created_at, updated_at)
     SELECT gen_random_uuid(), $2, kind, value, display, mobile, sources, verified_at, false, status, failures, false, push, created_at, $3
     FROM patient_contact_point WHERE profile_id = $1 AND kind IN ('email', 'phone') AND value = ANY($4::text[])
     ON CONFLICT DO NOTHING`,
    [profileId, newId, a.now, movedValues],
  );
  await carryRefusals(c, profileId, [newId], a.now);
  await explainSplit(c, all, moving, { profileId, newId, reason, ...a });
  await recomputeProfiles(c, [profileId, newId], a.now);
  await addHistory(c, profileId, [newId], { ...a, kind: 'split', reason, recordIds: [...moving] });
  await addHistory(c, newId, [profileId], { ...a, kind: 'split', reason, recordIds: [...moving] });
  await settleConflicts(c, { profileIds: [profileId, newId] }, a);
  return { profileId, newProfileId: newId };
}

/**
 * An explanation that names a record on the other side of a split is no longer
 * true, and may quote that record's values (another person's): each side's
 * records are explained again from their own side (explainAfterSplit). The
 * split-off profile starts from the record it is named after when it comes
 * back from a merge, else from the first that had no explanation left.
 */
async function explainSplit(
  c: SqlClient,
  all: readonly LiveRecord[],
  moving: ReadonlySet<string>,
  s: Actor & { profileId: string; newId: string; reason: string },
): Promise<void> {
  const rules = await matchRules(inTransaction(c));
  const moved = all.filter((r) => moving.has(r.id));
  const stayed = all.filter((r) => !moving.has(r.id));
  const by = (other: string): PlacedBy => ({
    action: 'split',
    actor: s.actor,
    reason: s.reason,
    at: s.now.toISOString(),
    otherProfiles: [other],
  });
  // Left behind: only records whose explanation named a moved record.
  const staleLeft = stayed.filter((r) => r.match !== null && moving.has(r.match.via)).map((r) => r.id);
  // Moved: every record not explained by another moved record; one of them starts the new profile.
  const staleMoved = moved.filter((r) => r.match === null || !moving.has(r.match.via));
  const founder = founderOf(staleMoved, s.newId)?.id ?? null;
  const updates = new Map([
    ...explainAfterSplit(stayed, staleLeft, rules, by(s.newId), null),
    ...explainAfterSplit(
      moved,
      staleMoved.map((r) => r.id),
      rules,
      by(s.profileId),
      founder,
    ),
  ]);
  if (updates.size === 0) return;
  await c.query(
    `UPDATE patient_record r SET match = x.match FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, match jsonb) WHERE r.id = x.id`,
    [JSON.stringify([...updates].map(([id, match]) => ({ id, match })))],
  );
}

/** At most this many overridden disagreements are named in the history; the count says if there were more. */
const OVERRIDES_NAMED = 20;

/**
 * A person's decision that profiles are one patient. Two different
 * personnummer (or samordningsnummer) are refused: legally two people, the
 * source record must be corrected. A birth date or gender that disagrees —
 * usually a typo in a contact list, and why the possible duplicate was queued
 * — is overridden: the merge goes ahead, survivorship picks the golden values
 * as usual, the history names what was overridden, and every pair of records
 * across the profiles is remembered as the same person so that unification,
 * when one of them changes, keeps them together (engine.ts).
 */
export async function mergeProfiles(
  c: SqlClient,
  profileIds: readonly string[],
  reason: string,
  a: Actor,
): Promise<{ profileId: string; merged: string[]; overrode: string[] }> {
  const ids = [...new Set(profileIds)];
  if (ids.length < 2)
    throw new ProfileError(422, 'profileIds: name at least two different profiles to merge');
  const profiles = [];
  for (const id of ids) profiles.push(await activeProfile(c, id));
  const records = (await Promise.all(ids.map((id) => recordsOf(c, id)))).map((rs, i) => ({ id: ids[i], rs }));
  const overrode = new Set<string>();
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < records.length; i++)
    for (let j = i + 1; j < records.length; j++)
      for (const x of records[i].rs)
        for (const y of records[j].rs) {
          const legal = personnummerConflict(x.data, y.data);
          if (legal)
            throw new ProfileError(
              409,
              `profiles ${records[i].id} and ${records[j].id} cannot be one person: ${legal}; correct the source record first`,
            );
          const why = conflictBetween(x.data, y.data);
          if (why) overrode.add(why);
          pairs.push(x.id < y.id ? [x.id, y.id] : [y.id, x.id]);
        }
  profiles.sort(
    (x, y) => new Date(x.created_at).getTime() - new Date(y.created_at).getTime() || (x.id < y.id ? -1 : 1),
  );
  const [survivor, ...losers] = profiles.map((p) => p.id);
  const all = records.flatMap((r) => r.rs.map((x) => x.id));
  await c.query(
    'DELETE FROM patient_no_match WHERE record_a = ANY($1::uuid[]) AND record_b = ANY($1::uuid[])',
    [all],
  );
  await c.query(
    `INSERT INTO patient_same_person (record_a, record_b, actor, reason, created_at)
     SELECT x, y, $3, $4, $5 FROM unnest($1::uuid[], $2::uuid[]) AS p(x, y)
     ON CONFLICT (record_a, record_b) DO UPDATE SET actor = EXCLUDED.actor, reason = EXCLUDED.reason, created_at = EXCLUDED.created_at`,
    [pairs.map((p) => p[0]), pairs.map((p) => p[1]), a.actor, reason, a.now],
  );
  const named = [...overrode];
  // The records the merged profiles started from are explained as placed beside the survivor's first.
  const beside = founderOf(records.find((r) => r.id === survivor)?.rs ?? [], survivor);
  await mergeInto(c, survivor, losers, {
    ...a,
    kind: 'manual-merge',
    reason,
    recordIds: [],
    detail:
      named.length > 0
        ? {
            overrode: named.slice(0, OVERRIDES_NAMED),
            ...(named.length > OVERRIDES_NAMED ? { overrodeTotal: named.length } : {}),
          }
        : undefined,
    via: beside?.id ?? null,
  });
  await recomputeProfiles(c, [survivor], a.now);
  return { profileId: survivor, merged: losers, overrode: named };
}

/** What an erased profile keeps: its id and status, nothing that names the person. */
const ERASED = `status = 'erased', golden = '{}'::jsonb, personnummer = NULL, family_fold = NULL, birth_date = NULL,
  language = NULL, preferred_channel = NULL, restricted_reason = NULL`;

/**
 * GDPR art. 17. Outreach data goes: contact-list records, contact points,
 * consents, opt-ins and the golden record. What stays: the EHR's own Patient
 * (the medical record must be kept, Patientdatalagen 3 kap. 17 §) as a bare
 * suppressed key, the audit trail, and keyed hashes of the identifiers so a
 * re-import cannot bring the person back to outreach.
 */
export async function eraseProfile(
  c: SqlClient,
  profileId: string,
  reason: string,
  secret: Buffer,
  a: Actor,
): Promise<{ records: number; suppressionKeys: number }> {
  await activeProfile(c, profileId);
  const q = inTransaction(c);
  const records = await recordsOf(c, profileId);
  // Every e-mail we hold for the person, not only what sources gave: hand-added and confirmed ones too.
  const { rows: emails } = await c.query<{ value: string }>(
    `SELECT value FROM patient_contact_point WHERE profile_id = $1 AND kind = 'email'
     UNION SELECT contact_value FROM patient_consent WHERE profile_id = $1 AND channel = 'email' AND contact_value IS NOT NULL`,
    [profileId],
  );
  const erased = identityOf(...records.map((r) => r.data), {
    identifiers: [],
    emails: emails.map((e) => e.value),
  });
  const keys = tombstoneKeys(secret, erased);
  await addSuppression(q, keys, 'erased', a.now);
  // A duplicate profile of the same person that unification kept apart is suppressed too.
  const { rows: duplicates } = await c.query<{ id: string }>(
    `SELECT id FROM patient_profile WHERE personnummer = ANY($2::text[]) AND id <> $1
     UNION SELECT profile_id FROM patient_contact_point WHERE kind = 'email' AND value = ANY($3::text[]) AND profile_id <> $1
     UNION SELECT r.profile_id FROM patient_match_key k JOIN patient_record r ON r.id = k.record_id
       WHERE k.key = ANY($4::text[]) AND r.profile_id <> $1`,
    [
      profileId,
      erased.personnummers,
      erased.emails,
      erased.identifiers.map((i) => `i:${i.system}|${i.value}`),
    ],
  );
  await markSuppressedProfiles(
    q,
    secret,
    duplicates.map((d) => d.id),
    a,
  );
  const ids = records.map((r) => r.id);
  const fhirIds = records.filter((r) => r.data.source === FHIR_SOURCE).map((r) => r.data.externalId);
  // Every record of the profile, also those deleted at their source, before they are unlinked.
  const allIds = (
    await q.query<{ id: string }>('SELECT id FROM patient_record WHERE profile_id = $1', [profileId])
  ).map((r) => r.id);
  await settleErased(c, profileId, allIds, a);
  await q.query(
    'DELETE FROM patient_same_person WHERE record_a = ANY($1::uuid[]) OR record_b = ANY($1::uuid[])',
    [allIds],
  );
  await q.query('DELETE FROM patient_match_key WHERE record_id = ANY($1::uuid[])', [ids]);
  await q.query(
    `UPDATE patient_record SET data = NULL, match = NULL, profile_id = NULL, suppressed = true, updated_at = $2
     WHERE profile_id = $1 AND source IN (SELECT name FROM patient_source WHERE kind = 'fhir')`,
    [profileId, a.now],
  );
  await q.query('DELETE FROM patient_record WHERE profile_id = $1', [profileId]);
  await q.query('DELETE FROM patient_contact_point WHERE profile_id = $1', [profileId]);
  await q.query('DELETE FROM patient_consent WHERE profile_id = $1', [profileId]);
  await q.query('DELETE FROM patient_opt_in WHERE profile_id = $1', [profileId]);
  await q.query(
    'DELETE FROM patient_no_match WHERE record_a = ANY($1::uuid[]) OR record_b = ANY($1::uuid[])',
    [ids],
  );

  // Other people's records may explain their match by quoting this person's values,
  // or a split from this person by its reason.
  await q.query(`UPDATE patient_record SET match = NULL WHERE match->>'via' = ANY($1::text[])`, [ids]);
  await q.query(
    `UPDATE patient_record SET match = jsonb_set(match, '{placedBy,reason}', 'null'::jsonb)
     WHERE match->'placedBy'->'otherProfiles' ? $1::text`,
    [profileId],
  );
  // FHIR Consents waiting for this person's profile (sync.ts) are not kept either.
  await q.query('DELETE FROM patient_pending_consent WHERE patient_id = ANY($1::text[])', [fhirIds]);
  // History keeps what happened, not who: reasons and details may quote the person.
  await q.query(
    `UPDATE patient_history SET reason = NULL, detail = NULL WHERE profile_id = $1 OR $1 = ANY(other_profiles)`,
    [profileId],
  );
  // Profiles merged into this one earlier still hold a golden record of the same person.
  await q.query(
    `UPDATE patient_profile SET ${ERASED}, updated_at = $2
     WHERE merged_into = $1`,
    [profileId, a.now],
  );
  // So does a profile that dissolved with some of its records coming here (merge.ts retireEmptied):
  // it describes nobody any more, and what it still holds may be this person's.
  const dissolved = (
    await q.query<{ id: string }>(
      `SELECT id FROM patient_profile WHERE status = 'dissolved' AND id IN
         (SELECT profile_id FROM patient_history WHERE kind = 'dissolve' AND $1 = ANY(other_profiles))`,
      [profileId],
    )
  ).map((r) => r.id);
  if (dissolved.length > 0) {
    for (const t of ['patient_contact_point', 'patient_consent', 'patient_opt_in'])
      await q.query(`DELETE FROM ${t} WHERE profile_id = ANY($1::uuid[])`, [dissolved]);
    await q.query(
      `UPDATE patient_profile SET ${ERASED}, updated_at = $2
       WHERE id = ANY($1::uuid[])`,
      [dissolved, a.now],
    );
  }
  await q.query(
    `UPDATE patient_profile SET ${ERASED}, updated_at = $2, version = version + 1
     WHERE id = $1`,
    [profileId, a.now],
  );
  await addHistory(c, profileId, [], { ...a, kind: 'erase', reason, recordIds: [] });
  return { records: ids.length, suppressionKeys: new Set(keys.map((k) => k.hash)).size };
}

/** GDPR art. 18: kept, not used. canContact refuses every purpose while restricted. */
export async function restrictProfile(
  c: SqlClient,
  profileId: string,
  restricted: boolean,
  reason: string,
  a: Actor,
): Promise<void> {
  await activeProfile(c, profileId);
  await c.query(
    'UPDATE patient_profile SET restricted = $2, restricted_reason = $3, updated_at = $4, version = version + 1 WHERE id = $1',
    [profileId, restricted, restricted ? reason : null, a.now],
  );
  await addHistory(c, profileId, [], { ...a, kind: restricted ? 'restrict' : 'unrestrict', reason });
}

export interface Preferences {
  language?: string | null;
  preferredChannel?: 'email' | 'sms' | 'letter' | 'push' | null;
  timeZone?: string;
  doNotContact?: boolean;
}

export async function setPreferences(
  c: SqlClient,
  profileId: string,
  p: Preferences,
  a: Actor,
): Promise<void> {
  await activeProfile(c, profileId);
  if (p.timeZone !== undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: p.timeZone });
    } catch {
      throw new ProfileError(
        422,
        `timeZone: '${p.timeZone}' is not an IANA time zone; use e.g. Europe/Stockholm`,
      );
    }
  }
  await c.query(
    `UPDATE patient_profile SET
       language = CASE WHEN $2 THEN $3 ELSE language END,
       preferred_channel = CASE WHEN $4 THEN $5 ELSE preferred_channel END,
       time_zone = coalesce($6, time_zone),
       do_not_contact = coalesce($7, do_not_contact),
       updated_at = $8, version = version + 1
     WHERE id = $1`,
    [
      profileId,
      p.language !== undefined,
      p.language ?? null,
      p.preferredChannel !== undefined,
      p.preferredChannel ?? null,
      p.timeZone ?? null,
      p.doNotContact ?? null,
      a.now,
    ],
  );
}
