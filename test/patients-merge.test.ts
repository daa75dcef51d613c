import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, testServer } from './helpers.ts';
import { type Api, apiFor, findProfile, importCsv } from './patients-http.ts';

/** A person decides: merging profiles unification kept apart, splitting what it should not have joined. */

let s: TestServer;
let api: Api;

// Kundnr keeps the record ids stable when a row's details change.
const header = 'Kundnr,Förnamn,Efternamn,E-post,Födelsedatum,Personnummer';
const list = (rows: string[]) => [header, ...rows].join('\n');
const EVA_1 = 'K1,Eva,Lind,eva.lind@example.com,1980-05-05,';
const EVA_2 = 'K2,Eva,Lind,eva@lind.example.se,,';

beforeAll(async () => {
  s = await testServer('2026-06-01T10:00:00Z');
  api = apiFor(s);
  const r = await importCsv(api, 'crm', list([EVA_1, EVA_2]));
  expect(r.status, r.text).toBe(200);
  expect(r.body.stats).toMatchObject({ created: 2, profilesCreated: 2 });
});

afterAll(() => s?.close());

const page = async (id: string) => {
  const r = await api(`/api/profiles/${id}`);
  expect(r.status, r.text).toBe(200);
  return r.body;
};

let survivor: string;
let other: string;

describe('merge', () => {
  it('merges two profiles a person confirmed are one, and the old id redirects', async () => {
    const a = await findProfile(api, 'eva.lind@example.com');
    const b = await findProfile(api, 'eva@lind.example.se');
    expect(a).not.toBe(b);
    s.clock.advance(60_000);
    const r = await api('/api/profiles/merge', {
      json: { profileIds: [b, a], reason: 'Eva confirmed both addresses on the phone' },
    });
    expect(r.status, r.text).toBe(200);
    survivor = r.body.profileId;
    [other] = r.body.merged;
    expect([survivor, other].sort()).toEqual([a, b].sort());

    const old = await api(`/api/profiles/${other}`);
    expect(old.status).toBe(308);
    expect(old.headers.get('location')).toBe(`/api/profiles/${survivor}`);
    const p = await page(survivor);
    expect(p.records.map((x: any) => x.externalId).sort()).toEqual(['K1', 'K2']);
    expect(p.contactPoints.map((c: any) => c.value).sort()).toEqual([
      'eva.lind@example.com',
      'eva@lind.example.se',
    ]);
    expect(p.history[0]).toMatchObject({
      kind: 'manual-merge',
      otherProfiles: [other],
      reason: 'Eva confirmed both addresses on the phone',
      actor: 'test',
    });
    // One record started the profile; the other says a person merged it in, who and why.
    const founder = p.records.find((x: any) => x.match === null);
    const brought = p.records.find((x: any) => x.match !== null);
    expect(founder).toBeDefined();
    expect(brought.match).toMatchObject({
      rule: 'manual-merge',
      via: founder.id,
      explanation: { rule: 'manual-merge', kind: 'manual-merge', score: 1, threshold: 1, fields: [] },
      placedBy: {
        action: 'manual-merge',
        actor: 'test',
        reason: 'Eva confirmed both addresses on the phone',
        at: s.clock.now().toISOString(),
        otherProfiles: [other],
      },
    });
    const found = await api('/api/profiles?q=Lind');
    expect(found.body.profiles.map((x: any) => x.id)).toEqual([survivor]);
    const log = await api(`/api/audit?patient=${other}&limit=20`);
    expect(log.body.records.map((x: any) => x.detail)).toContain(`merged into ${survivor}`);
  });

  it('refuses a merged profile as a merge or consent target, naming the survivor', async () => {
    const again = await api('/api/profiles/merge', {
      json: { profileIds: [survivor, other], reason: 'clicked twice' },
    });
    expect(again.status).toBe(409);
    expect(again.body.detail).toBe(
      `profile ${other} was merged into ${survivor}; act on that profile instead`,
    );
    const consent = await api(`/api/profiles/${other}/consents`, {
      json: { channel: 'email', purpose: 'outreach', state: 'granted', note: 'by phone' },
    });
    expect(consent.status).toBe(409);
    expect(consent.body.detail).toBe(
      `profile ${other} was merged into ${survivor}; act on that profile instead`,
    );
    // An objection, an opt-in or a contact point sent to the old id would be lost on a profile nobody reads.
    const objection = await api(`/api/profiles/${other}/objection`, { json: { note: 'called to object' } });
    expect(objection.status).toBe(409);
    expect(objection.body.detail).toBe(consent.body.detail);
    const optIn = await api(`/api/profiles/${other}/opt-in`, { json: { email: 'eva.lind@example.com' } });
    expect(optIn.status).toBe(409);
    const point = await api(`/api/profiles/${other}/contact-points`, {
      json: { kind: 'email', value: 'eva.ny@example.com' },
    });
    expect(point.status).toBe(409);
    expect((await api(`/api/profiles/${survivor}/consents`)).body.events).toEqual([]);
    const one = await api('/api/profiles/merge', {
      json: { profileIds: [survivor, survivor], reason: 'same' },
    });
    expect(one.status).toBe(422);
    expect(one.body.detail).toBe('profileIds: name at least two different profiles to merge');
  });
});

