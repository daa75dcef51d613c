/** A real third-party FHIR client (fhir-kit-client from npm) against the running server. */
import { Client } from 'fhir-kit-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, testServer } from './helpers.ts';

let server: TestServer;
let client: Client;

beforeAll(async () => {
  server = await testServer('2026-01-01T00:00:00Z');
  client = new Client({
    baseUrl: `${server.url}/fhir/R4`,
    customHeaders: { Authorization: `Bearer ${server.token}` },
  });
});
afterAll(() => server?.close());

type Json = any;

/** The HTTP status of a failed client call. */
async function failure(p: Promise<unknown>): Promise<{ status: number; data: Json }> {
  try {
    await p;
  } catch (err) {
    const e = err as { response?: { status: number; data: Json } };
    if (e.response) return e.response;
    throw err;
  }
  throw new Error('expected the call to fail');
}

describe('fhir-kit-client', () => {
  it('reads the CapabilityStatement', async () => {
    const cs: Json = await client.capabilityStatement();
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.rest[0].resource.some((r: Json) => r.type === 'Observation')).toBe(true);
  });

  it('create, read, update, vread, history and delete', async () => {
    const created: Json = await client.create({
      resourceType: 'Patient',
      body: {
        resourceType: 'Patient',
        name: [{ family: 'Kitsson', given: ['Karin'] }],
        gender: 'female',
        birthDate: '1980-02-03',
      },
    });
    expect(created.id).toBeTruthy();
    expect(created.meta.versionId).toBe('1');
    const { response } = Client.httpFor(created);
    expect(response?.status).toBe(201);
    expect(response?.headers.get('location')).toContain(`/Patient/${created.id}/_history/1`);

    const read: Json = await client.read({ resourceType: 'Patient', id: created.id });
    expect(read).toEqual(created);

    server.clock.advance(5_000);
    const updated: Json = await client.update({
      resourceType: 'Patient',
      id: created.id,
      body: { ...read, birthDate: '1980-02-04' },
    });
    expect(updated.meta.versionId).toBe('2');
    expect(updated.meta.lastUpdated).toBe('2026-01-01T00:00:05.000Z');

    const v1: Json = await client.vread({ resourceType: 'Patient', id: created.id, version: '1' });
    expect(v1.birthDate).toBe('1980-02-03');
    const v2: Json = await client.vread({ resourceType: 'Patient', id: created.id, version: '2' });
    expect(v2.birthDate).toBe('1980-02-04');

    const history: Json = await client.history({ resourceType: 'Patient', id: created.id });
    expect(history.type).toBe('history');
    expect(history.entry.map((e: Json) => e.resource.meta.versionId)).toEqual(['2', '1']);
    const typeHistory: Json = await client.history({ resourceType: 'Patient' });
    expect(typeHistory.total).toBeGreaterThanOrEqual(2);

    await client.delete({ resourceType: 'Patient', id: created.id });
    const gone = await failure(client.read({ resourceType: 'Patient', id: created.id }));
    expect(gone.status).toBe(410);
    expect(gone.data.resourceType).toBe('OperationOutcome');
    const afterDelete: Json = await client.history({ resourceType: 'Patient', id: created.id });
    expect(afterDelete.total).toBe(3);
  });

  it('conditional update by identifier', async () => {
    const body = {
      resourceType: 'Patient',
      identifier: [{ system: 'urn:test:kit', value: 'k-1' }],
      name: [{ family: 'Condkit' }],
    };
    const first: Json = await client.update({
      resourceType: 'Patient',
      searchParams: { identifier: 'urn:test:kit|k-1' },
      body,
    });
    const second: Json = await client.update({
      resourceType: 'Patient',
      searchParams: { identifier: 'urn:test:kit|k-1' },
      body: { ...body, gender: 'male' },
    });
    expect(second.id).toBe(first.id);
    expect(second.meta.versionId).toBe('2');
  });

  it('reports a rejected resource as an error with an OperationOutcome', async () => {
    const bad = await failure(
      client.create({ resourceType: 'Patient', body: { resourceType: 'Patient', gender: 'robot' } }),
    );
    expect(bad.status).toBe(400);
    expect(bad.data.issue[0].expression).toEqual(['Patient.gender']);
  });

  it('posts a transaction whose urn:uuid references are rewritten to the ids assigned', async () => {
    const patientUrl = 'urn:uuid:0c2f3e4a-1111-4222-8333-944455556666';
    const encounterUrl = 'urn:uuid:0c2f3e4a-1111-4222-8333-944455557777';
    const result: Json = await client.transaction({
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            fullUrl: patientUrl,
            resource: { resourceType: 'Patient', name: [{ family: 'Transkit' }] },
            request: { method: 'POST', url: 'Patient' },
          },
          {
            fullUrl: encounterUrl,
            resource: {
              resourceType: 'Encounter',
              status: 'finished',
              class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
              subject: { reference: patientUrl },
            },
            request: { method: 'POST', url: 'Encounter' },
          },
          ...[5.9, 6.4, 7.1].map((value, i) => ({
            fullUrl: `urn:uuid:0c2f3e4a-1111-4222-8333-94445555000${i}`,
            resource: {
              resourceType: 'Observation',
              status: 'final',
              code: { coding: [{ system: 'http://loinc.org', code: '4548-4', display: 'Hemoglobin A1c' }] },
              subject: { reference: patientUrl },
              encounter: { reference: encounterUrl },
              effectiveDateTime: `2024-0${i + 1}-15T10:00:00Z`,
              valueQuantity: { value, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
            },
            request: { method: 'POST', url: 'Observation' },
          })),
        ],
      },
    });
    expect(result.type).toBe('transaction-response');
    expect(result.entry.map((e: Json) => e.response.status)).toEqual(Array(5).fill('201 Created'));
    const patientId = result.entry[0].response.location.split('/')[1];
    const encounterId = result.entry[1].response.location.split('/')[1];

    const observations: Json = await client.search({
      resourceType: 'Observation',
      searchParams: { patient: patientId, _sort: 'date' },
    });
    expect(observations.total).toBe(3);
    for (const e of observations.entry) {
      expect(e.resource.subject.reference).toBe(`Patient/${patientId}`);
      expect(e.resource.encounter.reference).toBe(`Encounter/${encounterId}`);
    }
    expect(observations.entry.map((e: Json) => e.resource.valueQuantity.value)).toEqual([5.9, 6.4, 7.1]);
    const high: Json = await client.search({
      resourceType: 'Observation',
      searchParams: { patient: patientId, code: 'http://loinc.org|4548-4', 'value-quantity': 'gt6.5' },
    });
    expect(high.entry.map((e: Json) => e.resource.valueQuantity.value)).toEqual([7.1]);
    const byText: Json = await client.search({
      resourceType: 'Observation',
      searchParams: { patient: patientId, 'code:text': 'a1c' },
    });
    expect(byText.entry).toHaveLength(3);
  });

  it('searches with paging through nextPage', async () => {
    const batch: Json = await client.batch({
      body: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: Array.from({ length: 23 }, (_, i) => ({
          resource: {
            resourceType: 'Patient',
            name: [{ family: 'Pagekit', given: [`P${i}`] }],
            birthDate: `19${50 + i}-01-01`,
          },
          request: { method: 'POST', url: 'Patient' },
        })),
      },
    });
    expect(batch.entry.every((e: Json) => e.response.status.startsWith('201'))).toBe(true);

    let bundle: Json = await client.search({
      resourceType: 'Patient',
      searchParams: { family: 'Pagekit', _count: '5', _sort: 'birthdate' },
    });
    const years: string[] = [];
    let pages = 0;
    while (bundle) {
      pages++;
      years.push(...bundle.entry.map((e: Json) => e.resource.birthDate.slice(0, 4)));
      bundle = await client.nextPage({ bundle });
    }
    expect(pages).toBe(5);
    expect(years).toEqual(Array.from({ length: 23 }, (_, i) => String(1950 + i)));

    const born: Json = await client.search({
      resourceType: 'Patient',
      searchParams: { family: 'Pagekit', birthdate: 'lt1955-01-01', _summary: 'count' },
    });
    expect(born.total).toBe(5);
  });
});
