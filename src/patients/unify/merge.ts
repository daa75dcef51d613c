import { inTransaction, type SqlClient } from '../../db/client.ts';
import { settleConflicts, settleDissolved } from './conflicts.ts';
import { actionMatch } from './explain.ts';

export interface HistoryEntry {
  actor: string;
  now: Date;
  kind: 'merge' | 'split' | 'erase' | 'restrict' | 'unrestrict' | 'manual-merge' | 'suppressed' | 'dissolve';
  reason?: string;
  recordIds?: readonly string[];
  detail?: unknown;
}

export async function addHistory(
  c: SqlClient,
  profileId: string,
  others: readonly string[],
  e: HistoryEntry,
): Promise<void> {
  await c.query(
    `INSERT INTO patient_history (at, kind, profile_id, other_profiles, record_ids, actor, reason, detail)
     VALUES ($1, $2, $3, $4::uuid[], $5::uuid[], $6, $7, $8)`,
    [
      e.now,
      e.kind,
      profileId,
      others,
      e.recordIds ?? [],
      e.actor,
      e.reason ?? null,
      e.detail === undefined ? null : JSON.stringify(e.detail),
    ],
  );
}

/**
 * Folds `losers` into `survivor`: their records, contact points (keeping
 * verification and failure history), consents and pending opt-ins move; the
 * losers stay as 'merged' rows pointing at the survivor, so old links and
 * bookmarks resolve. The records the losers started from had no explanation
 * (nothing placed them); they get one naming this merge and `via`, the
 * record that tied the profiles or, for a person's merge, the survivor's first.
 */
