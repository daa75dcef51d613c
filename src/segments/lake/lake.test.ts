import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDateRange } from '../../fhir/dates.ts';
import { CODE_SYSTEMS, canonicalSystem, normaliseCode } from '../codes.ts';
import { CLINICAL_TYPES, type ClinicalType } from '../definition.ts';
import { clinicalFacts, fold, personRow } from '../facts.ts';
import { storedValue, UNIT_ALIASES } from '../units.ts';
import { openLake } from './index.ts';
import { registerJsText } from './js-text.ts';
import { lakeMacros } from './macros.ts';

/**
 * The SQL of lake mode against the TypeScript it repeats: macros one by one
 * on random strings, then random resources (valid and odd) through a real
 * lake against facts.ts, row for row.
 */
const SPACES = [' ', '\t', '\n', '\u000b', '\u00a0', '\u2003', '\u3000', '\ufeff'];
const text = (chars: string[], max = 8) =>
  fc.array(fc.constantFrom(...chars), { maxLength: max }).map((a) => a.join(''));
const codeText = text([...SPACES, '.', 'e', 'E', '1', '9', 'ß', 'ǆ', 'ﬁ', 'é', 'Σ', 'İ', 'x', '-']);
const d2 = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
const dateText = fc.oneof(
  fc
    .tuple(
      fc.integer({ min: 0, max: 9999 }),
      d2(13),
      d2(33),
      d2(25),
      d2(61),
      d2(61),
      fc.string({ unit: fc.constantFrom('0', '5', '9'), minLength: 1, maxLength: 9 }),
      fc.constantFrom('', 'Z', '+01:00', '-05:30', '+14:00', '-99:99'),
      fc.integer({ min: 0, max: 5 }),
    )
    .map(([y, mo, d, h, mi, s, frac, tz, depth]) => {
      const parts = [String(y).padStart(4, '0'), `-${mo}`, `-${d}`, `T${h}:${mi}`, `:${s}`, `.${frac}`]
        .slice(0, depth + 1)
        .join('');
      return depth >= 3 ? parts + tz : parts;
    }),
  fc.string({ maxLength: 30 }),
);

let duck: DuckDBInstance;
let c: DuckDBConnection;
beforeAll(async () => {
  duck = await DuckDBInstance.create(':memory:');
  c = await duck.connect();
  registerJsText(c);
  for (const m of lakeMacros()) await c.run(m);
});
afterAll(() => {
  c?.closeSync();
  duck?.closeSync();
});

/** One query for many inputs: each row of `inputs` is bound as $1… and `expr` read back. */
async function sqlEach(expr: string, inputs: unknown[][]): Promise<unknown[]> {
  const rows = inputs.map((xs) => `(${xs.map((x) => sqlLit(x)).join(', ')})`).join(', ');
  const cols = inputs[0].map((_, i) => `a${i + 1}`).join(', ');
  // A single-threaded VALUES scan keeps its order.
  const r = await c.runAndReadAll(`SELECT ${expr} AS out FROM (VALUES ${rows}) AS t(${cols})`);
  return r.getRowObjectsJS().map((x) => (typeof x.out === 'bigint' ? Number(x.out) : x.out));
}
/** For text results: node-api drops a leading U+FEFF when it decodes VARCHAR, so the text comes back behind a '0'. */
async function sqlText(expr: string, inputs: unknown[][]): Promise<unknown[]> {
  return (await sqlEach(`'0' || (${expr})`, inputs)).map((x) => (typeof x === 'string' ? x.slice(1) : x));
}
const sqlLit = (x: unknown) =>
  x === null || x === undefined
    ? 'NULL'
    : typeof x === 'number'
      ? `'${x}'::DOUBLE` // from text: a bare literal is a DECIMAL first
      : `'${String(x).replaceAll("'", "''")}'`;

