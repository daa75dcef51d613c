import { randomUUID } from 'node:crypto';
import { copyValue, inTransaction, type SqlClient } from '../../db/client.ts';
import { profileIdFor, recordIdFor } from '../ids.ts';
import {
  type Candidate,
  type Placement,
  type PlacementExplanation,
  type ProfileSummary,
  placeRecord,
} from '../match/cluster.ts';
import { blockingKeys } from '../match/keys.ts';
import type { MatchRule } from '../match/rules.ts';
import type { SourceRecord } from '../model.ts';
import { identityOf, lookupKeys, markSuppressedProfiles, suppressedHashes } from '../suppression.ts';
import { queueConflicts, settleConflicts } from './conflicts.ts';
import { actionMatch, type RecordMatch } from './explain.ts';
import { mergeInto, type RecordMove, retireEmptied } from './merge.ts';
import { recomputeProfiles } from './recompute.ts';

const PROFILE_LOCK = 0x0f4e_ed02;

/**
 * Unification, merge, split and erasure change which records belong to which
 * profile; they take this transaction lock so that an import running beside an
 * erasure cannot write into the erased profile, and two merges cannot
 * deadlock. Keyed by schema, like the change feed's lock.
 */
export async function lockProfiles(c: SqlClient): Promise<void> {
  await c.query('SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))', [PROFILE_LOCK]);
}

/** A key shared by more records than this (a clinic's switchboard number) adds no evidence worth the work. */
const CANDIDATES_PER_KEY = 50;

export interface UnifyContext {
  rules: readonly MatchRule[];
  secret: Buffer;
  /** Who is unifying: "sync" for the change feed, a user for an import. */
  actor: string;
  now: Date;
}

export interface UnifyStats {
  received: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Records of erased people, kept out of outreach. */
  suppressed: number;
  profilesCreated: number;
  joined: number;
  /** Profiles folded into another because a record tied them together. */
  merged: number;
  /** Matches refused (two personnummer…) and queued for a person to decide. */
  conflicts: number;
}

export const emptyStats = (): UnifyStats => ({
  received: 0,
  created: 0,
  updated: 0,
  unchanged: 0,
  suppressed: 0,
  profilesCreated: 0,
  joined: 0,
  merged: 0,
  conflicts: 0,
});

export function addStats(a: UnifyStats, b: UnifyStats): UnifyStats {
  const out = { ...a };
  for (const k of Object.keys(b) as Array<keyof UnifyStats>) out[k] += b[k];
  return out;
}

interface ExistingRow {
  id: string;
  data: SourceRecord | null;
  profile_id: string | null;
  suppressed: boolean;
  deleted: boolean;
}

interface CandidateRow {
  id: string;
  data: SourceRecord;
  profile_id: string;
}

interface Pending {
  id: string;
  record: SourceRecord;
  keys: string[];
  oldProfile: string | null;
  profileId: string;
  match: RecordMatch | null;
}

