import type { CodeFilter } from '../definition.ts';
import type { TemplateCodes } from './types.ts';

/**
 * The code sets the templates use. Each clinical idea lists the Swedish
 * coding (ICD-10-SE, ATC, KVÅ) beside the international one (SNOMED CT,
 * LOINC, CVX), so one rule finds patients in Swedish records, in generated
 * populations (src/generate) and in the Synthea corpus. SNOMED CT and LOINC
 * have no prefix hierarchy here, so their concepts are listed one by one;
 * ICD-10 and ATC take descendants (E11 covers E11.9).
 */
export interface ValueSet {
  /** A code system alias from codes.ts. */
  system: 'snomed' | 'icd10' | 'atc' | 'kva' | 'loinc' | 'cvx' | 'encounter-class' | 'appointment-reason';
  codes: readonly string[];
  descendants?: boolean;
  meaning: string;
}

const LABELS: Record<ValueSet['system'], string> = {
  snomed: 'SNOMED CT',
  icd10: 'ICD-10-SE',
  atc: 'ATC',
  kva: 'KVÅ',
  loinc: 'LOINC',
  cvx: 'CVX',
  'encounter-class': 'HL7 v3 ActCode (encounter class)',
  'appointment-reason': 'HL7 v2 table 0276 (appointment reason)',
};

/** The rule's code filters: any code of any of these sets. */
export function filters(...sets: ValueSet[]): CodeFilter[] {
  return sets.map((s) => ({
    system: s.system,
    codes: [...s.codes],
    ...(s.descendants ? { descendants: true } : {}),
  }));
}

/** The sets as a template documents them. */
export function listed(...sets: ValueSet[]): TemplateCodes[] {
  return sets.map((s) => ({
    system: LABELS[s.system],
    codes: [...s.codes],
    ...(s.descendants ? { descendants: true } : {}),
    meaning: s.meaning,
  }));
}

export function systemLabel(alias: ValueSet['system']): string {
  return LABELS[alias];
}

// Diagnoses ----------------------------------------------------------------

export const DIABETES_ICD: ValueSet = {
  system: 'icd10',
  codes: ['E10', 'E11', 'E13', 'E14'],
  descendants: true,
  meaning: 'Diabetes mellitus: type 1 (E10), type 2 (E11), other specified (E13), unspecified (E14)',
};
export const DIABETES_SNOMED: ValueSet = {
  system: 'snomed',
  codes: ['73211009', '44054006', '46635009'],
  meaning: 'Diabetes mellitus; type 2 diabetes mellitus; type 1 diabetes mellitus',
};
export const HYPERTENSION_ICD: ValueSet = {
  system: 'icd10',
  codes: ['I10', 'I11', 'I12', 'I13', 'I15'],
  descendants: true,
  meaning:
    'Essential hypertension (I10), hypertensive heart and/or kidney disease (I11–I13), secondary hypertension (I15)',
};
export const HYPERTENSION_SNOMED: ValueSet = {
  system: 'snomed',
  codes: ['38341003', '59621000'],
  meaning: 'Hypertensive disorder, systemic arterial; essential hypertension',
};
export const ASTHMA_ICD: ValueSet = {
  system: 'icd10',
  codes: ['J45', 'J46'],
  descendants: true,
  meaning: 'Asthma (J45), acute severe asthma (J46)',
};
export const ASTHMA_SNOMED: ValueSet = {
  system: 'snomed',
  codes: ['195967001', '233678006'],
  meaning: 'Asthma; childhood asthma',
};
export const COPD_ICD: ValueSet = {
  system: 'icd10',
  codes: ['J43', 'J44'],
  descendants: true,
  meaning: 'Emphysema (J43), other chronic obstructive pulmonary disease (J44)',
};
export const COPD_SNOMED: ValueSet = {
  system: 'snomed',
  codes: ['13645005', '185086009', '87433001'],
  meaning: 'Chronic obstructive lung disease; chronic obstructive bronchitis; pulmonary emphysema',
};
export const HEART_FAILURE_ICD: ValueSet = {
  system: 'icd10',
  codes: ['I50'],
  descendants: true,
  meaning: 'Heart failure (I50)',
};
export const HEART_FAILURE_SNOMED: ValueSet = {
  system: 'snomed',
  codes: ['84114007', '42343007', '88805009'],
  meaning: 'Heart failure; congestive heart failure; chronic congestive heart failure',
};
export const CKD_ICD: ValueSet = {
  system: 'icd10',
  codes: ['N18'],
  descendants: true,
  meaning: 'Chronic kidney disease (N18)',
};
export const CKD_SNOMED: ValueSet = {
  system: 'snomed',
  codes: ['709044004', '431855005', '431856006', '433144002', '431857002', '433146000'],
  meaning: 'Chronic kidney disease; chronic kidney disease stages 1 to 5',
};

// Measurements ---------------------------------------------------------------

