import { randomUUID } from 'node:crypto';
import type { Clock } from '../config/clock.ts';
import type { Queryable, SqlClient } from '../db/client.ts';
import type { Database } from '../db/database.ts';
import { appendChanges, type ChangeFeed, type ChangeOperation } from './changes.ts';
import { isResourceType } from './definitions.ts';
import { extractIndex } from './index-extract.ts';
import { copyIndexRows, deleteIndexRows, prepareRows } from './index-write.ts';
import { FhirError, notFound } from './outcome.ts';
import { type FhirResource, isoTime, type ResourceRow, sameContent, withServerMeta } from './resource-row.ts';
import { validateResource } from './validate.ts';

export interface WriteResult {
  resource: FhirResource;
  outcome: 'created' | 'updated' | 'unchanged' | 'deleted';
}

export interface HistoryEntry {
  resource: FhirResource | null;
  type: string;
  id: string;
  versionId: string;
  lastUpdated: string;
  deleted: boolean;
  method: 'POST' | 'PUT' | 'DELETE';
}

const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;

export function assertType(type: string): void {
  if (!isResourceType(type)) {
    throw new FhirError(
      404,
      `'${type}' is not a FHIR R4 resource type; check the spelling and capitalisation (e.g. Patient, Observation)`,
      'not-supported',
    );
  }
}

export function assertId(id: string, where = 'id'): void {
  if (!ID_RE.test(id)) {
    throw new FhirError(
      400,
      `${where} '${id}' is not a valid FHIR id: use 1–64 letters, digits, '-' or '.'`,
      'invalid',
    );
  }
}

/** Rejects a resource that does not conform to R4, naming every problem. */
export function assertValid(resource: unknown, pathPrefix = ''): asserts resource is FhirResource {
  const issues = validateResource(resource).filter((i) => i.severity === 'error');
  if (issues.length) {
    throw new FhirError(
      400,
      issues.map((i) => ({
        severity: 'error' as const,
        code: i.code,
        diagnostics: i.diagnostics,
        expression: [pathPrefix ? `${pathPrefix}.${i.expression}` : i.expression],
      })),
    );
  }
}

/**
 * The versioned resource store. Every write runs in a transaction that also
 * writes the history, the search index and the change feed, so either all of
 * them happen or none.
 */
export class FhirStore {
  readonly db: Database;
  readonly clock: Clock;
  readonly feed: ChangeFeed;

  constructor(db: Database, clock: Clock, feed: ChangeFeed) {
    this.db = db;
    this.clock = clock;
    this.feed = feed;
  }

  async read(type: string, id: string): Promise<FhirResource> {
    return (await this.readWith(type, id, null)).resource;
  }

  /**
   * A read that also evaluates `test`, a boolean SQL expression over
   * `fhir_resource r` (access control asks "is this in the caller's care
   * units?" in the same round trip).
   */
  async readWith(
    type: string,
    id: string,
    test: ((add: (v: unknown) => string) => string | null) | null,
  ): Promise<{ resource: FhirResource; test: boolean }> {
    assertType(type);
    const params: unknown[] = [type, id];
    const expr = test?.((v) => {
      params.push(v);
      return `$${params.length}`;
    });
    const [row] = await this.db.query<ResourceRow & { test: boolean }>(
      `SELECT r.resource_type, r.id, r.version_id, r.last_updated, r.deleted, r.content, ${expr ?? 'true'} AS test
       FROM fhir_resource r WHERE r.resource_type = $1 AND r.id = $2`,
      params,
    );
    if (!row) throw notFound(type, id);
    if (row.deleted) {
      throw new FhirError(
        410,
        `${type}/${id} was deleted (version ${row.version_id}); its history is still readable at ${type}/${id}/_history`,
        'deleted',
      );
    }
    return { resource: row.content, test: row.test };
  }

  /** Current versions of several resources of one type, in one query; deleted and unknown ids are left out. */
  async readMany(c: Queryable, type: string, ids: readonly string[]): Promise<FhirResource[]> {
    assertType(type);
    if (ids.length === 0) return [];
    const rows = await c.query<{ content: FhirResource }>(
      'SELECT content FROM fhir_resource WHERE resource_type = $1 AND id = ANY($2::text[]) AND NOT deleted',
      [type, ids],
    );
    return rows.map((r) => r.content);
  }

