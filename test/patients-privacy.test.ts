import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribePatientSync } from '../src/patients/sync.ts';
import { type TestServer, testServer } from './helpers.ts';
import { type Api, apiFor, canContact, ehrPatient, findProfile, importCsv } from './patients-http.ts';

/** GDPR rights over HTTP: export (art. 15/20), restriction (art. 18), erasure (art. 17). */

let s: TestServer;
let api: Api;
let sync: ReturnType<typeof subscribePatientSync>;
let id: string;

const SARA = {
  pnr: '199306123457',
  given: 'Sara',
  family: 'Åkesson',
  birthDate: '1993-06-12',
  phones: ['070-321 54 76'],
  emails: ['sara.akesson@example.com'],
};
const crmRow =
  'Personnummer;Förnamn;Efternamn;E-post;Samtycke e-post\n19930612-3457;Sara;Åkesson;sara@hem.example.se;ja\n';

beforeAll(async () => {
  s = await testServer('2026-07-01T12:00:00Z');
  api = apiFor(s);
  sync = subscribePatientSync(s.store, s.clock);
  await s.store.update('Patient', 'sara', ehrPatient('sara', SARA));
  await sync.drain();
  const r = await importCsv(api, 'crm', crmRow);
  expect(r.body.stats).toMatchObject({ joined: 1, consents: 1 });
  id = await findProfile(api, SARA.pnr);
});

afterAll(async () => {
  await sync?.stop();
  await s?.close();
});

describe('export', () => {
  it('gives everything held as a JSON attachment', async () => {
    const r = await api(`/api/profiles/${id}/export`);
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.headers.get('content-disposition')).toBe(`attachment; filename="profile-${id}-2026-07-01.json"`);
    expect(r.body.profile).toMatchObject({ id, golden: { family: 'Åkesson', personnummer: SARA.pnr } });
    expect(r.body.sourceRecords.map((x: any) => x.source).sort()).toEqual(['crm', 'ehr']);
    expect(r.body.contactPoints.map((c: any) => c.value)).toEqual(
      expect.arrayContaining(['sara.akesson@example.com', 'sara@hem.example.se', '+46703215476']),
    );
    expect(r.body.consentHistory).toEqual([
      expect.objectContaining({
        channel: 'email',
        state: 'granted',
        evidence: { kind: 'import', source: 'crm', row: 2 },
      }),
    ]);
    expect(r.body.clinicalResources.map((x: any) => `${x.resourceType}/${x.id}`)).toEqual(['Patient/sara']);
  });

  it('gives a readable PDF', async () => {
    const res = await fetch(`${s.url}/api/profiles/${id}/export?format=pdf`, { headers: s.auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename=".*\.pdf"$/);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(bytes.length).toBeGreaterThan(1000);
    const bad = await api(`/api/profiles/${id}/export?format=xml`);
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/^querystring\.format: /);
  });
});

describe('restriction', () => {
  it('stops even care communication while restricted, and lifting it allows contact again', async () => {
    expect(await canContact(api, id, 'channel=sms&purpose=care')).toMatchObject({ allowed: true });
    const r = await api(`/api/profiles/${id}/restrict`, {
      json: { restricted: true, reason: 'disputes the accuracy of her address' },
    });
    expect(r.status, r.text).toBe(204);
    for (const q of [
      'channel=sms&purpose=care',
      'channel=email&purpose=outreach',
      'channel=letter&purpose=care',
    ])
      expect(await canContact(api, id, q), q).toMatchObject({ allowed: false, denyReason: 'restricted' });
    const page = await api(`/api/profiles/${id}`);
    expect(page.body.profile).toMatchObject({
      restricted: true,
      restrictedReason: 'disputes the accuracy of her address',
    });
    expect(page.body.warnings).toContain('Processing is restricted (GDPR art. 18): no outreach');

    s.clock.advance(3_600_000);
    const lift = await api(`/api/profiles/${id}/restrict`, {
      json: { restricted: false, reason: 'address corrected' },
    });
    expect(lift.status).toBe(204);
    expect(await canContact(api, id, 'channel=sms&purpose=care')).toMatchObject({ allowed: true });
    expect(await canContact(api, id, 'channel=email&purpose=outreach')).toMatchObject({
      allowed: true,
      basis: 'consent',
    });
    const history = (await api(`/api/profiles/${id}`)).body.history.map((h: any) => [h.kind, h.reason]);
    expect(history.slice(0, 2)).toEqual([
      ['unrestrict', 'address corrected'],
      ['restrict', 'disputes the accuracy of her address'],
    ]);
  });
});

