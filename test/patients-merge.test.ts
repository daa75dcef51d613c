import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCareUnit } from '../src/auth/care-units.ts';
import { subscribePatientSync } from '../src/patients/sync.ts';
import { roleAuth, type TestServer, testServer } from './helpers.ts';
import { type Api, apiFor, canContact, ehrPatient, findProfile, importCsv } from './patients-http.ts';

/** A person decides: merging profiles unification kept apart, splitting what it should not have joined. */

let s: TestServer;
let api: Api;
let sync: ReturnType<typeof subscribePatientSync>;

// Kundnr keeps the record ids stable when a row's details change.
const header = 'Kundnr,Förnamn,Efternamn,E-post,Födelsedatum,Personnummer';
const list = (rows: string[]) => [header, ...rows].join('\n');
const EVA_1 = 'K1,Eva,Lind,eva.lind@example.com,1980-05-05,';
const EVA_2 = 'K2,Eva,Lind,eva@lind.example.se,,';

beforeAll(async () => {
  s = await testServer('2026-06-01T10:00:00Z');
  api = apiFor(s);
  sync = subscribePatientSync(s.store, s.clock);
  const r = await importCsv(api, 'crm', list([EVA_1, EVA_2]));
  expect(r.status, r.text).toBe(200);
  expect(r.body.stats).toMatchObject({ created: 2, profilesCreated: 2 });
});

afterAll(async () => {
  await sync?.stop();
  await s?.close();
});

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
    expect(r.body.overrode).toEqual([]);
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
    // K2 starts its profile again; K1 was the survivor's first record, so it starts it.
    expect(moved.records[0].match).toBeNull();
    expect(left.records[0].match).toBeNull();
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

// A customer number both lists carry ties the records (rule `identifier`); a mistyped birth date keeps them apart.
const KUND = 'urn:kund';
const members = (rows: string[]) =>
  ['Id,Förnamn,Efternamn,Födelsedatum,E-post,Identifierare', ...rows].join('\n');

/** The open possible duplicate whose reason names the record `source/id`. */
async function conflictNaming(record: string): Promise<any> {
  const r = await api('/api/profile-conflicts');
  expect(r.status, r.text).toBe(200);
  return r.body.conflicts.find((c: any) => c.reason.includes(record));
}

