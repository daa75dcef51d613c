import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ContactCsvResult, readContactCsv } from '../patients/csv/rows.ts';
import { normalisePostalCode } from '../patients/match/normalise.ts';
import { generateNoisyContacts, type NoisyContactsSummary } from './contacts.ts';
import type { Resource } from './fhir.ts';
import { createPopulation } from './population.ts';

const AS_OF = new Date('2026-11-01T00:00:00Z');
const SEED = 'contacts';
const PATIENTS = 3000;
let root: string;
let summary: NoisyContactsSummary;
let patients: Map<string, Resource>;
let truth: Array<{ source: string; externalId: string; personId: string; noise: string }>;
let crm: ContactCsvResult;
let events: ContactCsvResult;
let progress: Array<[number, number]>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'outreach-contacts-'));
  progress = [];
  summary = await generateNoisyContacts({
    patients: PATIENTS,
    seed: SEED,
    asOf: AS_OF,
    outDir: join(root, 'a'),
    onProgress: (done, total) => progress.push([done, total]),
  });
  const population = createPopulation(SEED, AS_OF);
  patients = new Map();
  for (let i = 0; i < PATIENTS; i++) {
    const patient = population.patient(i)[0];
    patients.set(patient.id as string, patient);
  }
  truth = parse(await readFile(summary.files.truth), { columns: true });
  crm = readContactCsv(await readFile(summary.files.crm), { source: 'crm', at: AS_OF });
  events = readContactCsv(await readFile(summary.files.events), { source: 'events', at: AS_OF });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface PatientData {
  given: string[];
  family: string;
  personnummer: string;
  birthDate: string;
  email: string;
  phone: string;
  street: string;
  postalCode: string;
  city: string;
}

function dataOf(p: Resource): PatientData {
  const name = (p.name as Array<{ given: string[]; family: string }>)[0];
  const telecom = (p.telecom ?? []) as Array<{ system: string; value: string }>;
  const address = (p.address as Array<{ line: string[]; postalCode: string; city: string }>)[0];
  return {
    given: name.given,
    family: name.family,
    personnummer: (p.identifier as Array<{ value: string }>)[0].value,
    birthDate: p.birthDate as string,
    email: telecom.find((t) => t.system === 'email')?.value ?? '',
    phone: telecom.find((t) => t.system === 'phone')?.value ?? '',
    street: address.line[0],
    postalCode: address.postalCode,
    city: address.city,
  };
}

const truthOf = (source: string) =>
  new Map(truth.filter((t) => t.source === source).map((t) => [t.externalId, t]));