describe('erasure', () => {
  it('refuses without confirm: true', async () => {
    const none = await api(`/api/profiles/${id}/erase`, { json: { reason: 'patient asked by letter' } });
    expect(none.status).toBe(400);
    expect(none.body.detail).toMatch(/^body\.confirm: /);
    const no = await api(`/api/profiles/${id}/erase`, { json: { reason: 'patient asked', confirm: false } });
    expect(no.status).toBe(400);
    expect((await api(`/api/profiles/${id}`)).body.profile.status).toBe('active');
  });

  it('erases the person from outreach, keeping a tombstone and the audit trail', async () => {
    s.clock.advance(60_000);
    const r = await api(`/api/profiles/${id}/erase`, {
      json: { reason: 'patient asked by letter 2026-06-28', confirm: true },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ profileId: id, records: 2 });
    expect(r.body.suppressionKeys).toBeGreaterThanOrEqual(3);

    const page = await api(`/api/profiles/${id}`);
    expect(page.status).toBe(200);
    expect(page.body.profile).toMatchObject({ status: 'erased', golden: {}, language: null });
    expect(page.body).toMatchObject({ records: [], contactPoints: [], consentHistory: [], fhirPatients: [] });
    expect(page.text).not.toMatch(/Åkesson|sara|199306123457|3215476/i);
    expect(await canContact(api, id, 'channel=sms&purpose=care')).toMatchObject({
      allowed: false,
      denyReason: 'erased',
    });
    expect((await api(`/api/profiles?q=${SARA.pnr}`)).body.profiles).toEqual([]);

    const log = await api(`/api/audit?patient=${id}&limit=50`);
    expect(log.status).toBe(200);
    const del = log.body.records.filter((x: any) => x.action === 'delete');
    expect(del).toHaveLength(1);
    expect(del[0]).toMatchObject({ resourceType: 'PatientProfile', detail: 'GDPR erasure' });

    const twice = await api(`/api/profiles/${id}/erase`, { json: { reason: 'again', confirm: true } });
    expect(twice.status).toBe(410);
    expect(twice.body).toMatchObject({ title: 'Gone', detail: `profile ${id} was erased` });
  });

  it('does not bring the person back with a re-import or an EHR update', async () => {
    s.clock.advance(86_400_000);
    const again = await importCsv(api, 'crm', crmRow);
    expect(again.status).toBe(200);
    expect(again.body.stats).toMatchObject({ suppressed: 1, created: 0, profilesCreated: 0, consents: 0 });
    expect((await api('/api/profiles?q=Åkesson')).body.profiles).toEqual([]);

    await s.store.update(
      'Patient',
      'sara',
      ehrPatient('sara', { ...SARA, phones: ['070-999 88 77'] }, { gender: 'female' }),
    );
    await sync.drain();
    expect((await api(`/api/profiles?q=${SARA.pnr}`)).body.profiles).toEqual([]);
    expect((await api('/api/profiles?q=070-999 88 77')).body.profiles).toEqual([]);
    const page = await api(`/api/profiles/${id}`);
    expect(page.body.profile.status).toBe('erased');
    expect(page.body.records).toEqual([]);

    // Only the e-mail changed: a different address is not enough to come back either.
    const newMail = crmRow.replace('sara@hem.example.se', 'sara.ny@example.se');
    const third = await importCsv(api, 'crm', newMail);
    expect(third.body.stats).toMatchObject({ suppressed: 1, profilesCreated: 0 });
    // Nothing new may be recorded about an erased person, whatever the route.
    const consent = await api(`/api/profiles/${id}/consents`, {
      json: { channel: 'sms', purpose: 'outreach', state: 'granted', note: 'by phone' },
    });
    expect(consent.status).toBe(410);
    expect(consent.body.detail).toBe(
      `profile ${id} was erased (GDPR art. 17); nothing more is recorded about this person`,
    );
    const objection = await api(`/api/profiles/${id}/objection`, { json: { note: 'called to object' } });
    expect(objection.status).toBe(410);
    const point = await api(`/api/profiles/${id}/contact-points`, {
      json: { kind: 'phone', value: '070-999 88 77' },
    });
    expect(point.status).toBe(410);
    const restrict = await api(`/api/profiles/${id}/restrict`, {
      json: { restricted: true, reason: 'late' },
    });
    expect(restrict.status).toBe(410);
    expect((await api(`/api/profiles/${id}`)).body).toMatchObject({ consentHistory: [], contactPoints: [] });
  });
});
