import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chainHash } from './chain.ts';
import { AuditLog } from './log.ts';
import { type AuditTestDb, auditTestDb, testPrincipal } from './testing.ts';
import { verifyAuditChain } from './verify.ts';

const origin = { ip: '10.1.1.1', client: 'vitest' };

/** Changes the log as someone with the table owner's rights could: triggers off, change, triggers on. */
async function tamper(env: AuditTestDb, sql: string, params: unknown[] = []): Promise<void> {
  await env.db.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
  try {
    await env.db.query(sql, params);
  } finally {
    await env.db.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
  }
}

describe('verifyAuditChain', () => {
  let env: AuditTestDb;
  beforeEach(async () => {
    env = await auditTestDb();
    const log = new AuditLog(env.db, env.clock);
    for (let i = 1; i <= 10; i++) {
      env.clock.advance(1000);
      await log.record(
        testPrincipal(),
        {
          action: 'read',
          outcome: 'success',
          resourceType: 'Patient',
          resourceIds: [`p${i}`],
          patientIds: [`p${i}`],
        },
        origin,
      );
    }
  });
  afterEach(() => env.close());

  it('an intact log verifies, in pages, reporting progress', async () => {
    const progress: [number, number][] = [];
    const result = await verifyAuditChain(env.db, {
      pageSize: 3,
      onProgress: (n, total) => progress.push([n, total]),
    });
    const [last] = await env.db.query<{ hash: string }>('SELECT hash FROM audit_log WHERE seq = 10');
    expect(result).toEqual({ ok: true, records: 10, lastSeq: 10, lastHash: last.hash });
    expect(progress).toEqual([
      [3, 10],
      [6, 10],
      [9, 10],
      [10, 10],
    ]);
  });

  it('an empty log verifies', async () => {
    const empty = await auditTestDb();
    try {
      expect(await verifyAuditChain(empty.db)).toEqual({
        ok: true,
        records: 0,
        lastSeq: 0,
        lastHash: '0'.repeat(64),
      });
    } finally {
      await empty.close();
    }
  });

  it('a changed field is a hash mismatch at that record', async () => {
    await tamper(env, `UPDATE audit_log SET actor_name = 'someone.else@region.example' WHERE seq = 5`);
    expect(await verifyAuditChain(env.db, { pageSize: 4 })).toEqual({
      ok: false,
      records: 4,
      brokenAt: 5,
      reason: 'hash mismatch',
    });
  });

  it('a changed array element or timestamp is caught too', async () => {
    await tamper(env, `UPDATE audit_log SET patient_ids = '{p7,p99}' WHERE seq = 7`);
    expect(await verifyAuditChain(env.db)).toMatchObject({ ok: false, brokenAt: 7, reason: 'hash mismatch' });
  });

  it('a record whose hash was recomputed after the change breaks the link to the next one', async () => {
    const [row] = await env.db.query<any>('SELECT * FROM audit_log WHERE seq = 3');
    const forged = chainHash(row.prev_hash, 3, {
      at: new Date(row.at),
      actorId: row.actor_id,
      actorName: row.actor_name,
      actorKind: row.actor_kind,
      role: row.role,
      careUnits: row.care_units,
      method: row.method,
      action: row.action,
      outcome: row.outcome,
      resourceType: row.resource_type,
      resourceIds: row.resource_ids,
      patientIds: ['someone-else'],
      ip: row.ip,
      client: row.client,
      purpose: row.purpose,
      emergency: row.emergency,
      detail: row.detail,
    });
    await tamper(env, `UPDATE audit_log SET patient_ids = '{someone-else}', hash = $1 WHERE seq = 3`, [
      forged,
    ]);
    expect(await verifyAuditChain(env.db)).toEqual({
      ok: false,
      records: 3,
      brokenAt: 4,
      reason: 'prev_hash does not match',
    });
  });

  it('a deleted record is a gap at its number', async () => {
    await tamper(env, 'DELETE FROM audit_log WHERE seq = 7');
    expect(await verifyAuditChain(env.db)).toEqual({
      ok: false,
      records: 6,
      brokenAt: 7,
      reason: 'gap in sequence',
    });
  });

  it('deleting the oldest records without the purge is a gap at the start', async () => {
    await tamper(env, 'DELETE FROM audit_log WHERE seq <= 2');
    expect(await verifyAuditChain(env.db)).toMatchObject({
      ok: false,
      records: 0,
      brokenAt: 1,
      reason: 'gap in sequence',
    });
  });
});
