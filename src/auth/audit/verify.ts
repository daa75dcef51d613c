import type { Database } from '../../db/database.ts';
import { type AuditRow, chainHash, fromRow, SELECT_COLUMNS } from './chain.ts';
import { purgeMarker } from './purge.ts';

export type BreakReason =
  | 'hash mismatch'
  | 'gap in sequence'
  | 'prev_hash does not match'
  /** The anchor moved (records were purged) but no purge record in the chain accounts for it. */
  | 'purge not recorded';

export type VerifyResult =
  | { ok: true; records: number; lastSeq: number; lastHash: string }
  | { ok: false; records: number; brokenAt: number; reason: BreakReason };

export interface VerifyOptions {
  /** Called after each page: records checked so far, and about how many there are. */
  onProgress?: (checked: number, total: number) => void;
  pageSize?: number;
}

interface Anchor {
  seq: number;
  hash: string;
}

async function readAnchor(db: Database): Promise<Anchor> {
  const [a] = await db.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_anchor');
  if (!a) throw new Error('audit_anchor has no row; the audit migration did not complete');
  return { seq: Number(a.seq), hash: a.hash };
}

/**
 * Walks the chain from the anchor in pages (keyset on seq, so a log of
 * millions of records never sits in memory), recomputing each hash. Reports
 * the first record that is missing, does not point at its predecessor, or
 * does not match its own hash.
 */
export async function verifyAuditChain(db: Database, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const anchor = await readAnchor(db);
  const result = await verifyFrom(db, anchor, opts);
  if (result.ok || result.reason !== 'gap in sequence') return result;
  // A purge that ran while we walked moved the anchor past records we expected: start again from it.
  const moved = await readAnchor(db);
  return moved.seq !== anchor.seq ? verifyFrom(db, moved, opts) : result;
}

async function verifyFrom(db: Database, anchor: Anchor, opts: VerifyOptions): Promise<VerifyResult> {
  const pageSize = opts.pageSize ?? 5000;
  const [top] = await db.query<{ seq: number | null }>('SELECT max(seq) AS seq FROM audit_log');
  const total = Math.max(0, Number(top?.seq ?? anchor.seq) - anchor.seq);
  const marker = anchor.seq > 0 ? purgeMarker(anchor.seq) : null;
  let purgeSeen = marker === null;
  let prevSeq = anchor.seq;
  let prevHash = anchor.hash;
  let checked = 0;
  for (;;) {
    const rows = await db.query<AuditRow>(
      `SELECT ${SELECT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`,
      [prevSeq, pageSize],
    );
    for (const row of rows) {
      const r = fromRow(row);
      const broken = (reason: BreakReason, brokenAt = r.seq): VerifyResult => ({
        ok: false,
        records: checked,
        brokenAt,
        reason,
      });
      // A gap is named by the first missing number.
      if (r.seq !== prevSeq + 1) return broken('gap in sequence', prevSeq + 1);
      if (r.prevHash !== prevHash) return broken('prev_hash does not match');
      if (chainHash(r.prevHash, r.seq, r) !== r.hash) return broken('hash mismatch');
      if (!purgeSeen && r.action === 'administer' && r.detail?.includes(marker!)) purgeSeen = true;
      prevSeq = r.seq;
      prevHash = r.hash;
      checked += 1;
    }
    opts.onProgress?.(checked, Math.max(total, checked));
    if (rows.length < pageSize) break;
  }
  if (!purgeSeen) return { ok: false, records: checked, brokenAt: anchor.seq, reason: 'purge not recorded' };
  return { ok: true, records: checked, lastSeq: prevSeq, lastHash: prevHash };
}
