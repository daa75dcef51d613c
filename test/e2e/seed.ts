import { createCareUnit } from '../../src/auth/care-units.ts';
import { createUser } from '../../src/auth/users.ts';
import type { TestServer } from '../helpers.ts';

export const PNR_SYSTEM = 'http://electronichealth.se/identifier/personnummer';
export const PASSWORD = 'correct horse battery staple';

/** The Luhn check digit of the nine digits YYMMDDNNN. */
export function luhn(nine: string): string {
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    const d = Number(nine[i]) * (i % 2 === 0 ? 2 : 1);
    sum += d > 9 ? d - 9 : d;
  }
  return String((10 - (sum % 10)) % 10);
}

export interface SeededPatient {
  id: string;
  organizationId: string;
  /** 12 digits */
  personnummer: string;
  name: string;
}

/**
 * One patient at one vårdcentral through a FHIR transaction (as an integration
 * would): the Organization, the Patient, an Encounter the Organization
 * provided, and an HbA1c Observation (LOINC 4548-4) in mmol/mol.
 */
export async function seedPatient(
  s: TestServer,
  p: { given: string; family: string; birth: string; serial: string; org: string; hba1c: number },
): Promise<SeededPatient> {
  const nine = p.birth.replaceAll('-', '').slice(2) + p.serial;
  const personnummer = p.birth.replaceAll('-', '') + p.serial + luhn(nine);
  const bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: 'urn:uuid:5e0d2a64-0000-4000-8000-000000000001',
        resource: { resourceType: 'Organization', active: true, name: p.org },
        request: { method: 'POST', url: 'Organization' },
      },
      {
        fullUrl: 'urn:uuid:5e0d2a64-0000-4000-8000-000000000002',
        resource: {
          resourceType: 'Patient',
          identifier: [{ system: PNR_SYSTEM, value: personnummer }],
          name: [{ use: 'official', family: p.family, given: [p.given] }],
          gender: 'female',
          birthDate: p.birth,
          address: [{ line: ['Storgatan 12'], postalCode: '903 25', city: 'Umeå', country: 'SE' }],
          telecom: [
            { system: 'phone', value: '+46701234567', use: 'mobile' },
            { system: 'email', value: `${p.given.toLowerCase()}@example.se` },
          ],
          managingOrganization: { reference: 'urn:uuid:5e0d2a64-0000-4000-8000-000000000001' },
        },
        request: { method: 'POST', url: 'Patient' },
      },
      {
        fullUrl: 'urn:uuid:5e0d2a64-0000-4000-8000-000000000003',
        resource: {
          resourceType: 'Encounter',
          status: 'finished',
          class: {
            system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
            code: 'AMB',
            display: 'ambulatory',
          },
          type: [{ text: 'Diabetesmottagning' }],
          subject: { reference: 'urn:uuid:5e0d2a64-0000-4000-8000-000000000002' },
          serviceProvider: { reference: 'urn:uuid:5e0d2a64-0000-4000-8000-000000000001' },
          period: { start: '2025-11-03T09:00:00+01:00', end: '2025-11-03T09:30:00+01:00' },
        },
        request: { method: 'POST', url: 'Encounter' },
      },
      {
        fullUrl: 'urn:uuid:5e0d2a64-0000-4000-8000-000000000004',
        resource: {
          resourceType: 'Observation',
          status: 'final',
          category: [
            {
              coding: [
                { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' },
              ],
            },
          ],
          code: {
            coding: [
              {
                system: 'http://loinc.org',
                code: '4548-4',
                display: 'Hemoglobin A1c/Hemoglobin.total in Blood',
              },
            ],
            text: 'HbA1c',
          },
          subject: { reference: 'urn:uuid:5e0d2a64-0000-4000-8000-000000000002' },
          encounter: { reference: 'urn:uuid:5e0d2a64-0000-4000-8000-000000000003' },
          effectiveDateTime: '2025-11-03T09:15:00+01:00',
          valueQuantity: {
            value: p.hba1c,
            unit: 'mmol/mol',
            system: 'http://unitsofmeasure.org',
            code: 'mmol/mol',
          },
        },
        request: { method: 'POST', url: 'Observation' },
      },
    ],
  };
  const res = await fetch(`${s.url}/fhir/R4`, {
    method: 'POST',
    headers: { ...s.auth, 'content-type': 'application/fhir+json' },
    body: JSON.stringify(bundle),
  });
  if (res.status !== 200) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
  const answer = (await res.json()) as { entry: { response: { location: string } }[] };
  const idOf = (i: number) => answer.entry[i].response.location.split('/')[1];
  return { id: idOf(1), organizationId: idOf(0), personnummer, name: `${p.given} ${p.family}` };
}

export interface Seed {
  home: SeededPatient;
  other: SeededPatient;
  users: Record<'admin' | 'clinical' | 'planner', { email: string; name: string }>;
}

