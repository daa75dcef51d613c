import fc from 'fast-check';
import type { FhirResource } from '../src/fhir/resource-row.ts';
import { CLINICAL_TYPES, type ClinicalType, type Window } from '../src/segments/definition.ts';
import { localDate } from '../src/segments/windows.ts';
import { type RulePool, windowEdges } from './segment-arbitraries.ts';

/**
 * Random patients and clinical resources for the property tests: small code
 * pools so that rules hit, times on and beside the edges of windows, partial
 * dates, offsets, missing values, units in % and mmol/mol, components,
 * entered-in-error, references to nobody, ids whose order differs between
 * "C" and locale collation.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';

const CODES: Record<ClinicalType, Array<[string, string]>> = {
  Condition: [
    [SNOMED, '44054006'],
    [SNOMED, '38341003'],
    ['http://hl7.org/fhir/sid/icd-10-se', 'E11.9'],
    ['http://hl7.org/fhir/sid/icd-10', 'e119'],
    ['urn:oid:1.2.752.116.1.1.1.1.3', 'I10'],
  ],
  Observation: [],
  Procedure: [
    [SNOMED, '71651007'],
    [SNOMED, '73761001'],
    ['urn:oid:1.2.752.116.1.3.2.1.4', 'UJF32'],
  ],
  MedicationRequest: [
    ['http://www.whocc.no/atc', 'A10BA02'],
    ['http://www.whocc.no/atc', 'A10BB01'],
    ['http://www.whocc.no/atc', 'C09AA05'],
  ],
  Immunization: [
    ['http://hl7.org/fhir/sid/cvx', '140'],
    ['http://hl7.org/fhir/sid/cvx', '141'],
    ['http://hl7.org/fhir/sid/cvx', '33'],
  ],
  AllergyIntolerance: [
    [SNOMED, '91936005'],
    [SNOMED, '300916003'],
  ],
  Encounter: [
    [SNOMED, '185349003'],
    [SNOMED, '50849002'],
  ],
  EpisodeOfCare: [
    ['http://terminology.hl7.org/CodeSystem/episodeofcare-type', 'hacc'],
    ['http://terminology.hl7.org/CodeSystem/episodeofcare-type', 'pac'],
  ],
  Appointment: [
    ['http://patient-outreach.org/fhir/CodeSystem/service-type', 'diabetes'],
    ['http://terminology.hl7.org/CodeSystem/v2-0276', 'ROUTINE'],
  ],
};
const STATUSES: Record<ClinicalType, string[]> = {
  Condition: ['active', 'resolved'],
  Observation: ['final', 'amended'],
  Procedure: ['completed', 'in-progress'],
  MedicationRequest: ['active', 'stopped'],
  Immunization: ['completed', 'not-done'],
  AllergyIntolerance: ['active', 'inactive'],
  Encounter: ['finished', 'cancelled'],
  EpisodeOfCare: ['active', 'finished'],
  Appointment: ['booked', 'noshow', 'fulfilled'],
};
const CLASSES = ['AMB', 'IMP', 'EMER'];

interface ObsKind {
  codes: Array<[string, string]>;
  quantities: Array<[string, number[]]>;
  /** A component of the same analyte with a value of its own: the rule takes the larger. */
  component?: [string, string];
}
const HBA1C_VALUES: Array<[string, number[]]> = [
  ['%', [5.5, 6.5, 7, 8, 8.5, 9.5]],
  ['mmol/mol', [40, 48, 53, 64, 70, 74, 80]],
];
const OBS_KINDS: ObsKind[] = [
  { codes: [[LOINC, '4548-4']], quantities: HBA1C_VALUES },
  // Coded twice: one Observation, one value.
  {
    codes: [
      [LOINC, '4548-4'],
      [LOINC, '17856-6'],
    ],
    quantities: HBA1C_VALUES,
  },
  { codes: [[LOINC, '4548-4']], quantities: HBA1C_VALUES, component: [LOINC, '4548-4'] },
  { codes: [[LOINC, '17856-6']], quantities: HBA1C_VALUES, component: [LOINC, '4548-4'] },
  {
    codes: [[LOINC, '2339-0']],
    quantities: [
      ['mg/dL', [90, 126, 180]],
      ['mmol/L', [5, 7, 10]],
    ],
  },
  { codes: [[LOINC, '39156-5']], quantities: [['kg/m2', [22, 30, 35]]] },
];