describe('lake macros, against the TypeScript they repeat', () => {
  it('lake_start is parseDateRange(s).lo', async () => {
    const samples = fc.sample(dateText, { numRuns: 4000, seed: 5 });
    const got = await sqlEach(
      'lake_start(a1)',
      samples.map((s) => [s]),
    );
    expect(got).toEqual(samples.map((s) => parseDateRange(s)?.lo ?? null));
  });

  it('lake_system and lake_code are canonicalSystem and normaliseCode of a trimmed code', async () => {
    const names = CODE_SYSTEMS.flatMap((s) => [s.alias, s.uri, ...(s.also ?? [])]);
    const pairs = fc.sample(
      fc.tuple(fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 5 })), codeText),
      { numRuns: 2000, seed: 7 },
    );
    const got = await sqlText("lake_system(a1) || '|' || lake_code(lake_system(a1), lake_trim(a2))", pairs);
    expect(got).toEqual(
      pairs.map(([s, code]) => `${canonicalSystem(s)}|${normaliseCode(canonicalSystem(s), code)}`),
    );
  });

  it('lake_value and lake_value_unit are storedValue', async () => {
    const units = [
      ...Object.keys(UNIT_ALIASES),
      ...Object.keys(UNIT_ALIASES).map((u) => ` ${u.toUpperCase()}\u00a0`),
      'kg',
      'ﬁ',
      'K',
    ];
    const codes = ['4548-4', '59261-8', '2339-0', '8480-6', '2345-7'];
    const rows = fc.sample(
      fc.tuple(
        fc.constantFrom('http://loinc.org', 'http://snomed.info/sct'),
        fc.constantFrom(...codes),
        fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map((x) => x || 0),
        fc.option(fc.constantFrom(...units)),
      ),
      { numRuns: 2000, seed: 11 },
    );
    const got = await sqlEach(
      'struct_pack(v := lake_value(a1, a2, a3, lake_unit(a4)), u := lake_value_unit(a1, a2, lake_unit(a4)))',
      rows,
    );
    expect(got).toEqual(
      rows.map(([s, code, v, u]) => ({
        ...((x) => ({ v: x.value, u: x.unit }))(storedValue(s, code, v, u ?? undefined)),
      })),
    );
  });

  it('lake_fold and lake_lower are fold and toLowerCase (full Unicode case mapping)', async () => {
    const samples = fc.sample(text([...SPACES, 'Ö', 'Å', 'Σ', 'İ', 'a', 'B', 'ß']), {
      numRuns: 1000,
      seed: 3,
    });
    expect(
      await sqlText(
        'lake_fold(a1)',
        samples.map((s) => [s]),
      ),
    ).toEqual(samples.map((s) => fold(s)));
    expect(
      await sqlText(
        'lake_lower(a1)',
        samples.map((s) => [s]),
      ),
    ).toEqual(samples.map((s) => s.toLowerCase()));
  });
});

/** Resources with the oddities facts.ts handles: blank and duplicate codings, entered-in-error, partial dates, components. */
const coding = fc.record(
  {
    system: fc.oneof(
      fc.constantFrom(
        'http://loinc.org',
        'icd10',
        'http://hl7.org/fhir/sid/icd-10-se',
        'http://snomed.info/sct',
        '',
      ),
      fc.constant(5),
    ),
    code: fc.oneof(
      fc.constantFrom('4548-4', '59261-8', '2339-0', 'e11.9', 'E119', ' 8480-6 ', '  ', 'J45'),
      codeText,
      fc.constant(7),
    ),
  },
  { requiredKeys: [] },
);
const concept = fc.record({ coding: fc.array(coding, { maxLength: 3 }) }, { requiredKeys: [] });
const quantity = fc.record(
  {
    value: fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -500, max: 500 }),
      fc.constant('7'),
    ),
    unit: fc.constantFrom('%', 'mg/dL', ' MMOL/L', 'kg'),
    code: fc.constantFrom('%', 'mmol/mol', 'mg/dl', 'mm[Hg]'),
  },
  { requiredKeys: [] },
);
const rare = <A, B>(usual: fc.Arbitrary<A>, odd: fc.Arbitrary<B>): fc.Arbitrary<A | B> =>
  fc.oneof({ arbitrary: usual, weight: 8 }, { arbitrary: odd, weight: 1 });
