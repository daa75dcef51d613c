import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribePatientSync } from '../src/patients/sync.ts';
import { type TestServer, testServer } from './helpers.ts';
import { type Api, apiFor, canContact, ehrPatient, findProfile } from './patients-http.ts';

/** Contact points: households sharing a phone, verification, bounces, points added by hand. */

let s: TestServer;
let api: Api;
let sync: ReturnType<typeof subscribePatientSync>;

const PER = { pnr: '198111309871', given: 'Per', family: 'Nyström', birthDate: '1981-11-30' };
const PIA = { pnr: '199306123457', given: 'Pia', family: 'Nyström', birthDate: '1993-06-12' };
const OLA = { pnr: '195511112228', given: 'Ola', family: 'Dahl', birthDate: '1955-11-11' };

beforeAll(async () => {
  s = await testServer('2026-04-01T08:00:00Z');
  api = apiFor(s);
  sync = subscribePatientSync(s.store, s.clock);
  await s.store.update('Patient', 'per', ehrPatient('per', { ...PER, phones: ['0709876543'] }));
  await s.store.update('Patient', 'pia', ehrPatient('pia', { ...PIA, phones: ['+46 70 987 65 43'] }));
  await s.store.update(
    'Patient',
    'ola',
    ehrPatient('ola', { ...OLA, emails: ['ola@work.example.com', 'ola.dahl@example.com'] }),
  );
  await sync.drain();
});

afterAll(async () => {
  await sync?.stop();
  await s?.close();
});

const phoneOf = async (id: string) => {
  const page = await api(`/api/profiles/${id}`);
  expect(page.status).toBe(200);
  return { page: page.body, phone: page.body.contactPoints.find((p: any) => p.kind === 'phone') };
};

