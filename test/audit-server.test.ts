import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateResource } from '../src/fhir/validate.ts';
import { roleAuth, type TestServer, testServer } from './helpers.ts';

/** The audit trail in the real server: authentication, the access rules and the FHIR API all wired. */
describe('audit trail in the server', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await testServer('2026-05-04T08:00:00Z');
    const put = await fetch(`${s.url}/fhir/R4/Patient/pat-1`, {
      method: 'PUT',
      headers: { ...s.auth, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({
        resourceType: 'Patient',
        id: 'pat-1',
        name: [{ family: 'Ström', given: ['Åke'] }],
      }),
    });
    expect(put.status).toBe(201);
  });
  afterAll(() => s.close());

  it('a patient read is in the log before the response, with who and from where', async () => {
    const read = await fetch(`${s.url}/fhir/R4/Patient/pat-1`, {
      headers: { ...s.auth, 'user-agent': 'audit-test' },
    });
    expect(read.status).toBe(200);
    const res = await fetch(`${s.url}/api/audit?patient=pat-1&action=read`, { headers: s.auth });
    const log = (await res.json()) as any;
    expect(log.records[0]).toMatchObject({
      action: 'read',
      outcome: 'success',
      resourceType: 'Patient',
      resourceIds: ['pat-1'],
      patientIds: ['pat-1'],
      client: 'audit-test',
      ip: '127.0.0.1',
    });
  });

  it('AuditEvent over FHIR, valid R4', async () => {
    const res = await fetch(`${s.url}/fhir/R4/AuditEvent?patient=pat-1&_count=5`, { headers: s.auth });
    expect(res.status).toBe(200);
    const bundle = (await res.json()) as any;
    expect(bundle.entry.length).toBeGreaterThan(0);
    expect(validateResource(bundle).filter((i) => i.severity === 'error')).toEqual([]);
    const one = await fetch(`${s.url}/fhir/R4/AuditEvent/${bundle.entry[0].resource.id}`, {
      headers: s.auth,
    });
    expect(((await one.json()) as any).resourceType).toBe('AuditEvent');
  });

  it('the extract downloads; verify is intact', async () => {
    const csv = await fetch(`${s.url}/api/audit/extract?patient=pat-1&format=csv`, { headers: s.auth });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toMatch(
      /attachment; filename="audit-extract-pat-1-2026-05-04\.csv"/,
    );
    const verify = await (
      await fetch(`${s.url}/api/audit/verify`, { method: 'POST', headers: s.auth })
    ).json();
    expect(verify).toMatchObject({ ok: true });
  });

  it('roles without audit:read are refused, and AuditEvent cannot be written', async () => {
    const outreach = await roleAuth(s, 'outreach');
    expect((await fetch(`${s.url}/api/audit`, { headers: outreach })).status).toBe(403);
    expect((await fetch(`${s.url}/fhir/R4/AuditEvent`, { headers: outreach })).status).toBe(403);
    expect((await fetch(`${s.url}/api/audit/verify`, { method: 'POST', headers: outreach })).status).toBe(
      403,
    );
    const write = await fetch(`${s.url}/fhir/R4/AuditEvent`, {
      method: 'POST',
      headers: { ...s.auth, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'AuditEvent' }),
    });
    expect(write.status).toBeGreaterThanOrEqual(400);
  });
});
