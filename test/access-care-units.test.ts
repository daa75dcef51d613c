import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCareUnit } from '../src/auth/care-units.ts';
import { type Browser, signInAs, type TestServer, testServer } from './helpers.ts';

/**
 * Minimum necessary in practice: who sees which patient (care units, emergency
 * access) and which data (clinical or not), and what the audit log keeps of it.
 */
let s: TestServer;
let clinicalA: Browser;
let plannerA: Browser;
let outreach: Browser;
let admin: Browser;

const hba1c = (id: string, patient: string, value: number) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '4548-4', display: 'Hemoglobin A1c' }] },
  subject: { reference: `Patient/${patient}` },
  effectiveDateTime: '2026-01-02T08:00:00Z',
  valueQuantity: { value, unit: 'mmol/mol', system: 'http://unitsofmeasure.org', code: 'mmol/mol' },
});

beforeAll(async () => {
  s = await testServer();
  const resources = [
    { resourceType: 'Organization', id: 'org-a', name: 'Vårdcentralen Norr' },
    { resourceType: 'Organization', id: 'org-b', name: 'Vårdcentralen Söder' },
    {
      resourceType: 'Patient',
      id: 'pa',
      name: [{ family: 'Andersson', given: ['Astrid'] }],
      managingOrganization: { reference: 'Organization/org-a' },
    },
    { resourceType: 'Patient', id: 'pb', name: [{ family: 'Bergström', given: ['Bo'] }] },
    {
      resourceType: 'Encounter',
      id: 'eb',
      status: 'finished',
      class: { code: 'AMB' },
      subject: { reference: 'Patient/pb' },
      serviceProvider: { reference: 'Organization/org-b' },
    },
    hba1c('oa', 'pa', 61),
    hba1c('ob', 'pb', 83),
  ];
  const res = await fetch(`${s.url}/fhir/R4`, {
    method: 'POST',
    headers: { ...s.auth, 'content-type': 'application/fhir+json' },
    body: JSON.stringify({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: resources.map((r) => ({
        resource: r,
        request: { method: 'PUT', url: `${r.resourceType}/${r.id}` },
      })),
    }),
  });
  expect(res.status, await res.text()).toBe(200);
  await createCareUnit(s.db, { id: 'vc-norr', name: 'VC Norr', refs: ['Organization/org-a'] });
  await createCareUnit(s.db, { id: 'vc-soder', name: 'VC Söder', refs: ['Organization/org-b'] });
  clinicalA = await signInAs(s, 'clinical', { careUnits: ['vc-norr'], email: 'doktor@norr.example.se' });
  plannerA = await signInAs(s, 'event-planner', { careUnits: ['vc-norr'] });
  outreach = await signInAs(s, 'outreach');
  admin = await signInAs(s, 'admin');
});
afterAll(() => s?.close());

const get = (b: Browser, path: string) => fetch(`${s.url}${path}`, { headers: b.headers });

