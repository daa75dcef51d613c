/**
 * Possible duplicates (patient_match_conflict): a record that matched a
 * profile it could not join, queued for a person. A conflict is settled by a
 * person (`same-person`, `different-people`) or, when nothing is left to
 * decide, by whatever made it moot: the record joined the profile by itself
 * (`joined`), was deleted at its source or suppressed (`record-removed`),
 * either side was erased (`erased`), or the profile's records all moved
 * elsewhere (`profile-dissolved`).
 */
import { inTransaction, type SqlClient } from '../../db/client.ts';

export type ConflictResolution =
  | 'same-person'
  | 'different-people'
  | 'joined'
  | 'record-removed'
  | 'erased'
  | 'profile-dissolved'
  /** A person's decision from before resolutions were kept (migration 0513). */
  | 'decided';

/** Resolutions after which the same record and profile may be queued again if they meet anew. */
const REOPENABLE: readonly ConflictResolution[] = [
  'same-person',
  'joined',
  'record-removed',
  'profile-dissolved',
];

interface Actor {
  actor: string;
  now: Date;
}

/**
 * Queues conflicts; one already open stays as it is. One settled because it
 * was moot (the record had joined, then left again) or by a merge since undone
 * is opened again with the new reason; a person's "different people" stands.
 */
export async function queueConflicts(
  c: SqlClient,
  rows: ReadonlyArray<{ record: string; profile: string; reason: string }>,
  now: Date,
): Promise<void> {
  const seen = new Set<string>();
  const unique = rows.filter((r) => {
    const k = `${r.record}|${r.profile}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  if (unique.length === 0) return;
  await inTransaction(c).query(
    `INSERT INTO patient_match_conflict (id, record_id, profile_id, reason, at)
     SELECT gen_random_uuid(), r, p, why, $4 FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS x(r, p, why)
     ON CONFLICT (record_id, profile_id) DO UPDATE SET reason = EXCLUDED.reason, at = EXCLUDED.at,
       resolved_at = NULL, resolved_by = NULL, resolution = NULL
     WHERE patient_match_conflict.resolved_at IS NOT NULL AND patient_match_conflict.resolution = ANY($5::text[])`,
    [unique.map((x) => x.record), unique.map((x) => x.profile), unique.map((x) => x.reason), now, REOPENABLE],
  );
}

/**
 * Settles the open conflicts of the given profiles or records that nothing is
 * left to decide about: the record is now in the conflict's profile (it
 * joined by itself, or a merge or move put it there), or it is no longer
 * anyone's record (deleted at the source, suppressed). Call it wherever
 * records move.
 */
export async function settleConflicts(
  c: SqlClient,
  scope: { profileIds?: readonly string[]; recordIds?: readonly string[] },
  a: Actor,
): Promise<void> {
  const profileIds = scope.profileIds ?? [];
  const recordIds = scope.recordIds ?? [];
  if (profileIds.length === 0 && recordIds.length === 0) return;
  await inTransaction(c).query(
    `UPDATE patient_match_conflict m SET resolved_at = $3, resolved_by = $4, resolution = x.resolution
     FROM (
       SELECT m2.id, CASE WHEN r.id IS NULL OR r.deleted OR r.data IS NULL OR r.profile_id IS NULL
                          THEN 'record-removed' ELSE 'joined' END AS resolution
       FROM patient_match_conflict m2 LEFT JOIN patient_record r ON r.id = m2.record_id
       WHERE m2.resolved_at IS NULL AND (m2.profile_id = ANY($1::uuid[]) OR m2.record_id = ANY($2::uuid[]))
         AND (r.id IS NULL OR r.deleted OR r.data IS NULL OR r.profile_id IS NULL OR r.profile_id = m2.profile_id)
     ) x
     WHERE m.id = x.id`,
    [profileIds, recordIds, a.now, a.actor],
  );
}

/**
 * Erasure: conflicts on either side of the erased profile (queued against it,
 * or about one of its records) are settled, and their reason, which quotes
 * both records' identifiers, is replaced.
 */
export async function settleErased(
  c: SqlClient,
  profileId: string,
  recordIds: readonly string[],
  a: Actor,
): Promise<void> {
  await inTransaction(c).query(
    `UPDATE patient_match_conflict SET reason = 'one side was erased (GDPR art. 17)',
       resolved_at = coalesce(resolved_at, $3), resolved_by = coalesce(resolved_by, $4),
       resolution = CASE WHEN resolved_at IS NULL THEN 'erased' ELSE resolution END
     WHERE profile_id = $1 OR record_id = ANY($2::uuid[])`,
    [profileId, recordIds, a.now, a.actor],
  );
}

/** A profile that dissolved (its records all left): nothing can be merged into it any more. */
export async function settleDissolved(c: SqlClient, profileIds: readonly string[], a: Actor): Promise<void> {
  if (profileIds.length === 0) return;
  await inTransaction(c).query(
    `UPDATE patient_match_conflict SET resolved_at = $2, resolved_by = $3, resolution = 'profile-dissolved'
     WHERE profile_id = ANY($1::uuid[]) AND resolved_at IS NULL`,
    [profileIds, a.now, a.actor],
  );
}