export const HBA1C_LOINC: ValueSet = {
  system: 'loinc',
  codes: ['59261-8', '4548-4', '17856-6'],
  meaning:
    'HbA1c by IFCC protocol (mmol/mol, what Swedish laboratories report); HbA1c in % (NGSP/DCCT, as in Synthea); HbA1c by HPLC. % converts to mmol/mol',
};
export const SYSTOLIC_LOINC: ValueSet = {
  system: 'loinc',
  codes: ['8480-6'],
  meaning: 'Systolic blood pressure (a component of the blood pressure panel 85354-9)',
};
export const DIASTOLIC_LOINC: ValueSet = {
  system: 'loinc',
  codes: ['8462-4'],
  meaning: 'Diastolic blood pressure (a component of the blood pressure panel 85354-9)',
};

// Screening ------------------------------------------------------------------

export const MAMMOGRAPHY_SNOMED: ValueSet = {
  system: 'snomed',
  codes: ['71651007', '24623002'],
  meaning: 'Mammography; screening mammography',
};
export const BREAST_SCREENING_ICD: ValueSet = {
  system: 'icd10',
  codes: ['Z12.3'],
  meaning:
    'Special screening examination for neoplasm of breast (the visit diagnosis of a screening mammography)',
};
export const CERVICAL_SNOMED: ValueSet = {
  system: 'snomed',
  codes: ['171149006', '90226004'],
  meaning:
    'Screening for malignant neoplasm of cervix (generated data); cytopathology procedure, preparation of smear, genital source (Synthea)',
};
export const CERVICAL_LOINC: ValueSet = {
  system: 'loinc',
  codes: ['10524-7'],
  meaning: 'Microscopic observation in cervix by cyto stain (a cervical cytology result)',
};
export const CERVICAL_SCREENING_ICD: ValueSet = {
  system: 'icd10',
  codes: ['Z12.4'],
  meaning: 'Special screening examination for neoplasm of cervix (the visit diagnosis of a screening sample)',
};
export const FIT_LOINC: ValueSet = {
  system: 'loinc',
  codes: ['29771-3', '57905-2'],
  meaning:
    'Haemoglobin in stool by immunoassay (FIT, the Swedish screening test; generated data); the same by immunologic method (Synthea)',
};
export const COLORECTAL_SNOMED: ValueSet = {
  system: 'snomed',
  codes: ['73761001', '104435004'],
  meaning: 'Colonoscopy; screening for occult blood in faeces',
};
export const COLONOSCOPY_KVA: ValueSet = {
  system: 'kva',
  codes: ['UJF32'],
  meaning: 'Koloskopi (colonoscopy)',
};
export const COLORECTAL_SCREENING_ICD: ValueSet = {
  system: 'icd10',
  codes: ['Z12.1'],
  meaning:
    'Special screening examination for neoplasm of intestinal tract (the visit diagnosis of a screening test)',
};

// Vaccines -------------------------------------------------------------------

export const INFLUENZA_ATC: ValueSet = {
  system: 'atc',
  codes: ['J07BB'],
  descendants: true,
  meaning:
    'Influenza vaccines (J07BB01 whole virus, J07BB02 split virus or surface antigen, J07BB03 live attenuated)',
};
export const INFLUENZA_CVX: ValueSet = {
  system: 'cvx',
  codes: [
    '88',
    '111',
    '135',
    '140',
    '141',
    '149',
    '150',
    '153',
    '155',
    '158',
    '161',
    '166',
    '168',
    '171',
    '185',
    '186',
    '197',
    '205',
  ],
  meaning:
    'Influenza vaccines: unspecified (88), live intranasal (111, 149), high-dose (135, 197), seasonal injectable (140, 141, 150, 158, 161), cell-culture (153, 171, 186), recombinant (155, 185), intradermal (166), adjuvanted (168, 205)',
};
export const PNEUMOCOCCAL_ATC: ValueSet = {
  system: 'atc',
  codes: ['J07AL'],
  descendants: true,
  meaning: 'Pneumococcal vaccines (J07AL01 polysaccharide, J07AL02 conjugate)',
};
export const PNEUMOCOCCAL_CVX: ValueSet = {
  system: 'cvx',
  codes: ['33', '100', '109', '133', '152', '215', '216'],
  meaning:
    'Pneumococcal vaccines: polysaccharide PPSV23 (33), conjugate PCV7 (100), PCV13 (133), PCV15 (215), PCV20 (216), unspecified (109, 152)',
};

// Care contacts --------------------------------------------------------------

export const INPATIENT_CLASS: ValueSet = {
  system: 'encounter-class',
  codes: ['IMP', 'ACUTE', 'NONAC'],
  meaning: 'Inpatient encounter (slutenvård), acute or non-acute',
};
export const FOLLOW_UP_ENCOUNTER_SNOMED: ValueSet = {
  system: 'snomed',
  codes: ['390906007', '185389009'],
  meaning: 'Follow-up encounter (generated data); follow-up visit (Synthea)',
};
export const FOLLOW_UP_APPOINTMENT: ValueSet = {
  system: 'appointment-reason',
  codes: ['FOLLOWUP'],
  meaning: 'A follow-up appointment',
};
