import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfText } from '../src/auth/audit/testing.ts';
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
const SNOMED = 'http://snomed.info/sct';
const condition = {
  resourceType: 'Condition',
  id: 'af',
  subject: { reference: 'Patient/sara' },
  clinicalStatus: { coding: [{ code: 'active' }] },
  code: { coding: [{ system: SNOMED, code: '49436004', display: 'Förmaksflimmer' }] },
  onsetDateTime: '2024-11-03',
};
const hba1c = (id: string, value: number, unit: string, at: string) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: {
    text: 'HbA1c',
    coding: [{ system: 'http://loinc.org', code: unit === '%' ? '4548-4' : '59261-8' }],
  },
  subject: { reference: 'Patient/sara' },
  effectiveDateTime: at,
  valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
});

/** The text a pdfkit PDF shows: its Flate content streams inflated, the TJ runs read, whitespace folded. */
function shownText(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  const streams: Buffer[] = [];
  for (const m of raw.matchAll(/<<([^<>]*\/FlateDecode[^<>]*)>>\s*stream\r?\n/g)) {
    const length = Number(/\/Length (\d+)/.exec(m[1])?.[1]);
    const start = m.index + m[0].length;
    streams.push(inflateSync(pdf.subarray(start, start + length)));
  }
  // WinAnsi puts the dashes where Latin-1 has control characters.
  return pdfText(Buffer.concat(streams)).replaceAll('\x96', '–').replaceAll('\x97', '—').replace(/\s+/g, ' ');
}

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
  await s.store.update('Condition', 'af', condition);
  await s.store.update('Observation', 'a1c-old', hba1c('a1c-old', 7.0, '%', '2025-09-15'));
  await s.store.update('Observation', 'a1c-new', hba1c('a1c-new', 48, 'mmol/mol', '2026-05-10'));
  const optIn = await api(`/api/profiles/${id}/opt-in`, { json: { email: 'sara.labb@example.se' } });
  expect(optIn.status, optIn.text).toBe(201);
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
      expect.objectContaining({
        channel: 'email',
        contactValue: 'sara.labb@example.se',
        state: 'pending',
        evidence: { kind: 'staff', note: 'double opt-in started for sara.labb@example.se' },
      }),
    ]);
    expect(r.body.clinicalResources.map((x: any) => `${x.resourceType}/${x.id}`).sort()).toEqual([
      'Condition/af',
      'Observation/a1c-new',
      'Observation/a1c-old',
      'Patient/sara',
    ]);
    expect(r.body.optIns).toEqual([
      {
        email: 'sara.labb@example.se',
        purpose: 'outreach',
        topic: null,
        createdAt: '2026-07-01T12:00:00.000Z',
        expiresAt: '2026-07-04T12:00:00.000Z',
        confirmedAt: null,
      },
    ]);
  });

  it('gives a readable PDF', async () => {
    const res = await fetch(`${s.url}/api/profiles/${id}/export?format=pdf`, { headers: s.auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename=".*\.pdf"$/);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(bytes.length).toBeGreaterThan(1000);
    const text = shownText(bytes);
    expect(text).toContain('Sara Åkesson');
    expect(text).toMatch(/onset 2024-11-03 — Förmaksflimmer\. Status: active\. Code: SNOMED CT 49436004\./);
    // Newest first; the HbA1c given in % is shown in mmol/mol as everywhere else.
    const newer = text.indexOf('2026-05-10 — HbA1c: 48 mmol/mol');
    const older = text.indexOf('2025-09-15 — HbA1c: 53 mmol/mol (recorded as 7 %)');
    expect(newer, text).toBeGreaterThan(-1);
    expect(older).toBeGreaterThan(newer);
    const optIns = text.slice(
      text.indexOf('E-mail confirmations, double opt-in (1)'),
      text.indexOf('Source records'),
    );
    expect(optIns).toMatch(
      /sara\.labb@example\.se — outreach, all topics; started 2026-07-01 14:00; waiting for confirmation; the link expires 2026-07-04 14:00/,
    );
    expect(text).not.toContain('The full resources are in the JSON export');
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

describe('erasure and the rest of the family', () => {
  // Tove is erased. Ulf and Vera are her siblings: own personnummer, the family's shared e-mail.
  const FAMILY = 'lind@familj.example.se';
  const TOVE = {
    pnr: '198802141237',
    given: 'Tove',
    family: 'Lind',
    birthDate: '1988-02-14',
    emails: ['tove@example.se', FAMILY],
  };
  const VERA = {
    pnr: '198511023452',
    given: 'Vera',
    family: 'Lind',
    birthDate: '1985-11-02',
    emails: [FAMILY],
  };
  const toveRow = `Personnummer;Förnamn;Efternamn;E-post;Samtycke e-post\n19880214-1237;Tove;Lind;${FAMILY};ja\n`;
  let tove: string;
  let vera: string;
  let duplicate: string;

  it('erases Tove; a duplicate profile of hers is suppressed, her sister with the family e-mail is not', async () => {
    await s.store.update('Patient', 'tove', ehrPatient('tove', TOVE));
    await s.store.update('Patient', 'vera', ehrPatient('vera', VERA));
    await sync.drain();
    tove = await findProfile(api, TOVE.pnr);
    vera = await findProfile(api, VERA.pnr);
    // A sign-up without personnummer joins Tove; a person then splits it off as someone else.
    const signUp = await importCsv(
      api,
      'signups',
      'Förnamn;Efternamn;Födelsedatum;E-post\nTove;Lind;1988-02-14;tove@example.se\n',
    );
    expect(signUp.body.stats).toMatchObject({ joined: 1 });
    const rec = (await api(`/api/profiles/${tove}`)).body.records.find((r: any) => r.source === 'signups');
    const split = await api(`/api/profiles/${tove}/split`, {
      json: { recordIds: [rec.id], reason: 'thought to be another Tove' },
    });
    expect(split.status, split.text).toBe(200);
    duplicate = split.body.newProfileId;
    // The address is on both profiles now, so only a message without clinical content may use it.
    expect(await canContact(api, duplicate, 'channel=email&purpose=care&clinical=false')).toMatchObject({
      allowed: true,
    });

    s.clock.advance(60_000);
    const erase = await api(`/api/profiles/${tove}/erase`, {
      json: { reason: 'asked by e-mail', confirm: true },
    });
    expect(erase.status, erase.text).toBe(200);

    // The duplicate is the same person by e-mail and birth date: nothing goes to it any more.
    expect(await canContact(api, duplicate, 'channel=email&purpose=care&clinical=false')).toMatchObject({
      allowed: false,
      denyReason: 'suppressed',
    });
    const dup = (await api(`/api/profiles/${duplicate}`)).body;
    expect(dup.profile.suppressed).toBe(true);
    expect(dup.warnings.join(' ')).toMatch(/identifiers of an erased person/);
    expect(dup.history[0]).toMatchObject({ kind: 'suppressed', actor: 'test' });
    // Vera shares the family e-mail but is her own person.
    const page = (await api(`/api/profiles/${vera}`)).body;
    expect(page.profile.suppressed).toBe(false);
    expect(await canContact(api, vera, 'channel=email&purpose=care')).toMatchObject({ allowed: true });
  });

  it('unifies a sibling’s CRM row carrying the family e-mail, and still keeps Tove out', async () => {
    s.clock.advance(60_000);
    const ulf = await importCsv(
      api,
      'family-crm',
      `Personnummer;Förnamn;Efternamn;E-post;Samtycke e-post\n19910923-2349;Ulf;Lind;${FAMILY};ja\n`,
    );
    expect(ulf.status, ulf.text).toBe(200);
    expect(ulf.body.stats).toMatchObject({ created: 1, suppressed: 0, profilesCreated: 1, consents: 1 });
    const id = await findProfile(api, '199109232349');
    expect(await canContact(api, id, 'channel=email&purpose=outreach')).toMatchObject({
      allowed: true,
      basis: 'consent',
      contactPoint: { value: FAMILY },
    });

    const again = await importCsv(api, 'family-crm', toveRow);
    expect(again.body.stats).toMatchObject({ suppressed: 1, created: 0, profilesCreated: 0, consents: 0 });
    expect((await api(`/api/profiles?q=${TOVE.pnr}`)).body.profiles).toEqual([]);
  });

  it('without a personnummer, the family e-mail keeps out only the one with Tove’s birth date', async () => {
    const r = await importCsv(
      api,
      'signups',
      `Förnamn;Efternamn;Födelsedatum;E-post\nT.;Lind;1988-02-14;${FAMILY}\nUlf;Lind;1991-09-23;${FAMILY}\n`,
    );
    expect(r.body.stats).toMatchObject({ received: 2, suppressed: 1, joined: 1 });
    const ulf = (await api(`/api/profiles/${await findProfile(api, '199109232349')}`)).body;
    expect(ulf.records.map((x: any) => x.source).sort()).toEqual(['family-crm', 'signups']);
  });

  it('suppresses a profile whose record a later import names with Tove’s personnummer', async () => {
    const first = await importCsv(
      api,
      'shop',
      'Kundnr;Förnamn;Efternamn;E-post\nS1;T;Lind;tl@shop.example.se\n',
    );
    expect(first.body.stats).toMatchObject({ created: 1, profilesCreated: 1 });
    const shop = await findProfile(api, 'tl@shop.example.se');
    expect(await canContact(api, shop, 'channel=email&purpose=care')).toMatchObject({ allowed: true });
    s.clock.advance(60_000);
    const enriched = await importCsv(
      api,
      'shop',
      'Kundnr;Förnamn;Efternamn;E-post;Personnummer\nS1;T;Lind;tl@shop.example.se;19880214-1237\n',
    );
    expect(enriched.body.stats).toMatchObject({ suppressed: 1 });
    expect(await canContact(api, shop, 'channel=email&purpose=care')).toMatchObject({
      allowed: false,
      denyReason: 'suppressed',
    });
    const page = (await api(`/api/profiles/${shop}`)).body;
    expect(page.profile.suppressed).toBe(true);
    expect(page.records).toEqual([]);
  });
});