  /** Every current resource of the given types in the patients' compartments (one indexed query). */
  async patientResources(patientIds: readonly string[], types: readonly string[]): Promise<FhirResource[]> {
    if (patientIds.length === 0) return [];
    const rows = await this.db.query<{ content: FhirResource }>(
      `SELECT content FROM fhir_resource WHERE patient_id = ANY($1::text[]) AND resource_type = ANY($2::text[]) AND NOT deleted`,
      [patientIds, types],
    );
    return rows.map((r) => r.content);
  }

  async vread(type: string, id: string, versionId: string): Promise<FhirResource> {
    assertType(type);
    const rows = await this.db.query<ResourceRow>(
      `SELECT resource_type, id, version_id, last_updated, deleted, content FROM fhir_resource WHERE resource_type = $1 AND id = $2 AND version_id::text = $3
       UNION ALL
       SELECT resource_type, id, version_id, last_updated, deleted, content FROM fhir_history WHERE resource_type = $1 AND id = $2 AND version_id::text = $3`,
      [type, id, versionId],
    );
    const row = rows[0];
    if (!row)
      throw new FhirError(
        404,
        `${type}/${id} has no version ${versionId}; list its versions at ${type}/${id}/_history`,
        'not-found',
      );
    if (row.deleted)
      throw new FhirError(410, `version ${versionId} of ${type}/${id} is a deletion`, 'deleted');
    return row.content;
  }

  /** Writes inside the caller's transaction (bundles); notify the feed after commit. */
  async writeIn(
    c: SqlClient,
    resource: FhirResource,
    opts: { ifMatch?: string; mode: 'create' | 'update' } = { mode: 'update' },
  ): Promise<WriteResult> {
    const type = resource.resourceType;
    const id = resource.id!;
    const { rows } = await c.query<{ version_id: number; deleted: boolean; content: FhirResource }>(
      'SELECT version_id, deleted, content FROM fhir_resource WHERE resource_type = $1 AND id = $2 FOR UPDATE',
      [type, id],
    );
    const existing = rows[0];
    if (opts.ifMatch !== undefined) {
      const want = parseETag(opts.ifMatch);
      const have = existing && !existing.deleted ? String(existing.version_id) : undefined;
      if (want !== have) {
        throw new FhirError(
          412,
          `If-Match ${opts.ifMatch} does not match the current version of ${type}/${id} (${have === undefined ? 'none' : `W/"${have}"`}); read it again, re-apply your change and retry`,
          'conflict',
        );
      }
    }
    if (existing && !existing.deleted && sameContent(existing.content, resource)) {
      return { resource: existing.content, outcome: 'unchanged' };
    }
    const now = this.clock.now();
    const versionId = existing ? existing.version_id + 1 : 1;
    const stored = withServerMeta(resource, versionId, now.toISOString());
    const index = extractIndex(stored);
    if (existing) {
      await moveToHistory(c, type, [id]);
      await deleteIndexRows(c, type, [id]);
      await c.query(
        `UPDATE fhir_resource SET version_id = $3, last_updated = $4, deleted = false, patient_id = $5, tokens = $6, content = $7
         WHERE resource_type = $1 AND id = $2`,
        [type, id, versionId, now.toISOString(), index.patientId, index.tokens, stored],
      );
    } else {
      await c.query(
        `INSERT INTO fhir_resource (resource_type, id, version_id, last_updated, deleted, patient_id, tokens, content)
         VALUES ($1, $2, $3, $4, false, $5, $6, $7)`,
        [type, id, versionId, now.toISOString(), index.patientId, index.tokens, stored],
      );
    }
    await copyIndexRows(c, [prepareRows(type, id, index)]);
    const operation: ChangeOperation = existing && !existing.deleted ? 'update' : 'create';
    await appendChanges(c, [
      { resourceType: type, id, versionId: String(versionId), patient: index.patientId, operation, at: now },
    ]);
    return { resource: stored, outcome: operation === 'create' ? 'created' : 'updated' };
  }