const ref = rare(
  fc.constantFrom('Patient/p1', 'Patient/p2'),
  fc.constantFrom('Patient/', 'Patient/a/b', 'Group/g', 'p3'),
);
const status = fc.constantFrom('final', 'active', 'entered-in-error', 'booked', 'noshow');
const resource = fc.record({
  type: fc.constantFrom(...CLINICAL_TYPES),
  id: rare(fc.uuid(), fc.constant(3)),
  ref,
  status: fc.option(status),
  date: fc.option(dateText),
  date2: fc.option(dateText),
  code: concept,
  codes: fc.array(concept, { maxLength: 2 }),
  clinical: fc.option(fc.constantFrom('active', 'remission', 'entered-in-error')),
  value: fc.option(quantity),
  component: fc.array(fc.record({ code: concept, valueQuantity: fc.option(quantity) }), { maxLength: 2 }),
});

type Drawn = typeof resource extends fc.Arbitrary<infer T> ? T : never;

function fhir(r: Drawn): Record<string, unknown> {
  const subject = { reference: r.ref };
  const base: Record<string, unknown> = {
    resourceType: r.type,
    id: r.id,
    ...(r.status ? { status: r.status } : {}),
  };
  const date = r.date ?? undefined;
  switch (r.type as ClinicalType) {
    case 'Condition':
      return {
        ...base,
        subject,
        code: r.code,
        onsetPeriod: { start: date },
        recordedDate: r.date2,
        abatementDateTime: r.date2,
        clinicalStatus: { coding: [{ code: 5 }, { code: r.clinical }] },
        verificationStatus: { coding: [{ code: r.clinical }] },
      };
    case 'Observation':
      return {
        ...base,
        subject,
        code: r.code,
        effectiveDateTime: date,
        issued: r.date2,
        valueQuantity: r.value ?? undefined,
        component: r.component,
      };
    case 'Procedure':
      return { ...base, subject, code: r.code, performedPeriod: { start: date, end: r.date2 } };
    case 'MedicationRequest':
      return { ...base, subject, medicationCodeableConcept: r.code, authoredOn: date };
    case 'Immunization':
      return { ...base, patient: subject, vaccineCode: r.code, occurrenceDateTime: date };
    case 'AllergyIntolerance':
      return {
        ...base,
        patient: subject,
        code: r.code,
        onsetDateTime: date,
        recordedDate: r.date2,
        verificationStatus: { coding: [{ code: r.clinical }] },
      };
    case 'Encounter':
      return {
        ...base,
        subject,
        type: r.codes,
        class: r.code.coding?.[0],
        period: { start: date, end: r.date2 },
      };
    case 'EpisodeOfCare':
      return { ...base, patient: subject, type: r.codes, period: { start: date } };
    case 'Appointment':
      return {
        ...base,
        participant: [{ actor: { reference: 'Practitioner/x' } }, { actor: subject }],
        serviceType: r.codes,
        appointmentType: r.code,
        start: date,
        end: r.date2,
      };
  }
}

const person = fc.record({
  id: rare(fc.uuid(), fc.constant(1)),
  birthDate: fc.option(fc.constantFrom('1950', '1950-07', '1950-07-14', '1950-07-14T10:00:00Z', 'x')),
  gender: fc.option(fc.constantFrom('female', 'male', 'other')),
  address: fc.array(
    fc.record(
      {
        use: fc.constantFrom('home', 'work', 'old'),
        period: fc.record({ end: fc.constantFrom('', '2020', 0) }, { requiredKeys: [] }),
        postalCode: fc.constantFrom('113 51', ' 41\u00a0301', '', '752 37'),
        district: fc.oneof(
          fc.constantFrom('', 'Solna', ' GÖTEBORG ', 'ΣΟΦΊΑ', 'ΟΔΟΣ ', 'İSTANBUL'),
          fc.constant(null),
        ),
        city: fc.constantFrom('Uppsala', 'Malmö'),
        state: fc.constantFrom('Skåne', ' VÄSTRA GÖTALAND'),
      },
      { requiredKeys: [] },
    ),
    { maxLength: 3 },
  ),
  communication: fc.array(
    fc.record(
      {
        preferred: fc.constantFrom(true, false, 0, 'yes'),
        language: fc.record({
          coding: fc.array(
            fc.record({ code: fc.constantFrom('sv-SE', 'EN', 'ar', 7) }, { requiredKeys: [] }),
            { maxLength: 2 },
          ),
        }),
      },
      { requiredKeys: [] },
    ),
    { maxLength: 2 },
  ),
  managingOrganization: fc.option(
    fc.record({ reference: fc.constantFrom('Organization/o1', 'Organization/o2') }),
  ),
  generalPractitioner: fc.array(fc.record({ reference: fc.constantFrom('Practitioner/g1') }), {
    maxLength: 1,
  }),
  deceasedDateTime: fc.option(dateText),
  deceasedBoolean: fc.option(fc.constantFrom(true, false)),
});

