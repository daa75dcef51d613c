import { FINAL_OBSERVATION, had, hasCondition, lastMonths, none } from './nodes.ts';
import type { SegmentTemplate } from './types.ts';
import {
  ASTHMA_ICD,
  ASTHMA_SNOMED,
  COPD_ICD,
  COPD_SNOMED,
  DIABETES_ICD,
  DIABETES_SNOMED,
  DIASTOLIC_LOINC,
  FOLLOW_UP_APPOINTMENT,
  FOLLOW_UP_ENCOUNTER_SNOMED,
  filters,
  HBA1C_LOINC,
  HYPERTENSION_ICD,
  HYPERTENSION_SNOMED,
  listed,
  SYSTOLIC_LOINC,
} from './value-sets.ts';

const diabetes = () => hasCondition('Has diabetes', DIABETES_ICD, DIABETES_SNOMED);

/** HbA1c above 70 mmol/mol: NDR's and Socialstyrelsen's indicator of poor glucose control. */
export const HBA1C_THRESHOLD = 70;

export const diabetesHba1cAboveTarget: SegmentTemplate = {
  id: 'diabetes-hba1c-above-target',
  name: { sv: 'Diabetes med HbA1c över målnivå', en: 'Diabetes with HbA1c above target' },
  description: {
    sv: `Personer med diabetes vars senaste HbA1c de senaste 12 månaderna är över ${HBA1C_THRESHOLD} mmol/mol.`,
    en: `People with diabetes whose latest HbA1c in the last 12 months is above ${HBA1C_THRESHOLD} mmol/mol.`,
  },
  category: 'chronic-care',
  definition: {
    version: 1,
    root: {
      kind: 'and',
      children: [
        diabetes(),
        {
          kind: 'observation',
          label: `Latest HbA1c in 12 months above ${HBA1C_THRESHOLD} mmol/mol`,
          codes: filters(HBA1C_LOINC),
          window: lastMonths(12),
          aggregate: 'latest',
          comparator: 'gt',
          value: HBA1C_THRESHOLD,
          unit: 'mmol/mol',
        },
      ],
    },
  },
  codes: listed(DIABETES_ICD, DIABETES_SNOMED, HBA1C_LOINC),
  guideline: {
    title: 'Nationella riktlinjer för diabetesvård; Målnivåer för diabetesvård',
    publisher: 'Socialstyrelsen; Nationella diabetesregistret (NDR)',
    url: 'https://www.ndr.nu',
    note: `The guidelines set an individual HbA1c target, for most adults 52 mmol/mol or lower. Socialstyrelsen's target levels for diabetes care (2015) and NDR's reports follow the share of patients above ${HBA1C_THRESHOLD} mmol/mol as the mark of poor glucose control, and that is the threshold here: the list holds the people furthest from target, whom a call or an extra visit helps most, and stays a size a diabetes team can act on. For everyone above the usual target, change the value to 52. Only the latest HbA1c of the last 12 months counts; people with no HbA1c in that time are the "Diabetes without HbA1c in 12 months" segment. Values in % (NGSP) are converted to mmol/mol (IFCC).`,
  },
};

export const diabetesNoHba1c12Months: SegmentTemplate = {
  id: 'diabetes-no-hba1c-12-months',
  name: { sv: 'Diabetes utan HbA1c senaste 12 månaderna', en: 'Diabetes without HbA1c in 12 months' },
  description: {
    sv: 'Personer med diabetes som inte har något HbA1c-prov de senaste 12 månaderna.',
    en: 'People with diabetes who have had no HbA1c test in the last 12 months.',
  },
  category: 'chronic-care',
  definition: {
    version: 1,
    root: {
      kind: 'and',
      children: [
        diabetes(),
        {
          kind: 'clinical',
          label: 'No HbA1c in 12 months',
          resource: 'Observation',
          codes: filters(HBA1C_LOINC),
          status: FINAL_OBSERVATION,
          window: lastMonths(12),
          count: { max: 0 },
        },
      ],
    },
  },
  codes: listed(DIABETES_ICD, DIABETES_SNOMED, HBA1C_LOINC),
  guideline: {
    title: 'Nationella riktlinjer för diabetesvård',
    publisher: 'Socialstyrelsen; Nationella diabetesregistret (NDR)',
    url: 'https://www.ndr.nu',
    note: 'HbA1c is measured at least once a year at the annual diabetes check that NDR registers; a year without one means the check was missed. A result counts when its status is final, amended or corrected.',
  },
};

