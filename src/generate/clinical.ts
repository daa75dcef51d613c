import { ATC, ICD10_SE, type Resource, ref, SNOMED } from './fhir.ts';
import type { ConditionKey, Person } from './person.ts';
import { DAY, dateTime, YEAR } from './time.ts';

interface ConditionDef {
  key: ConditionKey;
  snomed: string;
  display: string;
  icd: string;
  icdDisplay: string;
  text: string;
  minOnsetAge: number;
  /** Share of people of this age and sex who have the condition (see docs/generator.md). */
  prevalence: (age: number, male: boolean) => number;
}

/** Piecewise-constant lookup: steps are [fromAge, share] in ascending order. */
function byAge(steps: ReadonlyArray<readonly [number, number]>): (age: number) => number {
  return (age) => {
    let share = 0;
    for (const [from, p] of steps) if (age >= from) share = p;
    return share;
  };
}

// biome-ignore format: [from age, share]
const diabetesByAge = byAge([[18, 0.003], [30, 0.008], [40, 0.025], [50, 0.06], [60, 0.11], [70, 0.15], [80, 0.14]]);
// biome-ignore format: [from age, share]
const hypertensionByAge = byAge([[18, 0.02], [30, 0.05], [40, 0.12], [50, 0.24], [60, 0.4], [70, 0.55], [80, 0.65]]);
// biome-ignore format: [from age, share]
const copdByAge = byAge([[30, 0.002], [40, 0.01], [50, 0.03], [60, 0.06], [70, 0.09], [80, 0.1]]);
// biome-ignore format: [from age, share]
const heartFailureByAge = byAge([[30, 0.001], [50, 0.006], [65, 0.025], [75, 0.08], [85, 0.17]]);

export const CONDITIONS: readonly ConditionDef[] = [
  {
    key: 'diabetes',
    snomed: '44054006',
    display: 'Diabetes mellitus type 2',
    icd: 'E11',
    icdDisplay: 'Diabetes mellitus typ 2',
    text: 'Typ 2-diabetes',
    minOnsetAge: 30,
    prevalence: (age, male) => diabetesByAge(age) * (male ? 1.2 : 0.8),
  },
  {
    key: 'hypertension',
    snomed: '38341003',
    display: 'Hypertensive disorder, systemic arterial',
    icd: 'I10',
    icdDisplay: 'Essentiell hypertoni',
    text: 'Hypertoni',
    minOnsetAge: 25,
    prevalence: (age) => hypertensionByAge(age),
  },
  {
    key: 'asthma',
    snomed: '195967001',
    display: 'Asthma',
    icd: 'J45',
    icdDisplay: 'Astma',
    text: 'Astma',
    minOnsetAge: 3,
    prevalence: (age) => (age < 3 ? 0 : age < 18 ? 0.08 : 0.09),
  },
  {
    key: 'copd',
    snomed: '13645005',
    display: 'Chronic obstructive lung disease',
    icd: 'J44',
    icdDisplay: 'Annan kronisk obstruktiv lungsjukdom',
    text: 'KOL',
    minOnsetAge: 40,
    prevalence: (age, male) => copdByAge(age) * (male ? 0.95 : 1.05),
  },
  {
    key: 'heartFailure',
    snomed: '84114007',
    display: 'Heart failure',
    icd: 'I50',
    icdDisplay: 'Hjärtsvikt',
    text: 'Hjärtsvikt',
    minOnsetAge: 50,
    prevalence: (age, male) => heartFailureByAge(age) * (male ? 1.15 : 0.85),
  },
];

const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';

/** Decides the person's chronic conditions and emits a Condition for each. */
export function addConditions(p: Person, out: Resource[]): void {
  const { rng } = p;
  for (const def of CONDITIONS) {
    let share = def.prevalence(p.age, p.male);
    // Diabetes and hypertension travel together; most Swedish diabetics are treated for blood pressure.
    if (def.key === 'hypertension' && p.conditions.has('diabetes')) share = Math.max(share, 0.7);
    if (!rng.chance(share)) continue;
    const minAge = Math.min(def.minOnsetAge, p.age);
    const onsetAge = rng.between(Math.max(minAge, p.age - 25), p.age + 0.999);
    const onsetMs = Math.min(p.endMs - DAY, Math.floor(p.birthMs + onsetAge * YEAR));
    const id = p.newId('Condition');
    p.conditions.set(def.key, { id, onsetMs });
    const remission = def.key === 'asthma' && rng.chance(0.1);
    out.push({
      resourceType: 'Condition',
      id,
      clinicalStatus: { coding: [{ system: CLINICAL, code: remission ? 'remission' : 'active' }] },
      verificationStatus: { coding: [{ system: VERIFICATION, code: 'confirmed' }] },
      category: [
        {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/condition-category',
              code: 'problem-list-item',
              display: 'Problem List Item',
            },
          ],
        },
      ],
      code: {
        coding: [
          { system: SNOMED, code: def.snomed, display: def.display },
          { system: ICD10_SE, code: def.icd, display: def.icdDisplay },
        ],
        text: def.text,
      },
      subject: ref('Patient', p.id),
      onsetDateTime: dateTime(onsetMs),
      recordedDate: dateTime(Math.min(p.endMs, onsetMs + rng.int(0, 30) * DAY)),
      recorder: ref('Practitioner', p.gp.id),
    });
  }
}

