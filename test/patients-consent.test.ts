import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribePatientSync } from '../src/patients/sync.ts';
import { type TestServer, testServer } from './helpers.ts';
import { type Api, apiFor, canContact, ehrPatient, findProfile } from './patients-http.ts';

/** Consent as staff, patients and the EHR record it, and what can-contact answers afterwards. */

const CONTACT_CHANNEL = 'http://patient-outreach.org/fhir/CodeSystem/contact-channel';
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const HOUR = 3_600_000;

let s: TestServer;
let api: Api;
let sync: ReturnType<typeof subscribePatientSync>;

const people = {
  anna: { pnr: '199001011239', given: 'Anna', family: 'Berg', birthDate: '1990-01-01' },
  bo: { pnr: '197512245676', given: 'Bo', family: 'Ek', birthDate: '1975-12-24' },
  cia: { pnr: '196203152340', given: 'Cia', family: 'Holm', birthDate: '1962-03-15' },
  // Dag and Eva share a mobile: a household.
  dag: { pnr: '198808083458', given: 'Dag', family: 'Lund', birthDate: '1988-08-08' },
  eva: { pnr: '200102034568', given: 'Eva', family: 'Lund', birthDate: '2001-02-03' },
  fia: { pnr: '197007070704', given: 'Fia', family: 'Sand', birthDate: '1970-07-07' },
};

const staffConsent = (over: Record<string, unknown> = {}) => ({
  channel: 'sms',
  purpose: 'outreach',
  state: 'granted',
  note: 'said yes on the phone',
  ...over,
});

beforeAll(async () => {
  s = await testServer('2026-03-01T09:00:00Z');
  api = apiFor(s);
  sync = subscribePatientSync(s.store, s.clock);
  const contacts: Record<string, { phones: string[]; emails: string[] }> = {
    anna: { phones: ['070-111 22 33'], emails: ['anna.berg@example.com'] },
    bo: { phones: ['073-123 45 67'], emails: ['bo.ek@example.com'] },
    cia: { phones: ['072-222 33 44'], emails: ['cia.holm@example.com'] },
    dag: { phones: ['070-123 45 67'], emails: ['dag.lund@example.com'] },
    eva: { phones: ['070-123 45 67'], emails: ['eva.lund@example.com'] },
    fia: { phones: ['076-111 22 33'], emails: ['fia.sand@example.com'] },
  };
  for (const [id, f] of Object.entries(people))
    await s.store.update('Patient', id, ehrPatient(id, { ...f, ...contacts[id] }));
  await sync.drain();
});

afterAll(async () => {
  await sync?.stop();
  await s?.close();
});