/** The pool rules are drawn from for this world. */
export function worldPool(asOf: number, segments: string[], windows: Window[]): RulePool {
  const codes: RulePool['codes'] = {};
  for (const t of CLINICAL_TYPES) {
    codes[t] = CODES[t].map(([system, code]) => [system, code] as [string, string]);
    if (t === 'Condition') codes[t]!.push(['icd10', 'E11.9'], ['snomed', '44054006']);
  }
  codes.Encounter!.push(['encounter-class', 'AMB']);
  codes.Observation = [
    ['loinc', '4548-4'],
    ['loinc', '85354-9'],
    ['loinc', '8480-6'],
  ];
  return {
    asOf,
    codes,
    statuses: STATUSES,
    observations: [
      {
        codes: [
          ['loinc', '4548-4'],
          [LOINC, '17856-6'],
        ],
        thresholds: [
          ['mmol/mol', [48, 53, 64, 70, 74]],
          ['%', [6.5, 7, 8, 8.5]],
        ],
      },
      {
        codes: [['loinc', '2339-0']],
        thresholds: [
          ['mg/dL', [100, 126]],
          ['mmol/L', [7, 10]],
        ],
      },
      {
        codes: [['loinc', '8480-6']],
        thresholds: [
          ['mm[Hg]', [139, 140, 160]],
          ['mmHg', [140]],
        ],
      },
      { codes: [['loinc', '39156-5']], thresholds: [['kg/m2', [30]]] },
    ],
    postalCodes: ['413', '41301', '111 2', '7'],
    municipalities: ['Göteborg', 'STOCKHOLM', 'uppsala'],
    regions: ['Västra Götaland', 'stockholm'],
    languages: ['sv', 'en', 'SV-se', 'ar'],
    careUnits: ['u1', 'u2', 'u3'],
    segments,
    windows,
  };
}

export const CARE_UNITS: Record<string, string[]> = {
  u1: ['Organization/o1'],
  u2: ['Practitioner/g1', 'Organization/o2'],
  u3: [],
};

/** A FHIR date or dateTime for an instant, at a precision (coarser ones start earlier). */
function format(ms: number, precision: number): string {
  const iso = new Date(ms).toISOString();
  switch (precision) {
    case 0:
      return iso.slice(0, 4);
    case 1:
      return iso.slice(0, 7);
    case 2:
      return iso.slice(0, 10);
    case 3:
      return `${iso.slice(0, 19)}Z`;
    case 4:
      // The same instant written in Swedish summer time.
      return `${new Date(ms + 2 * HOUR).toISOString().slice(0, 23)}+02:00`;
    default:
      return iso;
  }
}

/** The as-of instant and the instants resources are placed at: the edges of the windows rules use. */
interface Times {
  asOf: number;
  edges: number[];
}

// Full precision most often, so that an instant on an edge stays on it.
const timeArb = (t: Times, pastOnly = false) =>
  fc.record({
    ms: fc.constantFrom(...t.edges.filter((x) => !pastOnly || x <= t.asOf)),
    precision: fc.constantFrom(5, 0, 1, 2, 3, 4, 5, 5, 5),
  });
type Time = { ms: number; precision: number };
const fmt = (t: Time | null) => (t ? format(t.ms, t.precision) : undefined);

const cc = (codings: Array<[string, string]>) => ({
  coding: codings.map(([system, code]) => ({ system, code })),
});

