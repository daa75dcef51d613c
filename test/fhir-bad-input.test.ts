import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countOf, type FhirHttp, fhirHttp, type HttpResult, outcomeText } from './fhir-http.ts';
import { type TestServer, testServer } from './helpers.ts';

let server: TestServer;
let http: FhirHttp;
let existingPatient: any;

/** What a user can see of the store: counts per type and the change-feed cursor. */
async function snapshot(): Promise<Record<string, number>> {
  const feed = await http.get('/api/changes?after=0&limit=10000');
  return {
    Patient: await countOf(http, 'Patient'),
    Observation: await countOf(http, 'Observation'),
    Condition: await countOf(http, 'Condition'),
    changes: feed.body.changes.length,
  };
}

let before: Record<string, number>;
beforeAll(async () => {
  server = await testServer();
  http = fhirHttp(server);
  existingPatient = (
    await http.post('Patient', { resourceType: 'Patient', name: [{ family: 'Existing' }], gender: 'female' })
  ).body;
});
afterAll(() => server?.close());
beforeEach(async () => {
  before = await snapshot();
});

/** Asserts an OperationOutcome error with the given status and issue code, and that nothing was stored. */
async function rejected(r: HttpResult, status: number, code: string, ...mentions: string[]): Promise<void> {
  expect(r.status, r.text.slice(0, 500)).toBe(status);
  expect(r.headers.get('content-type')).toContain('application/fhir+json');
  expect(r.body.resourceType).toBe('OperationOutcome');
  expect(r.body.issue.length).toBeGreaterThan(0);
  expect(r.body.issue.every((i: any) => i.severity === 'error' || i.severity === 'fatal')).toBe(true);
  expect(r.body.issue.map((i: any) => i.code)).toContain(code);
  const text = outcomeText(r.body);
  for (const m of mentions) expect(text).toContain(m);
  expect(await snapshot()).toEqual(before);
}

const obs = (extra: Record<string, unknown> = {}) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
  ...extra,
});

describe('bad resources are rejected with an OperationOutcome and change nothing', () => {
  it('malformed JSON', async () => {
    await rejected(
      await http.post('Patient', '{"resourceType": "Patient", "name": [}'),
      400,
      'structure',
      'malformed JSON',
    );
  });

  it('wrong JSON type names the element', async () => {
    const r = await http.post('Patient', { resourceType: 'Patient', birthDate: 5 });
    await rejected(r, 400, 'structure', 'Patient.birthDate');
    expect(r.body.issue[0].expression.join()).toContain('Patient.birthDate');
  });

  it('missing required elements are each named', async () => {
    const r = await http.post('Observation', {
      resourceType: 'Observation',
      subject: { reference: `Patient/${existingPatient.id}` },
    });
    await rejected(r, 400, 'required', 'Observation.status', 'Observation.code');
  });

  it('unknown resource type in the URL', async () => {
    await rejected(
      await http.post('Patientt', { resourceType: 'Patientt' }),
      404,
      'not-supported',
      'Patientt',
    );
  });

  it('unknown element', async () => {
    await rejected(
      await http.post('Patient', { resourceType: 'Patient', favouriteColour: 'blue' }),
      400,
      'structure',
      'Patient.favouriteColour',
    );
  });

  it('a code outside a required value set', async () => {
    await rejected(
      await http.post('Patient', { resourceType: 'Patient', gender: 'robot' }),
      400,
      'code-invalid',
      'Patient.gender',
      'robot',
    );
  });

  it('URL type differs from body type', async () => {
    await rejected(await http.post('Patient', obs()), 400, 'invalid', 'Observation', 'Patient');
  });

  it('an invalid update leaves the current version in place', async () => {
    const r = await http.put(`Patient/${existingPatient.id}`, { ...existingPatient, gender: 'robot' });
    await rejected(r, 400, 'code-invalid', 'Patient.gender');
    const now = await http.get(`Patient/${existingPatient.id}`);
    expect(now.body.meta.versionId).toBe('1');
    expect(now.body.gender).toBe('female');
  });

  it('a body over the size limit (50 MB) gives 413', async () => {
    const big = JSON.stringify({
      resourceType: 'Patient',
      name: [{ family: 'Huge' }],
      text: {
        status: 'generated',
        div: `<div xmlns="http://www.w3.org/1999/xhtml">${'x'.repeat(50 * 1024 * 1024)}</div>`,
      },
    });
    expect(big.length).toBeGreaterThan(50 * 1024 * 1024);
    await rejected(await http.post('Patient', big), 413, 'too-long', 'larger than the 32 MiB');
    expect(await countOf(http, 'Patient?family=Huge')).toBe(0);
  });
});

