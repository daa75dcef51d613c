import type { Clock } from '../config/clock.ts';
import { copyValue, type SqlClient } from '../db/client.ts';
import type { Database } from '../db/database.ts';
import { appendChanges, type NewChange } from './changes.ts';
import { extractIndex } from './index-extract.ts';
import { copyIndexRows, deleteIndexRows, type PreparedRows, prepareRows } from './index-write.ts';

import type { FhirResource } from './resource-row.ts';
import { sameContent, withServerMeta } from './resource-row.ts';

export interface TypeCounts {
  created: number;
  updated: number;
  unchanged: number;
}

/**
 * A resource ready for the bulk path: validated and with its id. Import
 * workers also send its index and its stored JSON text (prepareStoredJson),
 * so the writing thread neither rebuilds nor re-serialises it; the parsed
 * resource is then only materialised when it must be compared.
 */
export interface BulkItem {
  type: string;
  id: string;
  resource?: FhirResource;
  json?: string;
  /** The search index as COPY lines (prepareRows), when a worker built it. */
  rows?: PreparedRows;
}

/** The slots for the server's meta, as JSON text: `"meta":{...}`. */
export const META_SLOTS = `"meta":${JSON.stringify({ versionId: '\u0001versionId', lastUpdated: '\u0001lastUpdated' })}`;
const HEAD = /^\{"resourceType":"[A-Za-z]+",(?:"id":"[A-Za-z0-9.-]{1,64}",)?/;

/**
 * Where the meta slots can be spliced into a resource's own compact JSON text
 * (right after resourceType and id), so the text need not be re-serialised;
 * undefined when the resource has a meta of its own or the text is laid out
 * differently.
 */
export function metaSpliceOffset(text: string, r: FhirResource): number | undefined {
  if (r.meta !== undefined) return undefined;
  const m = HEAD.exec(text);
  return m ? m[0].length : undefined;
}

export function spliceMeta(text: string, at: number): string {
  return `${text.slice(0, at)}${META_SLOTS},${text.slice(at)}`;
}

// The server-owned meta values are filled in at write time, when the version is known.
const VERSION_SLOT = JSON.stringify('\u0001versionId');
const UPDATED_SLOT = JSON.stringify('\u0001lastUpdated');

/** The JSON text a resource is stored as, with slots for versionId and lastUpdated (meta comes third, so the slots come first). */
export function prepareStoredJson(r: FhirResource): string {
  return JSON.stringify(withServerMeta(r, '\u0001versionId', '\u0001lastUpdated'));
}

function storedJson(item: BulkItem, version: number, nowIso: string): string {
  if (item.json === undefined) return JSON.stringify(withServerMeta(item.resource!, version, nowIso));
  return item.json.replace(VERSION_SLOT, `"${version}"`).replace(UPDATED_SLOT, `"${nowIso}"`);
}

/** The parsed resource (server meta slots are stripped by the comparison, so they do no harm). */
export function resourceOf(item: BulkItem): FhirResource {
  item.resource ??= JSON.parse(item.json!) as FhirResource;
  return item.resource;
}

/**
 * Upserts many resources keeping their ids (bulk import semantics): new ids
 * are created, changed content becomes a new version, identical content is
 * left alone. One transaction per call; rows go in with COPY, so a batch of
 * a few thousand costs a handful of round trips.
 */
export async function bulkUpsert(
  db: Database,
  clock: Clock,
  items: readonly BulkItem[],
): Promise<Record<string, TypeCounts>> {
  // The last occurrence of a type/id in the batch wins, as if written in order.
  const byKey = new Map<string, BulkItem>();
  for (const item of items) byKey.set(`${item.type}/${item.id}`, item);
  const batch = [...byKey.values()];
  return db.transaction((c) => bulkUpsertIn(c, clock.now(), batch));
}

/** bulkUpsert inside the caller's transaction (a transaction Bundle's creates); ids must be unique in `batch`. */
export async function bulkUpsertIn(
  c: SqlClient,
  now: Date,
  batch: readonly BulkItem[],
): Promise<Record<string, TypeCounts>> {
  const counts: Record<string, TypeCounts> = {};
  const count = (type: string) => (counts[type] ??= { created: 0, updated: 0, unchanged: 0 });
  const existing = await lockExisting(c, batch);
  const nowIso = now.toISOString();
  const writes: { item: BulkItem; version: number; rows: PreparedRows; op: 'create' | 'update' }[] = [];
  // Replaced rows are found again by their physical address: they are locked, so it cannot move.
  const replaced: ExistingRow[] = [];
  for (const item of batch) {
    const prev = existing.get(`${item.type}/${item.id}`);
    if (prev && !prev.deleted && sameContent(prev.content, resourceOf(item))) {
      count(item.type).unchanged++;
      continue;
    }
    if (prev) replaced.push(prev);
    const version = prev ? prev.version_id + 1 : 1;
    const op = prev && !prev.deleted ? 'update' : 'create';
    count(item.type)[op === 'update' ? 'updated' : 'created']++;
    const rows = item.rows ?? prepareRows(item.type, item.id, extractIndex(resourceOf(item)));
    writes.push({ item, version, rows, op });
  }
  if (replaced.length > 0) {
    const tids = replaced.map((x) => x.tid);
    await c.query(
      `INSERT INTO fhir_history (resource_type, id, version_id, last_updated, deleted, content)
       SELECT resource_type, id, version_id, last_updated, deleted, content FROM fhir_resource WHERE ctid = ANY($1::text[]::tid[])`,
      [tids],
    );
    await c.query('DELETE FROM fhir_resource WHERE ctid = ANY($1::text[]::tid[])', [tids]);
    const byType = new Map<string, string[]>();
    for (const x of replaced) {
      if (!byType.has(x.resource_type)) byType.set(x.resource_type, []);
      byType.get(x.resource_type)!.push(x.id);
    }
    for (const [type, ids] of byType) await deleteIndexRows(c, type, ids);
  }
  await copyResources(c, writes, nowIso);
  const changes: NewChange[] = writes.map((w) => ({
    resourceType: w.item.type,
    id: w.item.id,
    versionId: String(w.version),
    patient: w.rows.patientId,
    operation: w.op,
    at: now,
  }));
  await appendChanges(c, changes);
  return counts;
}

interface ExistingRow {
  /** The row's ctid, as text. */
  tid: string;
  resource_type: string;
  id: string;
  version_id: number;
  deleted: boolean;
  content: FhirResource;
}

/**
 * Reads and locks the rows the batch will replace. Each key is looked up
 * through the primary key (the LATERAL subquery with its own FOR UPDATE is
 * not flattened into a join), so the cost follows the batch, not the table:
 * a plain join against unnest() is planned as a hash join over a sequential
 * scan, which makes every batch slower as the store grows.
 */
async function lockExisting(c: SqlClient, batch: readonly BulkItem[]): Promise<Map<string, ExistingRow>> {
  const { rows } = await c.query<ExistingRow>(
    `SELECT r.tid, r.resource_type, r.id, r.version_id, r.deleted, r.content
     FROM unnest($1::text[], $2::text[]) AS k(t, i)
     CROSS JOIN LATERAL (
       SELECT x.ctid::text AS tid, x.resource_type, x.id, x.version_id, x.deleted, x.content
       FROM fhir_resource x WHERE x.resource_type = k.t AND x.id = k.i FOR UPDATE
     ) r`,
    [batch.map((b) => b.type), batch.map((b) => b.id)],
  );
  return new Map(rows.map((r) => [`${r.resource_type}/${r.id}`, r]));
}

/** COPY text escaping for JSON.stringify output: it has no raw tab, newline or CR, so only backslashes double. */
function copyJson(json: string): string {
  return json.includes('\\') ? json.replaceAll('\\', '\\\\') : json;
}

async function copyResources(
  c: SqlClient,
  writes: { item: BulkItem; version: number; rows: PreparedRows }[],
  nowIso: string,
): Promise<void> {
  if (writes.length === 0) return;
  const res: string[] = [];
  for (const { item, version, rows } of writes) {
    res.push(
      `${copyValue(item.type)}\t${copyValue(item.id)}\t${version}\t${nowIso}\tf\t${copyValue(rows.patientId)}\t${rows.tokens}\t${copyJson(storedJson(item, version, nowIso))}\n`,
    );
  }
  await c.copyFrom(
    'fhir_resource',
    ['resource_type', 'id', 'version_id', 'last_updated', 'deleted', 'patient_id', 'tokens', 'content'],
    res.join(''),
  );
  await copyIndexRows(
    c,
    writes.map((w) => w.rows),
  );
}
