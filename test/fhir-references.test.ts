import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FhirHttp, fhirHttp } from './fhir-http.ts';
import { type TestServer, testServer } from './helpers.ts';

// Reference searches on a patient's own resources go through the patient_id
// column rather than tokens; these pin down that every way of asking still works.
describe('reference search, _include and _revinclude on patient references', () => {
  let server: TestServer;
  let http: FhirHttp;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    server = await testServer();
    http = fhirHttp(server);
    for (const name of ['anna', 'bo']) {
      const res = await http.post('Patient', { resourceType: 'Patient', name: [{ family: name }] });
      ids[name] = res.body.id;
    }
    const obs = await http.post('Observation', {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '59261-8' }] },
      subject: { reference: `Patient/${ids.anna}` },
    });
    ids.obs = obs.body.id;
    const appt = await http.post('Appointment', {
      resourceType: 'Appointment',
      status: 'booked',
      start: '2026-12-01T09:00:00Z',
      end: '2026-12-01T09:20:00Z',
      participant: [
        { actor: { reference: `Patient/${ids.anna}` }, status: 'accepted' },
        { actor: { reference: `Patient/${ids.bo}` }, status: 'accepted' },
      ],
    });
    expect(appt.status).toBe(201);
    ids.appt = appt.body.id;
  });
  afterAll(async () => server.close());

  const found = async (query: string) =>
    ((await http.get(query)).body.entry ?? []).map((e: any) => `${e.resource.resourceType}/${e.resource.id}`);

  it('finds the observation by patient, subject (typed, untyped, modifier) and not for another patient', async () => {
    const want = [`Observation/${ids.obs}`];
    expect(await found(`Observation?patient=${ids.anna}`)).toEqual(want);
    expect(await found(`Observation?patient=Patient/${ids.anna}`)).toEqual(want);
    expect(await found(`Observation?subject=Patient/${ids.anna}`)).toEqual(want);
    expect(await found(`Observation?subject=${ids.anna}`)).toEqual(want);
    expect(await found(`Observation?subject:Patient=${ids.anna}`)).toEqual(want);
    expect(await found(`Observation?subject=Patient/${ids.bo}`)).toEqual([]);
  });

  it('finds an appointment through either of its two patients', async () => {
    expect(await found(`Appointment?actor=Patient/${ids.anna}`)).toEqual([`Appointment/${ids.appt}`]);
    expect(await found(`Appointment?actor=Patient/${ids.bo}`)).toEqual([`Appointment/${ids.appt}`]);
  });

  it('includes the subject and reverse-includes observations of a patient', async () => {
    expect(await found(`Observation?_id=${ids.obs}&_include=Observation:subject`)).toEqual([
      `Observation/${ids.obs}`,
      `Patient/${ids.anna}`,
    ]);
    expect(await found(`Patient?_id=${ids.anna}&_revinclude=Observation:subject`)).toEqual([
      `Patient/${ids.anna}`,
      `Observation/${ids.obs}`,
    ]);
    expect(await found(`Patient?_id=${ids.bo}&_revinclude=Appointment:actor`)).toEqual([
      `Patient/${ids.bo}`,
      `Appointment/${ids.appt}`,
    ]);
  });
});