export async function mergeInto(
  c: SqlClient,
  survivor: string,
  losers: readonly string[],
  e: HistoryEntry & { kind: 'merge' | 'manual-merge'; via: string | null },
): Promise<void> {
  if (losers.length === 0) return;
  const q = inTransaction(c);
  if (e.via !== null)
    await q.query(
      `UPDATE patient_record SET match = $3::jsonb
       WHERE profile_id = ANY($1::uuid[]) AND match IS NULL AND data IS NOT NULL AND id <> $2`,
      [
        losers,
        e.via,
        JSON.stringify(
          actionMatch(e.via, {
            action: e.kind,
            actor: e.actor,
            reason: e.reason ?? null,
            at: e.now.toISOString(),
            otherProfiles: [...losers],
          }),
        ),
      ],
    );
  await q.query('UPDATE patient_record SET profile_id = $1 WHERE profile_id = ANY($2::uuid[])', [
    survivor,
    losers,
  ]);
  // A point both profiles hold: the survivor's row keeps the union of what we know.
  await q.query(
    `UPDATE patient_contact_point s SET
       verified_at = coalesce(s.verified_at, l.verified_at),
       verified_own = s.verified_own OR l.verified_own,
       failures = s.failures || l.failures,
       sources = ARRAY(SELECT DISTINCT unnest(s.sources || l.sources)),
       status = CASE WHEN s.status = 'active' OR l.status = 'active' THEN 'active' ELSE s.status END
     FROM patient_contact_point l
     WHERE s.profile_id = $1 AND l.profile_id = ANY($2::uuid[]) AND l.kind = s.kind AND l.value = s.value`,
    [survivor, losers],
  );
  await q.query(
    `DELETE FROM patient_contact_point l USING patient_contact_point s
     WHERE l.profile_id = ANY($2::uuid[]) AND s.profile_id = $1 AND l.kind = s.kind AND l.value = s.value`,
    [survivor, losers],
  );
  // Two losers may hold the same point: keep one of them.
  await q.query(
    `DELETE FROM patient_contact_point a USING patient_contact_point b
     WHERE a.profile_id = ANY($1::uuid[]) AND b.profile_id = ANY($1::uuid[]) AND a.kind = b.kind AND a.value = b.value
       AND a.id > b.id`,
    [losers],
  );
  await q.query('UPDATE patient_contact_point SET profile_id = $1 WHERE profile_id = ANY($2::uuid[])', [
    survivor,
    losers,
  ]);
  await q.query('UPDATE patient_consent SET profile_id = $1 WHERE profile_id = ANY($2::uuid[])', [
    survivor,
    losers,
  ]);
  await q.query('UPDATE patient_opt_in SET profile_id = $1 WHERE profile_id = ANY($2::uuid[])', [
    survivor,
    losers,
  ]);
  await q.query(
    `DELETE FROM patient_match_conflict WHERE profile_id = ANY($2::uuid[])
       AND record_id IN (SELECT record_id FROM patient_match_conflict WHERE profile_id = $1)`,
    [survivor, losers],
  );
  // Two losers may have queued the same record: keep one, an open one if there is.
  await q.query(
    `DELETE FROM patient_match_conflict a USING patient_match_conflict b
     WHERE a.profile_id = ANY($1::uuid[]) AND b.profile_id = ANY($1::uuid[]) AND a.record_id = b.record_id
       AND a.id <> b.id AND (a.resolved_at IS NOT NULL, a.id) > (b.resolved_at IS NOT NULL, b.id)`,
    [losers],
  );
  await q.query('UPDATE patient_match_conflict SET profile_id = $1 WHERE profile_id = ANY($2::uuid[])', [
    survivor,
    losers,
  ]);
  // Preferences set by a person survive: do-not-contact, restriction and suppression are never lost in a merge.
  await q.query(
    `UPDATE patient_profile s SET
       do_not_contact = s.do_not_contact OR EXISTS (SELECT 1 FROM patient_profile l WHERE l.id = ANY($2::uuid[]) AND l.do_not_contact),
       restricted = s.restricted OR EXISTS (SELECT 1 FROM patient_profile l WHERE l.id = ANY($2::uuid[]) AND l.restricted),
       suppressed = s.suppressed OR EXISTS (SELECT 1 FROM patient_profile l WHERE l.id = ANY($2::uuid[]) AND l.suppressed),
       language = coalesce(s.language, (SELECT l.language FROM patient_profile l WHERE l.id = ANY($2::uuid[]) AND l.language IS NOT NULL LIMIT 1)),
       preferred_channel = coalesce(s.preferred_channel, (SELECT l.preferred_channel FROM patient_profile l WHERE l.id = ANY($2::uuid[]) AND l.preferred_channel IS NOT NULL LIMIT 1))
     WHERE s.id = $1`,
    [survivor, losers],
  );
  await q.query(
    `UPDATE patient_profile SET status = 'merged', merged_into = $1, updated_at = $3, version = version + 1
     WHERE id = ANY($2::uuid[]) OR merged_into = ANY($2::uuid[])`,
    [survivor, losers, e.now],
  );
  await addHistory(c, survivor, losers, e);
  // A record queued as a possible duplicate of one side is now in the same profile as it.
  await settleConflicts(c, { profileIds: [survivor] }, e);
}

/** Where a record of a profile went: another profile, or none (suppressed: it carries an erased person's identifiers). */
export interface RecordMove {
  from: string;
  to: string | null;
  record: string;
}

/**
 * A profile whose records all moved to other profiles must not stay active
 * and empty. When they all went to one profile it is that person: the empty
 * one is merged into it like any merge (contact points, consents and
 * preferences follow, old links redirect) — unless it had already lost
 * records to others in an earlier batch (shed_records), since its consents may
 * then be theirs. Otherwise it is `dissolved`: it describes nobody any more. Its "no"s (withdrawals,
 * objections, do-not-contact, restriction, suppression) are copied to every
 * profile that took one of its records, failing closed as a split does, since
 * nobody can tell whose they were. A profile one of whose records was
 * suppressed stays as it is, marked suppressed (suppression.ts): it may be the
 * erased person, and the 360 page says to erase it too. Returns the profiles
 * retired.
 */
