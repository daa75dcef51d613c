import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCareUnit } from '../src/auth/care-units.ts';
import { MAX_FAILURES } from '../src/auth/signin.ts';
import { createUser } from '../src/auth/users.ts';
import { type Browser, roleAuth, signInAs, type TestServer, testServer } from './helpers.ts';

/** Ways around access control found in review; each must stay closed. */
let s: TestServer;
let clinicalNorr: { authorization: string };
let nonClinicalNorr: { authorization: string };
let outreach: { authorization: string };
let integration: { authorization: string };

const json = { 'content-type': 'application/fhir+json' };

beforeAll(async () => {
  s = await testServer();
  const resources = [
    { resourceType: 'Organization', id: 'org-a', name: 'VC Norr' },
    { resourceType: 'Organization', id: 'org-b', name: 'VC Söder' },
    { resourceType: 'Patient', id: 'pa', managingOrganization: { reference: 'Organization/org-a' } },
    { resourceType: 'Patient', id: 'pb', managingOrganization: { reference: 'Organization/org-b' } },
    {
      resourceType: 'RelatedPerson',
      id: 'rpb',
      patient: { reference: 'Patient/pb' },
      name: [{ family: 'Bergström' }],
    },
    {
      resourceType: 'Observation',
      id: 'oa',
      status: 'final',
      code: { text: 'HbA1c' },
      subject: { reference: 'Patient/pa' },
    },
    {
      resourceType: 'Observation',
      id: 'ob',
      status: 'final',
      code: { text: 'HbA1c' },
      subject: { reference: 'Patient/pb' },
    },
  ];
  const res = await fetch(`${s.url}/fhir/R4`, {
    method: 'POST',
    headers: { ...s.auth, ...json },
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
  clinicalNorr = await roleAuth(s, 'clinical', ['vc-norr']);
  nonClinicalNorr = await roleAuth(s, 'non-clinical', ['vc-norr']);
  outreach = await roleAuth(s, 'outreach');
  integration = await roleAuth(s, 'integration-admin');
});
afterAll(() => s?.close());

describe('access control holds against', () => {
  it('percent-encoded paths', async () => {
    for (const path of ['/%61pi/tokens', '/%61pi/users', '/%66hir/R4/Patient/pb', '/%61pi/changes?after=0']) {
      const res = await fetch(`${s.url}${path}`);
      expect(res.status, path).toBe(401);
    }
    const create = await fetch(`${s.url}/%61pi/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', role: 'admin' }),
    });
    expect(create.status).toBe(401);
  });

  it('bundles from roles bound to care units', async () => {
    const del = await fetch(`${s.url}/fhir/R4`, {
      method: 'POST',
      headers: { ...clinicalNorr, ...json },
      body: JSON.stringify({
        resourceType: 'Bundle',
        type: 'batch',
        entry: [{ request: { method: 'DELETE', url: 'Observation/ob' } }],
      }),
    });
    expect(del.status).toBe(403);
    expect(((await del.json()) as any).issue[0].diagnostics).toMatch(/organisation-wide role/);
    expect((await fetch(`${s.url}/fhir/R4/Observation/ob`, { headers: s.auth })).status).toBe(200);
  });

  it('a batch GET whose body names another type', async () => {
    const res = await fetch(`${s.url}/fhir/R4`, {
      method: 'POST',
      headers: { ...outreach, ...json },
      body: JSON.stringify({
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          {
            resource: { resourceType: 'Patient' },
            request: { method: 'GET', url: 'Observation?code=HbA1c' },
          },
        ],
      }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).issue[0].diagnostics).toMatch(/GET Observation needs clinical:read/);
  });

  it('If-None-Exist used to read another unit’s patient', async () => {
    const res = await fetch(`${s.url}/fhir/R4/Patient`, {
      method: 'POST',
      headers: { ...nonClinicalNorr, ...json, 'if-none-exist': '_id=pb' },
      body: JSON.stringify({ resourceType: 'Patient' }),
    });
    expect(res.status).toBe(403);
  });

  it('$everything with only types the role may not read', async () => {
    const res = await fetch(`${s.url}/fhir/R4/Patient/pa/$everything?_type=Observation`, {
      headers: nonClinicalNorr,
    });
    expect(res.status).toBe(200);
    const types = ((await res.json()) as any).entry.map((e: any) => e.resource.resourceType);
    expect(types).toEqual(['Patient']);
    const bad = await fetch(`${s.url}/fhir/R4/Patient/pa/$everything?_count=-1`, {
      headers: nonClinicalNorr,
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).issue[0].diagnostics).toMatch(/_count=-1 must be a whole number/);
  });

  it('patient data of types outside the short compartment list', async () => {
    const rp = await fetch(`${s.url}/fhir/R4/RelatedPerson/rpb`, { headers: nonClinicalNorr });
    expect(rp.status).toBe(403);
    expect(((await rp.json()) as any).issue[0].diagnostics).toMatch(/not related to your care units/);
    const unknownKind = await fetch(`${s.url}/fhir/R4/AdverseEvent?_count=1`, { headers: integration });
    expect(unknownKind.status).toBe(403); // clinical by default, and integration-admin has no clinical:read
  });

  it('wrong passwords sent in parallel', async () => {
    await createUser(s.db, s.clock, {
      email: 'parallel@region.example.se',
      name: 'P',
      role: 'clinical',
      password: 'ett långt lösenord',
    });
    const attempt = (password: string) =>
      fetch(`${s.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'parallel@region.example.se', password }),
      });
    const statuses = await Promise.all(Array.from({ length: MAX_FAILURES * 3 }, () => attempt('gissning')));
    expect(statuses.filter((r) => r.status === 423).length).toBeGreaterThan(0);
    expect((await attempt('ett långt lösenord')).status).toBe(423);
  });

  it('a demoted user’s old token, and granting more than one holds', async () => {
    const admin: Browser = await signInAs(s, 'admin');
    const boss = await signInAs(s, 'admin', { email: 'boss@region.example.se' });
    const tokenRes = await fetch(`${s.url}/api/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...admin.headers },
      body: JSON.stringify({ name: 'boss script', role: 'admin', userId: boss.userId }),
    });
    const { token } = (await tokenRes.json()) as any;
    const asBoss = { authorization: `Bearer ${token}` };
    expect((await fetch(`${s.url}/api/users`, { headers: asBoss })).status).toBe(200);
    const demote = await fetch(`${s.url}/api/users/${boss.userId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', ...admin.headers },
      body: JSON.stringify({ role: 'event-planner' }),
    });
    expect(demote.status).toBe(200);
    expect((await fetch(`${s.url}/api/users`, { headers: asBoss })).status).toBe(403);

    await fetch(`${s.url}/api/roles`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...admin.headers },
      body: JSON.stringify({
        name: 'helpdesk',
        label: { en: 'Helpdesk', sv: 'Support' },
        permissions: ['user:read', 'user:write'],
      }),
    });
    const helpdesk = await signInAs(s, 'helpdesk');
    const escalate = await fetch(`${s.url}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...helpdesk.headers },
      body: JSON.stringify({
        email: 'mallory@region.example.se',
        role: 'admin',
        password: 'ett långt lösenord',
      }),
    });
    expect(escalate.status).toBe(403);
    expect(((await escalate.json()) as any).detail).toMatch(
      /role 'admin' carries .*which your role 'helpdesk' does not have/,
    );
    const resetAdmin = await fetch(`${s.url}/api/users/${admin.userId}/reset`, {
      method: 'POST',
      headers: helpdesk.headers,
    });
    expect(resetAdmin.status).toBe(403);
  });

  it('a password reset ends the user’s sessions and old password', async () => {
    const admin = await signInAs(s, 'admin');
    const victim = await signInAs(s, 'clinical', {
      email: 'reset@region.example.se',
      password: 'gammalt lösenord 1',
    });
    const reset = await fetch(`${s.url}/api/users/${victim.userId}/reset`, {
      method: 'POST',
      headers: admin.headers,
    });
    expect(reset.status).toBe(200);
    expect((await fetch(`${s.url}/api/auth/me`, { headers: victim.headers })).status).toBe(401);
    const login = await fetch(`${s.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'reset@region.example.se', password: 'gammalt lösenord 1' }),
    });
    expect(login.status).toBe(401);
  });

  it('type history is audited with the patients it returned', async () => {
    const res = await fetch(`${s.url}/fhir/R4/Observation/_history`, { headers: s.auth });
    expect(res.status).toBe(200);
    const log = (await (
      await fetch(`${s.url}/api/audit?patient=pb&limit=200`, { headers: s.auth })
    ).json()) as any;
    expect(log.records.some((r: any) => r.detail?.includes('/Observation/_history'))).toBe(true);
  });
});