describe('bad transactions are rejected whole', () => {
  it('one invalid entry rejects the transaction and stores none of the valid ones', async () => {
    const r = await http.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:8d3c1c59-0c1e-4c79-9a3e-4a0f5c2b0001',
          resource: { resourceType: 'Patient', name: [{ family: 'Txgood' }] },
          request: { method: 'POST', url: 'Patient' },
        },
        {
          resource: obs({ subject: { reference: 'urn:uuid:8d3c1c59-0c1e-4c79-9a3e-4a0f5c2b0001' } }),
          request: { method: 'POST', url: 'Observation' },
        },
        {
          resource: { resourceType: 'Patient', name: [{ family: 'Txbad' }], gender: 'robot' },
          request: { method: 'POST', url: 'Patient' },
        },
      ],
    });
    await rejected(r, 400, 'code-invalid', 'Bundle.entry[2]', 'gender');
    expect(await countOf(http, 'Patient?family=Txgood')).toBe(0);
  });

  it('a reference to a urn:uuid that is not in the bundle is named', async () => {
    const r = await http.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:8d3c1c59-0c1e-4c79-9a3e-4a0f5c2b0002',
          resource: { resourceType: 'Patient', name: [{ family: 'Orphanref' }] },
          request: { method: 'POST', url: 'Patient' },
        },
        {
          resource: obs({ subject: { reference: 'urn:uuid:00000000-dead-beef-0000-000000000000' } }),
          request: { method: 'POST', url: 'Observation' },
        },
      ],
    });
    await rejected(r, 400, 'not-found', 'urn:uuid:00000000-dead-beef-0000-000000000000', 'Bundle.entry[1]');
    expect(await countOf(http, 'Patient?family=Orphanref')).toBe(0);
  });

  it('a reference to a resource that does not exist is named', async () => {
    const r = await http.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { resourceType: 'Patient', name: [{ family: 'Danglingref' }] },
          request: { method: 'POST', url: 'Patient' },
        },
        {
          resource: obs({ subject: { reference: 'Patient/does-not-exist' } }),
          request: { method: 'POST', url: 'Observation' },
        },
      ],
    });
    await rejected(r, 400, 'not-found', 'Patient/does-not-exist');
    expect(await countOf(http, 'Patient?family=Danglingref')).toBe(0);
  });

  it('a Bundle that is not a transaction or batch is refused', async () => {
    await rejected(
      await http.post('', { resourceType: 'Bundle', type: 'collection', entry: [] }),
      400,
      'invalid',
      'Bundle.type',
    );
    await rejected(await http.post('', { resourceType: 'Patient' }), 400, 'invalid', 'Bundle');
  });
});

describe('searches with bad parameters', () => {
  it('an unknown parameter is an error naming it, or a warning under handling=lenient', async () => {
    const strict = await http.get('Patient?favourite-colour=blue');
    await rejected(strict, 400, 'not-supported', 'favourite-colour');
    const lenient = await http.get('Patient?favourite-colour=blue&family=Existing', {
      prefer: 'handling=lenient',
    });
    expect(lenient.status).toBe(200);
    const matches = lenient.body.entry.filter((e: any) => e.search?.mode === 'match');
    expect(matches.map((e: any) => e.resource.id)).toEqual([existingPatient.id]);
    const outcome = lenient.body.entry.find((e: any) => e.search?.mode === 'outcome')?.resource;
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0].severity).toBe('warning');
    expect(outcomeText(outcome)).toContain('favourite-colour');
  });

  it('a date that is not a date is a 400 naming the parameter', async () => {
    await rejected(await http.get('Patient?birthdate=notadate'), 400, 'invalid', 'birthdate', 'notadate');
    await rejected(await http.get('Observation?date=ge2020-13-45x'), 400, 'invalid', 'date');
  });
});

