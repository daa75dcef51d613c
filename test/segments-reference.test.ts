import { describe, expect, it } from 'vitest';
import type { FhirResource } from '../src/fhir/resource-row.ts';
import type { Definition, Node } from '../src/segments/definition.ts';
import {
  evaluateReference,
  explain,
  type ReferenceOptions,
  whyText,
} from '../src/segments/reference/evaluate.ts';

/**
 * The reference evaluator on a small hand-built world, one table row per
 * rule: what each condition kind means, at as-of 2020-05-06 (Stockholm).
 */
const AS_OF = Date.parse('2020-05-06T00:00:00Z');
const SNOMED = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';
const CVX = 'http://hl7.org/fhir/sid/cvx';
const ICD10SE = 'http://hl7.org/fhir/sid/icd-10-se';
const DIABETES = '44054006';
const HBA1C = '4548-4';
const GLUCOSE = '2339-0';
const SYSTOLIC = '8480-6';
const MAMMOGRAPHY = '71651007';

const subject = (p: string) => ({ subject: { reference: `Patient/${p}` } });
const cc = (system: string, code: string) => ({ coding: [{ system, code }] });

const condition = (id: string, p: string, system: string, code: string, onset: string, extra = {}) => ({
  resourceType: 'Condition',
  id,
  ...subject(p),
  code: cc(system, code),
  clinicalStatus: cc('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active'),
  onsetDateTime: onset,
  ...extra,
});
const observation = (
  id: string,
  p: string,
  code: string,
  value: number,
  unit: string,
  at?: string,
  extra = {},
) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  ...subject(p),
  code: cc(LOINC, code),
  ...(at ? { effectiveDateTime: at } : {}),
  valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
  ...extra,
});
const bloodPressure = (id: string, p: string, at: string, systolic: number, diastolic: number) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  ...subject(p),
  code: cc(LOINC, '85354-9'),
  effectiveDateTime: at,
  component: [
    { code: cc(LOINC, SYSTOLIC), valueQuantity: { value: systolic, unit: 'mmHg', code: 'mm[Hg]' } },
    { code: cc(LOINC, '8462-4'), valueQuantity: { value: diastolic, unit: 'mmHg', code: 'mm[Hg]' } },
  ],
});
const procedure = (id: string, p: string, code: string, at: string) => ({
  resourceType: 'Procedure',
  id,
  status: 'completed',
  ...subject(p),
  code: cc(SNOMED, code),
  performedDateTime: at,
});
const encounter = (id: string, p: string, start: string) => ({
  resourceType: 'Encounter',
  id,
  status: 'finished',
  ...subject(p),
  class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
  period: { start },
});
const appointment = (id: string, p: string, status: string, start: string) => ({
  resourceType: 'Appointment',
  id,
  status,
  start,
  participant: [{ actor: { reference: 'Practitioner/dr-b' } }, { actor: { reference: `Patient/${p}` } }],
});

