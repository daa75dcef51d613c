import type { Node } from '../definition.ts';
import { hasCondition } from './nodes.ts';
import type { SegmentTemplate } from './types.ts';
import {
  ASTHMA_ICD,
  ASTHMA_SNOMED,
  CKD_ICD,
  CKD_SNOMED,
  COPD_ICD,
  COPD_SNOMED,
  DIABETES_ICD,
  DIABETES_SNOMED,
  filters,
  HEART_FAILURE_ICD,
  HEART_FAILURE_SNOMED,
  INFLUENZA_ATC,
  INFLUENZA_CVX,
  listed,
  PNEUMOCOCCAL_ATC,
  PNEUMOCOCCAL_CVX,
} from './value-sets.ts';

/** The influenza season starts on 1 October: a dose given before it belongs to the last season. */
export const FLU_SEASON_START = { month: 10, day: 1 } as const;

const INFLUENZA_RISK = [
  DIABETES_ICD,
  DIABETES_SNOMED,
  COPD_ICD,
  COPD_SNOMED,
  ASTHMA_ICD,
  ASTHMA_SNOMED,
  HEART_FAILURE_ICD,
  HEART_FAILURE_SNOMED,
  CKD_ICD,
  CKD_SNOMED,
];
const PNEUMOCOCCAL_RISK = [
  DIABETES_ICD,
  DIABETES_SNOMED,
  COPD_ICD,
  COPD_SNOMED,
  HEART_FAILURE_ICD,
  HEART_FAILURE_SNOMED,
  CKD_ICD,
  CKD_SNOMED,
];

const influenzaRisk = (): Node =>
  hasCondition('Risk group: diabetes, chronic lung, heart or kidney disease', ...INFLUENZA_RISK);

export const influenzaVaccinationDue: SegmentTemplate = {
  id: 'influenza-vaccination-due',
  name: { sv: 'Influensavaccination denna säsong', en: 'Influenza vaccination due this season' },
  description: {
    sv: 'Personer 65 år och äldre eller i en medicinsk riskgrupp som inte har vaccinerats mot influensa sedan 1 oktober.',
    en: 'People aged 65 or over, or in a medical risk group, not vaccinated against influenza since 1 October.',
  },
  category: 'vaccination',
  definition: {
    version: 1,
    root: {
      kind: 'and',
      children: [
        {
          kind: 'or',
          label: 'Age 65+ or in a risk group',
          children: [{ kind: 'age', label: 'Age 65+', min: 65 }, influenzaRisk()],
        },
        {
          kind: 'clinical',
          label: 'No influenza vaccine since 1 October',
          resource: 'Immunization',
          codes: filters(INFLUENZA_ATC, INFLUENZA_CVX),
          status: ['completed'],
          window: { kind: 'season', ...FLU_SEASON_START },
          count: { max: 0 },
        },
      ],
    },
  },
  codes: listed(INFLUENZA_ATC, INFLUENZA_CVX, ...INFLUENZA_RISK),
  guideline: {
    title: 'Rekommendationer om influensavaccination till riskgrupper',
    publisher: 'Folkhälsomyndigheten',
    note: "Folkhälsomyndigheten recommends a yearly influenza vaccination for everyone aged 65 and over and for medical risk groups, among them chronic heart or lung disease (asthma included), diabetes and chronic kidney failure. The risk groups here are the ones a diagnosis in the record shows; pregnancy, immunosuppression, severe obesity and the other groups in the recommendation are not included. The season window starts at the latest 1 October before the as-of date, so a dose from last season does not count. Only completed vaccinations count (not 'not-done'). Some regions also register the dose with a regional KVÅ code (Västra Götaland: UX255); the vaccine code (ATC J07BB, CVX) is what this rule reads.",
  },
};

export const pneumococcalVaccinationDue: SegmentTemplate = {
  id: 'pneumococcal-vaccination-due',
  name: { sv: 'Pneumokockvaccination – ej vaccinerade', en: 'Pneumococcal vaccination due' },
  description: {
    sv: 'Personer 75 år och äldre, eller vuxna i en medicinsk riskgrupp, som aldrig har vaccinerats mot pneumokocker.',
    en: 'People aged 75 or over, or adults in a medical risk group, never vaccinated against pneumococci.',
  },
  category: 'vaccination',
  definition: {
    version: 1,
    root: {
      kind: 'and',
      children: [
        {
          kind: 'or',
          label: 'Age 75+ or an adult in a risk group',
          children: [
            { kind: 'age', label: 'Age 75+', min: 75 },
            {
              kind: 'and',
              label: 'Adult in a risk group',
              children: [
                { kind: 'age', label: 'Age 18+', min: 18 },
                hasCondition(
                  'Risk group: diabetes, COPD, heart failure or chronic kidney disease',
                  ...PNEUMOCOCCAL_RISK,
                ),
              ],
            },
          ],
        },
        {
          kind: 'clinical',
          label: 'Never vaccinated against pneumococci',
          resource: 'Immunization',
          codes: filters(PNEUMOCOCCAL_ATC, PNEUMOCOCCAL_CVX),
          status: ['completed'],
          count: { max: 0 },
        },
      ],
    },
  },
  codes: listed(PNEUMOCOCCAL_ATC, PNEUMOCOCCAL_CVX, ...PNEUMOCOCCAL_RISK),
  guideline: {
    title: 'Rekommendationer om pneumokockvaccination till riskgrupper',
    publisher: 'Folkhälsomyndigheten',
    note: 'Folkhälsomyndigheten recommends pneumococcal vaccination for everyone aged 75 and over and for medical risk groups, among them chronic heart and lung disease, diabetes and chronic kidney failure; the regions offer it free of charge from 75. Risk groups are taken from diagnoses in the record and limited to adults, since children are vaccinated in the childhood programme. "Never" means no completed pneumococcal vaccination in the record up to the as-of date; a record that begins late may miss an old dose, and revaccination intervals are not modelled.',
  },
};