describe('staff-recorded consent', () => {
  it('permits outreach SMS on a recorded consent, and a later withdrawal wins', async () => {
    const id = await findProfile(api, people.anna.pnr);
    const before = await canContact(api, id, 'channel=sms&purpose=outreach');
    expect(before).toMatchObject({ allowed: false, denyReason: 'no-consent' });

    const grant = await api(`/api/profiles/${id}/consents`, { json: staffConsent() });
    expect(grant.status, grant.text).toBe(201);
    expect(grant.body).toMatchObject({ state: 'granted', evidence: { kind: 'staff' }, source: 'staff' });
    const allowed = await canContact(api, id, 'channel=sms&purpose=outreach');
    expect(allowed).toMatchObject({ allowed: true, basis: 'consent', consentId: grant.body.id });
    expect(allowed.contactPoint.value).toBe('+46701112233');

    s.clock.advance(HOUR);
    const withdraw = await api(`/api/profiles/${id}/consents`, {
      json: staffConsent({ state: 'withdrawn', note: 'asked us to stop by phone' }),
    });
    expect(withdraw.status).toBe(201);
    const denied = await canContact(api, id, 'channel=sms&purpose=outreach');
    expect(denied).toMatchObject({ allowed: false, denyReason: 'withdrawn' });
    expect(denied.detail).toContain(withdraw.body.id);

    const history = await api(`/api/profiles/${id}/consents`);
    expect(history.status).toBe(200);
    expect(history.body.events.map((e: any) => [e.state, e.evidence.kind, e.evidence.note])).toEqual([
      ['granted', 'staff', 'said yes on the phone'],
      ['withdrawn', 'staff', 'asked us to stop by phone'],
    ]);
  });

  it('an objection stops outreach on every channel but not care communication', async () => {
    const id = await findProfile(api, people.bo.pnr);
    await api(`/api/profiles/${id}/consents`, { json: staffConsent({ channel: null }) });
    expect(await canContact(api, id, 'channel=email&purpose=outreach')).toMatchObject({ allowed: true });

    s.clock.advance(HOUR);
    const o = await api(`/api/profiles/${id}/objection`, { json: { note: 'letter received 2026-03-01' } });
    expect(o.status, o.text).toBe(201);
    expect(o.body).toMatchObject({ objection: true, state: 'withdrawn', channel: null });
    for (const channel of ['email', 'sms', 'letter', 'push']) {
      const d = await canContact(api, id, `channel=${channel}&purpose=outreach&topic=events`);
      expect(d, channel).toMatchObject({ allowed: false, denyReason: 'objected' });
    }
    const care = await canContact(api, id, 'channel=sms&purpose=care&topic=screening');
    expect(care).toMatchObject({ allowed: true, basis: 'not-required' });
    const page = await api(`/api/profiles/${id}`);
    expect(page.body.timeline.map((t: any) => t.title)).toContain(
      'Objection to direct marketing (GDPR art. 21)',
    );
  });

  it('tracking needs its own opt-in, and an unknown topic is refused naming the topic', async () => {
    const id = await findProfile(api, people.cia.pnr);
    expect(await canContact(api, id, 'channel=email&purpose=tracking')).toMatchObject({
      allowed: false,
      denyReason: 'no-consent',
    });
    const grant = await api(`/api/profiles/${id}/consents`, {
      json: staffConsent({ channel: 'email', purpose: 'tracking', note: 'ticked "count my opens"' }),
    });
    expect(grant.status).toBe(201);
    expect(await canContact(api, id, 'channel=email&purpose=tracking')).toMatchObject({
      allowed: true,
      basis: 'consent',
    });

    const bad = await api(`/api/profiles/${id}/consents`, { json: staffConsent({ topic: 'bingo' }) });
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toMatch(/^topic: 'bingo' is not a topic .*screening, vaccination, events/);
    const ask = await canContact(api, id, 'channel=sms&purpose=outreach&topic=bingo');
    expect(ask).toMatchObject({ allowed: false, denyReason: 'unknown-topic' });
    expect(ask.detail).toContain('bingo');

    const noNote = await api(`/api/profiles/${id}/consents`, { json: staffConsent({ note: undefined }) });
    expect(noNote.status).toBe(422);
    expect(noNote.body.detail).toMatch(/^note: say how the patient gave or withdrew consent/);
  });
});

describe('clinical content and shared contact points', () => {
  it('treats a care message as clinical unless the caller says otherwise', async () => {
    // Dag and Eva share a mobile: a test result for Dag must not reach Eva's phone by default.
    const dag = await findProfile(api, people.dag.pnr);
    const care = await canContact(api, dag, 'channel=sms&purpose=care&topic=screening');
    expect(care).toMatchObject({ allowed: false, denyReason: 'shared-contact-point' });
    expect(care.detail).toMatch(/care messages count as clinical unless the request says clinical: false/);
    expect(await canContact(api, dag, 'channel=sms&purpose=care&clinical=true')).toMatchObject({
      denyReason: 'shared-contact-point',
    });
    // A reminder without clinical content may use the household phone.
    expect(await canContact(api, dag, 'channel=sms&purpose=care&clinical=false')).toMatchObject({
      allowed: true,
      basis: 'not-required',
      contactPoint: { value: '+46701234567' },
    });
    // Outreach is not clinical unless said: it is judged on consent alone.
    expect(await canContact(api, dag, 'channel=sms&purpose=outreach')).toMatchObject({
      denyReason: 'no-consent',
    });
    expect(await canContact(api, dag, 'channel=sms&purpose=outreach&clinical=true')).toMatchObject({
      denyReason: 'shared-contact-point',
    });
    // Dag's own e-mail is not shared: care reaches him there.
    expect(await canContact(api, dag, 'channel=email&purpose=care')).toMatchObject({
      allowed: true,
      contactPoint: { value: 'dag.lund@example.com' },
    });
  });
});