/** Same facts, whatever the key order or the updatedAt stamp: an unchanged re-import must be a no-op. */
function sameData(a: SourceRecord | null, b: SourceRecord): boolean {
  if (!a) return false;
  const strip = ({ updatedAt: _, ...rest }: SourceRecord) => rest;
  return stableJson(strip(a)) === stableJson(strip(b));
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/**
 * Unifies one batch of source records inside the caller's transaction: each
 * record is stored, compared with the records that share a blocking key, and
 * joined to a profile, founds one, or ties two profiles together. The
 * decision is the pure `placeRecord`; this function only gathers candidates
 * and writes the outcome. Records of the batch see each other, in order.
 */
export async function unifyRecords(
  c: SqlClient,
  inputs: readonly SourceRecord[],
  ctx: UnifyContext,
): Promise<UnifyStats> {
  const stats = emptyStats();
  stats.received = inputs.length;
  const q = inTransaction(c);
  await lockProfiles(c);
  const byId = new Map<string, SourceRecord>();
  for (const r of inputs) byId.set(recordIdFor(r.source, r.externalId), r);
  const ids = [...byId.keys()];
  if (ids.length === 0) return stats;

  const existing = new Map(
    (
      await q.query<ExistingRow>(
        'SELECT id, data, profile_id, suppressed, deleted FROM patient_record WHERE id = ANY($1::uuid[])',
        [ids],
      )
    ).map((r) => [r.id, r]),
  );
  const keysOf = new Map(ids.map((id) => [id, lookupKeys(ctx.secret, identityOf(byId.get(id)!))]));
  const hit = await suppressedHashes(
    q,
    [...keysOf.values()].flatMap((ks) => ks.map((k) => k.hash)),
  );

  const dirty = new Set<string>();
  const pending: Pending[] = [];
  const suppressed: Array<{ id: string; record: SourceRecord }> = [];
  for (const [id, record] of byId) {
    const old = existing.get(id);
    if (old && !old.deleted && !old.suppressed && old.profile_id && sameData(old.data, record)) {
      stats.unchanged++;
      continue;
    }
    if (old?.profile_id) dirty.add(old.profile_id);
    // Once suppressed, always: an EHR correction of the personnummer must not bring an erased person back.
    if (old?.suppressed || keysOf.get(id)!.some((k) => hit.has(k.hash))) {
      suppressed.push({ id, record });
      stats.suppressed++;
      continue;
    }
    if (old) stats.updated++;
    else stats.created++;
    pending.push({
      id,
      record,
      keys: blockingKeys(record, ctx.rules),
      oldProfile: old?.profile_id ?? null,
      profileId: '',
      match: null,
    });
  }
  const moving = [...pending.map((p) => p.id), ...suppressed.map((s) => s.id)];
  if (moving.length > 0)
    await q.query('DELETE FROM patient_match_key WHERE record_id = ANY($1::uuid[])', [moving]);
  if (suppressed.length > 0) {
    await writeSuppressed(q, suppressed, ctx.now);
    // The profile such a record leaves believed it the same person: it may be the erased person too.
    const left = new Map<string, SourceRecord[]>();
    for (const x of suppressed) {
      const from = existing.get(x.id)?.profile_id;
      if (from) left.set(from, [...(left.get(from) ?? []), x.record]);
    }
    await markSuppressedProfiles(q, ctx.secret, [...left.keys()], ctx, left);
  }
  const suppressedMoves: RecordMove[] = suppressed.flatMap((x) => {
    const from = existing.get(x.id)?.profile_id;
    return from ? [{ from, to: null, record: x.id }] : [];
  });
  if (pending.length === 0) {
    await settleConflicts(c, { recordIds: moving }, ctx);
    await recomputeProfiles(c, [...dirty], ctx.now);
    return stats;
  }

  // Candidates: stored records sharing a key, minus those being placed again now.
  const allKeys = [...new Set(pending.flatMap((p) => p.keys))];
  const index = new Map<string, Candidate[]>();
  // Two indexed steps, not one join: as one query the planner hashes the whole
  // record table once the key list is long, and every batch then costs O(all records).
  const movingSet = new Set(moving);
  const keyRows = await q.query<{ key: string; record_id: string }>(
    'SELECT key, record_id FROM patient_match_key WHERE key = ANY($1::text[])',
    [allKeys],
  );
  const perKey = new Map<string, string[]>();
  for (const k of keyRows) {
    if (movingSet.has(k.record_id)) continue;
    const list = perKey.get(k.key) ?? [];
    if (list.length < CANDIDATES_PER_KEY) list.push(k.record_id);
    perKey.set(k.key, list);
  }
  const candidateIds = [...new Set([...perKey.values()].flat())];
  const candidateRows = candidateIds.length
    ? await q.query<CandidateRow>(
        'SELECT id, data, profile_id FROM patient_record WHERE id = ANY($1::uuid[]) AND profile_id IS NOT NULL',
        [candidateIds],
      )
    : [];
  const byRecord = new Map(candidateRows.map((r) => [r.id, r]));
  for (const [key, ids] of perKey) {
    const list: Candidate[] = [];
    for (const id of ids) {
      const row = byRecord.get(id);
      if (row) list.push({ recordKey: row.id, record: row.data, profileId: row.profile_id });
    }
    if (list.length) index.set(key, list);
  }
  const noMatch = await loadNoMatch(
    q,
    pending.map((p) => p.id),
  );
  // Records a person confirmed to be the same person as a pending one: candidates whatever their keys.
  const confirmed = await loadConfirmed(
    q,
    pending.map((p) => p.id),
  );
  const partnerIds = [...new Set([...confirmed.values()].flatMap((m) => [...m.keys()]))].filter(
    (id) => !movingSet.has(id),
  );
  const partners = new Map(
    (partnerIds.length
      ? await q.query<CandidateRow>(
          `SELECT id, data, profile_id FROM patient_record
           WHERE id = ANY($1::uuid[]) AND profile_id IS NOT NULL AND NOT deleted AND data IS NOT NULL`,
          [partnerIds],
        )
      : []
    ).map((r) => [r.id, r]),
  );
  const candidateProfiles = [
    ...new Set([
      ...[...index.values()].flat().map((x) => x.profileId),
      ...[...partners.values()].map((r) => r.profile_id),
    ]),
  ];
  const summaries = await loadSummaries(q, candidateProfiles, moving);
  const pendingById = new Map(pending.map((p) => [p.id, p]));

  // Profiles folded during this batch point at their survivor.
  const alias = new Map<string, string>();
  const find = (p: string): string => {
    let x = p;
    while (alias.has(x)) x = alias.get(x)!;
    return x;
  };
  const created = new Map<string, number>();
  const founding = new Map<string, string>();
  const conflicts: Array<{ record: string; profile: string; reason: string }> = [];
  const merges: Array<{ survivor: string; losers: string[]; via: string; placement: Placement }> = [];

  for (const p of pending) {
    const seen = new Set<string>();
    const cands: Candidate[] = [];
    const sameAs = confirmed.get(p.id);
    for (const k of p.keys)
      for (const cand of index.get(k) ?? []) {
        if (seen.has(cand.recordKey) || cand.recordKey === p.id) continue;
        seen.add(cand.recordKey);
        if (noMatch.has(pairKey(p.id, cand.recordKey))) continue;
        cands.push({ ...cand, profileId: find(cand.profileId), confirmed: sameAs?.has(cand.recordKey) });
      }
    for (const partner of sameAs?.keys() ?? []) {
      if (seen.has(partner)) continue;
      const stored = partners.get(partner);
      const placed = pendingById.get(partner);
      const cand = stored
        ? { record: stored.data, profileId: stored.profile_id }
        : placed?.profileId
          ? { record: placed.record, profileId: placed.profileId }
          : null;
      if (!cand) continue;
      seen.add(partner);
      cands.push({
        recordKey: partner,
        record: cand.record,
        profileId: find(cand.profileId),
        confirmed: true,
      });
    }
    // A rule's explanation, or the person's decision that admitted the record.
    const explain = (via: string, e: PlacementExplanation): RecordMatch => {
      if (e.kind !== 'confirmed') return { rule: e.rule, via, explanation: e };
      const d = sameAs?.get(via);
      return actionMatch(via, {
        action: 'manual-merge',
        actor: d?.actor ?? ctx.actor,
        reason: d?.reason ?? null,
        at: new Date(d?.created_at ?? ctx.now).toISOString(),
        otherProfiles: [],
      });
    };
    const placement = placeRecord(p.record, cands, summaryView(summaries, find), ctx.rules);
    for (const cf of placement.conflicts)
      conflicts.push({ record: p.id, profile: find(cf.profileId), reason: cf.reason });
    switch (placement.kind) {
      case 'new': {
        const pid = profileIdFor(p.id);
        p.profileId = pid;
        founding.set(pid, p.id);
        created.set(pid, ctx.now.getTime() + created.size);
        summaries.set(pid, { profileId: pid, personnummers: new Set(), birthDates: new Set(), createdAt: 0 });
        break;
      }
      case 'join':
        p.profileId = find(placement.profileId);
        p.match = explain(placement.via, placement.explanation);
        stats.joined++;
        break;
      case 'merge': {
        const ids = [...new Set(placement.profileIds.map(find))];
        const order = (x: string) => summaries.get(x)?.createdAt ?? created.get(x) ?? Number.MAX_SAFE_INTEGER;
        ids.sort((a, b) => order(a) - order(b) || (a < b ? -1 : 1));
        const [survivor, ...losers] = ids;
        for (const l of losers) {
          alias.set(l, survivor);
          const from = summaries.get(l);
          const into = summaries.get(survivor);
          if (from && into) {
            for (const v of from.personnummers) into.personnummers.add(v);
            for (const v of from.birthDates) into.birthDates.add(v);
          }
        }
        p.profileId = survivor;
        const first = placement.via[0];
        p.match = explain(first.recordKey, first.explanation);
        merges.push({ survivor, losers, via: p.id, placement });
        stats.merged += losers.length;
        break;
      }
      default: {
        const never: never = placement;
        throw new Error(`unknown placement ${JSON.stringify(never)}`);
      }
    }
    const s = summaries.get(p.profileId);
    if (s) {
      if (p.record.personnummer) s.personnummers.add(p.record.personnummer);
      if (p.record.birthDate) s.birthDates.add(p.record.birthDate);
    }
    for (const k of p.keys) {
      const list = index.get(k) ?? [];
      if (list.length < CANDIDATES_PER_KEY)
        list.push({ recordKey: p.id, record: p.record, profileId: p.profileId });
      index.set(k, list);
    }
  }

  // A founding id can already exist: the profile this record founded long ago
  // (reuse it) or an erased one (never reuse: erasure is final).
  const newIds = [...created.keys()].filter((id) => !alias.has(id));
  const found = await q.query<{ id: string; status: string }>(
    'SELECT id, status FROM patient_profile WHERE id = ANY($1::uuid[])',
    [[...created.keys()]],
  );
  const taken: Array<{ id: string; status: string; others: number }> = [];
  if (found.length > 0) {
    const others = new Map(
      (
        await q.query<{ profile_id: string; n: number }>(
          `SELECT profile_id, count(*)::int AS n FROM patient_record
           WHERE profile_id = ANY($1::uuid[]) AND NOT (id = ANY($2::uuid[])) GROUP BY profile_id`,
          [found.map((f) => f.id), moving],
        )
      ).map((r) => [r.profile_id, Number(r.n)]),
    );
    for (const f of found) taken.push({ ...f, others: others.get(f.id) ?? 0 });
  }
  const rename = new Map<string, string>();
  for (const t of taken)
    if (t.status === 'erased' || (t.status === 'active' && t.others > 0)) rename.set(t.id, randomUUID());
  const existingIds = new Set(taken.filter((t) => !rename.has(t.id)).map((t) => t.id));
  const finalId = (p: string) => {
    const f = find(p);
    return rename.get(f) ?? f;
  };
  const toCreate = newIds.map((id) => rename.get(id) ?? id).filter((id) => !existingIds.has(id));
  stats.profilesCreated = newIds.length;
  if (toCreate.length > 0)
    await q.query(
      `INSERT INTO patient_profile (id, golden, created_at, updated_at)
       SELECT id, '{}'::jsonb, $2, $2 FROM unnest($1::uuid[]) AS id`,
      [toCreate, ctx.now],
    );
  const revive = newIds.filter((id) => existingIds.has(id));
  if (revive.length > 0)
    await q.query(
      `UPDATE patient_profile SET status = 'active', merged_into = NULL, updated_at = $2 WHERE id = ANY($1::uuid[])`,
      [revive, ctx.now],
    );

  // New records go in by COPY (the bulk of a first import); changed ones are updated in place.
  const fresh = pending.filter((p) => !existing.has(p.id));
  const changed = pending.filter((p) => existing.has(p.id));
  if (fresh.length > 0) {
    const now = ctx.now.toISOString();
    let text = '';
    for (const p of fresh)
      text += `${p.id}\t${copyValue(p.record.source)}\t${copyValue(p.record.externalId)}\t${copyValue(JSON.stringify(p.record))}\t${finalId(p.profileId)}\t${copyValue(p.match ? JSON.stringify(p.match) : null)}\t${now}\t${now}\n`;
    await c.copyFrom(
      'patient_record',
      ['id', 'source', 'external_id', 'data', 'profile_id', 'match', 'received_at', 'updated_at'],
      text,
    );
  }
  if (changed.length > 0)
    await q.query(
      `UPDATE patient_record r SET data = x.data, profile_id = x.profile_id, match = x.match, suppressed = false, deleted = false, updated_at = $2
       FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, data jsonb, profile_id uuid, match jsonb) WHERE r.id = x.id`,
      [
        JSON.stringify(
          changed.map((p) => ({
            id: p.id,
            data: p.record,
            profile_id: finalId(p.profileId),
            match: p.match,
          })),
        ),
        ctx.now,
      ],
    );
  // Keys of every placed record were deleted above, and each record's keys are distinct: COPY needs no conflict check.
  let keyText = '';
  for (const p of pending) for (const k of new Set(p.keys)) keyText += `${copyValue(k)}\t${p.id}\n`;
  if (keyText) await c.copyFrom('patient_match_key', ['key', 'record_id'], keyText);

  for (const m of merges) {
    const survivor = finalId(m.survivor);
    const losers = m.losers.map((l) => rename.get(l) ?? l).filter((l) => l !== survivor);
    await mergeInto(c, survivor, losers, {
      actor: ctx.actor,
      now: ctx.now,
      kind: 'merge',
      reason: 'a record matched both profiles',
      recordIds: [m.via],
      detail: m.placement.kind === 'merge' ? { via: m.placement.via } : undefined,
      via: m.via,
    });
  }
  // A conflict with the profile the record ended up in (a later record of the batch merged them) is none.
  const placedIn = new Map(pending.map((p) => [p.id, finalId(p.profileId)]));
  await queueConflicts(
    c,
    conflicts
      .map((x) => ({ ...x, profile: finalId(x.profile) }))
      .filter((x) => placedIn.get(x.record) !== x.profile),
    ctx.now,
  );
  stats.conflicts = conflicts.length;

  // Profiles left with no record: merged into the one that took them all, else dissolved
  // (not one whose record was suppressed: it stays, marked, for a person to erase).
  await retireEmptied(
    c,
    [
      ...pending.flatMap((p) =>
        p.oldProfile ? [{ from: p.oldProfile, to: finalId(p.profileId), record: p.id }] : [],
      ),
      ...suppressedMoves,
    ],
    ctx,
  );
  for (const p of pending) dirty.add(finalId(p.profileId));
  for (const d of [...dirty]) dirty.add(finalId(d));
  // Queued conflicts whose record has now joined that profile (its source was corrected…) are moot.
  await settleConflicts(c, { profileIds: [...dirty], recordIds: moving }, ctx);
  await recomputeProfiles(c, [...dirty], ctx.now, new Set(toCreate));
  await refreshStatistics(c, fresh.length);
  return stats;
}

// Rows written since the planner's statistics were last refreshed, per schema.
const written = new Map<string, number>();
const ANALYZE_EVERY = 100_000;

/**
 * A first load grows the tables from nothing; until statistics catch up the
 * planner takes a million-row table for an empty one (or the reverse) and
 * picks plans, even JIT compiles, for the wrong size. PostgreSQL's autovacuum
 * refreshes them eventually and PGlite has none, so unification does it as
 * it goes. ANALYZE samples a fixed number of rows: a second or two per call.
 */
async function refreshStatistics(c: SqlClient, rows: number): Promise<void> {
  const { rows: schema } = await c.query<{ s: string }>('SELECT current_schema() AS s');
  const key = schema[0].s;
  const n = (written.get(key) ?? 0) + rows;
  if (n < ANALYZE_EVERY) {
    written.set(key, n);
    return;
  }
  written.set(key, 0);
  await c.query('ANALYZE patient_record, patient_profile, patient_contact_point, patient_match_key');
}

async function writeSuppressed(
  q: ReturnType<typeof inTransaction>,
  rows: Array<{ id: string; record: SourceRecord }>,
  now: Date,
): Promise<void> {
  // Only the key stays: nothing about an erased person is stored again.
  await q.query(
    `INSERT INTO patient_record (id, source, external_id, data, profile_id, suppressed, received_at, updated_at)
     SELECT id, source, ext, NULL, NULL, true, $4, $4 FROM unnest($1::uuid[], $2::text[], $3::text[]) AS x(id, source, ext)
     ON CONFLICT (id) DO UPDATE SET data = NULL, profile_id = NULL, match = NULL, suppressed = true, updated_at = $4`,
    [rows.map((r) => r.id), rows.map((r) => r.record.source), rows.map((r) => r.record.externalId), now],
  );
}

type Summary = ProfileSummary & { personnummers: Set<string>; birthDates: Set<string>; createdAt: number };

async function loadSummaries(
  q: ReturnType<typeof inTransaction>,
  profileIds: readonly string[],
  exclude: readonly string[],
): Promise<Map<string, Summary>> {
  const out = new Map<string, Summary>();
  if (profileIds.length === 0) return out;
  const created = await q.query<{ id: string; created_at: Date | string }>(
    'SELECT id, created_at FROM patient_profile WHERE id = ANY($1::uuid[])',
    [profileIds],
  );
  const facts = new Map(
    (
      await q.query<{ profile_id: string; pnrs: string[] | null; births: string[] | null }>(
        `SELECT profile_id,
           array_remove(array_agg(DISTINCT data->>'personnummer'), NULL) AS pnrs,
           array_remove(array_agg(DISTINCT data->>'birthDate'), NULL) AS births
         FROM patient_record WHERE profile_id = ANY($1::uuid[]) AND NOT deleted AND data IS NOT NULL
           AND NOT (id = ANY($2::uuid[]))
         GROUP BY profile_id`,
        [profileIds, exclude],
      )
    ).map((r) => [r.profile_id, r]),
  );
  const rows = created.map((p) => ({
    id: p.id,
    created_at: p.created_at,
    pnrs: facts.get(p.id)?.pnrs ?? null,
    births: facts.get(p.id)?.births ?? null,
  }));
  for (const r of rows)
    out.set(r.id, {
      profileId: r.id,
      personnummers: new Set(r.pnrs ?? []),
      birthDates: new Set(r.births ?? []),
      createdAt: new Date(r.created_at).getTime(),
    });
  return out;
}

/** The summaries as placeRecord sees them: a folded profile answers with its survivor's summary. */
function summaryView(
  summaries: Map<string, Summary>,
  find: (p: string) => string,
): ReadonlyMap<string, ProfileSummary> {
  return {
    get: (id: string) => summaries.get(find(id)),
    has: (id: string) => summaries.has(find(id)),
  } as ReadonlyMap<string, ProfileSummary>;
}

const pairKey = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);

