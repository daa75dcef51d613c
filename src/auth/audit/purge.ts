import type { Clock } from '../../config/clock.ts';
import type { Database } from '../../db/database.ts';
import type { Principal } from '../principal.ts';
import type { AuditOrigin } from './entry.ts';
import { appendAudit, auditFields, lockAuditLog } from './log.ts';

/** Five years (HSLF-FS 2016:40 leaves the period to the care provider; five is the common choice). */
export const DEFAULT_RETENTION_DAYS = 1826;
const DAY_MS = 86_400_000;

/** The phrase a purge record carries, so verify can tie the anchor to the purge that moved it. */
export const purgeMarker = (throughSeq: number) => `through record ${throughSeq},`;

export interface PurgeOptions {
  retentionDays?: number;
  principal: Principal | null;
  origin: AuditOrigin;
}

export interface PurgeResult {
  purged: number;
  /** Records older than this instant were eligible. */
  before: string;
  /** The new anchor: the last purged record (0 when none has ever been purged). */
  throughSeq: number;
}

/**
 * Removes the oldest records, those older than the retention period, in one
 * transaction: the anchor moves to the last of them (so verify starts there),
 * the rows go, and the purge records itself in the chain. Only a contiguous
 * prefix of the chain goes: a record older than the cut-off that follows a
 * newer one (clocks of two servers disagreeing) waits for the next purge.
 */
export async function purgeAudit(db: Database, clock: Clock, opts: PurgeOptions): Promise<PurgeResult> {
  const days = opts.retentionDays ?? DEFAULT_RETENTION_DAYS;
  if (!Number.isInteger(days) || days < 1)
    throw new RangeError(`retention must be a whole number of days ≥ 1 (got ${days})`);
  const now = clock.now();
  const before = new Date(now.getTime() - days * DAY_MS);
  return db.transaction(async (c) => {
    await lockAuditLog(c);
    const [anchor] = (await c.query<{ seq: number }>('SELECT seq FROM audit_anchor')).rows;
    const anchorSeq = Number(anchor.seq);
    // Walks the primary key from the oldest record, so the cost is the number of records that go.
    const [firstKept] = (
      await c.query<{ seq: number }>('SELECT seq FROM audit_log WHERE at >= $1 ORDER BY seq LIMIT 1', [
        before.toISOString(),
      ])
    ).rows;
    const [last] = (await c.query<{ seq: number | null }>('SELECT max(seq) AS seq FROM audit_log')).rows;
    const through = firstKept ? Number(firstKept.seq) - 1 : Number(last?.seq ?? anchorSeq);
    let purged = 0;
    let throughSeq = anchorSeq;
    let hash = '';
    if (through > anchorSeq) {
      const [row] = (await c.query<{ hash: string }>('SELECT hash FROM audit_log WHERE seq = $1', [through]))
        .rows;
      hash = row.hash;
      await c.query(
        `SELECT set_config('outreach.audit_purge', 'on', true), set_config('outreach.audit_purge_before', $1, true)`,
        [before.toISOString()],
      );
      await c.query('UPDATE audit_anchor SET seq = $1, hash = $2, purged_at = $3, purged_before = $4', [
        through,
        hash,
        now.toISOString(),
        before.toISOString(),
      ]);
      const res = await c.query('DELETE FROM audit_log WHERE seq <= $1', [through]);
      await c.query(`SELECT set_config('outreach.audit_purge', 'off', true)`);
      purged = res.rowCount;
      throughSeq = through;
    }
    const detail =
      purged > 0
        ? `purged ${purged} records older than ${before.toISOString()} (retention ${days} days; ${purgeMarker(throughSeq)} anchor hash ${hash})`
        : `purged 0 records older than ${before.toISOString()} (retention ${days} days)`;
    await appendAudit(c, [
      auditFields(
        opts.principal,
        { action: 'administer', outcome: 'success', resourceType: 'AuditEvent', detail },
        opts.origin,
        now,
      ),
    ]);
    return { purged, before: before.toISOString(), throughSeq };
  });
}
