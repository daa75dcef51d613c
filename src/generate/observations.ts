import { LOINC, quantity, type Resource, ref, round } from './fhir.ts';
import type { Person } from './person.ts';
import { DAY, dateTime } from './time.ts';

const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const LAB = [{ coding: [{ system: CATEGORY, code: 'laboratory', display: 'Laboratory' }] }];
const VITALS = [{ coding: [{ system: CATEGORY, code: 'vital-signs', display: 'Vital Signs' }] }];

/** Share of lab results that look imported from abroad (NGSP % HbA1c, mg/dL lipids). */
const FOREIGN_UNIT_SHARE = 0.05;
const MMOL_TO_MGDL_CHOLESTEROL = 38.67;

/** A person's stable physiology; each measurement varies around it. */
interface Baseline {
  heightM: number;
  bmi: number;
  hba1c: number;
  systolic: number;
  diastolic: number;
  cholesterol: number;
}

export interface Visit {
  encounterId: string;
  startMs: number;
  performerId: string;
}

function baseline(p: Person, statin: boolean): Baseline {
  const { rng, age, male } = p;
  const diabetic = p.conditions.has('diabetes');
  const hypertensive = p.conditions.has('hypertension');
  return {
    heightM: rng.normal(male ? 1.8 : 1.66, 0.07),
    bmi: rng.clampedNormal(diabetic ? 29.5 : 25.8, 4, 17.5, 45),
    hba1c: diabetic ? rng.clampedNormal(56, 10, 44, 88) : rng.clampedNormal(36, 2.5, 30, 40),
    systolic: 112 + 0.45 * Math.max(0, age - 20) + (hypertensive ? 12 : 0) + rng.normal(0, 8),
    diastolic: 70 + 0.12 * Math.max(0, age - 20) + (hypertensive ? 6 : 0) + rng.normal(0, 5),
    cholesterol: rng.clampedNormal(statin ? 4.4 : 5.3, 0.8, 2.8, 8.5),
  };
}

function observation(
  p: Person,
  visit: Visit,
  category: typeof LAB,
  code: string,
  display: string,
  value: Record<string, unknown>,
): Resource {
  const lab = category === LAB;
  return {
    resourceType: 'Observation',
    id: p.newId('Observation'),
    status: 'final',
    category,
    code: { coding: [{ system: LOINC, code, display }] },
    subject: ref('Patient', p.id),
    encounter: ref('Encounter', visit.encounterId),
    effectiveDateTime: dateTime(visit.startMs + 10 * 60_000),
    ...(lab ? { issued: dateTime(visit.startMs + p.rng.int(1, 3) * DAY) } : {}),
    performer: [ref('Practitioner', visit.performerId)],
    ...value,
  };
}

function childWeightKg(age: number): number {
  return age < 1 ? 7 : age <= 12 ? 2.5 * age + 8 : 38 + (age - 12) * 4.5;
}

/** Returns a function that emits the measurements taken at one primary-care visit. */
export function observationsFor(p: Person, statin: boolean): (visit: Visit, out: Resource[]) => void {
  const b = baseline(p, statin);
  const { rng } = p;
  const diabetic = p.conditions.has('diabetes');
  const cardio = diabetic || p.conditions.has('hypertension') || p.conditions.has('heartFailure');

  return (visit, out) => {
    const age = Math.floor((visit.startMs - p.birthMs) / (365.2425 * DAY));
    if (age < 18) {
      if (age >= 1 && rng.chance(0.5)) {
        const kg = round(rng.normal(childWeightKg(age), 2), 1);
        out.push(
          observation(p, visit, VITALS, '29463-7', 'Body weight', { valueQuantity: quantity(kg, 'kg') }),
        );
      }
      return;
    }
    if (rng.chance(cardio ? 0.95 : 0.6)) {
      const sys = Math.round(rng.normal(b.systolic, 9));
      const dia = Math.round(Math.min(sys - 25, rng.normal(b.diastolic, 6)));
      out.push(
        observation(p, visit, VITALS, '85354-9', 'Blood pressure panel with all children optional', {
          component: [
            {
              code: { coding: [{ system: LOINC, code: '8480-6', display: 'Systolic blood pressure' }] },
              valueQuantity: quantity(sys, 'mmHg', 'mm[Hg]'),
            },
            {
              code: { coding: [{ system: LOINC, code: '8462-4', display: 'Diastolic blood pressure' }] },
              valueQuantity: quantity(dia, 'mmHg', 'mm[Hg]'),
            },
          ],
        }),
      );
    }
    if (rng.chance(diabetic ? 0.7 : 0.35)) {
      const bmi = rng.normal(b.bmi, 0.6);
      const kg = round(bmi * b.heightM * b.heightM, 1);
      out.push(
        observation(p, visit, VITALS, '29463-7', 'Body weight', { valueQuantity: quantity(kg, 'kg') }),
      );
      out.push(
        observation(p, visit, VITALS, '39156-5', 'Body mass index (BMI) [Ratio]', {
          valueQuantity: quantity(round(kg / (b.heightM * b.heightM), 1), 'kg/m2'),
        }),
      );
    }
    if (rng.chance(diabetic ? 0.85 : age >= 45 ? 0.1 : 0.03)) {
      const mmol = Math.round(rng.clampedNormal(b.hba1c, diabetic ? 5 : 1.5, 25, 120));
      out.push(
        rng.chance(FOREIGN_UNIT_SHARE)
          ? observation(p, visit, LAB, '4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood', {
              valueQuantity: quantity(round(mmol / 10.929 + 2.15, 1), '%'),
            })
          : observation(
              p,
              visit,
              LAB,
              '59261-8',
              'Hemoglobin A1c/Hemoglobin.total in Blood by IFCC protocol',
              {
                valueQuantity: quantity(mmol, 'mmol/mol'),
              },
            ),
      );
    }
    if (rng.chance(cardio ? 0.35 : age >= 40 ? 0.08 : 0.02)) {
      const total = rng.clampedNormal(b.cholesterol, 0.35, 2.5, 9);
      const ldl = Math.max(0.8, total * 0.62 + rng.normal(0, 0.25));
      if (rng.chance(FOREIGN_UNIT_SHARE)) {
        out.push(
          observation(p, visit, LAB, '2093-3', 'Cholesterol [Mass/volume] in Serum or Plasma', {
            valueQuantity: quantity(Math.round(total * MMOL_TO_MGDL_CHOLESTEROL), 'mg/dL'),
          }),
        );
        out.push(
          observation(
            p,
            visit,
            LAB,
            '18262-6',
            'Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay',
            { valueQuantity: quantity(Math.round(ldl * MMOL_TO_MGDL_CHOLESTEROL), 'mg/dL') },
          ),
        );
      } else {
        out.push(
          observation(p, visit, LAB, '14647-2', 'Cholesterol [Moles/volume] in Serum or Plasma', {
            valueQuantity: quantity(round(total, 1), 'mmol/L'),
          }),
        );
        out.push(
          observation(p, visit, LAB, '22748-8', 'Cholesterol in LDL [Moles/volume] in Serum or Plasma', {
            valueQuantity: quantity(round(ldl, 1), 'mmol/L'),
          }),
        );
      }
    }
  };
}
