import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Resource } from './fhir.ts';
import { generatePopulation } from './index.ts';
import { parsePersonnummer } from './personnummer.ts';
import { readOutput } from './read-output.ts';

const AS_OF = new Date('2026-11-01T00:00:00Z');
const YEAR_MS = 365.2425 * 86_400_000;
let root: string;
let out: Map<string, Resource[]>;
const all = (type: string) => out.get(type) ?? [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'outreach-generate-'));
  await generatePopulation({ patients: 2000, seed: 'prevalence', outDir: join(root, 'n2000') });
  out = await readOutput(join(root, 'n2000'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function patientId(r: Resource): string {
  const subject = (r.subject ?? r.patient) as { reference: string };
  return subject.reference.slice('Patient/'.length);
}

function ageAtEnd(p: Resource): number {
  const end = p.deceasedDateTime ? Date.parse(p.deceasedDateTime as string) : AS_OF.getTime();
  return (end - Date.parse(p.birthDate as string)) / YEAR_MS;
}

describe('generatePopulation', () => {
  it('gives every patient a valid personnummer whose sex digit matches the gender', () => {
    const patients = all('Patient');
    expect(patients).toHaveLength(2000);
    const values = new Set<string>();
    for (const p of patients) {
      const id = (p.identifier as Array<{ system: string; value: string }>)[0];
      const parsed = parsePersonnummer(id.value);
      expect(parsed, id.value).toBeDefined();
      expect(parsed!.male ? 'male' : 'female').toBe(p.gender);
      expect(parsed!.birthDate).toBe(p.birthDate);
      expect(id.system).toBe(
        parsed!.coordination ? 'urn:oid:1.2.752.129.2.1.3.3' : 'urn:oid:1.2.752.129.2.1.3.1',
      );
      values.add(id.value);
    }
    expect(values.size).toBe(2000);
  });

  it('writes the same bytes for the same seed and different bytes for another seed', async () => {
    const run = async (name: string, seed: string) => {
      const summary = await generatePopulation({ patients: 150, seed, outDir: join(root, name) });
      return Promise.all(summary.files.map((f) => readFile(f, 'utf8')));
    };
    const a = await run('a', 'same');
    const b = await run('b', 'same');
    const c = await run('c', 'other');
    expect(b).toEqual(a);
    expect(c[0]).not.toEqual(a[0]);
  });

  it('resolves every reference to a resource in the output', () => {
    const ids = new Set<string>();
    for (const [type, list] of out) for (const r of list) ids.add(`${type}/${r.id}`);
    const missing: string[] = [];
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === 'object') {
        for (const [key, v] of Object.entries(value)) {
          if (key === 'reference' && typeof v === 'string' && !ids.has(v)) missing.push(v);
          else visit(v);
        }
      }
    };
    for (const list of out.values()) list.forEach(visit);
    expect(missing).toEqual([]);
  });

  it('gives adults chronic conditions at about Swedish prevalence', () => {
    const adults = new Set(
      all('Patient')
        .filter((p) => ageAtEnd(p) >= 18)
        .map((p) => p.id),
    );
    const share = (snomed: string) => {
      const ill = new Set(
        all('Condition')
          .filter((c) => (c.code as { coding: Array<{ code: string }> }).coding[0].code === snomed)
          .map(patientId)
          .filter((id) => adults.has(id)),
      );
      return ill.size / adults.size;
    };
    expect(share('44054006')).toBeGreaterThan(0.035);
    expect(share('44054006')).toBeLessThan(0.08);
    expect(share('38341003')).toBeGreaterThan(0.2);
    expect(share('38341003')).toBeLessThan(0.31);
    expect(share('195967001')).toBeGreaterThan(0.065);
    expect(share('195967001')).toBeLessThan(0.12);
    expect(share('13645005')).toBeGreaterThan(0.02);
    expect(share('13645005')).toBeLessThan(0.055);
    expect(share('84114007')).toBeGreaterThan(0.008);
    expect(share('84114007')).toBeLessThan(0.035);
  });

  it('screens and vaccinates at about Swedish participation', () => {
    const living = all('Patient').filter((p) => !p.deceasedDateTime);
    const since = (years: number) => AS_OF.getTime() - years * YEAR_MS;
    const women = living.filter((p) => p.gender === 'female' && ageAtEnd(p) >= 42 && ageAtEnd(p) < 74);
    const mammo = new Set(
      all('Procedure')
        .filter(
          (r) =>
            JSON.stringify(r.code).includes('71651007') &&
            Date.parse(r.performedDateTime as string) > since(2.2),
        )
        .map(patientId),
    );
    const mammoShare = women.filter((p) => mammo.has(p.id)).length / women.length;
    expect(mammoShare).toBeGreaterThan(0.65);
    expect(mammoShare).toBeLessThan(0.9);

    const seniors = living.filter((p) => ageAtEnd(p) >= 66);
    const flu = new Set(
      all('Immunization')
        .filter(
          (r) =>
            JSON.stringify(r.vaccineCode).includes('"141"') &&
            Date.parse(r.occurrenceDateTime as string) > since(1),
        )
        .map(patientId),
    );
    const fluShare = seniors.filter((p) => flu.has(p.id)).length / seniors.length;
    expect(fluShare).toBeGreaterThan(0.42);
    expect(fluShare).toBeLessThan(0.68);
  });

  it('books future appointments and records about 3–5 % no-shows in the past', () => {
    const appointments = all('Appointment');
    const past = appointments.filter((a) => Date.parse(a.start as string) < AS_OF.getTime());
    const future = appointments.filter((a) => Date.parse(a.start as string) >= AS_OF.getTime());
    expect(future.every((a) => a.status === 'booked' || a.status === 'cancelled')).toBe(true);
    expect(future.filter((a) => a.status === 'booked').length).toBeGreaterThan(100);
    const noshow = past.filter((a) => a.status === 'noshow').length / past.length;
    expect(noshow).toBeGreaterThan(0.02);
    expect(noshow).toBeLessThan(0.06);
  });

  it('records nothing after death or after asOf, except future appointments', () => {
    const end = new Map(
      all('Patient').map((p) => [
        p.id,
        p.deceasedDateTime ? Date.parse(p.deceasedDateTime as string) : AS_OF.getTime(),
      ]),
    );
    const late: string[] = [];
    for (const [type, list] of out) {
      if (type === 'Appointment' || !list[0] || !('subject' in list[0] || 'patient' in list[0])) continue;
      for (const r of list) {
        const when = (r.effectiveDateTime ??
          r.performedDateTime ??
          r.occurrenceDateTime ??
          r.authoredOn ??
          r.dateTime ??
          r.onsetDateTime ??
          (r.period as { end?: string } | undefined)?.end) as string | undefined;
        if (when && Date.parse(when) > end.get(patientId(r))!) late.push(`${type}/${r.id} ${when}`);
      }
    }
    expect(late).toEqual([]);
    const dead = new Set(
      all('Patient')
        .filter((p) => p.deceasedDateTime)
        .map((p) => p.id),
    );
    const afterDeath = all('Appointment').filter(
      (a) =>
        a.status === 'booked' &&
        (a.participant as Array<{ actor: { reference: string } }>).some((x) =>
          dead.has(x.actor.reference.slice(8)),
        ),
    );
    expect(afterDeath).toEqual([]);
  });

  it('reports HbA1c mostly in mmol/mol with diabetic values above the non-diabetic range', () => {
    const diabetics = new Set(
      all('Condition')
        .filter((c) => JSON.stringify(c.code).includes('44054006'))
        .map(patientId),
    );
    const hba1c = all('Observation').filter((o) => /"(59261-8|4548-4)"/.test(JSON.stringify(o.code)));
    const ifcc = hba1c.filter((o) => JSON.stringify(o.code).includes('59261-8'));
    expect(ifcc.length / hba1c.length).toBeGreaterThan(0.9);
    const values = (ids: (id: string) => boolean) =>
      ifcc.filter((o) => ids(patientId(o))).map((o) => (o.valueQuantity as { value: number }).value);
    const diabetic = values((id) => diabetics.has(id));
    const other = values((id) => !diabetics.has(id));
    expect(Math.min(...diabetic)).toBeGreaterThanOrEqual(30);
    expect(diabetic.filter((v) => v >= 45 && v <= 95).length / diabetic.length).toBeGreaterThan(0.85);
    expect(other.every((v) => v >= 25 && v <= 45)).toBe(true);
  });

  it('keeps the output proportional to the number of patients and free of versionIds', async () => {
    const summary = await generatePopulation({ patients: 40, seed: 'small', outDir: join(root, 'n40') });
    const total = Object.values(summary.resources).reduce((a, b) => a + b, 0);
    const reference = ['Organization', 'Location', 'Practitioner', 'PractitionerRole'].reduce(
      (sum, t) => sum + (summary.resources[t] ?? 0),
      0,
    );
    expect(summary.resources.Patient).toBe(40);
    expect(total - reference).toBeGreaterThan(40 * 5);
    expect(total - reference).toBeLessThan(40 * 120);
    for (const list of out.values())
      for (const r of list) expect((r.meta as { versionId?: string } | undefined)?.versionId).toBeUndefined();
  });
});

describe('generatePatients', () => {
  it('gives the same Patient resources as the full generator', async () => {
    const { generatePatients, generateResources } = await import('./index.ts');
    const full = [...generateResources({ patients: 40, seed: 'same' })].filter(
      (r) => r.resourceType === 'Patient',
    );
    expect([...generatePatients({ patients: 40, seed: 'same' })]).toEqual(full);
  });
});
