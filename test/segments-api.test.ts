import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPaths } from '../src/fhir/import/import-paths.ts';
import { generatePopulation } from '../src/generate/index.ts';
import { subscribePatientSync } from '../src/patients/sync.ts';
import type { Definition } from '../src/segments/definition.ts';
import { roleAuth, type TestServer, testServer } from './helpers.ts';
import { type Api, apiFor } from './patients-http.ts';

// A generated population whose "today" is the server's clock: templates and windows mean what they say.
const AS_OF = '2026-11-01T00:00:00Z';
let s: TestServer;
let api: Api;
let dir: string;

const diabetesHigh: Definition = {
  version: 1,
  root: {
    kind: 'and',
    children: [
      {
        kind: 'clinical',
        resource: 'Condition',
        codes: [{ system: 'icd10', codes: ['E11'], descendants: true }],
      },
      {
        kind: 'observation',
        codes: [{ system: 'loinc', codes: ['59261-8', '4548-4'] }],
        aggregate: 'latest',
        comparator: 'gt',
        value: 52,
        unit: 'mmol/mol',
      },
    ],
  },
};

beforeAll(async () => {
  s = await testServer(AS_OF);
  api = apiFor(s);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'segments-api-'));
  await generatePopulation({ patients: 400, seed: 'segments-api', outDir: dir, asOf: new Date(AS_OF) });
  await importPaths(s.store, [dir], { workers: 0 });
  const sync = subscribePatientSync(s.store, s.clock);
  await sync.drain();
  await sync.stop();
}, 120_000);