describe('generateNoisyContacts', () => {
  it('writes the same bytes for the same seed, other bytes for another', async () => {
    const again = await generateNoisyContacts({
      patients: 400,
      seed: SEED,
      asOf: AS_OF,
      outDir: join(root, 'b'),
    });
    const third = await generateNoisyContacts({
      patients: 400,
      seed: SEED,
      asOf: AS_OF,
      outDir: join(root, 'c'),
    });
    const other = await generateNoisyContacts({
      patients: 400,
      seed: 'other',
      asOf: AS_OF,
      outDir: join(root, 'd'),
    });
    for (const key of ['crm', 'events', 'truth'] as const) {
      const bytes = await readFile(again.files[key]);
      expect(bytes.equals(await readFile(third.files[key])), key).toBe(true);
      expect(bytes.equals(await readFile(other.files[key])), key).toBe(false);
    }
  });

  it('has a truth row for every data row, with the ids the importer computes', () => {
    expect(crm.errors).toEqual([]);
    expect(events.errors).toEqual([]);
    expect(crm.rows).toHaveLength(summary.rows.crm);
    expect(events.rows).toHaveLength(summary.rows.events);
    expect(truth).toHaveLength(summary.rows.crm + summary.rows.events);
    const crmTruth = truthOf('crm');
    const eventTruth = truthOf('events');
    expect(crmTruth.size).toBe(summary.rows.crm);
    expect(eventTruth.size).toBe(summary.rows.events);
    for (const r of crm.rows) expect(crmTruth.has(r.record.externalId)).toBe(true);
    for (const r of events.rows) expect(eventTruth.has(r.record.externalId)).toBe(true);
    for (const t of truth) {
      if (!t.personId.startsWith('household:')) expect(patients.has(t.personId), t.personId).toBe(true);
    }
    const people = new Set(truth.map((t) => t.personId));
    expect(people.size).toBe(summary.persons);
    expect(progress.at(-1)).toEqual([PATIENTS, PATIENTS]);
  });

  it('writes CRM rows without noise exactly as the Patient resource has the data', async () => {
    const rows: string[][] = parse(await readFile(summary.files.crm), { from_line: 2 });
    const crmTruth = truthOf('crm');
    let clean = 0;
    for (const cells of rows) {
      const t = crmTruth.get(cells[0])!;
      if (t.noise !== '') continue;
      clean++;
      const p = dataOf(patients.get(t.personId)!);
      expect(cells.slice(1)).toEqual([
        p.given.join(' '),
        p.family,
        p.personnummer,
        p.birthDate,
        p.email,
        p.phone,
        p.street,
        p.postalCode,
        p.city,
      ]);
    }
    // A clean row needs a 12-digit personnummer, the stored phone form and no other noise: a few percent.
    expect(clean).toBeGreaterThan(rows.length / 50);
  });

  it('only reformats, in rows whose noise is formatting, what the importer normalises back', () => {
    const formatting = new Set(['personnummer-format', 'phone-format', 'email-format']);
    for (const [result, source] of [
      [crm, 'crm'],
      [events, 'events'],
    ] as const) {
      const bySource = truthOf(source);
      let checked = 0;
      for (const { record } of result.rows) {
        const t = bySource.get(record.externalId)!;
        const noise = t.noise.split(' ').filter((n) => n !== '');
        if (t.personId.startsWith('household:') || noise.some((n) => !formatting.has(n))) continue;
        checked++;
        const p = dataOf(patients.get(t.personId)!);
        expect(record).toMatchObject({
          given: p.given.join(' ').split(' '),
          family: p.family,
          birthDate: p.birthDate,
          emails: p.email ? [p.email] : [],
          phones: p.phone ? [p.phone] : [],
        });
        expect(record.addresses[0].postalCode).toBe(normalisePostalCode(p.postalCode));
        if (source === 'crm') expect(record.personnummer).toBe(p.personnummer);
      }
      expect(checked).toBeGreaterThan(result.rows.length / 10);
    }
  });

  it("adds household members who share a patient's phone and address but not birth date or name", () => {
    const byPhone = new Map<string, PatientData>();
    for (const p of patients.values()) {
      const d = dataOf(p);
      if (d.phone) byPhone.set(d.phone, d);
    }
    const ids = { crm: truthOf('crm'), events: truthOf('events') };
    const households = [...crm.rows, ...events.rows].filter((r) =>
      ids[r.record.source as 'crm' | 'events'].get(r.record.externalId)!.personId.startsWith('household:'),
    );
    expect(households.length).toBeGreaterThan(PATIENTS * 0.02);
    for (const { record } of households) {
      expect(record.personnummer).toBeUndefined();
      const person = byPhone.get(record.phones[0])!;
      expect(person, record.phones[0]).toBeDefined();
      expect(record.family).toBe(person.family);
      expect(record.birthDate).not.toBe(person.birthDate);
      expect(record.given[0]).not.toBe(person.given[0]);
      expect(record.addresses[0].postalCode).toBe(normalisePostalCode(person.postalCode));
    }
  });

  it('writes events.csv as Windows-1252 with semicolons and Swedish headers', async () => {
    const bytes = await readFile(summary.files.events);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    const text = new TextDecoder('windows-1252').decode(bytes);
    expect(text.split('\r\n')[0]).toBe(
      'Förnamn;Efternamn;Personnummer;Födelsedatum;E-post;Mobil;Postnummer;Ort',
    );
    expect(events.encoding).toBe('windows-1252');
    expect(events.delimiter).toBe(';');
    expect(crm.encoding).toBe('utf-8');
    expect(crm.delimiter).toBe(',');
  });

  it('has the documented amounts of noise', () => {
    const share = (source: string, kind: string) => {
      const rows = truth.filter((t) => t.source === source && !t.personId.startsWith('household:'));
      return rows.filter((t) => t.noise.split(' ').includes(kind)).length / rows.length;
    };
    expect(summary.rows.crm / PATIENTS).toBeCloseTo(0.6 + 0.05 * 0.85 * (0.6 / 0.9), 1);
    expect(share('crm', 'no-personnummer')).toBeCloseTo(0.4, 1);
    expect(share('events', 'no-personnummer')).toBeCloseTo(0.8, 1);
    expect(share('crm', 'old-address')).toBeCloseTo(0.15, 1);
    const typos = share('crm', 'typo-given') + share('crm', 'typo-family');
    expect(typos).toBeGreaterThan(0.05);
    expect(typos).toBeLessThan(0.11);
    expect(share('events', 'second-signup')).toBeGreaterThan(0.02);
    expect(truth.some((t) => t.noise.includes('typo-given') && t.noise.includes('typo-family'))).toBe(false);
  });
});