describe('replies and the EHR', () => {
  it('a STOPP reply withdraws outreach SMS for every profile with that number', async () => {
    const dag = await findProfile(api, people.dag.pnr);
    const eva = await findProfile(api, people.eva.pnr);
    expect(dag).not.toBe(eva);
    for (const id of [dag, eva]) await api(`/api/profiles/${id}/consents`, { json: staffConsent() });
    expect(await canContact(api, eva, 'channel=sms&purpose=outreach')).toMatchObject({ allowed: true });

    s.clock.advance(60_000);
    const r = await api('/api/consent/replies', {
      json: { channel: 'sms', from: '070-123 45 67', text: 'STOPP' },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body.keyword).toBe('stop');
    expect(r.body.withdrawn).toBe(2);
    for (const id of [dag, eva]) {
      expect(await canContact(api, id, 'channel=sms&purpose=outreach')).toMatchObject({
        allowed: false,
        denyReason: 'withdrawn',
      });
      const h = await api(`/api/profiles/${id}/consents`);
      expect(h.body.events.at(-1)).toMatchObject({
        state: 'withdrawn',
        source: 'reply',
        evidence: { kind: 'reply', channel: 'sms', from: '+46701234567', text: 'STOPP' },
      });
    }
    // Anything but a keyword is for a person to read: nothing changes.
    const chat = await api('/api/consent/replies', {
      json: { channel: 'sms', from: '070-123 45 67', text: 'Kan jag boka om?' },
    });
    expect(chat.body).toEqual({ keyword: null, withdrawn: 0 });
    const bad = await api('/api/consent/replies', {
      json: { channel: 'sms', from: 'abc-def', text: 'STOP' },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toMatch(/^from: "abc-def" is not a phone number/);
  });

  it('a FHIR Consent in the clinical store becomes consent history after sync', async () => {
    const id = await findProfile(api, people.fia.pnr);
    await s.store.update('Consent', 'fia-sms', {
      resourceType: 'Consent',
      id: 'fia-sms',
      status: 'active',
      scope: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
      },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: 'Patient/fia' },
      dateTime: '2026-02-01T10:00:00Z',
      policyRule: { coding: [{ system: ACT_CODE, code: 'OPTIN' }] },
      provision: {
        type: 'permit',
        period: { start: '2026-02-01T10:00:00Z' },
        action: [{ coding: [{ system: CONTACT_CHANNEL, code: 'sms', display: 'SMS' }], text: 'SMS' }],
      },
    });
    await sync.drain();
    const h = await api(`/api/profiles/${id}/consents`);
    expect(h.body.events).toHaveLength(1);
    expect(h.body.events[0]).toMatchObject({
      channel: 'sms',
      purpose: 'outreach',
      state: 'granted',
      source: 'ehr',
      at: '2026-02-01T10:00:00.000Z',
      evidence: { kind: 'fhir-consent', reference: 'Consent/fia-sms' },
    });
    const d = await canContact(api, id, 'channel=sms&purpose=outreach');
    expect(d).toMatchObject({ allowed: true, basis: 'consent', consentId: h.body.events[0].id });
    expect(d.reason).toContain('Consent/fia-sms');
  });
});

describe('a FHIR Consent that arrives before its Patient', () => {
  it('waits for the profile, then shows in its history and decides can-contact', async () => {
    await s.store.update('Consent', 'gus-sms', {
      resourceType: 'Consent',
      id: 'gus-sms',
      status: 'active',
      scope: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
      },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: 'Patient/gus' },
      dateTime: '2026-02-10T10:00:00Z',
      policyRule: { coding: [{ system: ACT_CODE, code: 'OPTIN' }] },
      provision: {
        type: 'permit',
        period: { start: '2026-02-10T10:00:00Z' },
        action: [{ coding: [{ system: CONTACT_CHANNEL, code: 'sms', display: 'SMS' }], text: 'SMS' }],
      },
    });
    await sync.drain();
    expect((await api('/api/profiles?q=197303035559')).body.profiles).toEqual([]);

    s.clock.advance(60_000);
    const gus = { pnr: '197303035559', given: 'Gus', family: 'Wik', birthDate: '1973-03-03' };
    await s.store.update('Patient', 'gus', ehrPatient('gus', { ...gus, phones: ['070-555 66 77'] }));
    await sync.drain();
    const id = await findProfile(api, gus.pnr);
    const h = await api(`/api/profiles/${id}/consents`);
    expect(h.body.events).toEqual([
      expect.objectContaining({
        channel: 'sms',
        purpose: 'outreach',
        state: 'granted',
        source: 'ehr',
        at: '2026-02-10T10:00:00.000Z',
        evidence: { kind: 'fhir-consent', reference: 'Consent/gus-sms' },
      }),
    ]);
    const d = await canContact(api, id, 'channel=sms&purpose=outreach');
    expect(d).toMatchObject({ allowed: true, basis: 'consent', consentId: h.body.events[0].id });
    expect(d.reason).toContain('Consent/gus-sms');

    // Taken once: another change to the Patient does not add it again.
    s.clock.advance(60_000);
    await s.store.update('Patient', 'gus', ehrPatient('gus', { ...gus, phones: ['070-555 66 78'] }));
    await sync.drain();
    expect((await api(`/api/profiles/${id}/consents`)).body.events).toHaveLength(1);
  });
});