export const hypertensionAboveTarget: SegmentTemplate = {
  id: 'hypertension-above-target',
  name: { sv: 'Hypertoni över målblodtryck', en: 'Hypertension above target' },
  description: {
    sv: 'Personer med hypertoni vars senaste blodtryck de senaste 12 månaderna är minst 140 systoliskt eller minst 90 diastoliskt.',
    en: 'People with hypertension whose latest blood pressure in the last 12 months is at least 140 systolic or at least 90 diastolic.',
  },
  category: 'chronic-care',
  definition: {
    version: 1,
    root: {
      kind: 'and',
      children: [
        hasCondition('Has hypertension', HYPERTENSION_ICD, HYPERTENSION_SNOMED),
        {
          kind: 'or',
          label: 'Latest blood pressure at or above 140/90',
          children: [
            {
              kind: 'observation',
              label: 'Latest systolic in 12 months ≥ 140 mmHg',
              codes: filters(SYSTOLIC_LOINC),
              window: lastMonths(12),
              aggregate: 'latest',
              comparator: 'ge',
              value: 140,
              unit: 'mm[Hg]',
            },
            {
              kind: 'observation',
              label: 'Latest diastolic in 12 months ≥ 90 mmHg',
              codes: filters(DIASTOLIC_LOINC),
              window: lastMonths(12),
              aggregate: 'latest',
              comparator: 'ge',
              value: 90,
              unit: 'mm[Hg]',
            },
          ],
        },
      ],
    },
  },
  codes: listed(HYPERTENSION_ICD, HYPERTENSION_SNOMED, SYSTOLIC_LOINC, DIASTOLIC_LOINC),
  guideline: {
    title: '2018 ESC/ESH Guidelines for the management of arterial hypertension',
    publisher: 'European Society of Cardiology (ESC) and European Society of Hypertension (ESH)',
    note: 'Office blood pressure of 140/90 or more is hypertension in the European guidelines that Swedish regional drug committees follow; treated patients should be below it within three months, and most have a lower individual target (often 130/80). 140/90 finds those clearly uncontrolled; lower the values for a stricter list. The latest systolic and the latest diastolic reading of the last 12 months are compared separately.',
  },
};

export const asthmaCopdNoFollowUp: SegmentTemplate = {
  id: 'asthma-copd-no-follow-up',
  name: {
    sv: 'Astma eller KOL utan uppföljning på 12 månader',
    en: 'Asthma or COPD without follow-up in 12 months',
  },
  description: {
    sv: 'Personer med astma eller KOL som inte har haft något uppföljningsbesök de senaste 12 månaderna.',
    en: 'People with asthma or COPD who have had no follow-up visit in the last 12 months.',
  },
  category: 'chronic-care',
  definition: {
    version: 1,
    root: {
      kind: 'and',
      children: [
        hasCondition('Has asthma or COPD', ASTHMA_ICD, ASTHMA_SNOMED, COPD_ICD, COPD_SNOMED),
        none(
          'No follow-up in 12 months',
          had('Follow-up visit in 12 months', 'Encounter', [FOLLOW_UP_ENCOUNTER_SNOMED], lastMonths(12), [
            'finished',
          ]),
          had(
            'Follow-up appointment kept in 12 months',
            'Appointment',
            [FOLLOW_UP_APPOINTMENT],
            lastMonths(12),
            ['fulfilled'],
          ),
        ),
      ],
    },
  },
  codes: listed(
    ASTHMA_ICD,
    ASTHMA_SNOMED,
    COPD_ICD,
    COPD_SNOMED,
    FOLLOW_UP_ENCOUNTER_SNOMED,
    FOLLOW_UP_APPOINTMENT,
  ),
  guideline: {
    title: 'Nationella riktlinjer för vård vid astma och KOL',
    publisher: 'Socialstyrelsen',
    note: "The guidelines recommend regular, structured follow-up of people with asthma and COPD (symptoms, lung function, inhaler technique, smoking). Twelve months without a follow-up visit is the signal here. Any finished follow-up encounter or kept follow-up appointment counts, whatever it was for: the index does not record an encounter's reason. Asthma in remission does not count as asthma.",
  },
};
