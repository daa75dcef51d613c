import { lit } from '../compile.ts';
import type { ClinicalType } from '../definition.ts';
import { YEAR_ONE } from '../facts.ts';

/**
 * SELECTs that turn resources (a `json` column, one resource a row) into the
 * rows of segment_person and segment_fact, clause by clause as facts.ts does
 * (see the macros in macros.ts). Each resource is parsed once: one
 * json_extract with every path the type needs gives small JSON fragments;
 * the layers above read only those. A row whose resourceType is not the
 * file's type stops the build (error() in the SELECT list, so no filter can
 * skip it); the caller turns that into file:line.
 */
export const BAD_ROW = 'lake-row-not-a';

interface Paths {
  list: string[];
  /** The fragment at a path, as `v[i]`. */
  at(path: string): string;
}

function paths(): Paths {
  const list: string[] = [];
  return {
    list,
    at(path) {
      let i = list.indexOf(path);
      if (i < 0) i = list.push(path) - 1;
      return `v[${i + 1}]`;
    },
  };
}

const str = (p: Paths, path: string) => `lake_str(${p.at(path)})`;
const items = (p: Paths, path: string, wildcard = '$[*]') =>
  wildcard === '$' ? `[${p.at(path)}]` : `lake_items(${p.at(path)}, '${wildcard}')`;

/** The first instant of the first of these elements that parses, as `start(a) ?? start(b)`. */
const firstStart = (cols: string[]) =>
  cols.length ? `coalesce(${cols.map((c) => `lake_start(${c})`).join(', ')})` : 'NULL::BIGINT';

interface Spec {
  at: string[];
  atEnd: string[];
  /** JSON lists of Codings: [path, wildcard inside it]. */
  codes: Array<[string, string]>;
}

const SPECS: Record<ClinicalType, Spec> = {
  Condition: {
    at: ['$.onsetDateTime', '$.onsetPeriod.start', '$.recordedDate'],
    atEnd: ['$.abatementDateTime'],
    codes: [['$.code.coding', '$[*]']],
  },
  Observation: {
    at: ['$.effectiveDateTime', '$.effectivePeriod.start', '$.effectiveInstant', '$.issued'],
    atEnd: [],
    codes: [['$.code.coding', '$[*]']],
  },
  Procedure: {
    at: ['$.performedDateTime', '$.performedPeriod.start'],
    atEnd: ['$.performedPeriod.end'],
    codes: [['$.code.coding', '$[*]']],
  },
  MedicationRequest: {
    at: ['$.authoredOn'],
    atEnd: [],
    codes: [['$.medicationCodeableConcept.coding', '$[*]']],
  },
  Immunization: { at: ['$.occurrenceDateTime'], atEnd: [], codes: [['$.vaccineCode.coding', '$[*]']] },
  AllergyIntolerance: {
    at: ['$.onsetDateTime', '$.recordedDate'],
    atEnd: [],
    codes: [['$.code.coding', '$[*]']],
  },
  // The class (inpatient, emergency…) is a Coding itself: '$' makes it a list of one.
  Encounter: {
    at: ['$.period.start'],
    atEnd: ['$.period.end'],
    codes: [
      ['$.type', '$[*].coding[*]'],
      ['$.class', '$'],
    ],
  },
  EpisodeOfCare: { at: ['$.period.start'], atEnd: ['$.period.end'], codes: [['$.type', '$[*].coding[*]']] },
  Appointment: {
    at: ['$.start'],
    atEnd: ['$.end'],
    codes: [
      ['$.serviceType', '$[*].coding[*]'],
      ['$.appointmentType.coding', '$[*]'],
      ['$.reasonCode', '$[*].coding[*]'],
    ],
  },
};

/** The check that makes a row of another type (or not an object) fail the build. */
const checked = (p: Paths, type: string, value: string) =>
  `CASE WHEN ${str(p, '$.resourceType')} = ${lit(type)} THEN ${value} ELSE error(${lit(`${BAD_ROW} ${type}`)}) END`;

function patientRef(type: ClinicalType, p: Paths): string {
  if (type === 'Appointment')
    return `list_filter(list_transform(${items(p, '$.participant')}, lambda x: lake_str(json_extract(x, '$.actor.reference'))),
      lambda r: starts_with(r, 'Patient/'))[1]`;
  const path =
    type === 'Immunization' || type === 'AllergyIntolerance' || type === 'EpisodeOfCare'
      ? '$.patient.reference'
      : '$.subject.reference';
  return str(p, path);
}