describe('double opt-in for e-mail', () => {
  it('confirms through the public link, verifying the address; a second click is harmless', async () => {
    const id = await findProfile(api, people.anna.pnr);
    const start = await api(`/api/profiles/${id}/opt-in`, {
      json: { email: 'Anna.Berg@Example.com', topic: 'newsletter' },
    });
    expect(start.status, start.text).toBe(201);
    expect(start.body.confirmUrl).toMatch(/\/confirm\/[A-Za-z0-9_-]{43}$/);
    const token = start.body.confirmUrl.split('/').pop();

    const shown = await fetch(`${s.url}/api/opt-in/${token}`);
    expect(shown.status).toBe(200);
    expect(await shown.json()).toMatchObject({
      state: 'pending',
      email: 'a***@example.com',
      purpose: 'outreach',
      topic: 'newsletter',
    });
    const pending = await canContact(api, id, 'channel=email&purpose=outreach&topic=newsletter');
    expect(pending).toMatchObject({ allowed: false, denyReason: 'pending-confirmation' });

    s.clock.advance(5 * 60_000); // the patient reads the mail
    const confirm = await fetch(`${s.url}/api/opt-in/${token}`, { method: 'POST' });
    expect(confirm.status).toBe(200);
    expect(await confirm.json()).toMatchObject({ state: 'confirmed', email: 'a***@example.com' });
    const ok = await canContact(api, id, 'channel=email&purpose=outreach&topic=newsletter');
    expect(ok).toMatchObject({ allowed: true, basis: 'consent' });
    expect(ok.contactPoint).toMatchObject({ value: 'anna.berg@example.com' });
    expect(ok.contactPoint.verifiedAt).toBe(s.clock.now().toISOString());

    const again = await fetch(`${s.url}/api/opt-in/${token}`, { method: 'POST' });
    expect(again.status).toBe(200);
    const optIns = (await api(`/api/profiles/${id}/consents`)).body.events.filter(
      (e: any) => e.evidence.kind === 'double-opt-in',
    );
    expect(optIns).toHaveLength(1);
    expect(optIns[0]).toMatchObject({
      state: 'granted',
      actor: 'patient',
      contactValue: 'anna.berg@example.com',
    });
  });

  it('makes an address given only for the opt-in a verified contact point once confirmed', async () => {
    const id = await findProfile(api, people.bo.pnr);
    const start = await api(`/api/profiles/${id}/opt-in`, { json: { email: 'bo@hemma.example.se' } });
    const token = start.body.confirmUrl.split('/').pop();
    s.clock.advance(30 * 60_000);
    expect((await fetch(`${s.url}/api/opt-in/${token}`, { method: 'POST' })).status).toBe(200);
    expect(((await (await fetch(`${s.url}/api/opt-in/${token}`)).json()) as any).state).toBe('confirmed');
    const page = await api(`/api/profiles/${id}`);
    expect(page.body.contactPoints.find((p: any) => p.value === 'bo@hemma.example.se')).toMatchObject({
      kind: 'email',
      sources: ['manual'],
      verifiedAt: s.clock.now().toISOString(),
      status: 'active',
    });
    // Bo objected earlier; his own confirmed opt-in lifts it for this address.
    const d = await canContact(api, id, 'channel=email&purpose=outreach');
    expect(d).toMatchObject({ allowed: true, basis: 'consent' });
    expect(d.contactPoint.value).toBe('bo@hemma.example.se');
  });

  it('an unconfirmed link expires after 72 hours; an unknown token is not found', async () => {
    const id = await findProfile(api, people.cia.pnr);
    const start = await api(`/api/profiles/${id}/opt-in`, { json: { email: 'cia.holm@example.com' } });
    const token = start.body.confirmUrl.split('/').pop();
    const emailRow = (page: any) =>
      page.consent.find(
        (c: any) =>
          c.purpose === 'outreach' &&
          c.channel === 'email' &&
          c.topic === null &&
          c.contactValue === 'cia.holm@example.com',
      );
    s.clock.advance(72 * HOUR - 1000);
    expect(emailRow((await api(`/api/profiles/${id}`)).body)).toMatchObject({
      state: 'pending',
      expiresAt: start.body.expiresAt,
    });
    s.clock.advance(1000);
    const late = await fetch(`${s.url}/api/opt-in/${token}`, { method: 'POST' });
    expect(late.status).toBe(410);
    expect(((await late.json()) as any).detail).toBe(
      `the confirmation link expired at ${start.body.expiresAt}; ask for a new one`,
    );
    expect(((await (await fetch(`${s.url}/api/opt-in/${token}`)).json()) as any).state).toBe('expired');
    // No longer "awaiting confirmation": staff see that the link lapsed, and when.
    const refused = await canContact(api, id, 'channel=email&purpose=outreach');
    expect(refused).toMatchObject({ allowed: false, denyReason: 'no-consent' });
    expect(refused.detail).toContain(`expired at ${start.body.expiresAt}`);
    expect(refused.detail).toMatch(/send a new one$/);
    expect(emailRow((await api(`/api/profiles/${id}`)).body)).toMatchObject({
      state: 'expired',
      expiresAt: start.body.expiresAt,
      eventId: start.body.consentId,
      permits: false,
    });
    const history = (await api(`/api/profiles/${id}/consents`)).body.events;
    expect(history.find((e: any) => e.id === start.body.consentId)).toMatchObject({
      state: 'pending',
      expiresAt: start.body.expiresAt,
    });

    const unknown = await fetch(`${s.url}/api/opt-in/${'x'.repeat(43)}`, { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as any).detail).toMatch(/not valid; ask for a new one/);
    const bad = await api(`/api/profiles/${id}/opt-in`, { json: { email: 'cia.holm(at)example.com' } });
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toMatch(/^email: "cia.holm\(at\)example.com" is not an e-mail address/);
  });
});
