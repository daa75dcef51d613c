import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribePatientSync } from '../src/patients/sync.ts';
import type { Definition } from '../src/segments/definition.ts';
import { SegmentService } from '../src/segments/service.ts';
import { type TestServer, testServer } from './helpers.ts';
import { type Api, apiFor, ehrPatient, findProfile } from './patients-http.ts';

/** Membership over time: schedules, incremental changes, static segments, consent rules. */

const DAY = 86_400_000;
let s: TestServer;
let api: Api;
let sync: ReturnType<typeof subscribePatientSync>;

const people = {
  anna: {
    pnr: '199001011239',
    given: 'Anna',
    family: 'Berg',
    birthDate: '1950-01-01',
    phones: ['070-111 22 33'],
  },
  bo: { pnr: '197512245676', given: 'Bo', family: 'Ek', birthDate: '1955-12-24', phones: ['073-123 45 67'] },
  cia: {
    pnr: '196203152340',
    given: 'Cia',
    family: 'Holm',
    birthDate: '1962-03-15',
    phones: ['072-222 33 44'],
  },
};

const hba1c = (id: string, patient: string, value: number, unit: string, at: string) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: unit === '%' ? '4548-4' : '59261-8' }] },
  subject: { reference: `Patient/${patient}` },
  effectiveDateTime: at,
  valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
});

const highHba1c: Definition = {
  version: 1,
  root: {
    kind: 'observation',
    codes: [{ system: 'loinc', codes: ['59261-8', '4548-4'] }],
    window: { kind: 'last', amount: 12, unit: 'months' },
    aggregate: 'latest',
    comparator: 'gt',
    value: 70,
    unit: 'mmol/mol',
  },
};

async function members(id: string): Promise<string[]> {
  const res = await api(`/api/segments/${id}/members?limit=1000`);
  return res.body.members.map((m: { patientId: string }) => m.patientId).sort();
}

async function events(id: string): Promise<Array<[string, string]>> {
  const res = await api(`/api/segments/events?segment=${id}`);
  return res.body.events.map((e: { kind: string; patientId: string }) => [e.kind, e.patientId]);
}

beforeAll(async () => {
  s = await testServer('2026-03-01T09:00:00Z');
  api = apiFor(s);
  sync = subscribePatientSync(s.store, s.clock);
  for (const [id, f] of Object.entries(people)) await s.store.update('Patient', id, ehrPatient(id, f));
  await sync.drain();
  await s.store.update('Observation', 'a1', hba1c('a1', 'anna', 75, 'mmol/mol', '2026-02-01'));
  // 9.0 % is 74.8 mmol/mol: above target in either unit.
  await s.store.update('Observation', 'b1', hba1c('b1', 'bo', 9.0, '%', '2025-06-01'));
  await s.store.update('Observation', 'c1', hba1c('c1', 'cia', 48, 'mmol/mol', '2026-01-15'));
});

afterAll(async () => {
  await sync?.stop();
  await s?.close();
});

