import { lit } from '../compile.ts';
import type { ClinicalType } from '../definition.ts';
import { YEAR_ONE } from '../facts.ts';

/**
 * SELECTs that turn resources (a `json` column, one resource a row) into the
 * rows of segment_person and segment_fact, clause by clause as facts.ts does
 * (see the macros in macros.ts). Each resource is parsed once: one
 * json_extract with every path the type needs gives small JSON fragments;
 * the layers above read only those. A row whose resourceType is not the
 * file's type stops the build (error(), see `checked`); the caller turns that
 * into file:line.
 */
export const BAD_ROW = 'lake-row-not-a';

interface Paths {
  list: string[];
  /** The fragment at a path, as `v[i]`. */
  at(path: string): string;
}

/** '$.resourceType' is always v[1] (see parsed). */
function paths(): Paths {
  const list: string[] = ['$.resourceType'];
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

/**
 * A column behind the check that the row is a resource of the file's type.
 * Every column a filter reads carries it, so whichever filter the optimiser
 * runs first meets it (one checked column was skipped when a filter on
 * another column ran first).
 */
const checked = (type: string, value: string) =>
  `CASE WHEN lake_str(v[1]) = ${lit(type)} THEN ${value} ELSE error(${lit(`${BAD_ROW} ${type}`)}) END`;

const parsed = (p: Paths, source: string) =>
  `SELECT json_extract(json, ${listLit(p.list)}) AS v FROM (${source})`;

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

/**
 * segment_fact rows of one type's resources; `source` yields a `json` column.
 * Codings are unnested into rows before they are normalised: DuckDB inlines
 * a projection into every filter above it, so macros over a coding's
 * JSON were evaluated several times a row inside list lambdas (10× slower,
 * measured). A resource whose code has no valid coding keeps one row with
 * system and code '' (the placeholder `ph`), as facts.ts does.
 */
export function factSelect(type: ClinicalType, source: string): string {
  const spec = SPECS[type];
  const p = paths();
  const clinical = type === 'Condition' || type === 'AllergyIntolerance';
  const obs = type === 'Observation';
  const cols = [
    `${checked(type, str(p, '$.id'))} AS resource_id`,
    `${checked(type, `lake_patient(${patientRef(type, p)})`)} AS patient_id`,
    `${checked(type, str(p, '$.status'))} AS status_text`,
    clinical
      ? `lake_first_code(${items(p, '$.clinicalStatus.coding')}) AS clinical_status`
      : 'NULL AS clinical_status',
    clinical
      ? `${checked(type, `lake_first_code(${items(p, '$.verificationStatus.coding')})`)} AS verification`
      : 'NULL AS verification',
    ...spec.at.map((path, i) => `${str(p, path)} AS at_${i}`),
    ...spec.atEnd.map((path, i) => `${str(p, path)} AS end_${i}`),
    `${concat(spec.codes.map(([path, w]) => items(p, path, w)))} AS codings`,
    obs ? `${p.at('$.valueQuantity')} AS vq, ${items(p, '$.component')} AS comps` : '',
  ].filter(Boolean);
  const any = `coalesce(list_bool_or(list_transform(codings, lambda c: lake_valid_coding(c))), false)`;
  const main = `{'codings': CASE WHEN ${any} THEN codings ELSE ['null'::JSON] END, 'q': ${obs ? 'vq' : 'NULL::JSON'}, 'ph': NOT ${any}}`;
  // Components (blood pressure…) are indexed under their own codes, with their own values.
  const groups = obs
    ? `list_concat([${main}], list_transform(comps, lambda k: {'codings': lake_items(json_extract(k, '$.code.coding'), '$[*]'),
        'q': json_extract(k, '$.valueQuantity'), 'ph': false}))`
    : `[${main}]`;
  const keep = 'patient_id, resource_id, status, "at", at_end';
  const dates = [...spec.at.map((_, i) => `at_${i}`), ...spec.atEnd.map((_, i) => `end_${i}`)];
  return `WITH resources AS (
    SELECT ${cols.join(',\n      ')}
    FROM (${parsed(p, source)})
  ), kept AS (
    SELECT patient_id, resource_id, ${clinical ? 'clinical_status' : 'status_text'} AS status, ${dates.join(', ')}, codings${obs ? ', vq, comps' : ''}
    FROM resources
    -- Entered-in-error resources never count.
    WHERE status_text IS DISTINCT FROM 'entered-in-error' AND verification IS DISTINCT FROM 'entered-in-error'
      AND patient_id IS NOT NULL AND resource_id IS NOT NULL
  ), grouped AS (
    SELECT patient_id, resource_id, status,
      ${firstStart(spec.at.map((_, i) => `at_${i}`))} AS "at",
      ${firstStart(spec.atEnd.map((_, i) => `end_${i}`))} AS at_end,
      ${groups} AS groups
    FROM kept
  ), coded AS (
    SELECT ${keep}, json_extract(x, ['$.system', '$.code']) AS x, json_extract(q, ['$.value', '$.code', '$.unit']) AS q, ph
    FROM (SELECT ${keep}, unnest(g.codings) AS x, g.q AS q, g.ph AS ph FROM (SELECT ${keep}, unnest(groups) AS g FROM grouped))
  ), valid AS (
    -- quantity() of facts.ts: a finite number value, and the unit from code, else unit.
    SELECT ${keep}, ph, lake_str(x[1]) AS s, lake_trim(lake_str(x[2])) AS c,
      lake_num(q[1]) AS qv, lake_unit(coalesce(lake_str(q[2]), lake_str(q[3]))) AS qu
    FROM coded
  ), normalised AS (
    SELECT ${keep}, qv, qu,
      CASE WHEN ph THEN '' ELSE lake_system(s) END AS system,
      CASE WHEN ph THEN '' ELSE lake_code(lake_system(s), c) END AS code
    FROM valid
    WHERE ph OR (s IS NOT NULL AND c <> '')
  )
  -- A coding listed twice (or a component coded as its panel, with the same value) is one fact.
  SELECT DISTINCT patient_id, ${lit(type)} AS resource_type, resource_id, system, code, status, "at", at_end,
    CASE WHEN qv IS NOT NULL THEN lake_value(system, code, qv, qu) END AS value,
    CASE WHEN qv IS NOT NULL THEN lake_value_unit(system, code, qu) END AS unit
  FROM normalised`;
}

const concat = (lists: string[]) => (lists.length === 1 ? lists[0] : `list_concat(${lists.join(', ')})`);
const listLit = (xs: string[]) => `[${xs.map(lit).join(', ')}]`;

/** segment_person rows of Patient resources, as personRow. */
export function personSelect(source: string): string {
  const p = paths();
  const cols = [
    `${checked('Patient', str(p, '$.id'))} AS patient_id`,
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
  FROM (SELECT ${cols.join(',\n    ')} FROM (${parsed(p, source)}))
  WHERE patient_id IS NOT NULL`;
}