describe('lake index rows against facts.ts on random resources', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lake-rows-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('gives the same segment_person and segment_fact rows, row for row', async () => {
    const people = fc
      .sample(person, { numRuns: 300, seed: 21 })
      .map((p) => ({ resourceType: 'Patient', ...p }));
    const resources = fc.sample(resource, { numRuns: 1500, seed: 22 }).map(fhir);
    // JSON drops undefined; the lake reads what a file would hold.
    const roundTrip = <T>(xs: T[]) => xs.map((x) => JSON.parse(JSON.stringify(x)));
    fs.writeFileSync(path.join(tmp, 'Patient.ndjson'), people.map((p) => JSON.stringify(p)).join('\n'));
    for (const t of CLINICAL_TYPES)
      fs.writeFileSync(
        path.join(tmp, `${t}.ndjson`),
        resources
          .filter((r) => r.resourceType === t)
          .map((r) => JSON.stringify(r))
          .join('\n'),
      );
    const lake = await openLake(tmp);
    try {
      const personCols = Object.keys(personRow({ id: 'x' })!);
      const factCols = [
        'patient_id',
        'resource_type',
        'resource_id',
        'system',
        'code',
        'status',
        'at',
        'at_end',
        'value',
        'unit',
      ];
      const key = (cols: string[]) => (r: object) =>
        JSON.stringify(
          cols.map((k) => (r as Record<string, unknown>)[k]),
          (_, v) => (typeof v === 'bigint' ? Number(v) : v),
        );
      const persons = roundTrip(people).flatMap((p) => {
        const row = personRow(p);
        return row ? [key(personCols)(row)] : [];
      });
      const facts = roundTrip(resources).flatMap((r) => clinicalFacts(r.resourceType, r).map(key(factCols)));
      // Text behind a '0' (see sqlText), so a code that starts with U+FEFF after its dots go reads back whole.
      const NUMERIC = new Set(['at', 'at_end', 'value', 'deceased_at']);
      const read = async (table: string, cols: string[]) =>
        (
          await lake.query(`SELECT ${cols.map((c) => `'0' || "${c}" AS "${c}"`).join(', ')} FROM ${table}`)
        ).map((r) =>
          Object.fromEntries(
            Object.entries(r).map(([k, v]) => [
              k,
              v === null ? null : NUMERIC.has(k) ? Number(String(v).slice(1)) : String(v).slice(1),
            ]),
          ),
        );
      expect((await read('segment_person', personCols)).map(key(personCols)).sort()).toEqual(persons.sort());
      expect((await read('segment_fact', factCols)).map(key(factCols)).sort()).toEqual(facts.sort());
      // The sample reaches every branch: values converted, placeholders, non-ASCII codes, people of every shape.
      const rows = facts.map((f) => JSON.parse(f));
      expect(rows.length).toBeGreaterThan(800);
      expect(rows.filter((r) => r[9] === 'mmol/mol').length).toBeGreaterThan(5);
      expect(rows.filter((r) => r[3] === '' && r[4] === '').length).toBeGreaterThan(50);
      expect(
        rows.filter((r) => [...r[4]].some((ch: string) => ch.charCodeAt(0) > 127)).length,
      ).toBeGreaterThan(20);
      expect(persons.length).toBeGreaterThan(200);
    } finally {
      await lake.close();
    }
  });
});
