import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCareUnit } from '../src/auth/care-units.ts';
import { CONTACT_CSV_LIMIT } from '../src/patients/routes/sources.ts';
import { subscribePatientSync } from '../src/patients/sync.ts';
import { roleAuth, type TestServer, testServer } from './helpers.ts';
import { type Api, apiFor, canContact, ehrPatient, findProfile, importCsv } from './patients-http.ts';

/** What a wrong request or a role without the right permission gets back from the patients API. */

let s: TestServer;
let api: Api;
let sync: ReturnType<typeof subscribePatientSync>;
let id: string;
let listOnly: string;

const TOVE = {
  pnr: '198808083458',
  given: 'Tove',
  family: 'Lindqvist',
  birthDate: '1988-08-08',
  phones: ['070-246 81 35'],
  org: 'org-norr',
};
const MISSING = '6f1c1d9e-2b7a-4c56-9e0f-2d8f3f0a1b2c';
const grant = { channel: 'sms', purpose: 'outreach', state: 'granted', note: 'said yes at the reception' };

beforeAll(async () => {
  s = await testServer('2026-08-01T09:00:00Z');
  api = apiFor(s);
  sync = subscribePatientSync(s.store, s.clock);
  await s.store.update('Organization', 'org-norr', {
    resourceType: 'Organization',
    id: 'org-norr',
    name: 'VC Norr',
  });
  await s.store.update('Organization', 'org-soder', {
    resourceType: 'Organization',
    id: 'org-soder',
    name: 'VC Söder',
  });
  await createCareUnit(s.db, { id: 'vc-norr', name: 'VC Norr', refs: ['Organization/org-norr'] });
  await createCareUnit(s.db, { id: 'vc-soder', name: 'VC Söder', refs: ['Organization/org-soder'] });
  await s.store.update('Patient', 'tove', ehrPatient('tove', TOVE));
  await sync.drain();
  id = await findProfile(api, TOVE.pnr);
  await importCsv(api, 'crm', 'Förnamn,Efternamn,E-post\nUlf,Ström,ulf@example.com\n');
  listOnly = await findProfile(api, 'ulf@example.com');
});

afterAll(async () => {
  await sync?.stop();
  await s?.close();
});