export async function retireEmptied(
  c: SqlClient,
  moves: readonly RecordMove[],
  a: { actor: string; now: Date },
): Promise<string[]> {
  const moved = moves.filter((m) => m.from !== m.to);
  if (moved.length === 0) return [];
  const q = inTransaction(c);
  const retired: string[] = [];
  const left = await q.query<{ id: string; shed_records: boolean; empty: boolean }>(
    `SELECT p.id, p.shed_records, NOT EXISTS (SELECT 1 FROM patient_record r WHERE r.profile_id = p.id) AS empty
     FROM patient_profile p WHERE p.id = ANY($1::uuid[]) AND p.status = 'active'`,
    [[...new Set(moved.map((m) => m.from))]],
  );
  // A profile that keeps some records while others leave remembers it: should it empty in a
  // later batch, the records that left earlier went elsewhere, so "all moved to one profile"
  // would hand their consents to whoever took the last ones.
  const shedding = left.filter((p) => !p.empty).map((p) => p.id);
  if (shedding.length > 0)
    await q.query('UPDATE patient_profile SET shed_records = true WHERE id = ANY($1::uuid[])', [shedding]);
  // Their "no"s go with the records that left, as in a split.
  for (const id of shedding) {
    const to = moved.filter((m) => m.from === id).map((m) => m.to);
    await carryRefusals(c, id, [...new Set(to.filter((t): t is string => t !== null))], a.now);
  }
  for (const { id, shed_records } of left.filter((p) => p.empty)) {
    const mine = moved.filter((m) => m.from === id);
    const records = [...new Set(mine.map((m) => m.record))];
    const to = [...new Set(mine.map((m) => m.to))];
    if (to.includes(null)) continue;
    const targets = to.filter((t): t is string => t !== null);
    if (targets.length === 1 && !shed_records) {
      await mergeInto(c, targets[0], [id], {
        ...a,
        kind: 'merge',
        reason: 'its records all moved to this profile',
        recordIds: records,
        via: null,
      });
    } else await dissolve(c, id, targets, records, a);
    retired.push(id);
  }
  return retired;
}

async function dissolve(
  c: SqlClient,
  id: string,
  targets: readonly string[],
  records: readonly string[],
  a: { actor: string; now: Date },
): Promise<void> {
  const q = inTransaction(c);
  await q.query(
    `UPDATE patient_profile SET status = 'dissolved', merged_into = NULL, updated_at = $2, version = version + 1
     WHERE id = $1`,
    [id, a.now],
  );
  await carryRefusals(c, id, targets, a.now);
  await settleDissolved(c, [id], a);
  await addHistory(c, id, targets, {
    ...a,
    kind: 'dissolve',
    reason: 'its records moved to different profiles',
    recordIds: records,
  });
}

/**
 * Fail closed when records part: whoever said no on `from` (do-not-contact,
 * restriction, suppression, a withdrawal or an objection), each of `targets`
 * keeps saying no until a person checks, since nobody can tell whose the no
 * was. A refusal a target already holds is not copied twice.
 */
export async function carryRefusals(
  c: SqlClient,
  from: string,
  targets: readonly string[],
  now: Date,
): Promise<void> {
  if (targets.length === 0) return;
  const q = inTransaction(c);
  await q.query(
    `UPDATE patient_profile n SET do_not_contact = n.do_not_contact OR o.do_not_contact,
       restricted = n.restricted OR o.restricted,
       restricted_reason = CASE WHEN n.restricted THEN n.restricted_reason ELSE o.restricted_reason END,
       suppressed = n.suppressed OR o.suppressed
     FROM patient_profile o WHERE o.id = $1 AND n.id = ANY($2::uuid[])`,
    [from, targets],
  );
  await q.query(
    `INSERT INTO patient_consent (id, profile_id, channel, contact_value, purpose, topic, state, objection, source, actor, evidence, at, recorded_at)
     SELECT gen_random_uuid(), t, o.channel, o.contact_value, o.purpose, o.topic, o.state, o.objection, o.source, o.actor, o.evidence, o.at, $3
     FROM patient_consent o, unnest($2::uuid[]) AS t
     WHERE o.profile_id = $1 AND (o.state = 'withdrawn' OR o.objection)
       AND NOT EXISTS (
         SELECT 1 FROM patient_consent x WHERE x.profile_id = t AND x.at = o.at AND x.state = o.state
           AND x.objection = o.objection AND x.purpose = o.purpose
           AND x.channel IS NOT DISTINCT FROM o.channel AND x.topic IS NOT DISTINCT FROM o.topic
           AND x.contact_value IS NOT DISTINCT FROM o.contact_value)
     ORDER BY t, o.seq`,
    [from, targets, now],
  );
}