describe('dynamic segments over time', () => {
  let id: string;

  it('start with the members of the moment they are saved', async () => {
    const res = await api('/api/segments', {
      json: { name: 'HbA1c > 70', definition: highHba1c, refreshMinutes: 60 },
    });
    expect(res.status).toBe(201);
    id = res.body.id;
    expect(await members(id)).toEqual(['anna', 'bo']);
    expect(await events(id)).toEqual([
      ['enter', 'anna'],
      ['enter', 'bo'],
    ]);
  });

  it('let a patient in and out as their data changes, without waiting for the schedule', async () => {
    s.clock.advance(DAY);
    await s.store.update('Observation', 'c2', hba1c('c2', 'cia', 82, 'mmol/mol', '2026-03-01'));
    await api('/api/segments/preview', { json: { definition: highHba1c, sample: 0 } });
    expect(await members(id)).toEqual(['anna', 'bo', 'cia']);
    // A newer, lower value makes Anna's latest value normal again.
    s.clock.advance(DAY);
    await s.store.update('Observation', 'a2', hba1c('a2', 'anna', 51, 'mmol/mol', '2026-03-02'));
    await api('/api/segments/preview', { json: { definition: highHba1c, sample: 0 } });
    expect(await members(id)).toEqual(['bo', 'cia']);
    // Deleting the value that put Cia in takes her out again.
    await s.store.delete('Observation', 'c2');
    await api('/api/segments/preview', { json: { definition: highHba1c, sample: 0 } });
    expect(await members(id)).toEqual(['bo']);
    expect((await events(id)).slice(2)).toEqual([
      ['enter', 'cia'],
      ['exit', 'anna'],
      ['exit', 'cia'],
    ]);
  });

  it('recompute on their schedule, as windows move with time', async () => {
    // Bo's value from 2025-06-01 leaves the 12-month window in June 2026.
    s.clock.set(new Date('2026-06-15T09:00:00Z'));
    const res = await api('/api/segments/preview', { json: { definition: highHba1c, sample: 0 } });
    expect(res.body.count).toBe(0);
    expect(await members(id)).toEqual(['bo']);
    // The server's scheduler calls refreshDue every minute; a segment is due refreshMinutes after its last refresh.
    const scheduler = new SegmentService(s.db, s.store, s.clock);
    try {
      expect(await scheduler.refreshDue()).toEqual([{ id, members: 0, entered: 0, exited: 1 }]);
      s.clock.advance(30 * 60_000);
      expect(await scheduler.refreshDue()).toEqual([]);
    } finally {
      await scheduler.stop();
    }
    expect(await members(id)).toEqual([]);
    // Anna's exit and Cia's deletion happened at one instant: one point on the chart.
    const history = await api(`/api/segments/${id}/history`);
    expect(history.body.points.map((p: { members: number }) => p.members)).toEqual([2, 3, 1, 0]);
    expect(history.body.points.at(-1)).toMatchObject({ entered: 0, exited: 1, version: 1 });
  });
});

describe('static segments', () => {
  it('are frozen when saved: later data changes do not move them', async () => {
    const res = await api('/api/segments', {
      json: { name: 'Frozen', kind: 'static', definition: { version: 1, root: { kind: 'age', min: 70 } } },
    });
    expect(res.status).toBe(201);
    expect(res.body.frozenAt).toBe(s.clock.now().toISOString());
    const before = await members(res.body.id);
    expect(before).toEqual(['anna', 'bo']);
    await s.store.update('Patient', 'cia', ehrPatient('cia', { ...people.cia, birthDate: '1940-01-01' }));
    await api('/api/segments/preview', {
      json: { definition: { version: 1, root: { kind: 'age', min: 70 } }, sample: 0 },
    });
    expect(await members(res.body.id)).toEqual(before);
    const edit = await api(`/api/segments/${res.body.id}`, {
      method: 'PUT',
      json: {
        name: 'Frozen',
        kind: 'static',
        version: 1,
        definition: { version: 1, root: { kind: 'age', min: 60 } },
      },
    });
    expect(edit.status).toBe(409);
    expect(edit.body.detail).toContain('duplicate it');
  });
});

describe('consent rules', () => {
  const outreachSms: Definition = {
    version: 1,
    root: { kind: 'consent', channel: 'sms', purpose: 'outreach' },
  };
  const careSms: Definition = { version: 1, root: { kind: 'consent', channel: 'sms', purpose: 'care' } };

  it('follow canContact: care needs no consent, outreach needs an opt-in', async () => {
    s.clock.advance(DAY);
    await sync.drain();
    const care = await api('/api/segments/preview', { json: { definition: careSms, sample: 3 } });
    expect(care.body.count).toBe(3);
    const outreach = await api('/api/segments/preview', { json: { definition: outreachSms, sample: 0 } });
    expect(outreach.body.count).toBe(0);

    const profile = await findProfile(api, people.bo.pnr);
    const grant = await api(`/api/profiles/${profile}/consents`, {
      json: {
        channel: 'sms',
        purpose: 'outreach',
        state: 'granted',
        evidence: { kind: 'staff', note: 'said yes on the phone' },
      },
    });
    expect(grant.status).toBe(201);
    const after = await api('/api/segments/preview', { json: { definition: outreachSms, sample: 3 } });
    expect(after.body.count).toBe(1);
    expect(after.body.sample[0].patientId).toBe('bo');
    expect(after.body.sample[0].why.at(-1)).toMatchObject({ passed: true });
  });

  it('are refused in lake mode with a reason', async () => {
    const { compileDefinition, UnsupportedInDialect } = await import('../src/segments/compile.ts');
    expect(() =>
      compileDefinition(outreachSms, {
        asOf: Date.now(),
        dialect: 'duckdb',
        segment: () => undefined,
        careUnitRefs: () => [],
      }),
    ).toThrow(UnsupportedInDialect);
  });
});
