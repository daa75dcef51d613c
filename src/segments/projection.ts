import { copyValue, inTransaction, type SqlClient } from '../db/client.ts';
import type { Database } from '../db/database.ts';
import { type Change, lastSeq, type Subscription } from '../fhir/changes.ts';
import type { FhirStore } from '../fhir/store.ts';
import { CLINICAL_TYPES } from './definition.ts';
import { clinicalFacts, type FactRow, isClinicalType, type PersonRow, personRow } from './facts.ts';

/**
 * Keeps the segment index (segment_person, segment_fact) in step with the
 * clinical store through the change feed, in the transaction that advances
 * the cursor. Evaluation drains the subscription first, so a segment always
 * sees every committed write. After each batch, `onPatients` gets the
 * patients whose data changed (incremental membership, membership.ts).
 */
export const INDEX_CONSUMER = 'segments';
export const INDEXED_TYPES = ['Patient', ...CLINICAL_TYPES] as const;

const FACT_COLUMNS = [
  'patient_id',
  'resource_type',
  'resource_id',
  'system',
  'code',
  'status',
  'at',
  'at_end',
  'value',
  'unit',
] as const;
const PERSON_COLUMNS = [
  'patient_id',
  'birth_date',
  'gender',
  'postal_code',
  'municipality',
  'region',
  'language',
  'org_ref',
  'gp_ref',
  'deceased_at',
] as const;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function factCopyLine(f: FactRow): string {
  return [
    f.patient_id,
    f.resource_type,
    f.resource_id,
    f.system,
    f.code,
    f.status,
    iso(f.at),
    iso(f.at_end),
    f.value,
    f.unit,
  ]
    .map(copyValue)
    .join('\t');
}

function personCopyLine(p: PersonRow): string {
  return [
    p.patient_id,
    p.birth_date,
    p.gender,
    p.postal_code,
    p.municipality,
    p.region,
    p.language,
    p.org_ref,
    p.gp_ref,
    iso(p.deceased_at),
  ]
    .map(copyValue)
    .join('\t');
}

export interface IndexedResource {
  type: string;
  id: string;
  /** The current content, or null when the resource was deleted. */
  content: Record<string, unknown> | null;
}

/** Replaces the index rows of these resources; returns the patients they belong to (before and after) and the facts written. */
export async function indexResources(
  c: SqlClient,
  items: readonly IndexedResource[],
): Promise<{ patients: Set<string>; facts: number }> {
  const patients = new Set<string>();
  const byType = new Map<string, IndexedResource[]>();
  for (const it of items) {
    if (it.type !== 'Patient' && !isClinicalType(it.type)) continue;
    byType.set(it.type, [...(byType.get(it.type) ?? []), it]);
  }
  const facts: string[] = [];
  const persons: string[] = [];
  const codes = new Map<string, [string, string, string, string | null]>();
  for (const [type, list] of byType) {
    const ids = list.map((x) => x.id);
    if (type === 'Patient') {
      await c.query('DELETE FROM segment_person WHERE patient_id = ANY($1::text[])', [ids]);
      for (const x of list) {
        patients.add(x.id);
        const row = x.content ? personRow(x.content) : null;
        if (row) persons.push(personCopyLine(row));
      }
      continue;
    }
    const { rows } = await c.query<{ patient_id: string }>(
      'DELETE FROM segment_fact WHERE resource_type = $1 AND resource_id = ANY($2::text[]) RETURNING patient_id',
      [type, ids],
    );
    for (const r of rows) patients.add(r.patient_id);
    for (const x of list) {
      if (!x.content || !isClinicalType(type)) continue;
      for (const f of clinicalFacts(type, x.content)) {
        patients.add(f.patient_id);
        facts.push(factCopyLine(f));
        const k = `${type}|${f.system}|${f.code}`;
        if (f.code !== '' && (!codes.has(k) || (f.display && !codes.get(k)![3])))
          codes.set(k, [type, f.system, f.code, f.display ?? null]);
      }
    }
  }
  if (persons.length) await c.copyFrom('segment_person', PERSON_COLUMNS, `${persons.join('\n')}\n`);
  if (facts.length) await c.copyFrom('segment_fact', FACT_COLUMNS, `${facts.join('\n')}\n`);
  if (codes.size) {
    const list = [...codes.values()];
    await c.query(
      `INSERT INTO segment_code (resource_type, system, code, display)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
       ON CONFLICT (resource_type, system, code) DO UPDATE SET display = EXCLUDED.display
       WHERE segment_code.display IS NULL AND EXCLUDED.display IS NOT NULL`,
      [list.map((x) => x[0]), list.map((x) => x[1]), list.map((x) => x[2]), list.map((x) => x[3])],
    );
  }
  return { patients, facts: facts.length };
}

