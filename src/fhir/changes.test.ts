import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../test/helpers.ts';
import { readChanges } from './changes.ts';

const patient = (family: string) => ({ resourceType: 'Patient', name: [{ family }] });

describe('change feed', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv();
  });
  afterAll(async () => env.close());

  it('records create, update and delete in order with the patient', async () => {
    const created = await env.store.create(patient('Lind'));
    const id = created.resource.id!;
    env.clock.advance(1000);
    await env.store.update('Patient', id, { ...created.resource, name: [{ family: 'Lindqvist' }] });
    await env.store.delete('Patient', id);
    const changes = (await readChanges(env.db, 0, 100)).filter((c) => c.id === id);
    expect(changes.map((c) => [c.operation, c.versionId, c.patient])).toEqual([
      ['create', '1', id],
      ['update', '2', id],
      ['delete', '3', id],
    ]);
    expect(changes[1].seq).toBeGreaterThan(changes[0].seq);
    expect(changes[1].at).toBe('2026-01-01T00:00:01.000Z');
  });

  it('an unchanged update writes no change', async () => {
    const created = await env.store.create(patient('Berg'));
    const before = await readChanges(env.db, 0, 10_000);
    const again = await env.store.update('Patient', created.resource.id!, created.resource);
    expect(again.outcome).toBe('unchanged');
    expect(await readChanges(env.db, 0, 10_000)).toHaveLength(before.length);
  });

  it('a durable subscriber sees every change once, and its writes commit with its cursor', async () => {
    const seen: number[] = [];
    const sub = env.feed.subscribe({
      consumer: 'test-consumer',
      batchSize: 2,
      async handle(changes) {
        for (const c of changes) seen.push(c.seq);
      },
    });
    await sub.drain();
    const all = await readChanges(env.db, 0, 10_000);
    expect(seen).toEqual(all.map((c) => c.seq));
    await env.store.create(patient('Ek'));
    await sub.drain();
    expect(seen).toHaveLength(all.length + 1);
    await sub.stop();

    // A handler that fails leaves the cursor where it was: the batch comes again.
    await env.store.create(patient('Alm'));
    let attempts = 0;
    const failing = env.feed.subscribe({
      consumer: 'test-consumer',
      async handle() {
        attempts++;
        throw new Error('consumer crashed');
      },
    });
    await expect(failing.drain()).rejects.toThrow('consumer crashed');
    await failing.stop();
    const resumed: number[] = [];
    const again = env.feed.subscribe({
      consumer: 'test-consumer',
      async handle(c) {
        resumed.push(...c.map((x) => x.seq));
      },
    });
    await again.drain();
    await again.stop();
    expect(attempts).toBe(1);
    expect(resumed).toHaveLength(1);
  });
});