const WORLD: FhirResource[] = [
  {
    resourceType: 'Patient',
    id: 'anna',
    gender: 'female',
    birthDate: '1953-05-06',
    address: [
      { use: 'old', city: 'Malmö', postalCode: '211 20' },
      { use: 'home', city: 'Göteborg', state: 'Västra Götaland', postalCode: '413 01' },
    ],
    communication: [
      { language: cc('urn:ietf:bcp:47', 'en') },
      { language: cc('urn:ietf:bcp:47', 'sv-SE'), preferred: true },
    ],
    managingOrganization: { reference: 'Organization/vc-a' },
  },
  condition('anna-dm', 'anna', SNOMED, DIABETES, '2015-02-03'),
  condition('anna-e11', 'anna', ICD10SE, 'e11.9', '2015-02-03'),
  observation('anna-hb1', 'anna', HBA1C, 74, 'mmol/mol', '2020-03-01'),
  observation('anna-hb0', 'anna', HBA1C, 8.5, '%', '2019-06-01'),
  procedure('anna-mx', 'anna', MAMMOGRAPHY, '2017-05-01'),
  {
    resourceType: 'Immunization',
    id: 'anna-flu',
    status: 'completed',
    patient: { reference: 'Patient/anna' },
    vaccineCode: cc(CVX, '140'),
    occurrenceDateTime: '2019-10-15',
  },
  {
    resourceType: 'Patient',
    id: 'bertil',
    gender: 'male',
    birthDate: '1980-05-07',
    address: [{ use: 'home', city: 'Stockholm', postalCode: '11122' }],
    communication: [{ language: cc('urn:ietf:bcp:47', 'en-GB') }],
    generalPractitioner: [{ reference: 'Practitioner/dr-b' }],
  },
  condition('bertil-htn', 'bertil', SNOMED, '38341003', '2010-01-01'),
  bloodPressure('bertil-bp0', 'bertil', '2020-01-01', 130, 85),
  bloodPressure('bertil-bp1', 'bertil', '2020-04-01', 150, 95),
  observation('bertil-glu', 'bertil', GLUCOSE, 126, 'mg/dL', '2020-02-01'),
  encounter('bertil-e0', 'bertil', '2019-05-05T23:59:59Z'),
  encounter('bertil-e1', 'bertil', '2019-05-06T00:00:00Z'),
  encounter('bertil-e2', 'bertil', '2019-12-01'),
  encounter('bertil-e3', 'bertil', '2020-03-01T10:00:00+01:00'),
  encounter('bertil-e4', 'bertil', '2020-05-06T00:00:01Z'),
  appointment('bertil-a0', 'bertil', 'booked', '2020-05-07T09:00:00Z'),
  appointment('bertil-a1', 'bertil', 'booked', '2020-05-09T09:00:00Z'),
  appointment('bertil-n0', 'bertil', 'noshow', '2019-09-01T09:00:00Z'),
  appointment('bertil-n1', 'bertil', 'noshow', '2020-02-01T09:00:00Z'),
  { resourceType: 'Patient', id: 'cecilia', gender: 'female' },
  condition('cecilia-dm', 'cecilia', SNOMED, DIABETES, '2016-01-01', {
    verificationStatus: cc('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'entered-in-error'),
  }),
  observation('cecilia-hb', 'cecilia', HBA1C, 90, 'mmol/mol', '2020-01-01', { status: 'entered-in-error' }),
  procedure('cecilia-mx', 'cecilia', MAMMOGRAPHY, '2018-06'),
  {
    resourceType: 'Patient',
    id: 'david',
    gender: 'male',
    birthDate: '1940-01-01',
    deceasedDateTime: '2019-12-01',
  },
  condition('david-dm', 'david', SNOMED, DIABETES, '2000-01-01'),
  { resourceType: 'Patient', id: 'erik', gender: 'male', birthDate: '2020-05-07' },
  {
    resourceType: 'Patient',
    id: 'frida',
    gender: 'female',
    birthDate: '1975',
    // A death recorded after the as-of instant: alive then.
    deceasedDateTime: '2021-01-01',
  },
  observation('hb-f1', 'frida', HBA1C, 60, 'mmol/mol', '2020-04-01T10:00:00Z'),
  observation('hb-f2', 'frida', HBA1C, 80, 'mmol/mol', '2020-04-01T10:00:00Z'),
  observation('hb-f3', 'frida', HBA1C, 100, 'mmol/mol'),
  observation('frida-glu', 'frida', GLUCOSE, 7.5, 'mmol/L', '2020-03-01'),
  procedure('frida-mx', 'frida', MAMMOGRAPHY, '2018-05'),
  { resourceType: 'Patient', id: 'gustav', gender: 'male', birthDate: '1930', deceasedBoolean: true },
];

const DIABETES_DEF: Definition = {
  version: 1,
  root: { kind: 'clinical', resource: 'Condition', codes: [{ system: 'snomed', codes: [DIABETES] }] },
};
const SEGMENTS: Record<string, Definition> = { '00000000-0000-4000-8000-000000000001': DIABETES_DEF };
const LIST = '00000000-0000-4000-8000-0000000000aa';

const OPTS: ReferenceOptions = {
  asOf: AS_OF,
  segment: (id) => SEGMENTS[id],
  careUnitRefs: (id) => ({ u1: ['Organization/vc-a'], u2: ['Practitioner/dr-b'] })[id] ?? [],
  contactable: (p, channel, purpose) => p === 'anna' && channel === 'sms' && purpose === 'outreach',
  listMembers: (id) => new Set(id === LIST ? ['frida', 'bertil', 'nobody'] : []),
  engagement: (p) => (p === 'frida' ? [{ event: 'opened', ref: 'c1', at: Date.parse('2020-05-01') }] : []),
};

const members = (root: Node, includeDeceased?: boolean) =>
  evaluateReference({ version: 1, root, ...(includeDeceased ? { includeDeceased } : {}) }, WORLD, OPTS)
    .members;

const hba1c = (
  aggregate: string,
  comparator: string,
  value: number,
  unit = 'mmol/mol',
  window?: unknown,
): Node =>
  ({
    kind: 'observation',
    codes: [{ system: 'loinc', codes: [HBA1C] }],
    aggregate,
    comparator,
    value,
    unit,
    window,
  }) as Node;
const obsRule = (code: string, aggregate: string, comparator: string, value: number, unit: string): Node =>
  ({
    kind: 'observation',
    codes: [{ system: 'loinc', codes: [code] }],
    aggregate,
    comparator,
    value,
    unit,
  }) as Node;
const last = (amount: number, unit: 'days' | 'months' | 'hours') => ({ kind: 'last' as const, amount, unit });

const CASES: Array<[string, Node, string[], boolean?]> = [
  ['age 65+ (67 today; the dead and unborn are outside)', { kind: 'age', min: 65 }, ['anna']],
  ['age up to 39 (40 tomorrow)', { kind: 'age', max: 39 }, ['bertil']],
  ['age 40+ (a birth year counts from 1 January)', { kind: 'age', min: 40 }, ['anna', 'frida']],
  [
    'NOT age 40+ includes the person without a birth date',
    { kind: 'not', child: { kind: 'age', min: 40 } },
    ['bertil', 'cecilia'],
  ],
  ['gender female', { kind: 'gender', values: ['female'] }, ['anna', 'cecilia', 'frida']],
  ['postal code prefix, home address', { kind: 'place', field: 'postalCode', values: ['413'] }, ['anna']],
  [
    'postal code prefix ignores spaces',
    { kind: 'place', field: 'postalCode', values: ['111 2'] },
    ['bertil'],
  ],
  ['municipality in any case', { kind: 'place', field: 'municipality', values: ['GÖTEBORG'] }, ['anna']],
  ['region', { kind: 'place', field: 'region', values: ['västra götaland'] }, ['anna']],
  ['preferred language, by primary subtag', { kind: 'language', values: ['sv-SE'] }, ['anna']],
  ['language en', { kind: 'language', values: ['en'] }, ['bertil']],
  ['care unit by managing organization', { kind: 'careUnit', units: ['u1'] }, ['anna']],
  ['care unit by general practitioner', { kind: 'careUnit', units: ['u2', 'unknown'] }, ['bertil']],
  ['deceased, only with includeDeceased', { kind: 'deceased' }, []],
  ['deceased (date or boolean) with includeDeceased', { kind: 'deceased' }, ['david', 'gustav'], true],
  ['diabetes (entered-in-error and the dead do not count)', DIABETES_DEF.root, ['anna']],
  ['diabetes with includeDeceased', DIABETES_DEF.root, ['anna', 'david'], true],
  [
    'ICD-10 E11 with descendants matches e11.9',
    {
      kind: 'clinical',
      resource: 'Condition',
      codes: [{ system: 'icd10', codes: ['E11'], descendants: true }],
    },
    ['anna'],
  ],
  [
    'ICD-10 E119 written without the dot',
    { kind: 'clinical', resource: 'Condition', codes: [{ system: 'icd10', codes: ['E119'] }] },
    ['anna'],
  ],
  [
    'ICD-10 E11 without descendants is only E11',
    { kind: 'clinical', resource: 'Condition', codes: [{ system: 'icd10', codes: ['E11'] }] },
    [],
  ],
  [
    'no mammography in 24 months (partial date 2018-05 is before 2018-05-06)',
    {
      kind: 'clinical',
      resource: 'Procedure',
      codes: [{ system: 'snomed', codes: [MAMMOGRAPHY] }],
      window: last(24, 'months'),
      count: { max: 0 },
    },
    ['anna', 'bertil', 'frida'],
  ],
  [
    'no influenza vaccine since 1 October',
    {
      kind: 'clinical',
      resource: 'Immunization',
      codes: [{ system: 'cvx', codes: ['140', '141'] }],
      window: { kind: 'season', month: 10, day: 1 },
      count: { max: 0 },
    },
    ['bertil', 'cecilia', 'frida'],
  ],
  [
    'at least 3 encounters in 12 months (closed at both ends)',
    { kind: 'clinical', resource: 'Encounter', window: last(12, 'months'), count: { min: 3 } },
    ['bertil'],
  ],
  [
    'at least 4 encounters in 12 months',
    { kind: 'clinical', resource: 'Encounter', window: last(12, 'months'), count: { min: 4 } },
    [],
  ],
  [
    'without a window, encounters up to the as-of instant',
    { kind: 'clinical', resource: 'Encounter', count: { min: 4, max: 4 } },
    ['bertil'],
  ],
  [
    'booked appointment in the next 48 hours',
    {
      kind: 'clinical',
      resource: 'Appointment',
      status: ['booked'],
      window: { kind: 'next', amount: 48, unit: 'hours' },
    },
    ['bertil'],
  ],
  [
    'two no-shows in 12 months',
    {
      kind: 'clinical',
      resource: 'Appointment',
      status: ['noshow'],
      window: last(12, 'months'),
      count: { min: 2 },
    },
    ['bertil'],
  ],
  [
    'latest HbA1c > 64 mmol/mol (tie at one instant: greater id wins)',
    hba1c('latest', 'gt', 64),
    ['anna', 'frida'],
  ],
  ['latest HbA1c > 7 %', hba1c('latest', 'gt', 7, '%'), ['anna', 'frida']],
  ['latest HbA1c > 75 mmol/mol', hba1c('latest', 'gt', 75), ['frida']],
  ['latest HbA1c = 74 mmol/mol', hba1c('latest', 'eq', 74), ['anna']],
  ['any HbA1c > 90 (an undated result counts, entered-in-error not)', hba1c('any', 'gt', 90), ['frida']],
  [
    'any HbA1c ≥ 8.5 % (stored as mmol/mol, converted back exactly)',
    hba1c('any', 'ge', 8.5, '%'),
    ['anna', 'frida'],
  ],
  ['max HbA1c ≥ 100', hba1c('max', 'ge', 100), ['frida']],
  ['min HbA1c < 65', hba1c('min', 'lt', 65), ['frida']],
  ['average HbA1c > 71 (74 and 8.5 % = 69.4)', hba1c('avg', 'gt', 71), ['anna', 'frida']],
  ['average HbA1c > 72', hba1c('avg', 'gt', 72), ['frida']],
  ['any HbA1c < 61 in the last 3 months', hba1c('any', 'lt', 61, 'mmol/mol', last(3, 'months')), ['frida']],
  ['any glucose ≥ 7 mmol/L (126 mg/dL is 6.99)', obsRule(GLUCOSE, 'any', 'ge', 7, 'mmol/L'), ['frida']],
  ['any glucose ≥ 126 mg/dL', obsRule(GLUCOSE, 'any', 'ge', 126, 'mg/dL'), ['bertil', 'frida']],
  ['latest systolic ≥ 140 (a component)', obsRule(SYSTOLIC, 'latest', 'ge', 140, 'mmHg'), ['bertil']],
  ['max systolic ≥ 160', obsRule(SYSTOLIC, 'max', 'ge', 160, 'mm[Hg]'), []],
  ['HbA1c in a unit it is not measured in', hba1c('any', 'gt', 1, 'mg/dL'), []],
  [
    'nested segment and age',
    {
      kind: 'and',
      children: [
        { kind: 'segment', segmentId: '00000000-0000-4000-8000-000000000001' },
        { kind: 'age', min: 65 },
      ],
    },
    ['anna'],
  ],
  ['static list (unknown ids ignored)', { kind: 'list', listId: LIST }, ['bertil', 'frida']],
  ['consent', { kind: 'consent', channel: 'sms', purpose: 'outreach' }, ['anna']],
  [
    'engagement in the last 30 days',
    { kind: 'engagement', event: 'opened', window: last(30, 'days') },
    ['frida'],
  ],
  ['engagement of another campaign', { kind: 'engagement', event: 'opened', ref: 'c2' }, []],
  [
    'or of demographics',
    {
      kind: 'or',
      children: [
        { kind: 'age', min: 65 },
        { kind: 'language', values: ['en'] },
      ],
    },
    ['anna', 'bertil'],
  ],
];

describe('reference evaluator: what each condition means', () => {
  it.each(CASES)('%s', (_name, root, expected, includeDeceased) => {
    expect(members(root, includeDeceased)).toEqual(expected);
  });

  it('counts the funnel over the universe (alive, born): each rule alone and cumulatively', () => {
    const r = evaluateReference(
      {
        version: 1,
        root: {
          kind: 'and',
          children: [{ kind: 'gender', values: ['female'] }, { kind: 'age', min: 40 }, DIABETES_DEF.root],
        },
      },
      WORLD,
      OPTS,
    );
    expect(r.universe).toBe(4);
    expect(r.steps.map((s) => [s.path, s.alone, s.cumulative])).toEqual([
      ['root.children[0]', 3, 3],
      ['root.children[1]', 2, 2],
      ['root.children[2]', 1, 1],
    ]);
    expect(r.members).toEqual(['anna']);
  });

  it('explains each condition with its evidence', () => {
    const def: Definition = {
      version: 1,
      root: {
        kind: 'and',
        children: [
          { kind: 'age', min: 65 },
          hba1c('latest', 'gt', 64),
          hba1c('latest', 'gt', 7, '%'),
          {
            kind: 'clinical',
            resource: 'Procedure',
            codes: [{ system: 'snomed', codes: [MAMMOGRAPHY] }],
            window: last(24, 'months'),
            count: { max: 0 },
          },
          { kind: 'not', child: { kind: 'clinical', resource: 'Encounter', count: { min: 1 } } },
        ],
      },
    };
    const why = evaluateReference(def, WORLD, OPTS).why('anna')!;
    expect(why.member).toBe(true);
    const reasons = why.conditions.map((c) => c.reason);
    expect(reasons).toEqual([
      '5 of 5 rules hold',
      'age 67',
      'HbA1c 74 mmol/mol on 2020-03-01 (latest)',
      'HbA1c 8.92 % on 2020-03-01 (latest)',
      'no Procedure 71651007 since 2018-05-06',
      'no Encounter',
      'no Encounter',
    ]);
    expect(why.conditions[2].evidence).toEqual([
      {
        resourceType: 'Observation',
        id: 'anna-hb1',
        at: '2020-03-01T00:00:00.000Z',
        value: 74,
        unit: 'mmol/mol',
      },
    ]);
    expect(whyText(why)[0]).toBe('✓ universe: alive and born at the as-of date');

    // The same answer from only this patient's resources, as the preview asks for a sample member.
    const own = WORLD.filter((r) => r.id === 'anna' || JSON.stringify(r).includes('Patient/anna'));
    expect(explain(def, 'anna', own, OPTS)).toEqual(why);

    const david = evaluateReference(DIABETES_DEF, WORLD, OPTS).why('david')!;
    expect(david).toMatchObject({ member: false, universe: { pass: false, reason: 'died 2019-12-01' } });
    expect(david.conditions[0]).toMatchObject({ pass: true, reason: 'Condition 44054006 on 2000-01-01' });
  });

  it('says how many resources matched, and what a count rule needed', () => {
    const r = evaluateReference(
      {
        version: 1,
        root: { kind: 'clinical', resource: 'Encounter', window: last(12, 'months'), count: { min: 4 } },
      },
      WORLD,
      OPTS,
    );
    const c = r.why('bertil')!.conditions[0];
    expect(c.reason).toBe('3 × Encounter since 2019-05-06, latest 2020-03-01; needs at least 4');
    expect(c.evidence.map((e) => e.id)).toEqual(['bertil-e3', 'bertil-e2', 'bertil-e1']);
  });
});