export async function applyIndexChanges(
  c: SqlClient,
  store: FhirStore,
  changes: readonly Change[],
): Promise<Set<string>> {
  const latest = new Map<string, Change>();
  for (const ch of changes)
    if (ch.resourceType === 'Patient' || isClinicalType(ch.resourceType))
      latest.set(`${ch.resourceType}/${ch.id}`, ch);
  if (latest.size === 0) return new Set();
  const q = inTransaction(c);
  const items: IndexedResource[] = [];
  const byType = new Map<string, string[]>();
  for (const ch of latest.values())
    byType.set(ch.resourceType, [...(byType.get(ch.resourceType) ?? []), ch.id]);
  for (const [type, ids] of byType) {
    const found = new Map((await store.readMany(q, type, ids)).map((r) => [r.id as string, r]));
    for (const id of ids)
      items.push({ type, id, content: (found.get(id) as Record<string, unknown> | undefined) ?? null });
  }
  const { patients } = await indexResources(c, items);
  for (const ch of latest.values()) if (ch.patient) patients.add(ch.patient);
  return patients;
}

export function subscribeSegmentIndex(
  store: FhirStore,
  opts: {
    pollMs?: number;
    batchSize?: number;
    onPatients?: (patients: readonly string[], c: SqlClient) => Promise<void>;
  } = {},
): Subscription {
  return store.feed.subscribe({
    consumer: INDEX_CONSUMER,
    batchSize: opts.batchSize ?? 2000,
    pollMs: opts.pollMs,
    handle: async (changes, c) => {
      const patients = await applyIndexChanges(c, store, changes);
      if (patients.size > 0 && opts.onPatients) await opts.onPatients([...patients], c);
    },
  });
}

export interface RebuildProgress {
  type: string;
  resources: number;
  facts: number;
}

/**
 * Rebuilds the whole index from the store (after a bulk import, or to
 * recover), in pages by id, and moves the feed cursor to the last change it
 * has seen, so the subscription does not index the same resources again.
 */
export async function rebuildSegmentIndex(
  db: Database,
  opts: { pageSize?: number; onProgress?: (p: RebuildProgress) => void } = {},
): Promise<{ resources: number; facts: number; persons: number }> {
  const pageSize = opts.pageSize ?? 5000;
  const seq = await lastSeq(db);
  await db.transaction(async (c) => {
    await c.query('TRUNCATE segment_fact');
    await c.query('TRUNCATE segment_person');
  });
  let resources = 0;
  let facts = 0;
  let persons = 0;
  for (const type of INDEXED_TYPES) {
    let after = '';
    for (;;) {
      const rows = await db.query<{ id: string; content: Record<string, unknown> }>(
        `SELECT id, content FROM fhir_resource WHERE resource_type = $1 AND NOT deleted AND id > $2 ORDER BY id LIMIT $3`,
        [type, after, pageSize],
      );
      if (rows.length === 0) break;
      after = rows[rows.length - 1].id;
      const written = await db.transaction((c) =>
        indexResources(
          c,
          rows.map((r) => ({ type, id: r.id, content: r.content })),
        ),
      );
      if (type === 'Patient') persons += rows.length;
      facts += written.facts;
      resources += rows.length;
      opts.onProgress?.({ type, resources, facts });
    }
  }
  await db.query(
    `INSERT INTO change_cursor (consumer, seq, updated_at) VALUES ($1, $2, now())
     ON CONFLICT (consumer) DO UPDATE SET seq = GREATEST(change_cursor.seq, EXCLUDED.seq), updated_at = now()`,
    [INDEX_CONSUMER, seq],
  );
  await db.query('ANALYZE segment_fact');
  await db.query('ANALYZE segment_person');
  return { resources, facts, persons };
}