interface Drug {
  atc: string;
  display: string;
  dosage: string;
}

const METFORMIN: Drug = {
  atc: 'A10BA02',
  display: 'metformin',
  dosage: 'Metformin 500 mg, 1 tablett 2 gånger dagligen',
};
const STATIN: Drug = {
  atc: 'C10AA01',
  display: 'simvastatin',
  dosage: 'Simvastatin 20 mg, 1 tablett till kvällen',
};
const INHALER: Drug = {
  atc: 'R03AK07',
  display: 'formoterol and budesonide',
  dosage: 'Budesonid/formoterol 160/4,5 µg, 1 inhalation 2 gånger dagligen',
};
const ANTIHYPERTENSIVES: readonly Drug[] = [
  { atc: 'C09AA05', display: 'ramipril', dosage: 'Ramipril 5 mg, 1 tablett dagligen' },
  { atc: 'C09CA01', display: 'losartan', dosage: 'Losartan 50 mg, 1 tablett dagligen' },
  { atc: 'C08CA01', display: 'amlodipine', dosage: 'Amlodipin 5 mg, 1 tablett dagligen' },
];

/** Treatment shares are assumptions; see docs/generator.md. */
function treatments(p: Person): Array<{ drug: Drug; since: number; reason: string }> {
  const { rng, conditions } = p;
  const list: Array<{ drug: Drug; since: number; reason: string }> = [];
  const diabetes = conditions.get('diabetes');
  const hypertension = conditions.get('hypertension');
  const heartFailure = conditions.get('heartFailure');
  const lung = conditions.get('copd') ?? conditions.get('asthma');
  if (diabetes && rng.chance(0.85))
    list.push({ drug: METFORMIN, since: diabetes.onsetMs, reason: diabetes.id });
  const bp = hypertension ?? heartFailure;
  if (bp && rng.chance(hypertension ? 0.8 : 0.7)) {
    const drug = heartFailure ? ANTIHYPERTENSIVES[0] : rng.pick(ANTIHYPERTENSIVES);
    list.push({ drug, since: bp.onsetMs, reason: bp.id });
  }
  const cardiovascular = diabetes ?? (p.age >= 50 ? hypertension : undefined);
  if (cardiovascular && rng.chance(diabetes ? 0.6 : 0.3)) {
    list.push({ drug: STATIN, since: cardiovascular.onsetMs, reason: cardiovascular.id });
  }
  if (lung && rng.chance(0.7)) list.push({ drug: INHALER, since: lung.onsetMs, reason: lung.id });
  return list;
}

/** One prescription per year of treatment in the history window (Swedish prescriptions last a year). */
export function addMedications(p: Person, out: Resource[]): { statin: boolean } {
  const { rng } = p;
  let statin = false;
  for (const t of treatments(p)) {
    if (t.drug === STATIN) statin = true;
    let authored = Math.max(t.since, p.historyStartMs) + rng.int(0, 20) * DAY;
    while (authored < p.endMs) {
      const next = authored + YEAR + rng.int(-20, 20) * DAY;
      const current = next >= p.endMs;
      out.push({
        resourceType: 'MedicationRequest',
        id: p.newId('MedicationRequest'),
        status: current ? (p.deathMs !== undefined ? 'stopped' : 'active') : 'completed',
        intent: 'order',
        medicationCodeableConcept: { coding: [{ system: ATC, code: t.drug.atc, display: t.drug.display }] },
        subject: ref('Patient', p.id),
        authoredOn: dateTime(authored),
        requester: ref('Practitioner', p.gp.id),
        reasonReference: [ref('Condition', t.reason)],
        dosageInstruction: [{ text: t.drug.dosage }],
        dispenseRequest: {
          validityPeriod: {
            start: dateTime(authored).slice(0, 10),
            end: dateTime(authored + YEAR).slice(0, 10),
          },
        },
      });
      authored = next;
    }
  }
  return { statin };
}