  async deleteIn(c: SqlClient, type: string, id: string): Promise<{ deleted: boolean; versionId?: string }> {
    const { rows } = await c.query<{ version_id: number; deleted: boolean; patient_id: string | null }>(
      'SELECT version_id, deleted, patient_id FROM fhir_resource WHERE resource_type = $1 AND id = $2 FOR UPDATE',
      [type, id],
    );
    const existing = rows[0];
    if (!existing || existing.deleted) return { deleted: false };
    const now = this.clock.now();
    const versionId = existing.version_id + 1;
    await moveToHistory(c, type, [id]);
    await deleteIndexRows(c, type, [id]);
    await c.query(
      `UPDATE fhir_resource SET version_id = $3, last_updated = $4, deleted = true, tokens = '{}', content = NULL
       WHERE resource_type = $1 AND id = $2`,
      [type, id, versionId, now.toISOString()],
    );
    await appendChanges(c, [
      {
        resourceType: type,
        id,
        versionId: String(versionId),
        patient: existing.patient_id,
        operation: 'delete',
        at: now,
      },
    ]);
    return { deleted: true, versionId: String(versionId) };
  }

  async create(resource: unknown): Promise<WriteResult> {
    assertValid(resource);
    const r: FhirResource = { ...resource, id: randomUUID() };
    const result = await this.db.transaction((c) => this.writeIn(c, r, { mode: 'create' }));
    this.feed.notify();
    return result;
  }

  async update(type: string, id: string, resource: unknown, ifMatch?: string): Promise<WriteResult> {
    assertType(type);
    assertId(id);
    assertValid(resource);
    if (resource.resourceType !== type) {
      throw new FhirError(
        400,
        `the body is a ${resource.resourceType} but the URL names ${type}; send a ${type} or PUT to ${resource.resourceType}/${id}`,
        'invalid',
        'resourceType',
      );
    }
    if (resource.id !== id) {
      throw new FhirError(
        400,
        `the body's id (${resource.id ?? 'missing'}) must equal the id in the URL (${id}); set "id": "${id}"`,
        'invalid',
        `${type}.id`,
      );
    }
    const result = await this.db.transaction((c) => this.writeIn(c, resource, { mode: 'update', ifMatch }));
    this.feed.notify();
    return result;
  }

  async delete(type: string, id: string): Promise<{ deleted: boolean; versionId?: string }> {
    assertType(type);
    const result = await this.db.transaction((c) => this.deleteIn(c, type, id));
    if (result.deleted) this.feed.notify();
    return result;
  }

  async history(opts: {
    type?: string;
    id?: string;
    since?: string;
    count: number;
    offset: number;
  }): Promise<{ entries: HistoryEntry[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (opts.type) {
      params.push(opts.type);
      where.push(`resource_type = $${params.length}`);
    }
    if (opts.id) {
      params.push(opts.id);
      where.push(`id = $${params.length}`);
    }
    if (opts.since) {
      params.push(opts.since);
      where.push(`last_updated >= $${params.length}`);
    }
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const union = `SELECT resource_type, id, version_id, last_updated, deleted, content FROM fhir_resource ${filter}
                   UNION ALL SELECT resource_type, id, version_id, last_updated, deleted, content FROM fhir_history ${filter}`;
    const [{ n }] = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${union}) h`, params);
    const rows = await this.db.query<ResourceRow>(
      `SELECT * FROM (${union}) h ORDER BY last_updated DESC, version_id DESC LIMIT ${opts.count} OFFSET ${opts.offset}`,
      params,
    );
    return {
      total: n,
      entries: rows.map((r) => ({
        resource: r.deleted ? null : r.content,
        type: r.resource_type,
        id: r.id,
        versionId: String(r.version_id),
        lastUpdated: isoTime(r.last_updated),
        deleted: r.deleted,
        method: r.deleted ? 'DELETE' : r.version_id === 1 ? 'POST' : 'PUT',
      })),
    };
  }
}

export async function moveToHistory(c: SqlClient, type: string, ids: readonly string[]): Promise<void> {
  await c.query(
    `INSERT INTO fhir_history (resource_type, id, version_id, last_updated, deleted, content)
     SELECT resource_type, id, version_id, last_updated, deleted, content FROM fhir_resource
     WHERE resource_type = $1 AND id = ANY($2::text[])`,
    [type, ids],
  );
}

export function parseETag(tag: string): string {
  const m = /^(?:W\/)?"?([^"]*)"?$/.exec(tag.trim());
  return m ? m[1] : tag;
}
