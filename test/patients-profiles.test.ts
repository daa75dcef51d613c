import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribePatientSync } from '../src/patients/sync.ts';
import { roleAuth, type TestServer, testServer } from './helpers.ts';

const PNR = 'urn:oid:1.2.752.129.2.1.3.1';

function patient(id: string, extra: Record<string, unknown> = {}) {
  return {
    resourceType: 'Patient',
    id,
    identifier: [{ system: PNR, value: '198507092388' }],
    name: [{ use: 'official', family: 'Ångström', given: ['Karin'] }],
    gender: 'female',
    birthDate: '1985-07-09',
    telecom: [
      { system: 'phone', value: '+46701234567', use: 'mobile' },
      { system: 'email', value: 'karin.angstrom@example.com' },
    ],
    address: [{ use: 'home', line: ['Storgatan 1'], postalCode: '11432', city: 'Stockholm', country: 'SE' }],
    managingOrganization: { reference: 'Organization/vc-1' },
    ...extra,
  };
}

let s: TestServer;
let sync: ReturnType<typeof subscribePatientSync>;

async function api(path: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
  const res = await fetch(`${s.url}${path}`, {
    ...init,
    redirect: 'manual',
    headers: {
      ...s.auth,
      ...(init.body && typeof init.body === 'string' ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body, headers: res.headers };
}

beforeAll(async () => {
  s = await testServer('2026-03-01T09:00:00Z');
  sync = subscribePatientSync(s.store, s.clock);
  await s.store.update('Patient', 'p1', patient('p1'));
  await s.store.create({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '4548-4', display: 'HbA1c' }] },
    subject: { reference: 'Patient/p1' },
    effectiveDateTime: '2026-01-10T08:00:00Z',
    valueQuantity: { value: 7.5, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  });
  await sync.drain();
});

afterAll(async () => {
  await sync.stop();
  await s.close();
});

describe('profiles from the clinical store', () => {
  it('unifies an EHR Patient into a profile found by personnummer in any spelling', async () => {
    for (const q of ['198507092388', '850709-2388', '19850709-2388']) {
      const r = await api(`/api/profiles?q=${encodeURIComponent(q)}`);
      expect(r.status).toBe(200);
      expect(r.body.profiles).toHaveLength(1);
      expect(r.body.profiles[0]).toMatchObject({ name: 'Karin Ångström', fhirPatients: ['p1'] });
    }
    const byName = await api('/api/profiles?q=angstrom');
    expect(byName.body.profiles).toHaveLength(1);
  });

  it('shows patient 360 with contact points, consent state and the HbA1c in mmol/mol', async () => {
    const [{ id }] = (await api('/api/profiles?q=198507092388')).body.profiles;
    const r = await api(`/api/profiles/${id}`);
    expect(r.status).toBe(200);
    expect(r.body.profile.golden).toMatchObject({ family: 'Ångström', personnummer: '198507092388' });
    expect(r.body.contactPoints.map((p: any) => `${p.kind}:${p.value}`).sort()).toEqual([
      'email:karin.angstrom@example.com',
      'phone:+46701234567',
      'postal:11432|storgatan 1',
    ]);
    const hba1c = r.body.clinical.observations.find((o: any) => o.key === 'hba1c');
    expect(hba1c.latest).toMatchObject({ value: 58.5, unit: 'mmol/mol' });
    const sms = r.body.consent.find(
      (c: any) =>
        c.purpose === 'outreach' && c.channel === 'sms' && c.topic === null && c.contactValue === null,
    );
    expect(sms).toMatchObject({ enforcement: 'opt-in', state: 'none', permits: false });
  });

  it('keeps the profile id when the EHR updates the patient, and follows the new address', async () => {
    const [{ id }] = (await api('/api/profiles?q=198507092388')).body.profiles;
    await s.store.update(
      'Patient',
      'p1',
      patient('p1', {
        address: [{ use: 'home', line: ['Nygatan 5'], postalCode: '75320', city: 'Uppsala', country: 'SE' }],
      }),
    );
    await sync.drain();
    const r = await api(`/api/profiles/${id}`);
    expect(r.body.profile.golden.address.city).toBe('Uppsala');
    const postal = r.body.contactPoints.filter((p: any) => p.kind === 'postal');
    expect(postal.map((p: any) => [p.value, p.status])).toEqual([
      ['75320|nygatan 5', 'active'],
      ['11432|storgatan 1', 'removed'],
    ]);
  });

  it('answers can-contact: care by SMS needs no consent, outreach by SMS needs opt-in', async () => {
    const [{ id }] = (await api('/api/profiles?q=198507092388')).body.profiles;
    const care = await api(`/api/profiles/${id}/can-contact?channel=sms&purpose=care&topic=screening`);
    expect(care.body).toMatchObject({ allowed: true, basis: 'not-required' });
    expect(care.body.contactPoint.value).toBe('+46701234567');
    const outreach = await api(`/api/profiles/${id}/can-contact?channel=sms&purpose=outreach&topic=events`);
    expect(outreach.body).toMatchObject({ allowed: false, denyReason: 'no-consent' });
    expect(outreach.body.reason).toMatch(/19 §/);
  });

  it('hides the clinical summary from an event planner and the profile from another care unit', async () => {
    const [{ id }] = (await api('/api/profiles?q=198507092388')).body.profiles;
    const planner = await roleAuth(s, 'outreach');
    const r = await api(`/api/profiles/${id}`, { headers: planner });
    expect(r.status).toBe(200);
    expect(r.body.clinical).toBeNull();
    const other = await roleAuth(s, 'clinical', []);
    const denied = await api(`/api/profiles/${id}`, { headers: other });
    expect(denied.status).toBe(403);
    expect(denied.body.detail).toMatch(/care units/);
  });

  it('audits every view of a profile', async () => {
    const [{ id }] = (await api('/api/profiles?q=198507092388')).body.profiles;
    await api(`/api/profiles/${id}`);
    const log = await api(`/api/audit?patient=${id}&limit=50`);
    expect(log.status).toBe(200);
    const reads = log.body.records.filter(
      (x: any) => x.action === 'read' && x.resourceType === 'PatientProfile',
    );
    expect(reads.length).toBeGreaterThan(0);
    expect(reads[0].patientIds).toContain('p1');
  });
});

describe('settings changes are audited', () => {
  const administered = async (setting: string) => {
    const log = await api('/api/audit?action=administer&limit=50');
    expect(log.status).toBe(200);
    return log.body.records.filter(
      (x: any) => x.resourceType === 'PatientSetting' && x.resourceIds.includes(setting),
    );
  };

  it('records who changed the match rules, and what changed', async () => {
    const current = (await api('/api/settings/match-rules')).body.rules;
    const rules = current.map((r: any) => (r.id === 'fuzzy-name' ? { ...r, enabled: false } : r));
    const put = await api('/api/settings/match-rules', { method: 'PUT', body: JSON.stringify({ rules }) });
    expect(put.status).toBe(200);
    const [entry] = await administered('match-rules');
    expect(entry).toMatchObject({ action: 'administer', outcome: 'success', actorName: 'test' });
    expect(entry.detail).toMatch(
      /^match rules: .*fuzzy-name \(fuzzy-name ≥ 0\.88\) → .*fuzzy-name \(fuzzy-name ≥ 0\.88, disabled\)$/,
    );

    const bad = await api('/api/settings/match-rules', {
      method: 'PUT',
      body: JSON.stringify({ rules: [{ id: 'x', kind: 'shoe-size', threshold: 1 }] }),
    });
    expect(bad.status).toBe(422);
    const restore = await api('/api/settings/match-rules', {
      method: 'PUT',
      body: JSON.stringify({ rules: current }),
    });
    expect(restore.status).toBe(200);
    // The refused attempt changed nothing and is not an administrative change.
    expect((await administered('match-rules')).map((x: any) => x.detail.endsWith(', disabled)'))).toEqual([
      false,
      true,
    ]);
  });

  it('records a change of the consent policy cell by cell', async () => {
    const policy = (await api('/api/settings/consent-policy')).body;
    const stricter = {
      ...policy,
      enforcement: { ...policy.enforcement, outreach: { ...policy.enforcement.outreach, letter: 'opt-in' } },
    };
    const put = await api('/api/settings/consent-policy', { method: 'PUT', body: JSON.stringify(stricter) });
    expect(put.status).toBe(200);
    const [entry] = await administered('consent-policy');
    expect(entry).toMatchObject({ action: 'administer', actorName: 'test' });
    expect(entry.detail).toBe('consent policy: outreach/letter opt-out → opt-in');
    await api('/api/settings/consent-policy', { method: 'PUT', body: JSON.stringify(policy) });
    expect((await administered('consent-policy'))[0].detail).toBe(
      'consent policy: outreach/letter opt-in → opt-out',
    );
  });
});
