import type { SqlClient } from '../db/client.ts';
import type { Database } from '../db/database.ts';
import type { CompiledSegment } from './compile.ts';
import { applyQuerySettings } from './evaluate.ts';

/**
 * Membership history: a row per stay in a segment (entered_at, exited_at,
 * definition version). A refresh computes the members in a temporary table
 * and moves the difference in SQL — no member list travels to Node — and
 * writes one enter/exit event per change to segment_event, the feed journeys
 * read, plus a count for the chart.
 */
export interface MembershipChange {
  members: number;
  entered: number;
  exited: number;
}

/** Whole refresh: the members in a temporary table, the difference moved in SQL. */
export async function applyMembership(
  c: SqlClient,
  segmentId: string,
  version: number,
  compiled: CompiledSegment,
  now: Date,
): Promise<MembershipChange> {
  await applyQuerySettings(c);
  await lockSegment(c, segmentId);
  await c.query('DROP TABLE IF EXISTS segment_eval');
  await c.query(`CREATE TEMP TABLE segment_eval ON COMMIT DROP AS ${compiled.membersSql}`);
  await c.query('CREATE INDEX ON segment_eval (patient_id)');
  await c.query('ANALYZE segment_eval');
  const exited = await c.query<{ n: number }>(
    `WITH gone AS (
       UPDATE segment_member m SET exited_at = $2
       WHERE m.segment_id = $1 AND m.exited_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM segment_eval e WHERE e.patient_id = m.patient_id)
       RETURNING m.patient_id),
     ev AS (INSERT INTO segment_event (segment_id, patient_id, kind, version, at)
       SELECT $1, patient_id, 'exit', $3, $2 FROM gone ORDER BY patient_id RETURNING 1)
     SELECT count(*)::int AS n FROM ev`,
    [segmentId, now, version],
  );
  const entered = await c.query<{ n: number }>(
    `WITH came AS (
       INSERT INTO segment_member (segment_id, patient_id, entered_at, version)
       SELECT $1, e.patient_id, $2, $3 FROM segment_eval e
       WHERE NOT EXISTS (SELECT 1 FROM segment_member m WHERE m.segment_id = $1 AND m.patient_id = e.patient_id AND m.exited_at IS NULL)
       RETURNING patient_id),
     ev AS (INSERT INTO segment_event (segment_id, patient_id, kind, version, at)
       SELECT $1, patient_id, 'enter', $3, $2 FROM came ORDER BY patient_id RETURNING 1)
     SELECT count(*)::int AS n FROM ev`,
    [segmentId, now, version],
  );
  const [{ n: members }] = (
    await c.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM segment_member WHERE segment_id = $1 AND exited_at IS NULL',
      [segmentId],
    )
  ).rows;
  await c.query('DROP TABLE IF EXISTS segment_eval');
  const change = {
    members: Number(members),
    entered: Number(entered.rows[0].n),
    exited: Number(exited.rows[0].n),
  };
  await recordChange(c, segmentId, version, now, change);
  // Only a whole refresh resets the schedule.
  await c.query('UPDATE segment_definition SET member_count = $2, refreshed_at = $3 WHERE id = $1', [
    segmentId,
    change.members,
    now,
  ]);
  return change;
}

/**
 * Incremental: only `patients` were re-evaluated (a change touched them).
 * A handful of ids, so no temporary table: the new members come back as a
 * list and the difference is two statements. It runs for every dynamic
 * segment after every change, so it must stay cheap.
 */
export async function applyPatientMembership(
  c: SqlClient,
  segmentId: string,
  version: number,
  compiled: CompiledSegment,
  now: Date,
  patients: readonly string[],
  /** The member count before, returned when nothing changed. */
  before: number | null,
): Promise<MembershipChange> {
  await applyQuerySettings(c);
  await lockSegment(c, segmentId);
  const members = (await c.query<{ patient_id: string }>(compiled.membersSql)).rows.map((r) => r.patient_id);
  const exited = await c.query<{ n: number }>(
    `WITH gone AS (
       UPDATE segment_member m SET exited_at = $2
       WHERE m.segment_id = $1 AND m.exited_at IS NULL AND m.patient_id = ANY($4::text[]) AND NOT (m.patient_id = ANY($5::text[]))
       RETURNING m.patient_id),
     ev AS (INSERT INTO segment_event (segment_id, patient_id, kind, version, at)
       SELECT $1, patient_id, 'exit', $3, $2 FROM gone ORDER BY patient_id RETURNING 1)
     SELECT count(*)::int AS n FROM ev`,
    [segmentId, now, version, patients, members],
  );
  const entered = await c.query<{ n: number }>(
    `WITH came AS (
       INSERT INTO segment_member (segment_id, patient_id, entered_at, version)
       SELECT $1, x.id, $2, $3 FROM unnest($4::text[]) AS x(id)
       WHERE NOT EXISTS (SELECT 1 FROM segment_member m WHERE m.segment_id = $1 AND m.patient_id = x.id AND m.exited_at IS NULL)
       RETURNING patient_id),
     ev AS (INSERT INTO segment_event (segment_id, patient_id, kind, version, at)
       SELECT $1, patient_id, 'enter', $3, $2 FROM came ORDER BY patient_id RETURNING 1)
     SELECT count(*)::int AS n FROM ev`,
    [segmentId, now, version, members],
  );
  const delta = { entered: Number(entered.rows[0].n), exited: Number(exited.rows[0].n) };
  if (delta.entered + delta.exited === 0) return { members: before ?? 0, ...delta };
  const { rows } = await c.query<{ member_count: number }>(
    'UPDATE segment_definition SET member_count = COALESCE(member_count, 0) + $2 WHERE id = $1 RETURNING member_count',
    [segmentId, delta.entered - delta.exited],
  );
  const change = { members: Number(rows[0]?.member_count ?? 0), ...delta };
  await recordChange(c, segmentId, version, now, change);
  return change;
}