describe('malformed requests', () => {
  it('answers malformed JSON with 400 saying so', async () => {
    const r = await api(`/api/profiles/${id}/consents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"channel": "sms", "purpose": ',
    });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(r.body.detail).toMatch(/^malformed JSON: .*; check the request body$/);
  });

  it('names the field of a body that does not fit', async () => {
    const r = await api(`/api/profiles/${id}/consents`, { json: { ...grant, channel: 'fax' } });
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/^body\.channel: /);
    expect(r.body.errors).toEqual([expect.objectContaining({ field: 'body.channel' })]);
    const q = await api(`/api/profiles/${id}/can-contact?channel=sms&purpose=marketing`);
    expect(q.status).toBe(400);
    expect(q.body.detail).toMatch(/^querystring\.purpose: /);
  });

  it('answers 404 for an unknown profile and 400 for an id that is not a uuid', async () => {
    for (const path of [
      `/api/profiles/${MISSING}`,
      `/api/profiles/${MISSING}/can-contact?channel=sms&purpose=care`,
    ]) {
      const r = await api(path);
      expect(r.status, path).toBe(404);
      expect(r.body.detail).toBe(
        `profile ${MISSING} does not exist; find profiles with GET /api/profiles?q=`,
      );
    }
    const consent = await api(`/api/profiles/${MISSING}/consents`, { json: grant });
    expect(consent.status).toBe(404);
    const bad = await api('/api/profiles/12345');
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/^params\.id: /);
  });

  it('refuses a contact list beyond the size limit with 413', async () => {
    const huge = Buffer.alloc(CONTACT_CSV_LIMIT + 1024, 'a');
    huge.write('Namn\n');
    const r = await importCsv(api, 'crm', huge);
    expect(r.status).toBe(413);
    expect(r.body.title).toBe('Content Too Large');
    expect(r.body.detail).toBe(
      'the contact list is larger than the 64 MiB an upload may be; split the file, or import it with "outreach import-contacts <file> --source crm"',
    );
  });
});

describe('replaying a request', () => {
  it('records the same consent twice as two events, the state unchanged', async () => {
    const first = await api(`/api/profiles/${id}/consents`, { json: grant });
    const second = await api(`/api/profiles/${id}/consents`, { json: grant });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body.id).not.toBe(first.body.id);
    const h = await api(`/api/profiles/${id}/consents`);
    expect(h.body.events.map((e: any) => e.id)).toEqual([first.body.id, second.body.id]);
    const d = await canContact(api, id, 'channel=sms&purpose=outreach');
    expect(d).toMatchObject({ allowed: true, basis: 'consent' });
    expect([first.body.id, second.body.id]).toContain(d.consentId);
    const page = await api(`/api/profiles/${id}`);
    const row = page.body.consent.find(
      (c: any) =>
        c.purpose === 'outreach' && c.channel === 'sms' && c.topic === null && c.contactValue === null,
    );
    expect(row).toMatchObject({ state: 'granted', permits: true });
  });
});

describe('access', () => {
  it('lets an event planner read but not record consent, erase or export', async () => {
    const planner = await roleAuth(s, 'event-planner', ['vc-norr']);
    expect((await api(`/api/profiles/${id}`, { headers: planner })).status).toBe(200);
    const consent = await api(`/api/profiles/${id}/consents`, { json: grant, headers: planner });
    expect(consent.status).toBe(403);
    expect(consent.body.detail).toMatch(
      /needs the permission patient:write, which role 'event-planner' does not have/,
    );
    const erase = await api(`/api/profiles/${id}/erase`, {
      json: { reason: 'asked by phone', confirm: true },
      headers: planner,
    });
    expect(erase.status).toBe(403);
    expect(erase.body.detail).toMatch(/needs the permission privacy:manage/);
    const exp = await api(`/api/profiles/${id}/export`, { headers: planner });
    expect(exp.status).toBe(403);
    expect((await api(`/api/profiles/${id}`)).body.profile.status).toBe('active');
  });

  it('keeps a clinical user of another care unit out of the 360 page and can-contact', async () => {
    const own = await roleAuth(s, 'clinical', ['vc-norr']);
    const mine = await api(`/api/profiles/${id}`, { headers: own });
    expect(mine.status).toBe(200);
    expect(mine.body.clinical).not.toBeNull();
    expect(await canContact(api, id, 'channel=sms&purpose=care', own)).toMatchObject({ allowed: true });

    const other = await roleAuth(s, 'clinical', ['vc-soder']);
    for (const path of [`/api/profiles/${id}`, `/api/profiles/${id}/can-contact?channel=sms&purpose=care`]) {
      const r = await api(path, { headers: other });
      expect(r.status, path).toBe(403);
      expect(r.body.detail).toMatch(/^profile [0-9a-f-]+ is not related to your care units \(vc-soder\)/);
    }
    const found = await api(`/api/profiles?q=${TOVE.pnr}`, { headers: other });
    expect(found.body.profiles).toEqual([]);
    const list = await api(`/api/profiles/${listOnly}`, { headers: own });
    expect(list.status).toBe(403);
    expect(list.body.detail).toMatch(/comes from contact lists only and belongs to no care unit/);
  });

  it('keeps an integration administrator out of patient search, and strangers out entirely', async () => {
    const integration = await roleAuth(s, 'integration-admin');
    const r = await api('/api/profiles?q=Lindqvist', { headers: integration });
    expect(r.status).toBe(403);
    expect(r.body.detail).toMatch(
      /needs the permission patient:read, which role 'integration-admin' does not have/,
    );
    const anonymous = await fetch(`${s.url}/api/profiles?q=Lindqvist`);
    expect(anonymous.status).toBe(401);
  });
});
