import type { Node, Window } from '../definition.ts';
import { FINAL_OBSERVATION, had, lastMonths, lastYears, none } from './nodes.ts';
import type { SegmentTemplate } from './types.ts';
import {
  BREAST_SCREENING_ICD,
  CERVICAL_LOINC,
  CERVICAL_SCREENING_ICD,
  CERVICAL_SNOMED,
  COLONOSCOPY_KVA,
  COLORECTAL_SCREENING_ICD,
  COLORECTAL_SNOMED,
  FIT_LOINC,
  listed,
  MAMMOGRAPHY_SNOMED,
} from './value-sets.ts';

/**
 * A screening counts when any trace of it is in the record: the procedure
 * (SNOMED CT, KVÅ), the test result (LOINC), or the visit's screening
 * diagnosis (ICD-10-SE Z12.x, which Swedish records carry as a Condition).
 */
const women = (): Node => ({ kind: 'gender', label: 'Women', values: ['female'] });

function mammography(window: Window): Node {
  return none(
    'No mammography in 24 months',
    had('Mammography', 'Procedure', [MAMMOGRAPHY_SNOMED], window, ['completed']),
    had('Breast screening visit', 'Condition', [BREAST_SCREENING_ICD], window),
  );
}

function cervicalSample(label: string, window: Window): Node {
  return none(
    label,
    had('Cervical screening sample', 'Procedure', [CERVICAL_SNOMED], window, ['completed']),
    had('Cervical cytology result', 'Observation', [CERVICAL_LOINC], window, FINAL_OBSERVATION),
    had('Cervical screening visit', 'Condition', [CERVICAL_SCREENING_ICD], window),
  );
}

export const mammographyScreeningDue: SegmentTemplate = {
  id: 'mammography-screening-due',
  name: { sv: 'Mammografiscreening – dags för undersökning', en: 'Mammography screening due' },
  description: {
    sv: 'Kvinnor 40–74 år utan mammografi de senaste 24 månaderna.',
    en: 'Women aged 40–74 with no mammography in the last 24 months.',
  },
  category: 'screening',
  definition: {
    version: 1,
    root: {
      kind: 'and',
      children: [women(), { kind: 'age', label: 'Age 40–74', min: 40, max: 74 }, mammography(lastMonths(24))],
    },
  },
  codes: listed(MAMMOGRAPHY_SNOMED, BREAST_SCREENING_ICD),
  guideline: {
    title: 'Screening för bröstcancer – Rekommendation och bedömningsunderlag',
    publisher: 'Socialstyrelsen',
    note: 'Socialstyrelsen recommends mammography screening for women aged 40–74 every 18–24 months; the regions invite. 24 months is the outer interval, so everyone here is due or overdue. Radiology departments register the examination with their own procedure codes as well; add your region\'s KVÅ or local radiology codes to the "Mammography" rule, since no national code is listed here.',
  },
};

export const cervicalScreeningDue: SegmentTemplate = {
  id: 'cervical-screening-due',
  name: {
    sv: 'Cellprovtagning (livmoderhalsscreening) – dags för prov',
    en: 'Cervical screening due',
  },
  description: {
    sv: 'Kvinnor 23–49 år utan cellprov de senaste 3 åren och kvinnor 50–64 år utan cellprov de senaste 7 åren.',
    en: 'Women aged 23–49 with no screening sample in 3 years, and women aged 50–64 with none in 7 years.',
  },
  category: 'screening',
  definition: {
    version: 1,
    root: {
      kind: 'and',
      children: [
        women(),
        {
          kind: 'or',
          label: 'Due for their age band',
          children: [
            {
              kind: 'and',
              label: 'Age 23–49 and no sample in 3 years',
              children: [
                { kind: 'age', label: 'Age 23–49', min: 23, max: 49 },
                cervicalSample('No sample in 3 years', lastYears(3)),
              ],
            },
            {
              kind: 'and',
              label: 'Age 50–64 and no sample in 7 years',
              children: [
                { kind: 'age', label: 'Age 50–64', min: 50, max: 64 },
                cervicalSample('No sample in 7 years', lastYears(7)),
              ],
            },
          ],
        },
      ],
    },
  },
  codes: listed(CERVICAL_SNOMED, CERVICAL_LOINC, CERVICAL_SCREENING_ICD),
  guideline: {
    title:
      'Screening för livmoderhalscancer – Rekommendation och bedömningsunderlag (2015); Nationellt vårdprogram livmoderhalscancerprevention',
    publisher: 'Socialstyrelsen; Regionala cancercentrum i samverkan (RCC)',
    url: 'https://kunskapsbanken.cancercentrum.se/diagnoser/livmoderhalscancerprevention/vardprogram/',
    note: "Socialstyrelsen's 2015 recommendation: a sample every 3 years from 23 to 49 (cytology to 29, HPV from 30) and every 7 years from 50 to 64 (HPV). RCC's national care programme has since lengthened the interval to 5 years for women 23–49 whose last sample was HPV-analysed and lets the last sample be taken up to age 70; change the windows and ages to your region's programme. Regions invite from the date of the last sample, whatever its reason, which is why any sample counts here.",
  },
};

export const colorectalScreeningDue: SegmentTemplate = {
  id: 'colorectal-screening-due',
  name: { sv: 'Tarmcancerscreening – dags för test', en: 'Colorectal screening due' },
  description: {
    sv: 'Personer 60–74 år utan screeningtest (avföringsprov eller koloskopi) de senaste 24 månaderna.',
    en: 'People aged 60–74 with no screening test (stool test or colonoscopy) in the last 24 months.',
  },
  category: 'screening',
  definition: {
    version: 1,
    root: {
      kind: 'and',
      children: [
        { kind: 'age', label: 'Age 60–74', min: 60, max: 74 },
        none(
          'No screening test in 24 months',
          had('Stool test (FIT)', 'Observation', [FIT_LOINC], lastMonths(24), FINAL_OBSERVATION),
          had(
            'Colonoscopy or stool test procedure',
            'Procedure',
            [COLORECTAL_SNOMED, COLONOSCOPY_KVA],
            lastMonths(24),
            ['completed'],
          ),
          had('Colorectal screening visit', 'Condition', [COLORECTAL_SCREENING_ICD], lastMonths(24)),
        ),
      ],
    },
  },
  codes: listed(FIT_LOINC, COLORECTAL_SNOMED, COLONOSCOPY_KVA, COLORECTAL_SCREENING_ICD),
  guideline: {
    title: 'Screening för tjock- och ändtarmscancer – Rekommendation och bedömningsunderlag',
    publisher: 'Socialstyrelsen; Regionala cancercentrum i samverkan (RCC)',
    note: 'Socialstyrelsen recommends screening for colorectal cancer from 60 to 74; the regions run it together through the Regional Cancer Centres, with a stool test for blood (FIT) every second year and colonoscopy when it is positive. A colonoscopy also counts as a test here, although it protects for longer than two years; people under surveillance after colorectal cancer are not excluded.',
  },
};
