import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from './log.ts';
import { queryAudit } from './query.ts';
import { type AuditTestDb, auditTestDb, testPrincipal } from './testing.ts';
import { formatLocal, localDayStart, parseBound } from './time.ts';

describe('Swedish calendar days', () => {
  it('start at local midnight, in winter and in summer time', () => {
    expect(localDayStart(2026, 1, 15).toISOString()).toBe('2026-01-14T23:00:00.000Z');
    expect(localDayStart(2026, 7, 1).toISOString()).toBe('2026-06-30T22:00:00.000Z');
    // The days the clocks change.
    expect(localDayStart(2026, 3, 29).toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(localDayStart(2026, 3, 30).toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(localDayStart(2026, 10, 25).toISOString()).toBe('2026-10-24T22:00:00.000Z');
    expect(formatLocal(new Date('2026-10-25T01:30:00Z'))).toBe('2026-10-25 02:30:00');
  });

  it('a date bound covers its whole day; instants are taken as given; nonsense is refused', () => {
    expect(parseBound('2026-01-31', 'from').toISOString()).toBe('2026-01-30T23:00:00.000Z');
    expect(parseBound('2026-01-31', 'to').toISOString()).toBe('2026-01-31T23:00:00.000Z');
    expect(parseBound('2026-01-31T10:00:00+01:00', 'to').toISOString()).toBe('2026-01-31T09:00:00.000Z');
    expect(() => parseBound('yesterday', 'from')).toThrow(/from=yesterday is not a date or instant/);
    expect(() => parseBound('2026-01-31T10:00', 'to')).toThrow(/is not a date or instant/);
    expect(() => parseBound('2026-13-01', 'to')).toThrow(/is not a date/);
  });
});

describe('queryAudit', () => {
  let env: AuditTestDb;
  beforeAll(async () => {
    env = await auditTestDb('2026-01-31T22:30:00Z');
    const log = new AuditLog(env.db, env.clock);
    const anna = testPrincipal();
    const bo = testPrincipal({ actorId: 'u-2', actorName: 'bo.berg@region.example', role: 'outreach' });
    const origin = { ip: '10.0.0.1', client: 'web' };
    // 2026-01-31 23:30 in Stockholm.
    await log.record(
      anna,
      {
        action: 'read',
        outcome: 'success',
        resourceType: 'Patient',
        resourceIds: ['p1'],
        patientIds: ['p1'],
      },
      origin,
    );
    env.clock.set('2026-01-31T23:30:00Z'); // 2026-02-01 00:30 in Stockholm
    await log.record(
      bo,
      { action: 'search', outcome: 'success', resourceType: 'Patient', patientIds: ['p1', 'p2'] },
      origin,
    );
    env.clock.set('2026-02-10T10:00:00Z');
    await log.record(
      anna,
      {
        action: 'update',
        outcome: 'success',
        resourceType: 'Patient',
        resourceIds: ['p2'],
        patientIds: ['p2'],
      },
      origin,
    );
    for (let i = 0; i < 5; i++) {
      env.clock.advance(60_000);
      await log.record(bo, { action: 'read', outcome: 'denied', patientIds: ['p3'] }, origin);
    }
  });
  afterAll(() => env.close());

  const seqs = async (q: Parameters<typeof queryAudit>[1]) =>
    (await queryAudit(env.db, q)).records.map((r) => r.seq);

  it('returns the API shape, newest first', async () => {
    const page = await queryAudit(env.db, {});
    expect(page.records.map((r) => r.seq)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    expect(page.next).toBeNull();
    expect(page.records[7]).toEqual({
      seq: 1,
      at: '2026-01-31T22:30:00.000Z',
      actorId: 'u-1',
      actorName: 'anna.andersson@region.example',
      actorKind: 'user',
      method: 'password',
      role: 'admin',
      careUnits: ['vc-ekhagen'],
      action: 'read',
      outcome: 'success',
      resourceType: 'Patient',
      resourceIds: ['p1'],
      patientIds: ['p1'],
      ip: '10.0.0.1',
      client: 'web',
      purpose: null,
      emergency: false,
      detail: null,
    });
  });

  it('filters by user (id or name), patient, action and Swedish days', async () => {
    expect(await seqs({ user: 'u-1' })).toEqual([3, 1]);
    expect(await seqs({ user: 'bo.berg@region.example', action: 'search' })).toEqual([2]);
    expect(await seqs({ patient: 'p1' })).toEqual([2, 1]);
    expect(await seqs({ patient: 'p2' })).toEqual([3, 2]);
    expect(await seqs({ from: '2026-01-31', to: '2026-01-31' })).toEqual([1]);
    expect(await seqs({ from: '2026-02-01', to: '2026-02-01' })).toEqual([2]);
    expect(await seqs({ from: '2026-02-10T10:02:00Z' })).toEqual([8, 7, 6, 5]);
    expect(await seqs({ to: '2026-02-10T10:02:00Z' })).toEqual([4, 3, 2, 1]);
  });

  it('pages with next/before; limit defaults to 100 and stops at 1000', async () => {
    const first = await queryAudit(env.db, { limit: 3 });
    expect(first.records.map((r) => r.seq)).toEqual([8, 7, 6]);
    expect(first.next).toBe('6');
    const second = await queryAudit(env.db, { limit: 3, before: first.next! });
    expect(second.records.map((r) => r.seq)).toEqual([5, 4, 3]);
    const last = await queryAudit(env.db, { limit: 3, before: '3' });
    expect(last.records.map((r) => r.seq)).toEqual([2, 1]);
    expect(last.next).toBeNull();
    expect((await queryAudit(env.db, { limit: 50_000 })).records).toHaveLength(8);
    await expect(queryAudit(env.db, { before: 'x' })).rejects.toThrow(/not a record number/);
  });
});