interface SamePerson {
  actor: string;
  reason: string | null;
  created_at: Date | string;
}

/** For each record, the records a person confirmed to be the same person (patient_same_person), with the decision. */
async function loadConfirmed(
  q: ReturnType<typeof inTransaction>,
  ids: readonly string[],
): Promise<Map<string, Map<string, SamePerson>>> {
  const rows = await q.query<SamePerson & { record_a: string; record_b: string }>(
    `SELECT record_a, record_b, actor, reason, created_at FROM patient_same_person
     WHERE record_a = ANY($1::uuid[]) OR record_b = ANY($1::uuid[])`,
    [ids],
  );
  const out = new Map<string, Map<string, SamePerson>>();
  const add = (a: string, b: string, d: SamePerson) => {
    const m = out.get(a) ?? new Map<string, SamePerson>();
    m.set(b, d);
    out.set(a, m);
  };
  for (const r of rows) {
    add(r.record_a, r.record_b, r);
    add(r.record_b, r.record_a, r);
  }
  return out;
}

async function loadNoMatch(
  q: ReturnType<typeof inTransaction>,
  ids: readonly string[],
): Promise<Set<string>> {
  const rows = await q.query<{ record_a: string; record_b: string }>(
    `SELECT record_a, record_b FROM patient_no_match WHERE record_a = ANY($1::uuid[]) OR record_b = ANY($1::uuid[])`,
    [ids],
  );
  return new Set(rows.map((r) => pairKey(r.record_a, r.record_b)));
}