/**
 * One membership update per segment at a time (a scheduled refresh and a
 * per-change one could otherwise both add the same patient), and members
 * are computed after the lock, on what the previous update committed.
 */
async function lockSegment(c: SqlClient, segmentId: string): Promise<void> {
  await c.query('SELECT 1 FROM segment_definition WHERE id = $1 FOR UPDATE', [segmentId]);
}

/** A point on the count chart; changes at one instant add up. */
async function recordChange(
  c: SqlClient,
  segmentId: string,
  version: number,
  now: Date,
  change: MembershipChange,
) {
  await c.query(
    `INSERT INTO segment_count (segment_id, at, members, entered, exited, version) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (segment_id, at) DO UPDATE SET members = EXCLUDED.members,
       entered = segment_count.entered + EXCLUDED.entered, exited = segment_count.exited + EXCLUDED.exited`,
    [segmentId, now, change.members, change.entered, change.exited, version],
  );
}

export interface MemberRow {
  patientId: string;
  enteredAt: string;
  exitedAt: string | null;
  version: number;
}

export async function currentMembers(
  db: Database,
  segmentId: string,
  opts: { limit: number; after?: string /** SQL over m.patient_id (scope.ts) */; visible?: string | null },
): Promise<string[]> {
  return (
    await db.query<{ patient_id: string }>(
      `SELECT m.patient_id FROM segment_member m WHERE m.segment_id = $1 AND m.exited_at IS NULL AND m.patient_id > $2
       ${opts.visible ? `AND ${opts.visible}` : ''} ORDER BY m.patient_id LIMIT $3`,
      [segmentId, opts.after ?? '', opts.limit],
    )
  ).map((r) => r.patient_id);
}

export async function memberHistory(
  db: Database,
  segmentId: string,
  patientId: string,
): Promise<MemberRow[]> {
  return (
    await db.query<{ patient_id: string; entered_at: Date; exited_at: Date | null; version: number }>(
      `SELECT patient_id, entered_at, exited_at, version FROM segment_member
       WHERE segment_id = $1 AND patient_id = $2 ORDER BY entered_at`,
      [segmentId, patientId],
    )
  ).map((r) => ({
    patientId: r.patient_id,
    enteredAt: new Date(r.entered_at).toISOString(),
    exitedAt: r.exited_at ? new Date(r.exited_at).toISOString() : null,
    version: r.version,
  }));
}

/**
 * The saved segments any of these patients is in now, by name, each with the
 * earliest current entry (a profile can stand for several EHR patients).
 */
export async function patientSegments(
  db: Database,
  patientIds: readonly string[],
): Promise<Array<{ id: string; name: string; since: string }>> {
  if (patientIds.length === 0) return [];
  const rows = await db.query<{ id: string; name: string; since: Date }>(
    `SELECT d.id, d.name, min(m.entered_at) AS since
     FROM segment_member m JOIN segment_definition d ON d.id = m.segment_id
     WHERE m.patient_id = ANY($1::text[]) AND m.exited_at IS NULL
     GROUP BY d.id, d.name ORDER BY d.name, d.id`,
    [patientIds],
  );
  return rows.map((r) => ({ id: r.id, name: r.name, since: new Date(r.since).toISOString() }));
}

export interface SegmentEvent {
  seq: number;
  segmentId: string;
  patientId: string;
  kind: 'enter' | 'exit';
  version: number;
  at: string;
}

/** The enter/exit feed after a sequence number, oldest first (journeys poll it with their own cursor). */
export async function readSegmentEvents(
  db: Database,
  after: number,
  limit: number,
  segmentId?: string,
): Promise<SegmentEvent[]> {
  const rows = await db.query<{
    seq: string;
    segment_id: string;
    patient_id: string;
    kind: 'enter' | 'exit';
    version: number;
    at: Date;
  }>(
    `SELECT seq, segment_id, patient_id, kind, version, at FROM segment_event
     WHERE seq > $1 AND ($3::uuid IS NULL OR segment_id = $3) ORDER BY seq LIMIT $2`,
    [after, limit, segmentId ?? null],
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    segmentId: r.segment_id,
    patientId: r.patient_id,
    kind: r.kind,
    version: r.version,
    at: new Date(r.at).toISOString(),
  }));
}

export async function countHistory(
  db: Database,
  segmentId: string,
): Promise<Array<{ at: string; members: number; entered: number; exited: number; version: number }>> {
  return (
    await db.query<{ at: Date; members: number; entered: number; exited: number; version: number }>(
      'SELECT at, members, entered, exited, version FROM segment_count WHERE segment_id = $1 ORDER BY at',
      [segmentId],
    )
  ).map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
}