describe('a possible duplicate with a mistyped birth date', () => {
  let bo: string;
  let event: string;
  let conflict: any;

  it('is queued naming the profile the other record is in', async () => {
    await importCsv(api, 'medlemmar', members([`m1,Bo,Lund,1975-05-05,bo.lund@example.se,${KUND}|K-2002`]));
    s.clock.advance(60_000);
    const r = await importCsv(api, 'evenemang', members([`v1,Bo,Lund,1975-05-15,,${KUND}|K-2002`]));
    expect(r.body.stats).toMatchObject({ created: 1, profilesCreated: 1, joined: 0, conflicts: 1 });
    bo = await findProfile(api, 'bo.lund@example.se');
    conflict = await conflictNaming('evenemang/v1');
    expect(conflict).toMatchObject({ profileId: bo });
    event = conflict.otherProfileId;
    expect(event).toEqual(expect.any(String));
    expect(event).not.toBe(bo);
    const other = await page(event);
    expect(other.records.map((x: any) => [x.id, x.externalId])).toEqual([[conflict.recordId, 'v1']]);
    const p = await page(bo);
    expect(p.conflicts).toEqual([
      {
        id: conflict.id,
        recordId: conflict.recordId,
        otherProfileId: event,
        reason: expect.stringContaining('different birth dates'),
        at: conflict.at,
      },
    ]);
  });

  it('merges when a person decides it is the same person, overriding the birth date, and says so', async () => {
    s.clock.advance(60_000);
    const r = await api(`/api/profile-conflicts/${conflict.id}/resolve`, {
      json: { decision: 'same-person', reason: 'Bo confirmed on the phone that he signed up' },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body.profileId).toBe(bo);
    const p = await page(bo);
    expect(p.records.map((x: any) => x.externalId).sort()).toEqual(['m1', 'v1']);
    expect(p.conflicts).toEqual([]);
    // Survivorship picks one birth date as usual; both records keep theirs.
    expect(['1975-05-05', '1975-05-15']).toContain(p.profile.golden.birthDate);
    expect(p.history[0]).toMatchObject({
      kind: 'manual-merge',
      otherProfiles: [event],
      reason: 'Bo confirmed on the phone that he signed up',
      detail: {
        overrode: ['different birth dates: 1975-05-05 (medlemmar/m1) and 1975-05-15 (evenemang/v1)'],
      },
    });
    expect((await api(`/api/profiles/${event}`)).status).toBe(308);
    expect((await conflictNaming('evenemang/v1')) ?? null).toBeNull();
    const again = await api(`/api/profile-conflicts/${conflict.id}/resolve`, {
      json: { decision: 'different-people', reason: 'clicked twice' },
    });
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/was already resolved \(decided: the same person\)/);
  });

  it('keeps them together, without queueing the conflict again, when either record changes', async () => {
    s.clock.advance(60_000);
    const changed = await importCsv(
      api,
      'evenemang',
      members([`v1,Bo,Lund,1975-05-15,bo@evenemang.example.se,${KUND}|K-2002`]),
    );
    expect(changed.body.stats).toMatchObject({ updated: 1, joined: 1, profilesCreated: 0, conflicts: 0 });
    const member = await importCsv(
      api,
      'medlemmar',
      members([`m1,Bo,Lund,1975-05-05,bo@lund.example.se,${KUND}|K-2002`]),
    );
    expect(member.body.stats).toMatchObject({ updated: 1, profilesCreated: 0, conflicts: 0 });
    const p = await page(bo);
    expect(p.records.map((x: any) => x.externalId).sort()).toEqual(['m1', 'v1']);
    expect(p.conflicts).toEqual([]);
    expect((await api('/api/profile-conflicts')).body.conflicts).toEqual([]);
    // The record placed again says a person's decision keeps it here, not a rule.
    const v1 = p.records.find((x: any) => x.externalId === 'v1');
    expect(v1.match).toMatchObject({
      rule: 'manual-merge',
      placedBy: { action: 'manual-merge', reason: 'Bo confirmed on the phone that he signed up' },
    });
    expect((await api('/api/profiles?q=Bo%20Lund')).body.profiles.map((x: any) => x.id)).toEqual([bo]);
  });

  it('still refuses two personnummer, through the queue as through a merge', async () => {
    await importCsv(api, 'medlemmar', members([`m2,Siv,Alm,,siv@example.se,${KUND}|K-4004`]));
    s.clock.advance(60_000);
    await importCsv(
      api,
      'evenemang',
      ['Id,Förnamn,Efternamn,Personnummer,Identifierare', `v2,Siv,Alm,19551111-2228,${KUND}|K-4004`].join(
        '\n',
      ),
    );
    await importCsv(
      api,
      'medlemmar',
      [
        'Id,Förnamn,Efternamn,Personnummer,E-post,Identifierare',
        `m2,Siv,Alm,19880808-3458,siv@example.se,${KUND}|K-4004`,
      ].join('\n'),
    );
    const cf = await conflictNaming('personnummer');
    expect(cf).toBeDefined();
    const r = await api(`/api/profile-conflicts/${cf.id}/resolve`, {
      json: { decision: 'same-person', reason: 'same name and customer number' },
    });
    expect(r.status).toBe(409);
    expect(r.body.detail).toMatch(
      /cannot be one person: different personnummer.*correct the source record first/,
    );
    expect((await conflictNaming('personnummer'))?.id).toBe(cf.id);
  });
});