describe('split', () => {
  let k2: string;
  let split: string;

  it('moves a record out into its own profile, with history on both sides', async () => {
    const p = await page(survivor);
    k2 = p.records.find((x: any) => x.externalId === 'K2').id;
    s.clock.advance(60_000);
    const r = await api(`/api/profiles/${survivor}/split`, {
      json: { recordIds: [k2], reason: 'K2 is her daughter Eva, born 2005' },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body.profileId).toBe(survivor);
    split = r.body.newProfileId;
    expect(r.body.note).toMatch(/Consent history stayed with the original profile/);

    const left = await page(survivor);
    const moved = await page(split);
    expect(left.records.map((x: any) => x.externalId)).toEqual(['K1']);
    expect(moved.profile.status).toBe('active');
    expect(moved.records.map((x: any) => x.externalId)).toEqual(['K2']);
    // K2 starts its profile again; K1 either started the survivor or says the split left it there.
    expect(moved.records[0].match).toBeNull();
    const k1 = left.records[0].match;
    expect(
      k1 === null || (k1.rule === 'split' && k1.placedBy.reason === 'K2 is her daughter Eva, born 2005'),
    ).toBe(true);
    expect(moved.contactPoints.filter((c: any) => c.status === 'active').map((c: any) => c.value)).toEqual([
      'eva@lind.example.se',
    ]);
    for (const [side, otherSide] of [
      [left, split],
      [moved, survivor],
    ])
      expect(side.history[0]).toMatchObject({
        kind: 'split',
        otherProfiles: [otherSide],
        recordIds: [k2],
        reason: 'K2 is her daughter Eva, born 2005',
      });
  });

  it('never joins the split record again, even when a re-import makes it look like a match', async () => {
    const same = await importCsv(api, 'crm', list([EVA_1, EVA_2]));
    expect(same.body.stats).toMatchObject({ unchanged: 2, joined: 0, merged: 0 });

    // The daughter now gives her mother's e-mail and the mother's birth date: email-birthdate would match.
    s.clock.advance(60_000);
    const changed = await importCsv(
      api,
      'crm',
      list([EVA_1, 'K2,Eva,Lind,eva.lind@example.com,1980-05-05,']),
    );
    expect(changed.body.stats).toMatchObject({ updated: 1, joined: 0, merged: 0, profilesCreated: 1 });
    expect((await page(survivor)).records.map((x: any) => x.externalId)).toEqual(['K1']);
    expect((await page(split)).records.map((x: any) => x.externalId)).toEqual(['K2']);
  });

  it('refuses to split out every record, or a record of another profile', async () => {
    const all = await api(`/api/profiles/${split}/split`, { json: { recordIds: [k2], reason: 'try' } });
    expect(all.status).toBe(422);
    expect(all.body.detail).toBe(
      'recordIds: name at least one record to move out and leave at least one behind',
    );
    const foreign = (await page(survivor)).records[0].id;
    const wrong = await api(`/api/profiles/${split}/split`, {
      json: { recordIds: [foreign], reason: 'try' },
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body.detail).toBe(
      `recordIds: ${foreign} is not a record of profile ${split}; list its records with GET /api/profiles/${split}`,
    );
  });
});

describe('explanations after a split', () => {
  // A3 joined through A2 (shared mobile); splitting A2 out must not leave A3 quoting it.
  const nora = [
    'Kundnr,Förnamn,Efternamn,E-post,Födelsedatum,Mobil,Adress,Postnummer,Ort',
    'A1,Nora,Berg,nora@example.com,1970-01-01,070-111 11 11,Storgatan 1,11432,Stockholm',
    'A2,Nora,Berg,nora@example.com,1970-01-01,070-222 22 22,,,',
    'A3,Nora,Berg,,1970-01-01,070-222 22 22,Storgatan 1,11432,Stockholm',
  ].join('\n');

  it('explains the records left behind from their own side, and the split-off one starts its profile', async () => {
    const r = await importCsv(api, 'crm-nora', nora);
    expect(r.body.stats).toMatchObject({ created: 3, profilesCreated: 1, joined: 2 });
    const id = await findProfile(api, 'nora@example.com');
    const before = await page(id);
    const byKey = (p: any, k: string) => p.records.find((x: any) => x.externalId === k);
    const [a1, a2, a3] = ['A1', 'A2', 'A3'].map((k) => byKey(before, k));
    expect(a1.match).toBeNull();
    expect(a2.match).toMatchObject({ rule: 'email-birthdate', via: a1.id });
    expect(a3.match).toMatchObject({ rule: 'phone-family', via: a2.id });

    s.clock.advance(60_000);
    const split = await api(`/api/profiles/${id}/split`, {
      json: { recordIds: [a2.id], reason: 'A2 is another Nora Berg' },
    });
    expect(split.status, split.text).toBe(200);
    const left = await page(id);
    expect(byKey(left, 'A1').match).toBeNull();
    const placedBy = {
      action: 'split',
      actor: 'test',
      reason: 'A2 is another Nora Berg',
      at: s.clock.now().toISOString(),
      otherProfiles: [split.body.newProfileId],
    };
    // Placed again by the rule that ties it to what stayed, naming the split that made it necessary.
    expect(byKey(left, 'A3').match).toMatchObject({
      rule: 'fuzzy-name',
      via: a1.id,
      explanation: { kind: 'fuzzy-name' },
      placedBy,
    });
    expect(JSON.stringify(byKey(left, 'A3').match)).not.toContain('070-222');
    const moved = await page(split.body.newProfileId);
    expect(moved.records.map((x: any) => [x.externalId, x.match])).toEqual([['A2', null]]);
    // No record of either profile claims to have started it unless it did.
    expect(left.records.filter((x: any) => x.match === null).map((x: any) => x.externalId)).toEqual(['A1']);

    // Erasing the other Nora takes the reason that quotes her out of what stays; the rule stays.
    const erase = await api(`/api/profiles/${split.body.newProfileId}/erase`, {
      json: { reason: 'asked by letter', confirm: true },
    });
    expect(erase.status, erase.text).toBe(200);
    expect(byKey(await page(id), 'A3').match).toMatchObject({
      rule: 'fuzzy-name',
      via: a1.id,
      placedBy: { action: 'split', reason: null },
    });
  });
});

describe('merging two people', () => {
  it('refuses profiles whose records carry different personnummer, naming both', async () => {
    await importCsv(
      api,
      'crm',
      list(['K3,Nils,Ek,nils@example.com,,19551111-2228', 'K4,Nils,Ek,nils.ek@example.com,,19880808-3458']),
    );
    const a = await findProfile(api, '195511112228');
    const b = await findProfile(api, '198808083458');
    const r = await api('/api/profiles/merge', { json: { profileIds: [a, b], reason: 'same name' } });
    expect(r.status).toBe(409);
    expect(r.body.title).toBe('Conflict');
    expect(r.body.detail).toContain(`profiles ${a} and ${b} cannot be one person`);
    expect(r.body.detail).toMatch(/personnummer.*correct the source record first/);
    expect((await page(a)).records).toHaveLength(1);
    expect((await page(b)).profile.status).toBe('active');
  });
});
