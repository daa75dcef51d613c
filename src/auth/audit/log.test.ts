import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/database.ts';
import { chainHash, GENESIS_HASH } from './chain.ts';
import type { AuditEntry } from './entry.ts';
import { AuditLog, AuditWriteError } from './log.ts';
import { queryAudit } from './query.ts';
import { type AuditTestDb, auditTestDb, testPrincipal } from './testing.ts';
import { verifyAuditChain } from './verify.ts';

const origin = { ip: '10.0.0.7', client: 'vitest' };
const read = (patient: string, detail?: string): AuditEntry => ({
  action: 'read',
  outcome: 'success',
  resourceType: 'Patient',
  resourceIds: [patient],
  patientIds: [patient],
  detail,
});

/** The same database, counting the writes made through it (audit_append calls and transactions). */
function counting(
  db: Database,
  onAppend: () => void = () => undefined,
): { db: Database; transactions: () => number } {
  let n = 0;
  return {
    db: {
      dialect: db.dialect,
      schema: db.schema,
      kysely: db.kysely,
      query: (sql, params) => {
        if (sql.includes('audit_append')) {
          n += 1;
          onAppend();
        }
        return db.query(sql, params);
      },
      transaction: (fn) => {
        n += 1;
        return db.transaction(fn);
      },
      close: () => db.close(),
    },
    transactions: () => n,
  };
}