afterAll(async () => {
  await s?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('segment preview', () => {
  it('counts, gives a funnel per rule and a sample with why each matched', async () => {
    const res = await api('/api/segments/preview', { json: { definition: diabetesHigh, sample: 5 } });
    expect(res.status).toBe(200);
    const p = res.body;
    expect(p.universe).toBeGreaterThan(300);
    expect(p.funnel).toHaveLength(2);
    const [diabetes, hba1c] = p.funnel;
    expect(diabetes.alone).toBeGreaterThan(0);
    expect(hba1c.cumulative).toBe(p.count);
    expect(hba1c.cumulative).toBeLessThanOrEqual(Math.min(diabetes.alone, hba1c.alone));
    expect(p.count).toBeGreaterThan(0);
    expect(p.sample.length).toBe(Math.min(5, p.count));
    for (const m of p.sample) {
      expect(m.name).toMatch(/\S+ \S+/);
      const reasons = m.why.filter((w: { path: string }) => w.path.startsWith('root.children'));
      expect(reasons.every((w: { passed: boolean }) => w.passed)).toBe(true);
      // The admin may see clinical evidence: the latest value in mmol/mol.
      expect(reasons.map((w: { reason: string }) => w.reason).join(' ')).toMatch(/mmol\/mol/);
    }
  });

  it('evaluates as of an earlier instant on request', async () => {
    const now = await api('/api/segments/preview', { json: { definition: diabetesHigh, sample: 0 } });
    const then = await api('/api/segments/preview', {
      json: { definition: diabetesHigh, sample: 0, asOf: '2015-01-01T00:00:00Z' },
    });
    expect(then.status).toBe(200);
    expect(then.body.asOf).toBe('2015-01-01T00:00:00.000Z');
    expect(then.body.count).toBeLessThan(now.body.count);
  });

  it('hides clinical values from roles without clinical:read', async () => {
    const outreach = await roleAuth(s, 'outreach');
    const res = await api('/api/segments/preview', {
      json: { definition: diabetesHigh, sample: 3 },
      headers: outreach,
    });
    expect(res.status).toBe(200);
    expect(res.text).not.toMatch(/mmol\/mol on/);
    expect(res.body.sample[0].why.some((w: { reason: string }) => w.reason === 'matches')).toBe(true);
  });
});

describe('care-unit scope', () => {
  it('counts only the patients of the caller’s care units', async () => {
    const unit = await api('/api/care-units', {
      json: { id: 'vc-ingen', name: 'Ingen', refs: ['Organization/none'] },
    });
    expect(unit.status).toBe(201);
    const clinical = await roleAuth(s, 'clinical', ['vc-ingen']);
    const res = await api('/api/segments/preview', {
      json: { definition: diabetesHigh, sample: 5 },
      headers: clinical,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ scoped: true, universe: 0, count: 0, sample: [] });
    // Member pages too: no one outside the unit, not even as a paging cursor or a total.
    const seg = await api('/api/segments', {
      json: { name: 'Alla 80+', definition: { version: 1, root: { kind: 'age', min: 80 } } },
    });
    expect(seg.body.memberCount).toBeGreaterThan(0);
    const page = await api(`/api/segments/${seg.body.id}/members?limit=1`, { headers: clinical });
    expect(page.body).toEqual({ members: [], next: null, total: null });
  });
});

describe('bad definitions', () => {
  const post = (definition: unknown) => api('/api/segments/preview', { json: { definition } });

  it('names the node and the fix for an unknown code system', async () => {
    const res = await post({
      version: 1,
      root: {
        kind: 'and',
        children: [
          { kind: 'age', min: 40 },
          { kind: 'clinical', resource: 'Condition', codes: [{ system: 'icd-11', codes: ['5A11'] }] },
        ],
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.problems[0].path).toBe('root.children[1].codes[0].system');
    expect(res.body.detail).toContain('unknown code system "icd-11"');
  });

  it('refuses an impossible window', async () => {
    const res = await post({
      version: 1,
      root: {
        kind: 'clinical',
        resource: 'Procedure',
        window: { kind: 'between', from: '2020-05-01', to: '2019-01-01' },
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.problems[0]).toEqual({
      path: 'root.window',
      message: 'the window starts 2020-05-01 after it ends 2019-01-01; swap the dates',
    });
  });

  it('refuses 10,000 OR branches with a limit and an alternative', async () => {
    const children = Array.from({ length: 10_000 }, (_, i) => ({
      kind: 'place',
      field: 'postalCode',
      values: [String(10000 + i)],
    }));
    const res = await post({ version: 1, root: { kind: 'or', children } });
    expect(res.status).toBe(422);
    expect(res.body.detail).toContain('10,001 rules and groups; the limit is 1000');
  });

  it('refuses a shape the schema does not know, naming the field', async () => {
    const res = await post({ version: 1, root: { kind: 'age', min: 'forty' } });
    expect(res.status).toBe(400);
    expect(res.text).toContain('min');
    const wrongKind = await post({ version: 1, root: { kind: 'bloodGroup' } });
    expect(wrongKind.status).toBe(400);
  });

  it('answers malformed JSON with the position', async () => {
    const res = await api('/api/segments/preview', {
      method: 'POST',
      body: '{"definition": {"version": 1,',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('malformed JSON');
  });

  it('refuses a segment that nests itself', async () => {
    const a = await api('/api/segments', {
      json: { name: 'Age 40+', definition: { version: 1, root: { kind: 'age', min: 40 } } },
    });
    expect(a.status).toBe(201);
    const res = await api(`/api/segments/${a.body.id}`, {
      method: 'PUT',
      json: {
        name: 'Age 40+',
        version: 1,
        definition: { version: 1, root: { kind: 'segment', segmentId: a.body.id } },
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.problems[0].message).toContain('cannot contain itself');
  });
});

describe('saved segments', () => {
  it('saves, refreshes, lists members, keeps versions and a count history', async () => {
    const created = await api('/api/segments', {
      json: { name: 'Diabetes över mål', definition: diabetesHigh },
    });
    expect(created.status).toBe(201);
    const seg = created.body;
    expect(seg.version).toBe(1);
    expect(seg.change.entered).toBe(seg.memberCount);
    const preview = await api('/api/segments/preview', { json: { definition: diabetesHigh, sample: 0 } });
    expect(seg.memberCount).toBe(preview.body.count);

    const members = await api(`/api/segments/${seg.id}/members?limit=1000`);
    expect(members.body.members).toHaveLength(seg.memberCount);

    // Raising the threshold is a new version; people whose latest value is below it exit.
    const stricter = structuredClone(diabetesHigh);
    (stricter.root as any).children[1].value = 70;
    const updated = await api(`/api/segments/${seg.id}`, {
      method: 'PUT',
      json: { name: seg.name, version: 1, definition: stricter },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.version).toBe(2);
    expect(updated.body.change.exited).toBeGreaterThan(0);
    const stale = await api(`/api/segments/${seg.id}`, {
      method: 'PUT',
      json: { name: seg.name, version: 1, definition: diabetesHigh },
    });
    expect(stale.status).toBe(409);

    const versions = await api(`/api/segments/${seg.id}/versions`);
    expect(versions.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    const history = await api(`/api/segments/${seg.id}/history`);
    expect(history.body.points.at(-1).members).toBe(updated.body.memberCount);

    const events = await api(`/api/segments/events?segment=${seg.id}&limit=5000`);
    const exits = events.body.events.filter((e: { kind: string }) => e.kind === 'exit');
    expect(exits).toHaveLength(updated.body.change.exited);
    expect(exits.every((e: { version: number }) => e.version === 2)).toBe(true);
  });

  it('moves one patient in when a new observation arrives', async () => {
    const created = await api('/api/segments', {
      json: {
        name: 'Glukos över 11',
        definition: {
          version: 1,
          root: {
            kind: 'observation',
            codes: [{ system: 'loinc', codes: ['2339-0'] }],
            aggregate: 'latest',
            comparator: 'ge',
            value: 11,
            unit: 'mmol/L',
          },
        },
      },
    });
    const seg = created.body;
    const [patient] = await s.db.query<{ patient_id: string }>(
      `SELECT patient_id FROM segment_person WHERE patient_id NOT IN
         (SELECT patient_id FROM segment_member WHERE segment_id = $1) LIMIT 1`,
      [seg.id],
    );
    s.clock.advance(60_000);
    const obs = await api('/fhir/R4/Observation', {
      json: {
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '2339-0' }] },
        subject: { reference: `Patient/${patient.patient_id}` },
        effectiveDateTime: '2026-10-31T08:00:00Z',
        valueQuantity: { value: 230, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
      },
      headers: { 'content-type': 'application/fhir+json' },
    });
    expect(obs.status).toBe(201);
    // 230 mg/dL is 12.8 mmol/L: the next preview (or the server's 2-second tick) applies the change.
    await api('/api/segments/preview', { json: { definition: seg.definition, sample: 0 } });
    const events = await api(`/api/segments/events?segment=${seg.id}&limit=5000`);
    const last = events.body.events.at(-1);
    expect(last).toMatchObject({
      kind: 'enter',
      patientId: patient.patient_id,
      at: s.clock.now().toISOString(),
    });
    const after = await api(`/api/segments/${seg.id}`);
    expect(after.body.memberCount).toBe(seg.memberCount + 1);
  });

  it('lists the segments a person is in on their patient 360, for roles that may see segments', async () => {
    const created = await api('/api/segments', {
      json: { name: 'Diabetes i 360', definition: diabetesHigh },
    });
    const seg = created.body;
    const [member] = (await api(`/api/segments/${seg.id}/members?limit=1`)).body.members;
    const [{ profile_id }] = await s.db.query<{ profile_id: string }>(
      `SELECT profile_id FROM patient_record WHERE external_id = $1 AND source = 'ehr'`,
      [member.patientId],
    );
    const p360 = await api(`/api/profiles/${profile_id}`);
    expect(p360.status).toBe(200);
    expect(p360.body.memberships.segments).toContainEqual({
      id: seg.id,
      name: 'Diabetes i 360',
      since: s.clock.now().toISOString(),
    });
    // A planner of the patient's care unit may open the profile but not segments: the list is withheld, not empty.
    const [{ org_ref }] = await s.db.query<{ org_ref: string }>(
      'SELECT org_ref FROM segment_person WHERE patient_id = $1',
      [member.patientId],
    );
    await api('/api/care-units', { json: { id: 'vc-360', name: 'VC 360', refs: [org_ref] } });
    const planner = await api(`/api/profiles/${profile_id}`, {
      headers: await roleAuth(s, 'event-planner', ['vc-360']),
    });
    expect(planner.status).toBe(200);
    expect(planner.body.memberships.segments).toBeNull();
    // Deleting the segment takes it off the profile.
    expect((await api(`/api/segments/${seg.id}`, { method: 'DELETE' })).status).toBe(204);
    const after = await api(`/api/profiles/${profile_id}`);
    expect(after.body.memberships.segments.map((m: { id: string }) => m.id)).not.toContain(seg.id);
  });

  it('copies a template into an editable segment, and duplicates it', async () => {
    const templates = await api('/api/segments/templates');
    expect(templates.body.templates.length).toBeGreaterThanOrEqual(12);
    const t = templates.body.templates[0];
    const res = await api('/api/segments/from-template', { json: { template: t.id } });
    expect(res.status).toBe(201);
    expect(res.body.template).toBe(t.id);
    // The copy is the template's rule, with the rule labels in the editor's default language (Swedish).
    const unlabelled = (d: unknown) =>
      JSON.parse(JSON.stringify(d, (k, v) => (k === 'label' ? undefined : v)));
    expect(unlabelled(res.body.definition)).toEqual(unlabelled(t.definition));
    const copy = await api(`/api/segments/${res.body.id}/duplicate`, { method: 'POST' });
    expect(copy.status).toBe(201);
    expect(copy.body.name).toBe(`${res.body.name} (copy)`);
    expect(copy.body.memberCount).toBe(res.body.memberCount);
    const missing = await api('/api/segments/from-template', { json: { template: 'no-such' } });
    expect(missing.status).toBe(404);
  });

  it('exports members as CSV for roles with segment:export, and audits it', async () => {
    const created = await api('/api/segments', {
      json: { name: 'Alla 90+', definition: { version: 1, root: { kind: 'age', min: 90 } } },
    });
    const res = await api(`/api/segments/${created.body.id}/export`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const lines = res.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('patient_id;profile_id;personnummer;name;birth_date;email;mobile;entered_at');
    expect(lines).toHaveLength(created.body.memberCount + 1);
    const log = await api('/api/audit?action=export&limit=50');
    const exports = log.body.records.filter((r: { resourceType: string }) => r.resourceType === 'Segment');
    expect(exports).toHaveLength(1);
    expect(exports[0].patientIds).toHaveLength(created.body.memberCount);
    const planner = await roleAuth(s, 'event-planner');
    expect((await api(`/api/segments/${created.body.id}/export`, { headers: planner })).status).toBe(403);
    const clinical = await roleAuth(s, 'clinical');
    expect((await api(`/api/segments/${created.body.id}/export`, { headers: clinical })).status).toBe(403);
  });

  it('refuses roles without segment permissions', async () => {
    const planner = await roleAuth(s, 'event-planner');
    expect((await api('/api/segments', { headers: planner })).status).toBe(403);
    const clinical = await roleAuth(s, 'clinical');
    const res = await api('/api/segments', {
      json: { name: 'x', definition: { version: 1, root: { kind: 'age', min: 1 } } },
      headers: clinical,
    });
    expect(res.status).toBe(403);
  });
});

describe('static lists', () => {
  it('resolves personnummer and patient ids, reports the rest, and works as a rule', async () => {
    const people = await s.db.query<{ personnummer: string; external_id: string }>(
      `SELECT p.personnummer, r.external_id FROM patient_profile p JOIN patient_record r ON r.profile_id = p.id
       WHERE r.source = 'ehr' AND p.personnummer IS NOT NULL ORDER BY r.external_id LIMIT 3`,
    );
    const csv = [
      'personnummer',
      people[0].personnummer,
      `${people[1].personnummer.slice(2, 8)}-${people[1].personnummer.slice(8)}`,
      people[2].external_id,
      '19121212-1213',
      'Patient/nobody',
    ].join('\n');
    const res = await api('/api/segment-lists', { json: { name: 'Inbjudna', csv } });
    expect(res.status).toBe(201);
    expect(res.body.size).toBe(3);
    expect(res.body.problems.map((p: { line: number }) => p.line)).toEqual([4, 5]);
    const preview = await api('/api/segments/preview', {
      json: { definition: { version: 1, root: { kind: 'list', listId: res.body.id } }, sample: 0 },
    });
    expect(preview.body.count).toBeLessThanOrEqual(3);
    expect(preview.body.count).toBeGreaterThan(0);
  });

  it('refuses more than 200,000 identifiers', async () => {
    const identifiers = Array.from({ length: 200_001 }, (_, i) => `p${i}`);
    const res = await api('/api/segment-lists', { json: { name: 'För stor', identifiers } });
    expect(res.status).toBe(400);
    expect(res.text).toContain('identifiers');
  });
});
