import { ATC, CVX, LOINC, type Resource, ref, SNOMED } from './fhir.ts';
import type { Person } from './person.ts';
import type { CareSite } from './reference.ts';
import { DAY, dateTime, officeHours, YEAR } from './time.ts';

// Participation is a trait of the person (most people always attend, some never), which
// is what makes "women 40–74 without a mammography in 24 months" a meaningful segment.
// Each rate below is attenders × their per-round attendance + the rest × theirs; the
// resulting participation is stated in docs/generator.md.

interface Programme {
  male: boolean | undefined;
  fromAge: number;
  toAge: number;
  intervalYears: (age: number) => number;
  attenderShare: number;
  attenderRate: number;
  otherRate: number;
}

const MAMMOGRAPHY: Programme = {
  male: false,
  fromAge: 40,
  toAge: 74,
  intervalYears: () => 2,
  attenderShare: 0.82,
  attenderRate: 0.95,
  otherRate: 0.15,
};
const CERVICAL: Programme = {
  male: false,
  fromAge: 23,
  toAge: 64,
  intervalYears: (age) => (age < 50 ? 3 : 7),
  attenderShare: 0.82,
  attenderRate: 0.95,
  otherRate: 0.1,
};
const COLORECTAL: Programme = {
  male: undefined,
  fromAge: 60,
  toAge: 74,
  intervalYears: () => 2,
  attenderShare: 0.68,
  attenderRate: 0.93,
  otherRate: 0.1,
};

/** Invitation dates within the history window at which the person was eligible, and whether they came. */
function rounds(p: Person, prog: Programme): number[] {
  if (prog.male !== undefined && prog.male !== p.male) return [];
  const { rng } = p;
  const rate = rng.chance(prog.attenderShare) ? prog.attenderRate : prog.otherRate;
  const attended: number[] = [];
  let t = p.historyStartMs - rng.next() * prog.intervalYears(p.age) * YEAR;
  while (t < p.endMs) {
    const age = (t - p.birthMs) / YEAR;
    if (t >= p.historyStartMs && age >= prog.fromAge && age < prog.toAge + 1 && rng.chance(rate))
      attended.push(t);
    t += prog.intervalYears(age) * YEAR + rng.int(-30, 30) * DAY;
  }
  return attended;
}

function procedure(
  p: Person,
  code: string,
  display: string,
  text: string,
  atMs: number,
  site: CareSite,
): Resource {
  return {
    resourceType: 'Procedure',
    id: p.newId('Procedure'),
    status: 'completed',
    category: { coding: [{ system: SNOMED, code: '103693007', display: 'Diagnostic procedure' }] },
    code: { coding: [{ system: SNOMED, code, display }], text },
    subject: ref('Patient', p.id),
    performedDateTime: dateTime(atMs),
    location: ref('Location', site.locationId, site.name),
  };
}

export function addScreenings(p: Person, out: Resource[]): void {
  for (const t of rounds(p, MAMMOGRAPHY)) {
    const at = officeHours(t, p.rng.int(0, 31));
    if (at < p.endMs)
      out.push(procedure(p, '71651007', 'Mammography', 'Mammografiscreening', at, p.region.hospital));
  }
  for (const t of rounds(p, CERVICAL)) {
    const at = officeHours(t, p.rng.int(0, 31));
    if (at < p.endMs)
      out.push(
        procedure(
          p,
          '171149006',
          'Screening for malignant neoplasm of cervix',
          'Cellprovtagning',
          at,
          p.centre,
        ),
      );
  }
  for (const t of rounds(p, COLORECTAL)) {
    const positive = p.rng.chance(0.04);
    out.push({
      resourceType: 'Observation',
      id: p.newId('Observation'),
      status: 'final',
      category: [
        {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/observation-category',
              code: 'laboratory',
              display: 'Laboratory',
            },
          ],
        },
      ],
      code: {
        coding: [
          {
            system: LOINC,
            code: '29771-3',
            display: 'Hemoglobin.gastrointestinal [Presence] in Stool by Immunoassay',
          },
        ],
        text: 'Tarmcancerscreening (FIT)',
      },
      subject: ref('Patient', p.id),
      effectiveDateTime: dateTime(Math.min(t, p.endMs - DAY)),
      valueCodeableConcept: {
        coding: [
          positive
            ? { system: SNOMED, code: '10828004', display: 'Positive' }
            : { system: SNOMED, code: '260385009', display: 'Negative' },
        ],
      },
    });
  }
}

const INFLUENZA = [
  { system: CVX, code: '141', display: 'Influenza, seasonal, injectable' },
  { system: ATC, code: 'J07BB02', display: 'influenza, inactivated, split virus or surface antigen' },
];
const PNEUMOCOCCAL = [
  { system: CVX, code: '33', display: 'pneumococcal polysaccharide vaccine, 23 valent' },
  { system: ATC, code: 'J07AL01', display: 'pneumococcus, purified polysaccharides antigen' },
];

function immunization(p: Person, coding: typeof INFLUENZA, text: string, atMs: number): Resource {
  const nurse = p.rng.pick(p.centre.nurses);
  return {
    resourceType: 'Immunization',
    id: p.newId('Immunization'),
    status: 'completed',
    vaccineCode: { coding, text },
    patient: ref('Patient', p.id),
    occurrenceDateTime: dateTime(atMs),
    primarySource: true,
    location: ref('Location', p.centre.locationId, p.centre.name),
    performer: [{ actor: ref('Practitioner', nurse.id, nurse.display) }],
  };
}

/** Seasonal influenza (recommended from 65 and for risk groups) and pneumococcal vaccination. */
export function addImmunizations(p: Person, out: Resource[]): void {
  const { rng } = p;
  const riskGroup = p.conditions.size > 0 && !(p.conditions.size === 1 && p.conditions.has('hypertension'));
  const regular = rng.chance(0.58);
  const firstYear = new Date(p.historyStartMs).getUTCFullYear();
  const lastYear = new Date(p.endMs).getUTCFullYear();
  for (let year = firstYear; year <= lastYear; year++) {
    const at = officeHours(Date.UTC(year, 9, 15) + rng.int(0, 75) * DAY, rng.int(0, 31));
    if (at < p.historyStartMs || at >= p.endMs) continue;
    const age = (at - p.birthMs) / YEAR;
    const p65 = regular ? 0.92 : 0.05;
    const share = age >= 65 ? p65 : age >= 18 && riskGroup ? 0.35 : 0;
    if (rng.chance(share)) out.push(immunization(p, INFLUENZA, 'Influensavaccin', at));
  }
  const at65 = p.birthMs + 65 * YEAR;
  if (p.age >= 65 && rng.chance(0.3)) {
    const from = Math.max(at65, p.historyStartMs);
    const at = officeHours(from + rng.next() * (p.endMs - from), rng.int(0, 31));
    if (at < p.endMs) out.push(immunization(p, PNEUMOCOCCAL, 'Pneumokockvaccin', at));
  }
}
