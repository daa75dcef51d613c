import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from './log.ts';
import { DEFAULT_RETENTION_DAYS, purgeAudit } from './purge.ts';
import { queryAudit } from './query.ts';
import { type AuditTestDb, auditTestDb, testPrincipal } from './testing.ts';
import { verifyAuditChain } from './verify.ts';

const origin = { ip: '127.0.0.1', client: 'outreach CLI' };
const DAY = 86_400_000;

describe('append-only audit_log and the retention purge', () => {
  let env: AuditTestDb;
  let log: AuditLog;
  beforeAll(async () => {
    env = await auditTestDb('2019-06-01T08:00:00Z');
    log = new AuditLog(env.db, env.clock);
    // Three records in 2019, two in 2021, then time moves to 2026.
    for (const at of [
      '2019-06-01T08:00:00Z',
      '2019-06-02T08:00:00Z',
      '2019-06-03T08:00:00Z',
      '2021-03-01T10:00:00Z',
      '2021-03-02T10:00:00Z',
    ]) {
      env.clock.set(at);
      await log.record(testPrincipal(), { action: 'read', outcome: 'success', patientIds: ['p1'] }, origin);
    }
    env.clock.set('2025-01-01T00:00:00Z');
  });
  afterAll(() => env.close());

  it('refuses UPDATE, DELETE and TRUNCATE, whoever asks', async () => {
    await expect(env.db.query(`UPDATE audit_log SET actor_name = 'x' WHERE seq = 1`)).rejects.toThrow(
      /append-only: UPDATE is not allowed/,
    );
    await expect(env.db.query('DELETE FROM audit_log WHERE seq = 1')).rejects.toThrow(/append-only: DELETE/);
    await expect(env.db.query('TRUNCATE audit_log')).rejects.toThrow(/append-only: TRUNCATE/);
    await expect(env.db.query(`UPDATE audit_anchor SET seq = 5`)).rejects.toThrow(/only forwards/);
    await expect(env.db.query('DELETE FROM audit_anchor')).rejects.toThrow(/only forwards/);
    expect(await verifyAuditChain(env.db)).toMatchObject({ ok: true, records: 5 });
  });

  it('the purge setting does not open the log: recent records and records past the anchor stay', async () => {
    const tryDelete = (before: string, seq: number) =>
      env.db.transaction(async (c) => {
        await c.query(
          `SELECT set_config('outreach.audit_purge', 'on', true), set_config('outreach.audit_purge_before', $1, true)`,
          [before],
        );
        await c.query('DELETE FROM audit_log WHERE seq = $1', [seq]);
      });
    // Older than the cut-off, but the anchor has not moved past it.
    await expect(tryDelete('2020-01-01T00:00:00Z', 1)).rejects.toThrow(/retention purge may only remove/);
    // Newer than the cut-off.
    await expect(tryDelete('2020-01-01T00:00:00Z', 5)).rejects.toThrow(/retention purge may only remove/);
    expect(await verifyAuditChain(env.db)).toMatchObject({ ok: true, records: 5 });
  });

  it('purges what is older than the retention period (default 5 years), anchors the chain and records itself', async () => {
    expect(DEFAULT_RETENTION_DAYS).toBe(1826);
    const result = await purgeAudit(env.db, env.clock, {
      principal: testPrincipal({ actorId: 'local-cli', kind: 'local' }),
      origin,
    });
    expect(result).toEqual({
      purged: 3,
      before: new Date(Date.parse('2025-01-01T00:00:00Z') - 1826 * DAY).toISOString(),
      throughSeq: 3,
    });
    const seqs = await env.db.query<{ seq: number }>('SELECT seq FROM audit_log ORDER BY seq');
    expect(seqs.map((r) => r.seq)).toEqual([4, 5, 6]);
    const [anchor] = await env.db.query<{ seq: number; purged_before: Date }>(
      'SELECT seq, purged_before FROM audit_anchor',
    );
    expect(Number(anchor.seq)).toBe(3);
    const { records } = await queryAudit(env.db, { action: 'administer' });
    expect(records[0]).toMatchObject({ seq: 6, actorId: 'local-cli', resourceType: 'AuditEvent' });
    expect(records[0].detail).toMatch(
      /^purged 3 records older than 2020-01-02T00:00:00.000Z \(retention 1826 days; through record 3,/,
    );
    expect(await verifyAuditChain(env.db)).toEqual(
      expect.objectContaining({ ok: true, records: 3, lastSeq: 6 }),
    );
    // Writing goes on after the anchor.
    await log.record(testPrincipal(), { action: 'read', outcome: 'success', patientIds: ['p2'] }, origin);
    expect(await verifyAuditChain(env.db)).toMatchObject({ ok: true, records: 4, lastSeq: 7 });
  });

  it('a shorter retention purges more; a purge with nothing to do still records itself', async () => {
    const again = await purgeAudit(env.db, env.clock, { principal: null, origin });
    expect(again.purged).toBe(0);
    env.clock.set('2026-01-01T00:00:00Z');
    const short = await purgeAudit(env.db, env.clock, { retentionDays: 365, principal: null, origin });
    // The cut-off is 2025-01-01: 2021's two records go; the first purge record, written at exactly the cut-off, stays.
    expect(short.before).toBe('2025-01-01T00:00:00.000Z');
    expect(short.purged).toBe(2);
    expect(short.throughSeq).toBe(5);
    expect(await verifyAuditChain(env.db)).toMatchObject({ ok: true });
    await expect(
      purgeAudit(env.db, env.clock, { retentionDays: 0, principal: null, origin }),
    ).rejects.toThrow(/whole number of days/);
  });

  it('records purged behind the purge’s back (anchor moved, no purge record) fail verification', async () => {
    const other = await auditTestDb('2019-01-01T00:00:00Z');
    try {
      const l = new AuditLog(other.db, other.clock);
      for (let i = 0; i < 4; i++)
        await l.record(testPrincipal(), { action: 'read', outcome: 'success' }, origin);
      const [row] = await other.db.query<{ hash: string }>('SELECT hash FROM audit_log WHERE seq = 2');
      await other.db.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
      await other.db.query('ALTER TABLE audit_anchor DISABLE TRIGGER USER');
      await other.db.query('UPDATE audit_anchor SET seq = 2, hash = $1', [row.hash]);
      await other.db.query('DELETE FROM audit_log WHERE seq <= 2');
      expect(await verifyAuditChain(other.db)).toEqual({
        ok: false,
        records: 2,
        brokenAt: 2,
        reason: 'purge not recorded',
      });
    } finally {
      await other.close();
    }
  });
});