describe('AuditLog', () => {
  let env: AuditTestDb;
  beforeAll(async () => {
    env = await auditTestDb();
  });
  afterAll(() => env.close());

  it('stores who, what, which patient, when and from where, chained from the genesis hash', async () => {
    const log = new AuditLog(env.db, env.clock);
    const p = testPrincipal({ careUnits: ['vc-ekhagen', 'vc-åby'] });
    await log.record(p, { ...read('pat-1'), purpose: 'vård', emergency: true }, origin);
    env.clock.advance(1500);
    await log.record(null, { action: 'sign-in-failed', outcome: 'denied', detail: 'nobody@x' }, origin);
    const rows = await env.db.query<any>('SELECT * FROM audit_log ORDER BY seq');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      seq: 1,
      actor_id: 'u-1',
      actor_name: 'anna.andersson@region.example',
      actor_kind: 'user',
      role: 'admin',
      care_units: ['vc-ekhagen', 'vc-åby'],
      method: 'password',
      action: 'read',
      outcome: 'success',
      resource_type: 'Patient',
      resource_ids: ['pat-1'],
      patient_ids: ['pat-1'],
      ip: '10.0.0.7',
      client: 'vitest',
      purpose: 'vård',
      emergency: true,
      prev_hash: GENESIS_HASH,
    });
    expect(new Date(rows[0].at).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(rows[1]).toMatchObject({ seq: 2, actor_id: 'anonymous', actor_kind: 'anonymous', role: '' });
    expect(new Date(rows[1].at).toISOString()).toBe('2026-01-01T00:00:01.500Z');
    expect(rows[1].prev_hash).toBe(rows[0].hash);
    expect(rows[0].hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await verifyAuditChain(env.db)).toMatchObject({ ok: true, records: 2, lastHash: rows[1].hash });
  });

  it('500 concurrent records: 500 rows in call order, few commits, the chain verifies', async () => {
    const { db, transactions } = counting(env.db);
    const log = new AuditLog(db, env.clock);
    // A new writer first learns where the chain ends (one call that appends nothing).
    await log.record(testPrincipal(), read('warm-up'), origin);
    expect(transactions()).toBe(2);
    const before = (await verifyAuditChain(env.db)) as { lastSeq: number };
    await Promise.all(
      Array.from({ length: 500 }, (_, i) => log.record(testPrincipal(), read(`p${i}`, `n${i}`), origin)),
    );
    // The 500 went in one statement and one commit.
    expect(transactions()).toBe(3);
    const rows = await env.db.query<{ seq: number; detail: string }>(
      'SELECT seq, detail FROM audit_log WHERE seq > $1 ORDER BY seq',
      [before.lastSeq],
    );
    expect(rows.map((r) => r.detail)).toEqual(Array.from({ length: 500 }, (_, i) => `n${i}`));
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 500 }, (_, i) => before.lastSeq + 1 + i));
    expect(await verifyAuditChain(env.db)).toMatchObject({ ok: true, records: before.lastSeq + 500 });
  });

  it('records arriving while a commit is in flight go together in the next one', async () => {
    let pileUp: (() => void) | null = null;
    const { db, transactions } = counting(env.db, () => pileUp?.());
    const log = new AuditLog(db, env.clock);
    await log.record(testPrincipal(), read('warm-up'), origin);
    // As the first batch's write starts, 50 more records arrive.
    const rest: Promise<void>[] = [];
    pileUp = () => {
      pileUp = null;
      for (let i = 0; i < 50; i++) rest.push(log.record(testPrincipal(), read(`b${i}`), origin));
    };
    await log.record(testPrincipal(), read('a'), origin);
    expect(rest).toHaveLength(50);
    await Promise.all(rest);
    // Warm-up (2), the first batch, then everything that queued behind it.
    expect(transactions()).toBe(4);
    expect(await verifyAuditChain(env.db)).toMatchObject({ ok: true });
  });

  it('two writers on one database (two server processes) interleave without breaking the chain', async () => {
    const other = (await env.second()) ?? env.db;
    const a = new AuditLog(env.db, env.clock);
    const b = new AuditLog(other, env.clock);
    const count = async () =>
      Number((await env.db.query<{ n: number }>('SELECT count(*) AS n FROM audit_log'))[0].n);
    const start = await count();
    for (let round = 0; round < 20; round++) {
      // Each round both writers commit a batch at the same time and race for the lock.
      const writes: Promise<void>[] = [];
      for (let i = 0; i < 10; i++) {
        writes.push(a.record(testPrincipal({ actorId: 'a' }), read(`a${round}-${i}`), origin));
        writes.push(b.record(testPrincipal({ actorId: 'b' }), read(`b${round}-${i}`), origin));
      }
      await Promise.all(writes);
    }
    expect(await count()).toBe(start + 400);
    expect(await verifyAuditChain(env.db)).toMatchObject({ ok: true, records: start + 400 });
    const byActor = await queryAudit(env.db, { user: 'b', limit: 1000 });
    expect(byActor.records).toHaveLength(200);
    // The two writers' batches really alternate in the chain.
    const actors = await env.db.query<{ actor_id: string }>(
      `SELECT actor_id FROM audit_log WHERE actor_id IN ('a', 'b') ORDER BY seq`,
    );
    const switches = actors.filter((r, i) => i > 0 && r.actor_id !== actors[i - 1].actor_id).length;
    expect(switches).toBeGreaterThan(10);
  });

  it('a writer whose view keeps going stale falls back to the locked transaction', async () => {
    const other = new AuditLog(env.db, env.clock);
    let interference = 0;
    let transactions = 0;
    let appendCalls = 0;
    const racing: Database = {
      dialect: env.db.dialect,
      schema: env.db.schema,
      kysely: env.db.kysely,
      // Before this writer's first two appends, another writer gets in first.
      query: async (sql, params) => {
        if (sql.includes('audit_append')) appendCalls += 1;
        if (sql.includes('audit_append') && interference < 2) {
          interference += 1;
          await other.record(testPrincipal({ actorId: 'other' }), read('o'), origin);
        }
        return env.db.query(sql, params);
      },
      transaction: (fn) => {
        transactions += 1;
        return env.db.transaction(fn);
      },
      close: () => env.db.close(),
    };
    const log = new AuditLog(racing, env.clock);
    await log.record(testPrincipal({ actorId: 'stale' }), read('s'), origin);
    expect(transactions).toBe(1);
    const [last] = await env.db.query<{ actor_id: string }>(
      'SELECT actor_id FROM audit_log ORDER BY seq DESC LIMIT 1',
    );
    expect(last.actor_id).toBe('stale');
    // Afterwards it knows the end of the chain again and appends in one call.
    expect(appendCalls).toBe(2);
    await log.record(testPrincipal({ actorId: 'stale' }), read('s2'), origin);
    expect(transactions).toBe(1);
    expect(appendCalls).toBe(3);
    expect(await verifyAuditChain(env.db)).toMatchObject({ ok: true });
  });

  it('fails closed: when the write fails every waiting record() rejects, and the next batch works again', async () => {
    let fail = true;
    const flaky: Database = {
      dialect: env.db.dialect,
      schema: env.db.schema,
      kysely: env.db.kysely,
      query: (sql, params) => (fail ? Promise.reject(new Error('disk full')) : env.db.query(sql, params)),
      transaction: (fn) => (fail ? Promise.reject(new Error('disk full')) : env.db.transaction(fn)),
      close: () => env.db.close(),
    };
    const log = new AuditLog(flaky, env.clock);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => log.record(testPrincipal(), read(`f${i}`), origin)),
    );
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    const reason = (results[0] as PromiseRejectedResult).reason;
    expect(reason).toBeInstanceOf(AuditWriteError);
    expect(reason.message).toMatch(/could not be written \(disk full\)/);
    fail = false;
    await log.record(testPrincipal(), read('after'), origin);
    const [last] = await env.db.query<{ patient_ids: string[] }>(
      'SELECT patient_ids FROM audit_log ORDER BY seq DESC LIMIT 1',
    );
    expect(last.patient_ids).toEqual(['after']);
  });

  it('a failed INSERT inside the database rejects the whole batch and writes none of it', async () => {
    const log = new AuditLog(env.db, env.clock);
    const count = async () =>
      Number((await env.db.query<{ n: number }>('SELECT count(*) AS n FROM audit_log'))[0].n);
    const before = await count();
    await env.db.query(
      `ALTER TABLE audit_log ADD CONSTRAINT test_no_boom CHECK (detail IS DISTINCT FROM 'boom')`,
    );
    try {
      const results = await Promise.allSettled([
        log.record(testPrincipal(), read('x', 'fine'), origin),
        log.record(testPrincipal(), read('y', 'boom'), origin),
        log.record(testPrincipal(), read('z', 'fine'), origin),
      ]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expect(await count()).toBe(before);
    } finally {
      await env.db.query('ALTER TABLE audit_log DROP CONSTRAINT test_no_boom');
    }
    await log.record(testPrincipal(), read('x', 'fine'), origin);
    expect(await count()).toBe(before + 1);
    expect(await verifyAuditChain(env.db)).toMatchObject({ ok: true });
  });

  it('stores text PostgreSQL cannot hold (NUL, lone surrogates) in a form that still verifies', async () => {
    const log = new AuditLog(env.db, env.clock);
    await log.record(
      testPrincipal({ actorName: 'bad\u0000name\ud800' }),
      { ...read('p-ø'), detail: `q=${'x'.repeat(10_000)}` },
      { ip: null, client: null },
    );
    const [row] = await env.db.query<{ actor_name: string; detail: string }>(
      'SELECT actor_name, detail FROM audit_log ORDER BY seq DESC LIMIT 1',
    );
    expect(row.actor_name).toBe('badname\ufffd');
    expect(row.detail.length).toBe(4000);
    expect(await verifyAuditChain(env.db)).toMatchObject({ ok: true });
  });

  it('array values that look like SQL survive unchanged', async () => {
    const log = new AuditLog(env.db, env.clock);
    const odd = ['NULL', 'a,b', '"quoted"', '{braces}', 'back\\slash', ' ', 'å'];
    await log.record(
      testPrincipal({ careUnits: odd }),
      { ...read('x'), resourceIds: odd, patientIds: odd },
      origin,
    );
    const [row] = await env.db.query<{ care_units: string[]; resource_ids: string[]; patient_ids: string[] }>(
      'SELECT care_units, resource_ids, patient_ids FROM audit_log ORDER BY seq DESC LIMIT 1',
    );
    expect(row).toEqual({ care_units: odd, resource_ids: odd, patient_ids: odd });
    expect(await verifyAuditChain(env.db)).toMatchObject({ ok: true });
  });

  it('close() waits for pending records and refuses new ones', async () => {
    const log = new AuditLog(env.db, env.clock);
    const pending = log.record(testPrincipal(), read('last'), origin);
    await log.close();
    await expect(pending).resolves.toBeUndefined();
    await expect(log.record(testPrincipal(), read('late'), origin)).rejects.toThrow(/closed/);
  });

  it('the hash is sha256 over prev_hash, a newline and the canonical fields', async () => {
    const [row] = await env.db.query<any>('SELECT * FROM audit_log WHERE seq = 1');
    const recomputed = chainHash(row.prev_hash, 1, {
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
      patientIds: row.patient_ids,
      ip: row.ip,
      client: row.client,
      purpose: row.purpose,
      emergency: row.emergency,
      detail: row.detail,
    });
    expect(recomputed).toBe(row.hash);
  });
});