describe('care units', () => {
  it('a clinical user reads their unit’s patients and not others’', async () => {
    const own = await get(clinicalA, '/fhir/R4/Observation/oa');
    expect(own.status).toBe(200);
    expect(((await own.json()) as any).valueQuantity.value).toBe(61);
    const other = await get(clinicalA, '/fhir/R4/Observation/ob');
    expect(other.status).toBe(403);
    const outcome = (await other.json()) as any;
    expect(outcome.issue[0].code).toBe('forbidden');
    expect(outcome.issue[0].diagnostics).toMatch(
      /not related to your care units \(vc-norr\).*emergency access/,
    );
    expect((await get(clinicalA, '/fhir/R4/Patient/pb/$everything')).status).toBe(403);
  });

  it('searches return only visible patients’ resources, with totals to match', async () => {
    const bundle = (await (
      await get(clinicalA, '/fhir/R4/Observation?code=http://loinc.org|4548-4&_total=accurate')
    ).json()) as any;
    expect(bundle.total).toBe(1);
    expect(bundle.entry.map((e: any) => e.resource.id)).toEqual(['oa']);
    const patients = (await (
      await get(clinicalA, '/fhir/R4/Patient?_revinclude=Observation:subject')
    ).json()) as any;
    expect(patients.entry.map((e: any) => e.resource.id).sort()).toEqual(['oa', 'pa']);
  });

  it('an organisation-wide role sees every unit’s patients', async () => {
    const bundle = (await (await get(outreach, '/fhir/R4/Patient?_count=10')).json()) as any;
    expect(bundle.entry.map((e: any) => e.resource.id).sort()).toEqual(['pa', 'pb']);
  });

  it('emergency access opens a patient with a stated reason, flagged in the audit log', async () => {
    const short = await fetch(`${s.url}/api/auth/emergency-access`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...clinicalA.headers },
      body: JSON.stringify({ patientId: 'pb', reason: 'akut' }),
    });
    expect(short.status).toBe(400);
    const grant = await fetch(`${s.url}/api/auth/emergency-access`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...clinicalA.headers },
      body: JSON.stringify({
        patientId: 'pb',
        reason: 'Medvetslös patient på akutmottagningen, behöver diabetesstatus',
      }),
    });
    expect(grant.status).toBe(201);
    const obs = await get(clinicalA, '/fhir/R4/Observation/ob');
    expect(obs.status).toBe(200);
    const log = (await (await get(admin, '/api/audit?patient=pb&limit=50')).json()) as any;
    const emergencyRead = log.records.find(
      (r: any) => r.action === 'read' && r.resourceIds.includes('ob') && r.outcome === 'success',
    );
    expect(emergencyRead).toMatchObject({
      actorName: 'doktor@norr.example.se',
      role: 'clinical',
      emergency: true,
      careUnits: ['vc-norr'],
    });
    expect(emergencyRead.purpose).toMatch(/Medvetslös/);
    expect(log.records.some((r: any) => r.action === 'emergency-access')).toBe(true);
    expect(
      log.records.some((r: any) => r.outcome === 'denied' && r.actorName === 'doktor@norr.example.se'),
    ).toBe(true);
    // Four hours later the grant has lapsed.
    s.clock.advance(4 * 3600_000 + 1);
    const again = await signInAs(s, 'clinical', { careUnits: ['vc-norr'] });
    expect((await get(again, '/fhir/R4/Observation/ob')).status).toBe(403);
    // The other sessions idled out meanwhile.
    plannerA = await signInAs(s, 'event-planner', { careUnits: ['vc-norr'] });
    outreach = await signInAs(s, 'outreach');
    admin = await signInAs(s, 'admin');
    clinicalA = again;
  });
});

describe('clinical data by role', () => {
  it('an event planner sees demographics but no clinical value', async () => {
    const patient = await get(plannerA, '/fhir/R4/Patient/pa');
    expect(patient.status).toBe(200);
    const obs = await get(plannerA, '/fhir/R4/Observation/oa');
    expect(obs.status).toBe(403);
    expect(((await obs.json()) as any).issue[0].diagnostics).toMatch(/clinical:read/);
    const everything = (await (await get(plannerA, '/fhir/R4/Patient/pa/$everything')).json()) as any;
    const types = new Set(everything.entry.map((e: any) => e.resource.resourceType));
    expect(types.has('Observation')).toBe(false);
    expect(types.has('Patient')).toBe(true);
    expect(JSON.stringify(everything)).not.toContain('4548-4');
    const search = (await (
      await get(plannerA, '/fhir/R4/Patient?_revinclude=Observation:subject')
    ).json()) as any;
    expect(JSON.stringify(search)).not.toContain('4548-4');
  });

  it('outreach staff may not read clinical values', async () => {
    expect((await get(outreach, '/fhir/R4/Observation?code=http://loinc.org|4548-4')).status).toBe(403);
  });

  it('every access is in the audit log with who, role, what and which patients', async () => {
    await get(clinicalA, '/fhir/R4/Observation/oa');
    const log = (await (await get(admin, `/api/audit?patient=pa&limit=100`)).json()) as any;
    const read = log.records.find(
      (r: any) =>
        r.action === 'read' && r.resourceType === 'Observation' && r.role === 'clinical' && !r.emergency,
    );
    expect(read).toMatchObject({
      role: 'clinical',
      patientIds: ['pa'],
      resourceIds: ['oa'],
      outcome: 'success',
      emergency: false,
    });
    expect(read.ip).toBe('127.0.0.1');
    const search = log.records.find((r: any) => r.action === 'search' && r.resourceType === 'Patient');
    expect(search.patientIds).toContain('pa');
    const denied = log.records.find((r: any) => r.outcome === 'denied' && r.resourceType === 'Observation');
    expect(denied).toBeDefined();
  });
});