describe('idempotent delivery and batches', () => {
  const delivery = () => ({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: 'urn:uuid:5b7a0000-0000-4000-8000-000000000001',
        resource: {
          resourceType: 'Patient',
          identifier: [{ system: 'urn:test:mrn', value: 'dup-1' }],
          name: [{ family: 'Twice' }],
        },
        request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=urn:test:mrn|dup-1' },
      },
      {
        fullUrl: 'urn:uuid:5b7a0000-0000-4000-8000-000000000002',
        resource: obs({
          identifier: [{ system: 'urn:test:obs', value: 'dup-obs-1' }],
          subject: { reference: 'urn:uuid:5b7a0000-0000-4000-8000-000000000001' },
        }),
        request: { method: 'POST', url: 'Observation', ifNoneExist: 'identifier=urn:test:obs|dup-obs-1' },
      },
    ],
  });

  it('the same transaction with ifNoneExist posted twice creates nothing the second time', async () => {
    const first = await http.post('', delivery());
    expect(first.status).toBe(200);
    expect(first.body.type).toBe('transaction-response');
    expect(first.body.entry.map((e: any) => e.response.status)).toEqual(['201 Created', '201 Created']);
    const afterFirst = await snapshot();
    expect(afterFirst.Patient).toBe(before.Patient + 1);
    expect(afterFirst.Observation).toBe(before.Observation + 1);

    const second = await http.post('', delivery());
    expect(second.status).toBe(200);
    expect(second.body.entry.map((e: any) => e.response.status)).toEqual(['200 OK', '200 OK']);
    expect(second.body.entry.map((e: any) => e.response.location)).toEqual(
      first.body.entry.map((e: any) => e.response.location),
    );
    expect(await snapshot()).toEqual(afterFirst);
    const stored = await http.get('Observation?identifier=urn:test:obs|dup-obs-1');
    expect(stored.body.total).toBe(1);
    expect(stored.body.entry[0].resource.subject.reference).toBe(
      `Patient/${first.body.entry[0].resource.id}`,
    );
  });

  it('a batch reports the bad entry and still creates the others', async () => {
    const r = await http.post('', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        {
          resource: { resourceType: 'Patient', name: [{ family: 'Batchone' }] },
          request: { method: 'POST', url: 'Patient' },
        },
        {
          resource: { resourceType: 'Patient', name: [{ family: 'Batchbad' }], birthDate: 'yesterday' },
          request: { method: 'POST', url: 'Patient' },
        },
        {
          resource: obs({ subject: { reference: `Patient/${existingPatient.id}` } }),
          request: { method: 'POST', url: 'Observation' },
        },
        {
          resource: obs({ subject: { reference: 'Patient/does-not-exist' } }),
          request: { method: 'POST', url: 'Observation' },
        },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body.type).toBe('batch-response');
    const statuses = r.body.entry.map((e: any) => e.response.status.slice(0, 3));
    expect(statuses).toEqual(['201', '400', '201', '400']);
    const bad = r.body.entry[1].response.outcome;
    expect(bad.resourceType).toBe('OperationOutcome');
    expect(outcomeText(bad)).toContain('Bundle.entry[1]');
    expect(outcomeText(bad)).toContain('birthDate');
    expect(outcomeText(r.body.entry[3].response.outcome)).toContain('Patient/does-not-exist');
    expect(await countOf(http, 'Patient?family=Batchone')).toBe(1);
    expect(await countOf(http, 'Patient?family=Batchbad')).toBe(0);
    const after = await snapshot();
    expect(after.Patient).toBe(before.Patient + 1);
    expect(after.Observation).toBe(before.Observation + 1);
  });
});
