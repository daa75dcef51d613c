import type { Clock } from '../config/clock.ts';
import { copyValue, type SqlClient, textArrayLiteral } from '../db/client.ts';
import type { Database } from '../db/database.ts';
import { appendChanges, type NewChange } from './changes.ts';
import { toSqlTime } from './dates.ts';
import { extractIndex, type IndexEntries } from './index-extract.ts';
import { deleteIndexRows } from './index-write.ts';
import type { FhirResource } from './resource-row.ts';
import { sameContent } from './resource-row.ts';
import { moveToHistory } from './store.ts';

export interface TypeCounts {
  created: number;
  updated: number;
  unchanged: number;
}

/** A resource ready for the bulk path: validated, with its id, and optionally its index precomputed (in a worker). */
export interface BulkItem {
  resource: FhirResource;
  index?: IndexEntries;
}

/**
 * Upserts many resources keeping their ids (bulk import semantics): new ids
 * are created, changed content becomes a new version, identical content is
 * left alone. One transaction per call; rows go in with COPY, so a batch of
 * a few thousand costs a handful of round trips.
 */
export async function bulkUpsert(db: Database, clock: Clock, items: readonly BulkItem[]): Promise<Record<string, TypeCounts>> {
  // The last occurrence of a type/id in the batch wins, as if written in order.
  const byKey = new Map<string, BulkItem>();
  for (const item of items) byKey.set(`${item.resource.resourceType}/${item.resource.id}`, item);
  const batch = [...byKey.values()];
  const counts: Record<string, TypeCounts> = {};
  const count = (type: string) => (counts[type] ??= { created: 0, updated: 0, unchanged: 0 });
  await db.transaction(async (c) => {
    const existing = await lockExisting(c, batch);
    const now = clock.now();
    const nowIso = now.toISOString();
    const writes: { item: BulkItem; version: number; index: IndexEntries; op: 'create' | 'update' }[] = [];
    const replaced = new Map<string, string[]>();
    for (const item of batch) {
      const r = item.resource;
      const prev = existing.get(`${r.resourceType}/${r.id}`);
      if (prev && !prev.deleted && sameContent(prev.content, r)) {
        count(r.resourceType).unchanged++;
        continue;
      }
      if (prev) {
        if (!replaced.has(r.resourceType)) replaced.set(r.resourceType, []);
        replaced.get(r.resourceType)!.push(r.id!);
      }
      const version = prev ? prev.version_id + 1 : 1;
      r.meta = { ...(r.meta ?? {}), versionId: String(version), lastUpdated: nowIso };
      const op = prev && !prev.deleted ? 'update' : 'create';
      count(r.resourceType)[op === 'update' ? 'updated' : 'created']++;
      writes.push({ item, version, index: item.index ?? extractIndex(r), op });
    }
    for (const [type, ids] of replaced) {
      await moveToHistory(c, type, ids);
      await deleteIndexRows(c, type, ids);
      await c.query('DELETE FROM fhir_resource WHERE resource_type = $1 AND id = ANY($2::text[])', [type, ids]);
    }
    await copyResources(c, writes, nowIso);
    const changes: NewChange[] = writes.map((w) => ({
      resourceType: w.item.resource.resourceType,
      id: w.item.resource.id!,
      versionId: String(w.version),
      patient: w.index.patientId,
      operation: w.op,
      at: now,
    }));
    await appendChanges(c, changes);
  });
  return counts;
}

interface ExistingRow {
  resource_type: string;
  id: string;
  version_id: number;
  deleted: boolean;
  content: FhirResource;
}

async function lockExisting(c: SqlClient, batch: BulkItem[]): Promise<Map<string, ExistingRow>> {
  const { rows } = await c.query<ExistingRow>(
    `SELECT r.resource_type, r.id, r.version_id, r.deleted, r.content FROM fhir_resource r
     JOIN unnest($1::text[], $2::text[]) AS k(t, i) ON r.resource_type = k.t AND r.id = k.i
     FOR UPDATE OF r`,
    [batch.map((b) => b.resource.resourceType), batch.map((b) => b.resource.id)],
  );
  return new Map(rows.map((r) => [`${r.resource_type}/${r.id}`, r]));
}

async function copyResources(
  c: SqlClient,
  writes: { item: BulkItem; version: number; index: IndexEntries }[],
  nowIso: string,
): Promise<void> {
  if (writes.length === 0) return;
  const res: string[] = [];
  const strings: string[] = [];
  const dates: string[] = [];
  const quantities: string[] = [];
  for (const { item, version, index } of writes) {
    const r = item.resource;
    const t = copyValue(r.resourceType);
    const id = copyValue(r.id);
    res.push(
      `${t}\t${id}\t${version}\t${nowIso}\tf\t${copyValue(index.patientId)}\t${copyValue(textArrayLiteral(index.tokens))}\t${copyValue(JSON.stringify(r))}\n`,
    );
    for (const s of index.strings) strings.push(`${t}\t${id}\t${copyValue(s.param)}\t${copyValue(s.value)}\t${copyValue(s.raw)}\n`);
    for (const d of index.dates) dates.push(`${t}\t${id}\t${copyValue(d.param)}\t${toSqlTime(d.lo)}\t${toSqlTime(d.hi)}\n`);
    for (const q of index.quantities) {
      quantities.push(`${t}\t${id}\t${copyValue(q.param)}\t${q.value}\t${copyValue(q.system)}\t${copyValue(q.code)}\n`);
    }
  }
  await c.copyFrom('fhir_resource', ['resource_type', 'id', 'version_id', 'last_updated', 'deleted', 'patient_id', 'tokens', 'content'], res.join(''));
  await c.copyFrom('fhir_string', ['resource_type', 'id', 'param', 'value', 'raw'], strings.join(''));
  await c.copyFrom('fhir_date', ['resource_type', 'id', 'param', 'lo', 'hi'], dates.join(''));
  await c.copyFrom('fhir_quantity', ['resource_type', 'id', 'param', 'value', 'system', 'code'], quantities.join(''));
}
