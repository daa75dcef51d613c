import type { Clock } from '../config/clock.ts';
import { copyValue, type SqlClient, textArrayLiteral } from '../db/client.ts';
import type { Database } from '../db/database.ts';
import { appendChanges, type NewChange } from './changes.ts';
import { toSqlTime } from './dates.ts';
import { extractIndex, type IndexEntries } from './index-extract.ts';
import { deleteIndexRows } from './index-write.ts';
import type { FhirResource } from './resource-row.ts';
import { sameContent, withServerMeta } from './resource-row.ts';

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
export async function bulkUpsert(
  db: Database,
  clock: Clock,
  items: readonly BulkItem[],
): Promise<Record<string, TypeCounts>> {
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
    // Replaced rows are found again by their physical address: they are locked, so it cannot move.
    const replaced: ExistingRow[] = [];
    for (const item of batch) {
      const r = item.resource;
      const prev = existing.get(`${r.resourceType}/${r.id}`);
      if (prev && !prev.deleted && sameContent(prev.content, r)) {
        count(r.resourceType).unchanged++;
        continue;
      }
      if (prev) replaced.push(prev);
      const version = prev ? prev.version_id + 1 : 1;
      item.resource = withServerMeta(r, version, nowIso);
      const op = prev && !prev.deleted ? 'update' : 'create';
      count(r.resourceType)[op === 'update' ? 'updated' : 'created']++;
      writes.push({ item, version, index: item.index ?? extractIndex(item.resource), op });
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
async function lockExisting(c: SqlClient, batch: BulkItem[]): Promise<Map<string, ExistingRow>> {
  const { rows } = await c.query<ExistingRow>(
    `SELECT r.tid, r.resource_type, r.id, r.version_id, r.deleted, r.content
     FROM unnest($1::text[], $2::text[]) AS k(t, i)
     CROSS JOIN LATERAL (
       SELECT x.ctid::text AS tid, x.resource_type, x.id, x.version_id, x.deleted, x.content
       FROM fhir_resource x WHERE x.resource_type = k.t AND x.id = k.i FOR UPDATE
     ) r`,
    [batch.map((b) => b.resource.resourceType), batch.map((b) => b.resource.id)],
  );
  return new Map(rows.map((r) => [`${r.resource_type}/${r.id}`, r]));
}

/** COPY text escaping for JSON.stringify output: it has no raw tab, newline or CR, so only backslashes double. */
function copyJson(json: string): string {
  return json.includes('\\') ? json.replaceAll('\\', '\\\\') : json;
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
      `${t}\t${id}\t${version}\t${nowIso}\tf\t${copyValue(index.patientId)}\t${copyValue(textArrayLiteral(index.tokens))}\t${copyJson(JSON.stringify(r))}\n`,
    );
    for (const s of index.strings)
      strings.push(`${t}\t${id}\t${copyValue(s.param)}\t${copyValue(s.value)}\t${copyValue(s.raw)}\n`);
    for (const d of index.dates)
      dates.push(`${t}\t${id}\t${copyValue(d.param)}\t${toSqlTime(d.lo)}\t${toSqlTime(d.hi)}\n`);
    for (const q of index.quantities) {
      quantities.push(
        `${t}\t${id}\t${copyValue(q.param)}\t${q.value}\t${copyValue(q.system)}\t${copyValue(q.code)}\n`,
      );
    }
  }
  await c.copyFrom(
    'fhir_resource',
    ['resource_type', 'id', 'version_id', 'last_updated', 'deleted', 'patient_id', 'tokens', 'content'],
    res.join(''),
  );
  await c.copyFrom('fhir_string', ['resource_type', 'id', 'param', 'value', 'raw'], strings.join(''));
  await c.copyFrom('fhir_date', ['resource_type', 'id', 'param', 'lo', 'hi'], dates.join(''));
  await c.copyFrom(
    'fhir_quantity',
    ['resource_type', 'id', 'param', 'value', 'system', 'code'],
    quantities.join(''),
  );
}
