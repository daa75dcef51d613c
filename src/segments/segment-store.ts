import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/client.ts';
import type { Definition } from './definition.ts';

/** Saved segments and their versions. Every change to the definition is a new version, kept. */
export type SegmentKind = 'dynamic' | 'static';

export interface SegmentRecord {
  id: string;
  name: string;
  description: string;
  kind: SegmentKind;
  definition: Definition;
  version: number;
  template: string | null;
  refreshMinutes: number | null;
  frozenAt: string | null;
  refreshedAt: string | null;
  memberCount: number | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface SegmentInput {
  name: string;
  description?: string;
  kind: SegmentKind;
  definition: Definition;
  template?: string | null;
  refreshMinutes?: number | null;
}

interface Row {
  id: string;
  name: string;
  description: string;
  kind: SegmentKind;
  definition: Definition;
  version: number;
  template: string | null;
  refresh_minutes: number | null;
  frozen_at: Date | null;
  refreshed_at: Date | null;
  member_count: number | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function toRecord(r: Row): SegmentRecord {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    kind: r.kind,
    definition: r.definition,
    version: r.version,
    template: r.template,
    refreshMinutes: r.refresh_minutes,
    frozenAt: iso(r.frozen_at),
    refreshedAt: iso(r.refreshed_at),
    memberCount: r.member_count,
    createdBy: r.created_by,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
  };
}

export async function listSegments(db: Queryable): Promise<SegmentRecord[]> {
  return (
    await db.query<Row>('SELECT * FROM segment_definition WHERE NOT deleted ORDER BY lower(name), id')
  ).map(toRecord);
}

export async function getSegment(db: Queryable, id: string): Promise<SegmentRecord | undefined> {
  const [r] = await db.query<Row>('SELECT * FROM segment_definition WHERE id = $1 AND NOT deleted', [id]);
  return r ? toRecord(r) : undefined;
}

export async function createSegment(
  db: Queryable,
  input: SegmentInput,
  actor: string,
  now: Date,
): Promise<SegmentRecord> {
  const id = randomUUID();
  const [r] = await db.query<Row>(
    `INSERT INTO segment_definition (id, name, description, kind, definition, version, template, refresh_minutes,
       created_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $9, $9) RETURNING *`,
    [
      id,
      input.name,
      input.description ?? '',
      input.kind,
      JSON.stringify(input.definition),
      input.template ?? null,
      input.kind === 'dynamic' ? (input.refreshMinutes ?? 60) : null,
      actor,
      now,
    ],
  );
  await db.query(
    'INSERT INTO segment_version (segment_id, version, definition, created_by, created_at) VALUES ($1, 1, $2, $3, $4)',
    [id, JSON.stringify(input.definition), actor, now],
  );
  return toRecord(r);
}

export class VersionConflict extends Error {}
export class FrozenSegment extends Error {}

/** Saves a new version; `expectedVersion` guards against two editors overwriting each other. */
export async function updateSegment(
  db: Queryable,
  id: string,
  input: SegmentInput,
  expectedVersion: number,
  actor: string,
  now: Date,
): Promise<SegmentRecord | undefined> {
  const current = await getSegment(db, id);
  if (!current) return undefined;
  if (current.version !== expectedVersion)
    throw new VersionConflict(
      `segment ${id} is at version ${current.version}, not ${expectedVersion}; reload it and apply your change again`,
    );
  if (current.kind === 'static' && current.frozenAt)
    throw new FrozenSegment(
      `segment ${id} is static and was frozen at ${current.frozenAt}; duplicate it to change the definition`,
    );
  const changed = JSON.stringify(current.definition) !== JSON.stringify(input.definition);
  const version = changed ? current.version + 1 : current.version;
  // The version check is part of the write: of two editors who loaded one version, one wins.
  const [r] = await db.query<Row>(
    `UPDATE segment_definition SET name = $2, description = $3, definition = $4, version = $5, refresh_minutes = $6,
       updated_at = $7 WHERE id = $1 AND version = $8 AND NOT deleted RETURNING *`,
    [
      id,
      input.name,
      input.description ?? '',
      JSON.stringify(input.definition),
      version,
      current.kind === 'dynamic' ? (input.refreshMinutes ?? current.refreshMinutes ?? 60) : null,
      now,
      expectedVersion,
    ],
  );
  if (!r)
    throw new VersionConflict(
      `segment ${id} was saved by someone else just now; reload it and apply your change again`,
    );
  if (changed)
    await db.query(
      'INSERT INTO segment_version (segment_id, version, definition, created_by, created_at) VALUES ($1, $2, $3, $4, $5)',
      [id, version, JSON.stringify(input.definition), actor, now],
    );
  return toRecord(r);
}

/**
 * Deletes (hides) a segment and ends every open stay with an exit event, so a
 * journey following the feed sees its members leave.
 */
export async function deleteSegment(db: Queryable, id: string, now: Date): Promise<boolean> {
  const rows = await db.query<{ version: number }>(
    'UPDATE segment_definition SET deleted = true, updated_at = $2 WHERE id = $1 AND NOT deleted RETURNING version',
    [id, now],
  );
  if (rows.length === 0) return false;
  await db.query(
    `WITH gone AS (UPDATE segment_member SET exited_at = $2 WHERE segment_id = $1 AND exited_at IS NULL RETURNING patient_id)
     INSERT INTO segment_event (segment_id, patient_id, kind, version, at)
     SELECT $1, patient_id, 'exit', $3, $2 FROM gone ORDER BY patient_id`,
    [id, now, rows[0].version],
  );
  return true;
}

export async function segmentVersions(
  db: Queryable,
  id: string,
): Promise<Array<{ version: number; definition: Definition; createdBy: string; createdAt: string }>> {
  return (
    await db.query<{ version: number; definition: Definition; created_by: string; created_at: Date }>(
      'SELECT version, definition, created_by, created_at FROM segment_version WHERE segment_id = $1 ORDER BY version',
      [id],
    )
  ).map((r) => ({
    version: r.version,
    definition: r.definition,
    createdBy: r.created_by,
    createdAt: iso(r.created_at)!,
  }));
}

/** Which saved segments nest this one (they must not be left pointing at a deleted segment). */
export async function segmentsUsing(db: Queryable, id: string): Promise<Array<{ id: string; name: string }>> {
  return db.query<{ id: string; name: string }>(
    `SELECT id, name FROM segment_definition WHERE NOT deleted AND id <> $1 AND definition::text LIKE $2`,
    [id, `%"segmentId": "${id}"%`],
  );
}