describe('a queued duplicate whose record joins by itself', () => {
  let cia: string;
  let event: string;
  let conflict: any;

  it('is resolved when the corrected record joins, and the profile it left redirects to it', async () => {
    await importCsv(api, 'medlemmar', members([`m3,Cia,Sand,1990-02-02,cia@example.com,${KUND}|K-3003`]));
    s.clock.advance(60_000);
    await importCsv(api, 'evenemang', members([`v3,Cia,Sand,1990-02-20,,${KUND}|K-3003`]));
    cia = await findProfile(api, 'cia@example.com');
    conflict = await conflictNaming('evenemang/v3');
    expect(conflict.profileId).toBe(cia);
    event = conflict.otherProfileId;
    expect((await api('/api/profiles?q=Sand')).body.profiles).toHaveLength(2);

    // The event list is corrected and imported again: the record now joins by itself.
    s.clock.advance(60_000);
    const fixed = await importCsv(api, 'evenemang', members([`v3,Cia,Sand,1990-02-02,,${KUND}|K-3003`]));
    expect(fixed.body.stats).toMatchObject({ updated: 1, joined: 1, conflicts: 0 });
    const p = await page(cia);
    expect(p.records.map((x: any) => x.externalId).sort()).toEqual(['m3', 'v3']);
    expect(p.conflicts).toEqual([]);
    expect(p.warnings.join(' ')).not.toMatch(/possible duplicate/);
    expect(await conflictNaming('evenemang/v3')).toBeUndefined();

    // Nothing is left to decide: neither answer acts on it.
    for (const decision of ['same-person', 'different-people']) {
      const r = await api(`/api/profile-conflicts/${conflict.id}/resolve`, {
        json: { decision, reason: 'looked at it' },
      });
      expect(r.status, decision).toBe(409);
      expect(r.body.detail).toMatch(/already resolved \(the record has joined that profile by itself\)/);
    }

    // The profile the record left has no record: it is merged into the one that took it, not active and empty.
    const old = await api(`/api/profiles/${event}`);
    expect(old.status).toBe(308);
    expect(old.headers.get('location')).toBe(`/api/profiles/${cia}`);
    expect((await api('/api/profiles?q=Sand')).body.profiles.map((x: any) => x.id)).toEqual([cia]);
    expect(p.history[0]).toMatchObject({ kind: 'merge', otherProfiles: [event] });
  });

  it('is resolved when the record is deleted at its source', async () => {
    await s.store.update(
      'Patient',
      'dag',
      ehrPatient(
        'dag',
        { given: 'Dag', family: 'Rask', birthDate: '1944-04-04' },
        {
          identifier: [{ system: KUND, value: 'K-5005' }],
        },
      ),
    );
    await sync.drain();
    s.clock.advance(60_000);
    await s.store.update(
      'Patient',
      'dag2',
      ehrPatient(
        'dag2',
        { given: 'Dag', family: 'Rask', birthDate: '1944-04-14' },
        {
          identifier: [{ system: KUND, value: 'K-5005' }],
        },
      ),
    );
    await sync.drain();
    const cf = await conflictNaming('ehr/dag2');
    expect(cf).toBeDefined();
    await s.store.delete('Patient', 'dag2');
    await sync.drain();
    expect(await conflictNaming('ehr/dag2')).toBeUndefined();
    expect((await page(cf.profileId)).conflicts).toEqual([]);
  });

  it('is resolved when either side is erased', async () => {
    await importCsv(api, 'medlemmar', members([`m4,Ebba,Tall,2001-01-01,ebba@example.com,${KUND}|K-6006`]));
    s.clock.advance(60_000);
    await importCsv(api, 'evenemang', members([`v4,Ebba,Tall,2001-01-10,,${KUND}|K-6006`]));
    const cf = await conflictNaming('evenemang/v4');
    const erase = await api(`/api/profiles/${cf.otherProfileId}/erase`, {
      json: { reason: 'asked by letter', confirm: true },
    });
    expect(erase.status, erase.text).toBe(200);
    expect(await conflictNaming('evenemang/v4')).toBeUndefined();
    expect((await api('/api/profile-conflicts')).body.conflicts.map((c: any) => c.id)).not.toContain(cf.id);
    expect((await page(cf.profileId)).conflicts).toEqual([]);
  });
});

describe('a profile whose records all go different ways', () => {
  it('is dissolved: not found, its 360 names where the records went, its no carried to each', async () => {
    await importCsv(
      api,
      'kunder',
      members([`s1,Dan,Ahl,1960-01-01,dan.ahl@example.com,`, `s2,Eva,Ahl,1962-02-02,eva.ahl@example.com,`]),
    );
    const dan = await findProfile(api, 'dan.ahl@example.com');
    const eva = await findProfile(api, 'eva.ahl@example.com');
    s.clock.advance(60_000);
    // Two rows of another list describe one person, so far.
    await importCsv(
      api,
      'enkat',
      members([`q1,Fia,Öst,1970-07-07,fia@example.com,`, `q2,Fia,Öst,1970-07-07,fia@example.com,`]),
    );
    const fia = await findProfile(api, 'fia@example.com');
    expect((await page(fia)).records).toHaveLength(2);
    const objection = await api(`/api/profiles/${fia}/objection`, { json: { note: 'called to object' } });
    expect(objection.status, objection.text).toBe(201);

    // The list was wrong: the rows were Dan and Eva.
    s.clock.advance(60_000);
    const fixed = await importCsv(
      api,
      'enkat',
      members([`q1,Dan,Ahl,1960-01-01,dan.ahl@example.com,`, `q2,Eva,Ahl,1962-02-02,eva.ahl@example.com,`]),
    );
    expect(fixed.body.stats).toMatchObject({ updated: 2, joined: 2 });
    expect((await page(dan)).records.map((x: any) => x.externalId).sort()).toEqual(['q1', 's1']);
    expect((await page(eva)).records.map((x: any) => x.externalId).sort()).toEqual(['q2', 's2']);

    expect((await api('/api/profiles?q=Öst')).body.profiles).toEqual([]);
    const gone = await api(`/api/profiles/${fia}`);
    expect(gone.status).toBe(410);
    expect(gone.body.title).toBe('Gone');
    expect(gone.body.detail).toContain(`profile ${fia} no longer holds any source record`);
    expect(gone.body.detail).toContain(dan);
    expect(gone.body.detail).toContain(eva);
    // Whoever objected, both people keep saying no until someone checks.
    for (const id of [dan, eva])
      expect(await canContact(api, id, 'channel=email&purpose=outreach')).toMatchObject({
        allowed: false,
        denyReason: 'objected',
      });
    expect((await page(dan)).history[0]).toMatchObject({ kind: 'dissolve', otherProfiles: [fia] });
    const merge = await api('/api/profiles/merge', { json: { profileIds: [fia, dan], reason: 'try' } });
    expect(merge.status).toBe(410);
  });
});

