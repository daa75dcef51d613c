import type { Clock } from '../../config/clock.ts';
import { type SqlClient, textArrayLiteral } from '../../db/client.ts';
import type { Database } from '../../db/database.ts';
import type { Principal } from '../principal.ts';
import { type AuditFields, type ChainedRecord, chainHash, FIELD_COLUMNS, GENESIS_HASH } from './chain.ts';
import type { AuditEntry, AuditOrigin } from './entry.ts';

/** A write of the audit log failed; every request waiting on it must fail too. */
export class AuditWriteError extends Error {}

/** Records per write (the locked fallback INSERT binds 20 parameters a row, under PostgreSQL's 65,535). */
const MAX_BATCH = 1000;
const LIMITS = { client: 512, purpose: 2000, detail: 4000, id: 256 };

/**
 * PostgreSQL text holds neither NUL nor lone surrogates (the driver would turn
 * the latter into U+FFFD, and the stored record would no longer match its
 * hash), so values are made storable before they are hashed.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
function clean(s: string, max = LIMITS.id): string {
  // Cut first: the cut may split a surrogate pair, which the next step repairs.
  const cut = s.length > max ? `${s.slice(0, max - 1)}…` : s;
  return cut.replaceAll('\0', '').replace(LONE_SURROGATE, '\uFFFD');
}
const cleanOrNull = (s: string | null | undefined, max?: number) =>
  s === null || s === undefined || s === '' ? null : clean(s, max);
const cleanList = (xs: readonly string[] | undefined) => [...new Set((xs ?? []).map((x) => clean(x)))];

/** What one record() call stores, before it gets its place in the chain. */
export function auditFields(
  principal: Principal | null,
  entry: AuditEntry,
  origin: AuditOrigin,
  at: Date,
): AuditFields {
  return {
    at: new Date(at.getTime()),
    actorId: clean(principal?.actorId ?? 'anonymous'),
    actorName: clean(principal?.actorName ?? 'anonymous'),
    actorKind: principal?.kind ?? 'anonymous',
    role: clean(principal?.role ?? ''),
    careUnits: cleanList(principal?.careUnits),
    method: principal?.method ?? null,
    action: entry.action,
    outcome: entry.outcome,
    resourceType: cleanOrNull(entry.resourceType),
    resourceIds: cleanList(entry.resourceIds),
    patientIds: cleanList(entry.patientIds),
    ip: cleanOrNull(origin.ip),
    client: cleanOrNull(origin.client, LIMITS.client),
    purpose: cleanOrNull(entry.purpose, LIMITS.purpose),
    emergency: entry.emergency === true,
    detail: cleanOrNull(entry.detail, LIMITS.detail),
  };
}

/**
 * Taken by every writer of audit_log (and the purge) and held to commit, so
 * reading the last link and appending after it is one step even across
 * server processes. Keyed by schema, so logs in different schemas of one
 * database do not wait for each other.
 */
