import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countOf, type FhirHttp, fhirHttp, outcomeText } from './fhir-http.ts';
import { type TestServer, testServer } from './helpers.ts';

let server: TestServer;
let http: FhirHttp;

beforeAll(async () => {
  server = await testServer('2026-01-01T00:00:00Z');
  http = fhirHttp(server);
});
afterAll(() => server?.close());

const patient = (family: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Patient',
  name: [{ family, given: ['Anna'] }],
  gender: 'female',
  birthDate: '1970-05-06',
  ...extra,
});

describe('FHIR CRUD over HTTP', () => {
  it('creates, reads, vreads, updates and keeps the old version', async () => {
    const created = await http.post('Patient', patient('Crudsson'));
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
    expect(created.headers.get('etag')).toBe('W/"1"');
    expect(created.headers.get('location')).toBe(`${http.base}/Patient/${id}/_history/1`);
    expect(created.headers.get('content-type')).toContain('application/fhir+json');
    expect(created.body.meta).toMatchObject({ versionId: '1', lastUpdated: '2026-01-01T00:00:00.000Z' });
    expect(created.body.name).toEqual([{ family: 'Crudsson', given: ['Anna'] }]);

    const read = await http.get(`Patient/${id}`);
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('W/"1"');
    expect(read.body).toEqual(created.body);

    server.clock.advance(60_000);
    const updated = await http.put(`Patient/${id}`, { ...read.body, gender: 'other' });
    expect(updated.status).toBe(200);
    expect(updated.headers.get('etag')).toBe('W/"2"');
    expect(updated.body.meta).toMatchObject({ versionId: '2', lastUpdated: '2026-01-01T00:01:00.000Z' });
    expect(updated.body.gender).toBe('other');

    const v1 = await http.get(`Patient/${id}/_history/1`);
    expect(v1.status).toBe(200);
    expect(v1.body.gender).toBe('female');
    expect(v1.body.meta.versionId).toBe('1');
    const v2 = await http.get(`Patient/${id}/_history/2`);
    expect(v2.body.gender).toBe('other');
    expect((await http.get(`Patient/${id}/_history/3`)).status).toBe(404);
    expect((await http.get(`Patient/${id}`)).body.meta.versionId).toBe('2');
  });

  it('rejects an update whose If-Match names an old version, and changes nothing', async () => {
    const created = await http.post('Patient', patient('Matchsson'));
    const id = created.body.id;
    const v2 = await http.put(`Patient/${id}`, { ...created.body, gender: 'male' }, { 'if-match': 'W/"1"' });
    expect(v2.status).toBe(200);
    const stale = await http.put(
      `Patient/${id}`,
      { ...created.body, gender: 'unknown' },
      { 'if-match': 'W/"1"' },
    );
    expect(stale.status).toBe(412);
    expect(stale.body.resourceType).toBe('OperationOutcome');
    expect(stale.body.issue[0].code).toBe('conflict');
    expect(outcomeText(stale.body)).toContain('W/"2"');
    const now = await http.get(`Patient/${id}`);
    expect(now.body.meta.versionId).toBe('2');
    expect(now.body.gender).toBe('male');
    const hist = await http.get(`Patient/${id}/_history`);
    expect(hist.body.total).toBe(2);
  });

  it('deletes: read gives 410, history shows the delete, vread of old versions still works', async () => {
    const id = (await http.post('Patient', patient('Deletesson'))).body.id;
    server.clock.advance(1000);
    const del = await http.delete(`Patient/${id}`);
    expect(del.status).toBe(200);
    expect(del.headers.get('etag')).toBe('W/"2"');
    const gone = await http.get(`Patient/${id}`);
    expect(gone.status).toBe(410);
    expect(gone.body.issue[0].code).toBe('deleted');
    expect((await http.get(`Patient/${id}/_history/1`)).status).toBe(200);
    const hist = await http.get(`Patient/${id}/_history`);
    expect(hist.status).toBe(200);
    expect(hist.body).toMatchObject({ resourceType: 'Bundle', type: 'history', total: 2 });
    expect(hist.body.entry.map((e: any) => e.request.method)).toEqual(['DELETE', 'POST']);
    expect(hist.body.entry[0].resource).toBeUndefined();
    expect(hist.body.entry[0].response.etag).toBe('W/"2"');
    expect((await http.get(`Patient?_id=${id}`)).body.total).toBe(0);
    expect((await http.get('Patient/never-existed')).status).toBe(404);
    expect((await http.get('Patient/never-existed/_history')).status).toBe(404);
  });

  it('lists type history newest first', async () => {
    const before = (await http.get('Practitioner/_history')).body.total;
    const a = (await http.post('Practitioner', { resourceType: 'Practitioner', name: [{ family: 'Hist' }] }))
      .body;
    server.clock.advance(1000);
    await http.put(`Practitioner/${a.id}`, { ...a, active: true });
    server.clock.advance(1000);
    const b = (await http.post('Practitioner', { resourceType: 'Practitioner', name: [{ family: 'Hist2' }] }))
      .body;
    const hist = await http.get('Practitioner/_history');
    expect(hist.status).toBe(200);
    expect(hist.body.total).toBe(before + 3);
    expect(
      hist.body.entry.slice(0, 3).map((e: any) => `${e.resource.id}@${e.resource.meta.versionId}`),
    ).toEqual([`${b.id}@1`, `${a.id}@2`, `${a.id}@1`]);
  });

  it('conditional create with If-None-Exist returns the existing resource instead of a duplicate', async () => {
    const body = patient('Onceson', { identifier: [{ system: 'urn:test:ssn', value: 'once-1' }] });
    const first = await http.post('Patient', body, { 'if-none-exist': 'identifier=urn:test:ssn|once-1' });
    expect(first.status).toBe(201);
    const second = await http.post('Patient', body, { 'if-none-exist': 'identifier=urn:test:ssn|once-1' });
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.meta.versionId).toBe('1');
    expect(await countOf(http, 'Patient?identifier=urn:test:ssn|once-1')).toBe(1);
  });

  it('conditional update PUT Patient?identifier= creates, then updates, and refuses two matches', async () => {
    const q = 'Patient?identifier=urn:test:ssn|cu-1';
    const body = patient('Condson', { identifier: [{ system: 'urn:test:ssn', value: 'cu-1' }] });
    const created = await http.put(q, body);
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('W/"1"');
    const updated = await http.put(q, { ...body, gender: 'male' });
    expect(updated.status).toBe(200);
    expect(updated.body.id).toBe(created.body.id);
    expect(updated.body.meta.versionId).toBe('2');
    expect(await countOf(http, q)).toBe(1);

    const dup = patient('Twinsson', { identifier: [{ system: 'urn:test:ssn', value: 'twin' }] });
    await http.post('Patient', dup);
    await http.post('Patient', dup);
    const refused = await http.put('Patient?identifier=urn:test:ssn|twin', { ...dup, gender: 'male' });
    expect(refused.status).toBe(412);
    expect(refused.body.issue[0].code).toBe('multiple-matches');
    expect(await countOf(http, 'Patient?identifier=urn:test:ssn|twin&gender=male')).toBe(0);
  });

  it('Prefer: return=minimal answers 201 with Location and no body', async () => {
    const r = await http.post('Patient', patient('Minimalsson'), { prefer: 'return=minimal' });
    expect(r.status).toBe(201);
    expect(r.text).toBe('');
    const location = r.headers.get('location')!;
    expect(location).toMatch(/\/Patient\/[^/]+\/_history\/1$/);
    const fetched = await http.get(location);
    expect(fetched.status).toBe(200);
    expect(fetched.body.name[0].family).toBe('Minimalsson');
  });

  it('the change feed lists create, update and delete in order, with the patient', async () => {
    const start = await http.get('/api/changes?after=0&limit=10000');
    expect(start.status).toBe(200);
    const cursor = start.body.next;
    const p = (await http.post('Patient', patient('Feedsson'))).body;
    const obs = (
      await http.post('Observation', {
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
        subject: { reference: `Patient/${p.id}` },
        valueQuantity: { value: 6.1, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
      })
    ).body;
    await http.put(`Observation/${obs.id}`, { ...obs, status: 'amended' });
    await http.delete(`Observation/${obs.id}`);

    const all = await http.get('/api/changes?after=0&limit=10000');
    const mine = all.body.changes.filter((c: any) => c.id === p.id || c.id === obs.id);
    expect(mine.map((c: any) => [c.resourceType, c.operation, c.versionId, c.patient])).toEqual([
      ['Patient', 'create', '1', p.id],
      ['Observation', 'create', '1', p.id],
      ['Observation', 'update', '2', p.id],
      ['Observation', 'delete', '3', p.id],
    ]);
    const seqs = all.body.changes.map((c: any) => c.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    const after = await http.get(`/api/changes?after=${cursor}`);
    expect(after.body.changes).toHaveLength(4);
    expect(after.body.next).toBe(after.body.changes[3].seq);
  });

  it('requires a bearer token on /fhir and /api, but not on /healthz or the CapabilityStatement', async () => {
    // Clients discover the server (and how to authenticate) before they have a token.
    expect((await fetch(`${server.url}/fhir/R4/metadata`)).status).toBe(200);
    for (const path of ['/fhir/R4/Patient', '/api/changes?after=0']) {
      const none = await fetch(`${server.url}${path}`);
      expect(none.status, path).toBe(401);
      const bogus = await fetch(`${server.url}${path}`, {
        headers: { authorization: 'Bearer not-a-real-token' },
      });
      expect(bogus.status, path).toBe(401);
      const body = (await bogus.json()) as { resourceType?: string; status?: number };
      if (path.startsWith('/fhir')) expect(body.resourceType).toBe('OperationOutcome');
    }
    const write = await fetch(`${server.url}/fhir/R4/Patient`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify(patient('Sneaky')),
    });
    expect(write.status).toBe(401);
    expect(await countOf(http, 'Patient?family=Sneaky')).toBe(0);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('ok');
  });

  it('the CapabilityStatement lists the Patient search parameters', async () => {
    const r = await http.get('metadata');
    expect(r.status).toBe(200);
    expect(r.body.resourceType).toBe('CapabilityStatement');
    expect(r.body.fhirVersion).toBe('4.0.1');
    const pat = r.body.rest[0].resource.find((x: any) => x.type === 'Patient');
    const names = pat.searchParam.map((p: any) => p.name);
    for (const n of [
      'birthdate',
      '_lastUpdated',
      '_id',
      'identifier',
      'family',
      'given',
      'gender',
      'email',
      'phone',
      'address-postalcode',
    ]) {
      expect(names).toContain(n);
    }
    expect(pat.searchParam.find((p: any) => p.name === 'birthdate').type).toBe('date');
    expect(pat.interaction.map((i: any) => i.code)).toEqual(
      expect.arrayContaining(['read', 'vread', 'update', 'delete', 'create', 'history-instance']),
    );
  });
});