function quantityArb(kind: ObsKind) {
  return fc.constantFrom(...kind.quantities).chain(([unit, values]) =>
    fc
      .record({
        value: fc.option(fc.constantFrom(...values), { freq: 10 }),
        unit: fc.constantFrom('code', 'code', 'code', 'unit', 'unit', 'none'),
      })
      .map(({ value, unit: how }) => {
        if (value === null) return undefined;
        if (how === 'code') return { value, unit, system: 'http://unitsofmeasure.org', code: unit };
        return how === 'unit' ? { value, unit } : { value };
      }),
  );
}

function observationBody(t: Times) {
  const bp = fc
    .record({
      sys: fc.constantFrom(120, 139, 140, 160),
      dia: fc.constantFrom(80, 90),
      unit: fc.constantFrom('mm[Hg]', 'mmHg'),
    })
    .map(({ sys, dia, unit }) => ({
      code: cc([[LOINC, '85354-9']]),
      component: [
        { code: cc([[LOINC, '8480-6']]), valueQuantity: { value: sys, unit: 'mmHg', code: unit } },
        { code: cc([[LOINC, '8462-4']]), valueQuantity: { value: dia, unit } },
      ],
    }));
  const simple = fc.constantFrom(...OBS_KINDS).chain((kind) =>
    fc.tuple(quantityArb(kind), quantityArb(kind)).map(([q, q2]) => ({
      code: cc(kind.codes),
      ...(q ? { valueQuantity: q } : {}),
      ...(kind.component
        ? { component: [{ code: cc([kind.component]), ...(q2 ? { valueQuantity: q2 } : {}) }] }
        : {}),
    })),
  );
  // Mostly results from the past, as in real data (a few from after the as-of instant, and some without a time).
  const when = fc.record({
    time: fc.option(fc.oneof({ arbitrary: timeArb(t, true), weight: 4 }, timeArb(t)), { freq: 8 }),
    element: fc.constantFrom('effectiveDateTime', 'effectivePeriod', 'effectiveInstant', 'issued'),
  });
  return fc
    .tuple(fc.oneof({ arbitrary: simple, weight: 4 }, { arbitrary: bp, weight: 1 }), when)
    .map(([body, w]) => {
      if (!w.time) return body;
      // Instants must carry a time; a date-only effectiveInstant is not FHIR.
      const t =
        w.element === 'effectiveInstant' || w.element === 'issued' ? { ...w.time, precision: 5 } : w.time;
      const v = fmt(t);
      return {
        ...body,
        ...(w.element === 'effectivePeriod' ? { effectivePeriod: { start: v } } : { [w.element]: v }),
      };
    });
}