export async function lockAuditLog(c: SqlClient): Promise<void> {
  await c.query(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.audit_log'))`);
}

export interface ChainLink {
  seq: number;
  hash: string;
}

/** The newest record, or the anchor when the log is empty (new, or everything purged). */
export async function lastLink(c: SqlClient): Promise<ChainLink> {
  const { rows } = await c.query<{ seq: number; hash: string }>(
    `(SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1)
     UNION ALL (SELECT seq, hash FROM audit_anchor)
     ORDER BY seq DESC LIMIT 1`,
  );
  return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : { seq: 0, hash: GENESIS_HASH };
}

const arrayColumn = new Set<string>(['care_units', 'resource_ids', 'patient_ids']);

function chain(last: ChainLink, batch: readonly AuditFields[]): ChainedRecord[] {
  let { seq, hash } = last;
  return batch.map((f) => {
    seq += 1;
    const prevHash = hash;
    hash = chainHash(prevHash, seq, f);
    return { ...f, seq, prevHash, hash };
  });
}

/** Appends records after the last link, inside the caller's transaction (the purge uses this). */
export async function appendAudit(c: SqlClient, batch: readonly AuditFields[]): Promise<ChainedRecord[]> {
  if (batch.length === 0) return [];
  await lockAuditLog(c);
  const chained = chain(await lastLink(c), batch);
  for (let i = 0; i < chained.length; i += MAX_BATCH) await insert(c, chained.slice(i, i + MAX_BATCH));
  return chained;
}

async function insert(c: SqlClient, rows: readonly ChainedRecord[]): Promise<void> {
  const columns = ['seq', ...FIELD_COLUMNS, 'prev_hash', 'hash'];
  const params: unknown[] = [];
  const tuples: string[] = [];
  for (const r of rows) {
    const values = [
      r.seq,
      r.at.toISOString(),
      r.actorId,
      r.actorName,
      r.actorKind,
      r.role,
      textArrayLiteral(r.careUnits),
      r.method,
      r.action,
      r.outcome,
      r.resourceType,
      textArrayLiteral(r.resourceIds),
      textArrayLiteral(r.patientIds),
      r.ip,
      r.client,
      r.purpose,
      r.emergency,
      r.detail,
      r.prevHash,
      r.hash,
    ];
    const start = params.length;
    params.push(...values);
    tuples.push(
      `(${columns.map((col, i) => `$${start + i + 1}${arrayColumn.has(col) ? '::text[]' : ''}`).join(', ')})`,
    );
  }
  await c.query(`INSERT INTO audit_log (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, params);
}

/** The rows as json_populate_recordset(NULL::audit_log, …) reads them. */
function asJson(rows: readonly ChainedRecord[]): string {
  return JSON.stringify(
    rows.map((r) => ({
      seq: r.seq,
      at: r.at.toISOString(),
      actor_id: r.actorId,
      actor_name: r.actorName,
      actor_kind: r.actorKind,
      role: r.role,
      care_units: r.careUnits,
      method: r.method,
      action: r.action,
      outcome: r.outcome,
      resource_type: r.resourceType,
      resource_ids: r.resourceIds,
      patient_ids: r.patientIds,
      ip: r.ip,
      client: r.client,
      purpose: r.purpose,
      emergency: r.emergency,
      detail: r.detail,
      prev_hash: r.prevHash,
      hash: r.hash,
    })),
  );
}

interface Pending {
  fields: AuditFields;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * The writer. record() resolves once the record is committed. Records that
 * arrive while a write is in flight wait and go together in the next write
 * (group commit), so a burst of reads costs one commit, not one each. A
 * failed write rejects every record of its batch: callers fail closed.
 */
export class AuditLog {
  readonly #db: Database;
  readonly #clock: Clock;
  #queue: Pending[] = [];
  #running: Promise<void> | null = null;
  #closed = false;
  /** The last record this writer wrote or saw: where its next batch chains from. */
  #last: ChainLink | null = null;

  constructor(db: Database, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  record(principal: Principal | null, entry: AuditEntry, origin: AuditOrigin): Promise<void> {
    if (this.#closed) return Promise.reject(new AuditWriteError('the audit log is closed'));
    const fields = auditFields(principal, entry, origin, this.#clock.now());
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ fields, resolve, reject });
      this.#running ??= this.#drain();
    });
  }

  /** Resolves when everything recorded so far is committed (or has failed). */
  async flush(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Refuses new records and waits for the pending ones. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  /**
   * One statement in the usual case, committed on its own: audit_append()
   * takes the lock, checks that the last link this writer knows is still the
   * last, and inserts the batch chained from it (one round trip, one commit).
   * When another writer (a second server process, the purge) got there first,
   * it inserts nothing and returns the real last link, and the batch is
   * chained again; if the log moves on once more, a transaction that holds
   * the lock from its first statement settles it.
   */
  async #write(fields: readonly AuditFields[]): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const last = this.#last ?? { seq: -1, hash: '' };
      const chained = chain(last, fields);
      const [r] = await this.#db.query<{ ok: boolean; last_seq: number; last_hash: string }>(
        'SELECT ok, last_seq, last_hash FROM audit_append($1, $2, $3::json)',
        [last.seq, last.hash, asJson(chained)],
      );
      if (r.ok) {
        this.#last = chained[chained.length - 1];
        return;
      }
      this.#last = { seq: Number(r.last_seq), hash: r.last_hash };
    }
    const chained = await this.#db.transaction((c) => appendAudit(c, fields));
    this.#last = chained[chained.length - 1];
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      // One turn of the event loop first, so that requests finishing their
      // reads add their records to this batch. With the embedded database the
      // reads and this write share one thread and one connection: without the
      // wait every record went alone, one commit per read.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const batch = this.#queue.splice(0, MAX_BATCH);
      try {
        await this.#write(batch.map((p) => p.fields));
        for (const p of batch) p.resolve();
      } catch (err) {
        // What this writer believed about the end of the chain may be wrong now.
        this.#last = null;
        const failure = new AuditWriteError(
          `the audit record could not be written (${(err as Error).message}); the access was refused`,
          { cause: err },
        );
        for (const p of batch) p.reject(failure);
      }
    }
    this.#running = null;
  }
}