describe('a profile whose records leave one import at a time', () => {
  it('is dissolved, not merged into whoever took the last record, and each taker keeps its no', async () => {
    await importCsv(
      api,
      'kunder',
      members([
        `t1,Gun,Berg,1950-03-03,gun.berg@example.com,`,
        `t2,Hans,Berg,1952-04-04,hans.berg@example.com,`,
      ]),
    );
    const gun = await findProfile(api, 'gun.berg@example.com');
    const hans = await findProfile(api, 'hans.berg@example.com');
    s.clock.advance(60_000);
    await importCsv(
      api,
      'enkat2',
      members([`r1,Ida,Sjö,1971-08-08,ida@example.com,`, `r2,Ida,Sjö,1971-08-08,ida@example.com,`]),
    );
    const ida = await findProfile(api, 'ida@example.com');
    expect((await page(ida)).records).toHaveLength(2);
    const objection = await api(`/api/profiles/${ida}/objection`, { json: { note: 'called to object' } });
    expect(objection.status, objection.text).toBe(201);

    // One row is corrected today: Ida keeps the other, Gun takes this one and Ida's no with it.
    s.clock.advance(60_000);
    await importCsv(api, 'enkat2', members([`r1,Gun,Berg,1950-03-03,gun.berg@example.com,`]));
    expect((await page(ida)).records.map((x: any) => x.externalId)).toEqual(['r2']);
    expect(await canContact(api, gun, 'channel=email&purpose=outreach')).toMatchObject({
      allowed: false,
      denyReason: 'objected',
    });
    // The other tomorrow: everything Ida ever held went two ways, so Hans does not inherit Ida as a whole.
    s.clock.advance(86_400_000);
    await importCsv(api, 'enkat2', members([`r2,Hans,Berg,1952-04-04,hans.berg@example.com,`]));
    const gone = await api(`/api/profiles/${ida}`);
    expect(gone.status).toBe(410);
    expect((await page(hans)).history[0]).toMatchObject({ kind: 'dissolve', otherProfiles: [ida] });
    expect(await canContact(api, hans, 'channel=email&purpose=outreach')).toMatchObject({
      allowed: false,
      denyReason: 'objected',
    });
  });
});

describe('the other profile of a possible duplicate, by care unit', () => {
  it('is named only to those who may open it', async () => {
    for (const [org, unit] of [
      ['org-norr', 'vc-norr'],
      ['org-soder', 'vc-soder'],
    ]) {
      await s.store.update('Organization', org, { resourceType: 'Organization', id: org, name: unit });
      await createCareUnit(s.db, { id: unit, name: unit, refs: [`Organization/${org}`] });
    }
    const gun = (id: string, birthDate: string, org: string) =>
      ehrPatient(
        id,
        { given: 'Gun', family: 'Holm', birthDate, org },
        {
          identifier: [{ system: KUND, value: 'K-9009' }],
        },
      );
    await s.store.update('Patient', 'gun', gun('gun', '1950-03-03', 'org-norr'));
    await sync.drain();
    s.clock.advance(60_000);
    await s.store.update('Patient', 'gun2', gun('gun2', '1950-03-13', 'org-norr'));
    await s.store.update('Patient', 'gun3', gun('gun3', '1950-03-23', 'org-soder'));
    await sync.drain();
    // gun2 and gun3 are each queued against gun's profile (and gun3 against gun2's too).
    const admin = (await api('/api/profile-conflicts')).body.conflicts.find((c: any) =>
      /\(ehr\/gun2\) and .* \(ehr\/gun\)$/.test(c.reason),
    );
    const profile = admin.profileId;
    const list = (await api('/api/profile-conflicts')).body.conflicts.filter(
      (c: any) => c.profileId === profile,
    );
    expect(list.map((c: any) => c.otherProfileId)).toEqual([expect.any(String), expect.any(String)]);

    const norr = await roleAuth(s, 'clinical', ['vc-norr']);
    const r = await api(`/api/profiles/${profile}`, { headers: norr });
    expect(r.status, r.text).toBe(200);
    const byRecord = (name: string) =>
      r.body.conflicts.find((c: any) => c.reason.includes(`ehr/${name}`))?.otherProfileId;
    // gun2 is in the caller's care unit; gun3 belongs to another one.
    expect(byRecord('gun2')).toBe(admin.otherProfileId);
    expect(byRecord('gun3')).toBeNull();
    const all = await api(`/api/profiles/${profile}`);
    expect(all.body.conflicts.find((c: any) => c.reason.includes('ehr/gun3')).otherProfileId).toEqual(
      expect.any(String),
    );
  });
});