describe('a phone shared by a household', () => {
  it('shows on both 360 pages as shared, with a warning', async () => {
    const per = await findProfile(api, PER.pnr);
    const pia = await findProfile(api, PIA.pnr);
    expect(per).not.toBe(pia);
    for (const id of [per, pia]) {
      const { page, phone } = await phoneOf(id);
      expect(phone).toMatchObject({ value: '+46709876543', display: '070-987 65 43', sharedWith: 1 });
      expect(page.warnings).toContain(
        "Phone 070-987 65 43 is shared with 1 other profile: no clinical content goes there until it is verified as this patient's own",
      );
    }
  });

  it('keeps clinical SMS off the shared phone until it is verified as the patient’s own', async () => {
    const per = await findProfile(api, PER.pnr);
    const clinical = await canContact(api, per, 'channel=sms&purpose=care&topic=screening&clinical=true');
    expect(clinical).toMatchObject({ allowed: false, denyReason: 'shared-contact-point' });
    expect(clinical.detail).toMatch(/verified as the patient's own/);
    // Not saying counts as clinical for care: a forgotten flag must not send a result to the household.
    expect(await canContact(api, per, 'channel=sms&purpose=care&topic=screening')).toMatchObject({
      allowed: false,
      denyReason: 'shared-contact-point',
    });
    // A reminder without clinical content may go to the household phone.
    expect(
      await canContact(api, per, 'channel=sms&purpose=care&topic=screening&clinical=false'),
    ).toMatchObject({
      allowed: true,
    });

    const { phone } = await phoneOf(per);
    const patch = await api(`/api/contact-points/${phone.id}`, {
      method: 'PATCH',
      json: { verifiedOwn: true, verified: true },
    });
    expect(patch.status, patch.text).toBe(200);
    expect(patch.body).toMatchObject({ verifiedOwn: true, verifiedAt: '2026-04-01T08:00:00.000Z' });
    const now = await canContact(api, per, 'channel=sms&purpose=care&topic=screening&clinical=true');
    expect(now).toMatchObject({ allowed: true, basis: 'not-required' });
    expect(now.contactPoint.id).toBe(phone.id);
    expect((await phoneOf(per)).page.warnings).toEqual([]);
    // Pia's side of the same number is still unverified.
    const pia = await findProfile(api, PIA.pnr);
    expect(
      await canContact(api, pia, 'channel=sms&purpose=care&topic=screening&clinical=true'),
    ).toMatchObject({ allowed: false, denyReason: 'shared-contact-point' });
  });

  it('refuses to patch a contact point that does not exist, or a field that is not patchable', async () => {
    const missing = await api('/api/contact-points/00000000-0000-4000-8000-000000000000', {
      method: 'PATCH',
      json: { verifiedOwn: true },
    });
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toMatch(/contact point 0{8}-.* does not exist/);
    const per = await findProfile(api, PER.pnr);
    const { phone } = await phoneOf(per);
    const extra = await api(`/api/contact-points/${phone.id}`, { method: 'PATCH', json: { value: 'x' } });
    expect(extra.status).toBe(400);
  });
});

describe('delivery failures', () => {
  it('marks a point bouncing after three bounces and falls back to another, then denies', async () => {
    const ola = await findProfile(api, OLA.pnr);
    const first = await canContact(api, ola, 'channel=email&purpose=care');
    expect(first.allowed).toBe(true);
    const bad = first.contactPoint;
    for (let i = 1; i <= 3; i++) {
      s.clock.advance(60_000);
      const r = await api(`/api/contact-points/${bad.id}/failures`, {
        json: { kind: 'bounce', detail: `550 5.1.1 mailbox unknown (${i})` },
      });
      expect(r.status, r.text).toBe(200);
      expect(r.body.failures).toHaveLength(i);
      expect(r.body.status).toBe(i < 3 ? 'active' : 'bouncing');
    }
    const next = await canContact(api, ola, 'channel=email&purpose=care');
    expect(next.allowed).toBe(true);
    expect(next.contactPoint.id).not.toBe(bad.id);
    expect(next.contactPoint.status).toBe('active');

    const other = next.contactPoint;
    const complaint = await api(`/api/contact-points/${other.id}/failures`, {
      json: { kind: 'complaint', detail: 'marked as spam' },
    });
    expect(complaint.body.status).toBe('bouncing');
    const none = await canContact(api, ola, 'channel=email&purpose=care');
    expect(none).toMatchObject({ allowed: false, denyReason: 'contact-point-failing' });
    expect(none.detail).toContain(`${bad.id} bouncing`);

    const page = await api(`/api/profiles/${ola}`);
    const kept = page.body.contactPoints.find((p: any) => p.id === bad.id);
    expect(kept.failures.map((f: any) => f.kind)).toEqual(['bounce', 'bounce', 'bounce']);
  });

  it('puts a point back in use when staff set it active again', async () => {
    const ola = await findProfile(api, OLA.pnr);
    const page = await api(`/api/profiles/${ola}`);
    const point = page.body.contactPoints.find((p: any) => p.value === 'ola.dahl@example.com');
    const r = await api(`/api/contact-points/${point.id}`, { method: 'PATCH', json: { status: 'active' } });
    expect(r.body.status).toBe('active');
    expect((await canContact(api, ola, 'channel=email&purpose=care')).contactPoint.id).toBe(point.id);
    // A soft failure is not a bounce: the point stays in use.
    const soft = await api(`/api/contact-points/${point.id}/failures`, {
      json: { kind: 'failure', detail: '421 try again later' },
    });
    expect(soft.body).toMatchObject({ status: 'active' });
    expect(soft.body.failures.at(-1)).toMatchObject({ kind: 'failure', detail: '421 try again later' });
  });

  it('counts bounces in a row: a soft failure between them starts the count again', async () => {
    const ola = await findProfile(api, OLA.pnr);
    const add = await api(`/api/profiles/${ola}/contact-points`, {
      json: { kind: 'email', value: 'Ola.Privat@Example.com' },
    });
    expect(add.body).toMatchObject({ value: 'ola.privat@example.com', sources: ['manual'] });
    const fail = (kind: string) =>
      api(`/api/contact-points/${add.body.id}/failures`, { json: { kind, detail: kind } });
    const statuses = [];
    for (const kind of ['bounce', 'bounce', 'failure', 'bounce', 'bounce', 'bounce'])
      statuses.push((await fail(kind)).body.status);
    expect(statuses).toEqual(['active', 'active', 'active', 'active', 'active', 'bouncing']);
  });
});

describe('contact points added by hand', () => {
  it('normalises a good phone and refuses a bad one naming the value', async () => {
    const ola = await findProfile(api, OLA.pnr);
    const bad = await api(`/api/profiles/${ola}/contact-points`, { json: { kind: 'phone', value: '12ab' } });
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toBe(
      'value: "12ab" is not a phone number; use digits such as 070-123 45 67 or +46 70 123 45 67',
    );
    const short = await api(`/api/profiles/${ola}/contact-points`, {
      json: { kind: 'postal', value: 'Storgatan 1' },
    });
    expect(short.status).toBe(422);
    expect(short.body.detail).toMatch(/^value: write the address as "street, postal code and town"/);

    const ok = await api(`/api/profiles/${ola}/contact-points`, {
      json: { kind: 'phone', value: '0761 11 22 33', preferred: true, verifiedOwn: true },
    });
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body).toMatchObject({
      value: '+46761112233',
      display: '076-111 22 33',
      mobile: true,
      sources: ['manual'],
      preferred: true,
      verifiedOwn: true,
      sharedWith: 0,
    });
    const sms = await canContact(api, ola, 'channel=sms&purpose=care&clinical=true');
    expect(sms).toMatchObject({ allowed: true });
    expect(sms.contactPoint.id).toBe(ok.body.id);

    // The EHR resending the patient does not remove a point a person added.
    await s.store.update(
      'Patient',
      'ola',
      ehrPatient(
        'ola',
        { ...OLA, emails: ['ola@work.example.com', 'ola.dahl@example.com'] },
        { gender: 'male' },
      ),
    );
    await sync.drain();
    const page = await api(`/api/profiles/${ola}`);
    expect(page.body.contactPoints.find((p: any) => p.id === ok.body.id)).toMatchObject({ status: 'active' });
  });
});