/**
 * Two patients at two vårdcentraler; the clinical user and the event planner
 * work at the first, the administrator sees every unit.
 */
export async function seed(s: TestServer): Promise<Seed> {
  const home = await seedPatient(s, {
    given: 'Greta',
    family: 'Lindqvist',
    birth: '1958-03-14',
    serial: '238',
    org: 'Vårdcentralen Norr',
    hba1c: 53,
  });
  const other = await seedPatient(s, {
    given: 'Olle',
    family: 'Bergström',
    birth: '1949-07-02',
    serial: '457',
    org: 'Vårdcentralen Söder',
    hba1c: 71,
  });
  await createCareUnit(s.db, {
    id: 'vc-norr',
    name: 'Vårdcentralen Norr',
    refs: [`Organization/${home.organizationId}`],
  });
  await createCareUnit(s.db, {
    id: 'vc-soder',
    name: 'Vårdcentralen Söder',
    refs: [`Organization/${other.organizationId}`],
  });
  const users = {
    admin: { email: 'astrid.admin@region.example.se', name: 'Astrid Admin' },
    clinical: { email: 'karin.kliniker@region.example.se', name: 'Karin Kliniker' },
    planner: { email: 'erik.evenemang@region.example.se', name: 'Erik Evenemang' },
  };
  await createUser(s.db, s.clock, { ...users.admin, role: 'admin', password: PASSWORD });
  await createUser(s.db, s.clock, {
    ...users.clinical,
    role: 'clinical',
    careUnits: ['vc-norr'],
    password: PASSWORD,
  });
  await createUser(s.db, s.clock, {
    ...users.planner,
    role: 'event-planner',
    careUnits: ['vc-norr'],
    password: PASSWORD,
  });
  return { home, other, users };
}

/** The identifier system the patients module reads personnummer from (src/generate/personnummer.ts). */
export const PNR_OID = 'urn:oid:1.2.752.129.2.1.3.1';

/**
 * A patient written straight to the FHIR store (as the EHR feed would), with a
 * personnummer under the OID system the profile sync reads, an active
 * condition and medication, HbA1c values in mmol/mol (oldest first) and
 * blood pressure readings. Run the profile sync's drain() afterwards.
 */
export async function seedStorePatient(
  s: TestServer,
  p: {
    given: string;
    family: string;
    birth: string;
    serial: string;
    organizationId: string;
    email: string;
    phone: string;
    hba1c: { at: string; value: number }[];
    bloodPressure?: { at: string; systolic: number; diastolic: number }[];
  },
): Promise<SeededPatient> {
  const nine = p.birth.replaceAll('-', '').slice(2) + p.serial;
  const personnummer = p.birth.replaceAll('-', '') + p.serial + luhn(nine);
  const { resource } = await s.store.create({
    resourceType: 'Patient',
    identifier: [{ system: PNR_OID, value: personnummer }],
    name: [{ use: 'official', family: p.family, given: [p.given] }],
    gender: Number(p.serial[2]) % 2 === 0 ? 'female' : 'male',
    birthDate: p.birth,
    address: [{ use: 'home', line: ['Kungsgatan 7'], postalCode: '90325', city: 'Umeå', country: 'SE' }],
    telecom: [
      { system: 'phone', value: p.phone, use: 'mobile' },
      { system: 'email', value: p.email },
    ],
    managingOrganization: { reference: `Organization/${p.organizationId}` },
  });
  const subject = { reference: `Patient/${resource.id}` };
  await s.store.create({
    resourceType: 'Condition',
    clinicalStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
    },
    code: {
      coding: [{ system: 'http://snomed.info/sct', code: '44054006' }],
      text: 'Diabetes mellitus typ 2',
    },
    subject,
    onsetDateTime: '2019-04-02',
  });
  await s.store.create({
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: { text: 'Metformin 500 mg' },
    subject,
    authoredOn: '2019-04-02',
  });
  for (const h of p.hba1c)
    await s.store.create({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '4548-4', display: 'HbA1c' }], text: 'HbA1c' },
      subject,
      effectiveDateTime: h.at,
      valueQuantity: {
        value: h.value,
        unit: 'mmol/mol',
        system: 'http://unitsofmeasure.org',
        code: 'mmol/mol',
      },
    });
  for (const b of p.bloodPressure ?? [])
    await s.store.create({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }], text: 'Blodtryck' },
      subject,
      effectiveDateTime: b.at,
      component: [
        {
          code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
          valueQuantity: {
            value: b.systolic,
            unit: 'mm[Hg]',
            system: 'http://unitsofmeasure.org',
            code: 'mm[Hg]',
          },
        },
        {
          code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] },
          valueQuantity: {
            value: b.diastolic,
            unit: 'mm[Hg]',
            system: 'http://unitsofmeasure.org',
            code: 'mm[Hg]',
          },
        },
      ],
    });
  return {
    id: resource.id!,
    organizationId: p.organizationId,
    personnummer,
    name: `${p.given} ${p.family}`,
  };
}