function clinicalArb(times: Times, patient: string, n: number): fc.Arbitrary<FhirResource[]> {
  return fc
    .record({
      // A second result at the same instant, with another id and value: which one is "latest"?
      twin: fc.option(
        fc.record({
          prefix: fc.constantFrom('a', 'B', 'b', 'Z'),
          value: fc.constantFrom(40, 64, 80, 7, 9.5),
        }),
        {
          freq: 2,
        },
      ),
      // Observations carry the values that value rules compare; make them common.
      type: fc.oneof(
        { arbitrary: fc.constant('Observation' as const), weight: 8 },
        { arbitrary: fc.constantFrom(...CLINICAL_TYPES), weight: 9 },
      ),
      idPrefix: fc.constantFrom('a', 'B', 'b', 'Z', '0', 'x-'),
      who: fc.constantFrom('own', 'own', 'own', 'own', 'own', 'ghost', 'none'),
      codes: fc.array(fc.nat(), { maxLength: 2 }),
      status: fc.option(fc.nat()),
      eie: fc.nat(12),
      start: fc.option(timeArb(times), { freq: 6 }),
      end: fc.option(timeArb(times)),
      variant: fc.nat(2),
      obs: observationBody(times),
    })
    .map((g) => {
      const t = g.type;
      const id = `${g.idPrefix}${n}`;
      const pool = CODES[t];
      const codings = [...new Set(g.codes.map((i) => i % Math.max(pool.length, 1)))]
        .map((i) => pool[i])
        .filter(Boolean);
      const status = g.status === null ? undefined : STATUSES[t][g.status % STATUSES[t].length];
      const ref = g.who === 'own' ? `Patient/${patient}` : g.who === 'ghost' ? 'Patient/ghost' : undefined;
      const who = ref ? { reference: ref } : undefined;
      const start = fmt(g.start);
      const end = fmt(g.end);
      // Shrinking goes towards 0: make that the ordinary case.
      const eie = g.eie === 12;
      const r: FhirResource = { resourceType: t, id };
      const codeable = codings.length ? cc(codings) : undefined;
      switch (t) {
        case 'Condition':
        case 'AllergyIntolerance': {
          Object.assign(r, t === 'Condition' ? { subject: who } : { patient: who }, { code: codeable });
          const sys = `http://terminology.hl7.org/CodeSystem/${t === 'Condition' ? 'condition' : 'allergyintolerance'}`;
          if (status) r.clinicalStatus = cc([[`${sys}-clinical`, status]]);
          if (eie)
            r.verificationStatus = cc([
              [`${sys}-${t === 'Condition' ? 'ver-status' : 'verification'}`, 'entered-in-error'],
            ]);
          const onset = [
            'onsetDateTime',
            t === 'Condition' ? 'onsetPeriod' : 'onsetDateTime',
            'recordedDate',
          ][g.variant];
          if (start)
            r[onset] =
              onset === 'onsetPeriod' ? { start } : onset === 'recordedDate' ? start.slice(0, 10) : start;
          if (end && t === 'Condition') r.abatementDateTime = end;
          break;
        }
        case 'Observation':
          Object.assign(r, { status: eie ? 'entered-in-error' : (status ?? 'final'), subject: who }, g.obs);
          break;
        case 'Procedure':
          Object.assign(r, {
            status: eie ? 'entered-in-error' : (status ?? 'completed'),
            subject: who,
            code: codeable,
          });
          if (g.variant === 0 && start) r.performedDateTime = start;
          else if (start || end) r.performedPeriod = { start, end };
          break;
        case 'MedicationRequest':
          Object.assign(r, {
            status: eie ? 'entered-in-error' : (status ?? 'active'),
            intent: 'order',
            subject: who,
            medicationCodeableConcept: codeable ?? { text: 'unknown' },
            authoredOn: start,
          });
          break;
        case 'Immunization':
          Object.assign(r, {
            status: eie ? 'entered-in-error' : (status ?? 'completed'),
            patient: who,
            vaccineCode: codeable ?? { text: 'unknown' },
            occurrenceDateTime: start ?? '2019',
          });
          break;
        case 'Encounter':
          Object.assign(r, {
            status: eie ? 'entered-in-error' : (status ?? 'finished'),
            subject: who,
            class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: CLASSES[g.variant] },
            type: codeable ? [codeable] : undefined,
            period: start || end ? { start, end } : undefined,
          });
          break;
        case 'EpisodeOfCare':
          Object.assign(r, {
            status: eie ? 'entered-in-error' : (status ?? 'active'),
            patient: who,
            type: codeable ? [codeable] : undefined,
            period: start || end ? { start, end } : undefined,
          });
          break;
        case 'Appointment':
          Object.assign(r, {
            status: eie ? 'entered-in-error' : (status ?? 'booked'),
            serviceType: codings.length ? [cc([codings[0]])] : undefined,
            reasonCode: codings.length > 1 ? [cc([codings[1]])] : undefined,
            start,
            end: start ? end : undefined,
            participant: [
              { actor: { reference: 'Practitioner/g1' }, status: 'accepted' },
              ...(who ? [{ actor: who, status: 'accepted' }] : []),
            ],
          });
          break;
      }
      const out = [r];
      if (t === 'Observation' && g.twin && r.valueQuantity)
        out.push({
          ...r,
          id: `${g.twin.prefix}${n}t`,
          valueQuantity: { ...r.valueQuantity, value: g.twin.value },
        });
      return out;
    });
}