/** segment_fact rows of one type's resources; `source` yields a `json` column. */
export function factSelect(type: ClinicalType, source: string): string {
  const spec = SPECS[type];
  const p = paths();
  const clinical = type === 'Condition' || type === 'AllergyIntolerance';
  const cols = [
    `${checked(p, type, str(p, '$.id'))} AS resource_id`,
    `${patientRef(type, p)} AS ref`,
    `${str(p, '$.status')} AS status_text`,
    clinical
      ? `lake_first_code(${items(p, '$.clinicalStatus.coding')}) AS clinical_status`
      : 'NULL AS clinical_status',
    clinical
      ? `lake_first_code(${items(p, '$.verificationStatus.coding')}) AS verification`
      : 'NULL AS verification',
    ...spec.at.map((path, i) => `${str(p, path)} AS at_${i}`),
    ...spec.atEnd.map((path, i) => `${str(p, path)} AS end_${i}`),
    `${concat(spec.codes.map(([path, w]) => items(p, path, w)))} AS codings`,
    type === 'Observation' ? `${p.at('$.valueQuantity')} AS vq, ${items(p, '$.component')} AS comps` : '',
  ].filter(Boolean);
  const main = `CASE WHEN len(codes) = 0 THEN [{'system': '', 'code': ''}] ELSE codes END`;
  const noValue = (list: string) =>
    `list_transform(${list}, lambda c: {'system': c.system, 'code': c.code, 'value': NULL::DOUBLE, 'unit': NULL::VARCHAR})`;
  // quantity() of facts.ts: a finite number value, and the unit from code, else unit.
  const q = (j: string) =>
    `{'v': lake_num(json_extract(${j}, '$.value')), 'u': lake_unit(coalesce(lake_str(json_extract(${j}, '$.code')), lake_str(json_extract(${j}, '$.unit'))))}`;
  const withValue = (list: string, g: string) =>
    `list_transform(${list}, lambda c: {'system': c.system, 'code': c.code,
      'value': CASE WHEN ${g}.v IS NULL THEN NULL ELSE lake_value(c.system, c.code, ${g}.v, ${g}.u) END,
      'unit': CASE WHEN ${g}.v IS NULL THEN NULL ELSE lake_value_unit(c.system, c.code, ${g}.u) END})`;
  const facts =
    type === 'Observation'
      ? // Components (blood pressure…) are indexed under their own codes, with their own values.
        `list_concat(${withValue(main, 'mq')}, flatten(list_transform(
          list_filter(list_transform(comps, lambda k: {'codes': lake_codings(lake_items(json_extract(k, '$.code.coding'), '$[*]')), 'q': ${q('k')}}), lambda g: len(g.codes) > 0),
          lambda g: ${withValue('g.codes', 'g.q')})))`
      : noValue(main);
  return `SELECT patient_id, ${lit(type)} AS resource_type, resource_id, f.system, f.code, status, at, at_end, f.value, f.unit
FROM (
  SELECT patient_id, resource_id, status, at, at_end, unnest(list_distinct(${facts})) AS f
  FROM (
    SELECT lake_patient(ref) AS patient_id, resource_id,
      ${clinical ? 'clinical_status' : 'status_text'} AS status,
      ${firstStart(spec.at.map((_, i) => `at_${i}`))} AS at,
      ${firstStart(spec.atEnd.map((_, i) => `end_${i}`))} AS at_end,
      lake_codings(codings) AS codes${type === 'Observation' ? `, ${q('vq')} AS mq, comps` : ''}
    FROM (SELECT ${cols.join(',\n      ')} FROM (SELECT json_extract(json, ${listLit(p.list)}) AS v FROM (${source})))
    -- Entered-in-error resources never count.
    WHERE status_text IS DISTINCT FROM 'entered-in-error' AND verification IS DISTINCT FROM 'entered-in-error'
  )
  WHERE patient_id IS NOT NULL AND resource_id IS NOT NULL
)`;
}

const concat = (lists: string[]) => (lists.length === 1 ? lists[0] : `list_concat(${lists.join(', ')})`);
const listLit = (xs: string[]) => `[${xs.map(lit).join(', ')}]`;

/** segment_person rows of Patient resources, as personRow. */
export function personSelect(source: string): string {
  const p = paths();
  const cols = [
    `${checked(p, 'Patient', str(p, '$.id'))} AS patient_id`,
    `${str(p, '$.birthDate')} AS birth_text`,
    `${str(p, '$.gender')} AS gender`,
    // The current home address, else the first.
    `coalesce(list_filter(${items(p, '$.address')}, lambda a: lake_str(json_extract(a, '$.use')) = 'home'
       AND lake_falsy(json_extract(a, '$.period.end')))[1], ${items(p, '$.address')}[1]) AS addr`,
    `coalesce(list_filter(${items(p, '$.communication')}, lambda c: NOT lake_falsy(json_extract(c, '$.preferred')))[1],
       ${items(p, '$.communication')}[1]) AS comm`,
    `${str(p, '$.managingOrganization.reference')} AS org_ref`,
    `${str(p, '$.generalPractitioner[0].reference')} AS gp_ref`,
    `${str(p, '$.deceasedDateTime')} AS deceased_text`,
    `${p.at('$.deceasedBoolean')} AS deceased_flag`,
  ];
  // `district ?? city`: an empty district does not fall back to the city.
  const district = `json_extract(addr, '$.district')`;
  const place = `lake_str(CASE WHEN ${district} IS NOT NULL AND json_type(${district}) <> 'NULL' THEN ${district} ELSE json_extract(addr, '$.city') END)`;
  const lang = `lake_first_code(lake_items(json_extract(comm, '$.language.coding'), '$[*]'))`;
  return `SELECT patient_id,
    CASE WHEN birth_text IS NOT NULL THEN lake_birth_date(birth_text) END AS birth_date,
    gender,
    nullif(lake_nospace(lake_str(json_extract(addr, '$.postalCode'))), '') AS postal_code,
    lake_fold(${place}) AS municipality,
    lake_fold(lake_str(json_extract(addr, '$.state'))) AS region,
    split_part(lake_lower(${lang}), '-', 1) AS language,
    org_ref, gp_ref,
    CASE WHEN deceased_text IS NOT NULL THEN lake_start(deceased_text)
         WHEN deceased_flag::VARCHAR = 'true' THEN ${YEAR_ONE} END AS deceased_at
  FROM (SELECT ${cols.join(',\n    ')} FROM (SELECT json_extract(json, ${listLit(p.list)}) AS v FROM (${source})))
  WHERE patient_id IS NOT NULL`;
}
