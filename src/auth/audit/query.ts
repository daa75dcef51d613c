import type { Database } from '../../db/database.ts';
import { type AuditRow, type ChainedRecord, fromRow, SELECT_COLUMNS } from './chain.ts';
import { type AuditAction, type AuditOutcome, MAX_AUDIT_PAGE } from './entry.ts';
import { parseBound } from './time.ts';

/** One audit record as the API, the web app and the extract see it. */
export interface AuditRecord {
  seq: number;
  /** ISO 8601 UTC with milliseconds. */
  at: string;
  actorId: string;
  actorName: string;
  actorKind: string;
  method: string | null;
  role: string;
  careUnits: string[];
  action: AuditAction;
  outcome: AuditOutcome;
  resourceType: string | null;
  resourceIds: string[];
  patientIds: string[];
  ip: string | null;
  client: string | null;
  purpose: string | null;
  emergency: boolean;
  detail: string | null;
}

export function toAuditRecord(r: ChainedRecord): AuditRecord {
  return {
    seq: r.seq,
    at: r.at.toISOString(),
    actorId: r.actorId,
    actorName: r.actorName,
    actorKind: r.actorKind,
    method: r.method,
    role: r.role,
    careUnits: r.careUnits,
    action: r.action,
    outcome: r.outcome,
    resourceType: r.resourceType,
    resourceIds: r.resourceIds,
    patientIds: r.patientIds,
    ip: r.ip,
    client: r.client,
    purpose: r.purpose,
    emergency: r.emergency,
    detail: r.detail,
  };
}

/** The internal filter; each list is "any of". Used by the API, the FHIR view and the extract. */
export interface AuditFilter {
  /** actor_id or actor_name. */
  actors?: readonly string[];
  patients?: readonly string[];
  actions?: readonly string[];
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
  /** seq below (newest-first paging) or above (oldest-first paging). */
  beforeSeq?: number;
  afterSeq?: number;
  order: 'newest' | 'oldest';
  limit: number;
}

export async function selectAudit(db: Database, f: AuditFilter): Promise<AuditRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.actors?.length) {
    const p = add(f.actors);
    where.push(`(actor_id = ANY(${p}::text[]) OR actor_name = ANY(${p}::text[]))`);
  }
  // && over the GIN index on patient_ids.
  if (f.patients?.length) where.push(`patient_ids && ${add(f.patients)}::text[]`);
  if (f.actions?.length) where.push(`action = ANY(${add(f.actions)}::text[])`);
  if (f.from) where.push(`at >= ${add(f.from.toISOString())}`);
  if (f.to) where.push(`at < ${add(f.to.toISOString())}`);
  if (f.beforeSeq !== undefined) where.push(`seq < ${add(f.beforeSeq)}`);
  if (f.afterSeq !== undefined) where.push(`seq > ${add(f.afterSeq)}`);
  const rows = await db.query<AuditRow>(
    `SELECT ${SELECT_COLUMNS} FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY seq ${f.order === 'newest' ? 'DESC' : 'ASC'} LIMIT ${add(f.limit)}`,
    params,
  );
  return rows.map((r) => toAuditRecord(fromRow(r)));
}

export async function readAuditRecord(db: Database, seq: number): Promise<AuditRecord | null> {
  const [row] = await db.query<AuditRow>(`SELECT ${SELECT_COLUMNS} FROM audit_log WHERE seq = $1`, [seq]);
  return row ? toAuditRecord(fromRow(row)) : null;
}

export interface AuditQuery {
  /** Actor id or actor name (the e-mail of a user). */
  user?: string;
  patient?: string;
  action?: AuditAction;
  /** YYYY-MM-DD (a Swedish calendar day, inclusive) or an ISO 8601 instant (inclusive). */
  from?: string;
  /** YYYY-MM-DD (a Swedish calendar day, inclusive) or an ISO 8601 instant (exclusive). */
  to?: string;
  /** Default 100, at most 1000. */
  limit?: number;
  /** The `next` of the previous page. */
  before?: number | string;
}

export interface AuditPage {
  /** Newest first. */
  records: AuditRecord[];
  /** Pass as `before` for the next (older) page; null when this was the last. */
  next: string | null;
}

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = MAX_AUDIT_PAGE;

export async function queryAudit(db: Database, q: AuditQuery): Promise<AuditPage> {
  const limit = Math.min(Math.max(1, Math.trunc(q.limit ?? DEFAULT_LIMIT)), MAX_LIMIT);
  const before = q.before === undefined || q.before === '' ? undefined : Number(q.before);
  if (before !== undefined && !Number.isInteger(before))
    throw new RangeError(`before=${q.before} is not a record number; pass the 'next' of the previous page`);
  const records = await selectAudit(db, {
    actors: q.user ? [q.user] : undefined,
    patients: q.patient ? [q.patient] : undefined,
    actions: q.action ? [q.action] : undefined,
    from: q.from ? parseBound(q.from, 'from') : undefined,
    to: q.to ? parseBound(q.to, 'to') : undefined,
    beforeSeq: before,
    order: 'newest',
    limit: limit + 1,
  });
  const more = records.length > limit;
  if (more) records.length = limit;
  return { records, next: more ? String(records[records.length - 1].seq) : null };
}