/** Birth dates on, before and after the birthday that makes someone 18, 40, 65, 75…, some partial. */
function birthDateArb(asOf: number) {
  const today = localDate(asOf);
  return fc
    .record({
      age: fc.constantFrom(-1, 0, 17, 18, 40, 65, 70, 18, 39, 40, 64, 65, 74, 75),
      shift: fc.constantFrom(-1, 0, 1),
      precision: fc.nat(5),
    })
    .map(({ age, shift, precision }) => {
      const d = new Date(
        `${String(Number(today.slice(0, 4)) - age).padStart(4, '0')}${today.slice(4)}T00:00:00Z`,
      );
      const iso = new Date(d.getTime() + shift * DAY).toISOString();
      return precision === 0 ? iso.slice(0, 4) : precision === 1 ? iso.slice(0, 7) : iso.slice(0, 10);
    });
}

function patientArb(times: Times, id: string): fc.Arbitrary<FhirResource> {
  const address = fc.record(
    {
      use: fc.constantFrom('home', 'home', 'work', 'old'),
      postalCode: fc.constantFrom('413 01', '41301', '11122', '111 22', '75320'),
      city: fc.constantFrom('Göteborg', 'GÖTEBORG', 'Stockholm', 'Uppsala'),
      district: fc.constantFrom('Uppsala'),
      state: fc.constantFrom('Västra Götaland', 'Stockholm', 'Uppsala län'),
      period: fc.constantFrom({ end: '2019-01-01' }),
    },
    { requiredKeys: ['use'] },
  );
  const communication = fc.record(
    {
      language: fc
        .constantFrom('sv', 'sv-SE', 'en', 'EN-gb', 'ar', 'fi')
        .map((code) => cc([['urn:ietf:bcp:47', code]])),
      preferred: fc.boolean(),
    },
    { requiredKeys: ['language'] },
  );
  const deceased = fc.oneof(
    { arbitrary: fc.constant({}), weight: 6 },
    { arbitrary: fc.constant({ deceasedBoolean: true }), weight: 1 },
    { arbitrary: fc.constant({ deceasedBoolean: false }), weight: 1 },
    { arbitrary: timeArb(times).map((t) => ({ deceasedDateTime: fmt(t) })), weight: 2 },
  );
  return fc
    .record(
      {
        gender: fc.constantFrom('female', 'male', 'other', 'unknown'),
        birthDate: birthDateArb(times.asOf),
        address: fc.array(address, { maxLength: 2 }),
        communication: fc.array(communication, { maxLength: 2 }),
        managingOrganization: fc
          .constantFrom('Organization/o1', 'Organization/o2')
          .map((reference) => ({ reference })),
        generalPractitioner: fc.array(
          fc.constantFrom('Practitioner/g1', 'Practitioner/g2').map((reference) => ({ reference })),
          { minLength: 1, maxLength: 2 },
        ),
        deceased,
      },
      { requiredKeys: ['deceased'] },
    )
    .map(({ deceased: d, ...rest }) => {
      const r: FhirResource = { resourceType: 'Patient', id, ...rest, ...d };
      if (!r.address?.length) delete r.address;
      if (!r.communication?.length) delete r.communication;
      return r;
    });
}

/** 1–8 patients with 0–12 clinical resources each; resource ids are unique within the world. */
export function worldArb(asOf: number, windows: readonly Window[]): fc.Arbitrary<FhirResource[]> {
  const times = { asOf, edges: windowEdges(asOf, windows) };
  return (
    fc
      .array(fc.nat(12), { minLength: 1, maxLength: 8 })
      .chain((sizes) => {
        let n = 0;
        const parts = sizes.map((size, i) => {
          const id = `p${i}`;
          const clinical = Array.from({ length: size }, () => clinicalArb(times, id, n++));
          return fc.tuple(patientArb(times, id), ...clinical);
        });
        return fc.tuple(...parts);
      })
      // Plain JSON objects, as the store returns them (fast-check records may lack a prototype).
      .map((parts) => JSON.parse(JSON.stringify(parts.flat(2))) as FhirResource[])
  );
}
