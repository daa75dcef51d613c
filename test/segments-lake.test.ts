import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleEntries } from '../src/fhir/import/bundle-entries.ts';
import { importPaths } from '../src/fhir/import/import-paths.ts';
import { generatePopulation } from '../src/generate/index.ts';
import { DEFAULT_AS_OF } from '../src/generate/population.ts';
import { UnsupportedInDialect } from '../src/segments/compile.ts';
import { CLINICAL_TYPES, type Definition, type Node } from '../src/segments/definition.ts';
import {
  compileStored,
  type EvalContext,
  evaluateFunnel,
  evaluateMembers,
} from '../src/segments/evaluate.ts';
import { clinicalFacts, isClinicalType, personRow } from '../src/segments/facts.ts';
import { type Lake, LakeError, openLake } from '../src/segments/lake/index.ts';
import { rebuildSegmentIndex } from '../src/segments/projection.ts';
import { TEMPLATES } from '../src/segments/templates.ts';
import { type TestEnv, testEnv } from './helpers.ts';
import { unpackSynthea } from './synthea.ts';

/**
 * Lake mode (issue 5): the same definitions over a folder of NDJSON or
 * Parquet that was never imported give the same members and funnel as the
 * stored index built from the same files by import + rebuildSegmentIndex.
 * The lake's index rows are also compared one by one with facts.ts.
 */
/** The files of a folder that lake mode reads (and this test imports into the store). */
const TYPES = ['Patient', ...CLINICAL_TYPES];
const lakeTypes = (dir: string) =>
  fs
    .readdirSync(dir)
    .filter((f) => TYPES.includes(f.split('.')[0]))
    .map((f) => path.join(dir, f));

const def = (root: Node, includeDeceased?: boolean): Definition => ({
  version: 1,
  root,
  ...(includeDeceased ? { includeDeceased } : {}),
});
const and = (...children: Node[]): Node => ({ kind: 'and', children });
const or = (...children: Node[]): Node => ({ kind: 'or', children });
const not = (child: Node): Node => ({ kind: 'not', child });
const hba1c = [{ system: 'loinc', codes: ['4548-4', '59261-8', '17856-6'] }];

/** Every rule kind lake mode evaluates, on the generated Swedish population. */
const GENERATED: Array<[string, Definition]> = [
  ['women 40–74', def(and({ kind: 'age', min: 40, max: 74 }, { kind: 'gender', values: ['female'] }))],
  ['children', def({ kind: 'age', max: 17 })],
  [
    'municipality, any case',
    def({ kind: 'place', field: 'municipality', values: ['Solna', 'UPPSALA', 'göteborg'] }),
  ],
  ['postal code prefixes', def({ kind: 'place', field: 'postalCode', values: ['1', '75 3', '41'] })],
  ['region (none in this data)', def({ kind: 'place', field: 'region', values: ['Skåne'] })],
  ['language sv-SE or ar', def({ kind: 'language', values: ['sv-SE', 'ar'] })],
  ['not Swedish-speaking', def(not({ kind: 'language', values: ['sv'] }))],
  ['care unit by organisation and GP', def({ kind: 'careUnit', units: ['unit-a', 'unit-gp'] })],
  ['deceased, counting the dead', def({ kind: 'deceased' }, true)],
  ['the living only (deceased rule false)', def(or({ kind: 'deceased' }, { kind: 'age', min: 80 }))],
  [
    'type 2 diabetes (ICD-10 E11*), active',
    def({
      kind: 'clinical',
      resource: 'Condition',
      codes: [{ system: 'icd10', codes: ['E11'], descendants: true }],
      status: ['active'],
    }),
  ],
  [
    'hypertension in the last 5 years',
    def({
      kind: 'clinical',
      resource: 'Condition',
      codes: [{ system: 'snomed', codes: ['38341003'] }],
      window: { kind: 'last', amount: 5, unit: 'years' },
    }),
  ],
  [
    'adults who never had asthma',
    def(
      and(
        { kind: 'age', min: 18 },
        {
          kind: 'clinical',
          resource: 'Condition',
          codes: [{ system: 'icd10', codes: ['J45'] }],
          count: { max: 0 },
        },
      ),
    ),
  ],
  [
    'inpatient discharge in the last 24 months',
    def({
      kind: 'clinical',
      resource: 'Encounter',
      codes: [{ system: 'encounter-class', codes: ['IMP'] }],
      window: { kind: 'last', amount: 24, unit: 'months' },
      timeOf: 'end',
    }),
  ],
  [
    'two or more no-shows in 12 months',
    def({
      kind: 'clinical',
      resource: 'Appointment',
      status: ['noshow'],
      window: { kind: 'last', amount: 12, unit: 'months' },
      count: { min: 2 },
    }),
  ],
  [
    'booked appointment in the next 30 days',
    def({
      kind: 'clinical',
      resource: 'Appointment',
      status: ['booked'],
      window: { kind: 'next', amount: 30, unit: 'days' },
    }),
  ],
  [
    'influenza vaccine this season',
    def({
      kind: 'clinical',
      resource: 'Immunization',
      codes: [{ system: 'cvx', codes: ['141'] }],
      window: { kind: 'season', month: 10, day: 1 },
    }),
  ],
  [
    'on diabetes drugs (ATC A10*)',
    def({
      kind: 'clinical',
      resource: 'MedicationRequest',
      codes: [{ system: 'atc', codes: ['A10'], descendants: true }],
      status: ['active'],
    }),
  ],
  [
    '1–3 procedures between 2020 and 2025',
    def({
      kind: 'clinical',
      resource: 'Procedure',
      window: { kind: 'between', from: '2020-01-01', to: '2025-12-31' },
      count: { min: 1, max: 3 },
    }),
  ],
  [
    'diabetes episode since 2018',
    def({
      kind: 'clinical',
      resource: 'EpisodeOfCare',
      codes: [{ system: 'episode-type', codes: ['diab'] }],
      window: { kind: 'since', date: '2018-01-01' },
    }),
  ],
  ['any allergy', def({ kind: 'clinical', resource: 'AllergyIntolerance' })],
  [
    'latest HbA1c above 7 %',
    def({ kind: 'observation', codes: hba1c, aggregate: 'latest', comparator: 'gt', value: 7, unit: '%' }),
  ],
  [
    'any HbA1c of 70 mmol/mol or more in 24 months',
    def({
      kind: 'observation',
      codes: hba1c,
      aggregate: 'any',
      comparator: 'ge',
      value: 70,
      unit: 'mmol/mol',
      window: { kind: 'last', amount: 24, unit: 'months' },
    }),
  ],
  [
    'highest systolic over 140 in 12 months',
    def({
      kind: 'observation',
      codes: [{ system: 'loinc', codes: ['8480-6'] }],
      aggregate: 'max',
      comparator: 'gt',
      value: 140,
      unit: 'mm[Hg]',
      window: { kind: 'last', amount: 12, unit: 'months' },
    }),
  ],
  [
    'lowest diastolic under 60 (unit alias mmHg)',
    def({
      kind: 'observation',
      codes: [{ system: 'loinc', codes: ['8462-4'] }],
      aggregate: 'min',
      comparator: 'lt',
      value: 60,
      unit: 'mmHg',
    }),
  ],
  [
    'average BMI 30 or more',
    def({
      kind: 'observation',
      codes: [{ system: 'loinc', codes: ['39156-5'] }],
      aggregate: 'avg',
      comparator: 'ge',
      value: 30,
      unit: 'kg/m2',
    }),
  ],
  [
    'a funnel of groups: (65+ or diabetic) and not asthmatic, women',
    def(
      and(
        or(
          { kind: 'age', min: 65 },
          { kind: 'clinical', resource: 'Condition', codes: [{ system: 'snomed', codes: ['44054006'] }] },
        ),
        not({ kind: 'clinical', resource: 'Condition', codes: [{ system: 'icd10', codes: ['J45'] }] }),
        { kind: 'gender', values: ['female'] },
      ),
    ),
  ],
  [
    'nested segment',
    def(
      and({ kind: 'segment', segmentId: '00000000-0000-4000-8000-000000000001' }, { kind: 'age', min: 50 }),
    ),
  ],
];

const NESTED: Definition = def({
  kind: 'clinical',
  resource: 'Condition',
  codes: [{ system: 'icd10', codes: ['I10'] }],
});

/** The same kinds on the Synthea corpus (US codes, % and mg/dL values). */
const SYNTHEA: Array<[string, Definition]> = [
  ['men 65+', def(and({ kind: 'age', min: 65 }, { kind: 'gender', values: ['male'] }))],
  [
    'Massachusetts, Boston',
    def(
      and(
        { kind: 'place', field: 'region', values: ['massachusetts'] },
        { kind: 'place', field: 'municipality', values: ['Boston'] },
      ),
    ),
  ],
  ['postal code 02', def({ kind: 'place', field: 'postalCode', values: ['02'] })],
  ['not English-speaking', def(not({ kind: 'language', values: ['en-US'] }))],
  [
    'diabetes (SNOMED)',
    def({
      kind: 'clinical',
      resource: 'Condition',
      codes: [{ system: 'snomed', codes: ['44054006', '15777000'] }],
    }),
  ],
  [
    'three encounters in 12 months',
    def({
      kind: 'clinical',
      resource: 'Encounter',
      window: { kind: 'last', amount: 12, unit: 'months' },
      count: { min: 3 },
    }),
  ],
  [
    'no flu vaccine this season',
    def(
      not({
        kind: 'clinical',
        resource: 'Immunization',
        codes: [{ system: 'cvx', codes: ['140'] }],
        window: { kind: 'season', month: 9, day: 1 },
      }),
    ),
  ],
  [
    'active medication requests',
    def({ kind: 'clinical', resource: 'MedicationRequest', status: ['active'] }),
  ],
  ['any allergy', def({ kind: 'clinical', resource: 'AllergyIntolerance' })],
  [
    'latest HbA1c above 6 % (stored as mmol/mol)',
    def({ kind: 'observation', codes: hba1c, aggregate: 'latest', comparator: 'gt', value: 6, unit: '%' }),
  ],
  [
    'average glucose 100 mg/dL or more in 3 years (stored as mmol/L)',
    def({
      kind: 'observation',
      codes: [{ system: 'loinc', codes: ['2339-0'] }],
      aggregate: 'avg',
      comparator: 'ge',
      value: 100,
      unit: 'mg/dL',
      window: { kind: 'last', amount: 3, unit: 'years' },
    }),
  ],
  [
    'any glucose over 6 mmol/L',
    def({
      kind: 'observation',
      codes: [{ system: 'loinc', codes: ['2339-0'] }],
      aggregate: 'any',
      comparator: 'gt',
      value: 6,
      unit: 'mmol/L',
    }),
  ],
  [
    'systolic max 140+ and BMI latest 30+',
    def(
      and(
        {
          kind: 'observation',
          codes: [{ system: 'loinc', codes: ['8480-6'] }],
          aggregate: 'max',
          comparator: 'ge',
          value: 140,
          unit: 'mm[Hg]',
        },
        {
          kind: 'observation',
          codes: [{ system: 'loinc', codes: ['39156-5'] }],
          aggregate: 'latest',
          comparator: 'ge',
          value: 30,
          unit: 'kg/m2',
        },
      ),
    ),
  ],
];

interface Setup {
  env: TestEnv;
  lake: Lake;
  ctx: EvalContext;
}

/** Imports the lake's files into a fresh store and indexes them; opens the lake over the same files. */
async function setUp(dir: string, units: Map<string, string[]>): Promise<Setup> {
  const env = await testEnv();
  const imported = await importPaths(env.store, lakeTypes(dir), { workers: 0 });
  expect(imported.errors).toEqual([]);
  await rebuildSegmentIndex(env.db);
  const progress: number[] = [];
  const lake = await openLake(dir, {
    careUnitRefs: (id) => units.get(id) ?? [],
    onProgress: (p) => progress.push(p.filesDone),
  });
  expect(progress).toEqual(lakeTypes(dir).map((_, i) => i + 1));
  const ctx: EvalContext = {
    segments: new Map([['00000000-0000-4000-8000-000000000001', NESTED]]),
    lists: new Set(),
    careUnits: units,
  };
  return { env, lake, ctx };
}

async function expectSameAsStored(s: Setup, d: Definition, asOf: number): Promise<number> {
  const compiled = await compileStored(s.env.db, d, asOf, s.ctx);
  const stored = await evaluateFunnel(s.env.db, compiled);
  const members = (await evaluateMembers(s.env.db, compiled)).sort();
  const lake = await s.lake.evaluate(d, asOf, { segment: (id) => s.ctx.segments.get(id) });
  expect(lake.members).toEqual([...lake.members].sort());
  expect(lake.members).toEqual(members);
  expect(lake.count).toBe(members.length);
  expect(lake.universe).toBe(stored.universe);
  expect(lake.funnel).toEqual(
    stored.funnel.map(({ path, label, alone, cumulative }) => ({ path, label, alone, cumulative })),
  );
  return lake.count;
}

/** facts.ts over the files, as sorted row keys, against the lake's tables. */
async function expectSameRows(lake: Lake, dir: string): Promise<void> {
  const fact = (r: Record<string, unknown>) =>
    JSON.stringify([
      r.patient_id,
      r.resource_type,
      r.resource_id,
      r.system,
      r.code,
      r.status,
      num(r.at),
      num(r.at_end),
      r.value,
      r.unit,
    ]);
  const person = (r: Record<string, unknown>) =>
    JSON.stringify([
      r.patient_id,
      r.birth_date,
      r.gender,
      r.postal_code,
      r.municipality,
      r.region,
      r.language,
      r.org_ref,
      r.gp_ref,
      num(r.deceased_at),
    ]);
  const facts: string[] = [];
  const persons: string[] = [];
  for (const file of lakeTypes(dir)) {
    const type = path.basename(file).split('.')[0];
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const r = JSON.parse(line);
      if (type === 'Patient') {
        const p = personRow(r);
        if (p) persons.push(person(p as unknown as Record<string, unknown>));
      } else if (isClinicalType(type))
        for (const f of clinicalFacts(type, r)) facts.push(fact(f as unknown as Record<string, unknown>));
    }
  }
  expect((await lake.query('SELECT * FROM segment_person')).map(person).sort()).toEqual(persons.sort());
  expect((await lake.query('SELECT * FROM segment_fact')).map(fact).sort()).toEqual(facts.sort());
}
const num = (x: unknown) => (x === null || x === undefined ? null : Number(x));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'segments-lake-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('lake mode on a generated population', () => {
  const dir = path.join(tmp, 'generated');
  const asOf = DEFAULT_AS_OF.getTime();
  let s: Setup;

  beforeAll(async () => {
    await generatePopulation({ patients: 300, seed: 'lake', outDir: dir, asOf: DEFAULT_AS_OF });
    // Care units: the two largest health centres, and one GP.
    const patients = fs
      .readFileSync(path.join(dir, 'Patient.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const byOrg = new Map<string, number>();
    for (const p of patients)
      byOrg.set(p.managingOrganization.reference, (byOrg.get(p.managingOrganization.reference) ?? 0) + 1);
    const orgs = [...byOrg].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([ref]) => ref);
    const units = new Map([
      ['unit-a', orgs.slice(0, 2)],
      ['unit-gp', [patients[7].generalPractitioner[0].reference]],
    ]);
    s = await setUp(dir, units);
  });
  afterAll(async () => {
    await s?.lake.close();
    await s?.env.close();
  });

  it('builds the same index rows as facts.ts', async () => {
    expect(s.lake.persons).toBe(300);
    await expectSameRows(s.lake, dir);
  });

  it.each(GENERATED)('%s: same members and funnel as the stored index', async (_, d) => {
    await expectSameAsStored(s, d, asOf);
    await expectSameAsStored(s, d, Date.parse('2024-03-15T12:00:00Z'));
  });

  it('finds somebody, but not everybody, for most of these rules', async () => {
    let between = 0;
    for (const [, d] of GENERATED) {
      const r = await s.lake.evaluate(d, asOf, { segment: (id) => s.ctx.segments.get(id) });
      if (r.count > 0 && r.count < r.universe) between++;
    }
    expect(between).toBeGreaterThanOrEqual(GENERATED.length - 2);
  });

  it('evaluates side by side as one by one', async () => {
    const one = [];
    for (const [, d] of GENERATED.slice(0, 8))
      one.push(await s.lake.evaluate(d, asOf, { segment: (id) => s.ctx.segments.get(id) }));
    const together = await Promise.all(
      GENERATED.slice(0, 8).map(([, d]) =>
        s.lake.evaluate(d, asOf, { segment: (id) => s.ctx.segments.get(id) }),
      ),
    );
    expect(together.map((r) => r.members)).toEqual(one.map((r) => r.members));
  });

  it.each(TEMPLATES.map((t) => [t.id, t.definition] as const))(
    'template %s: same as stored',
    async (_, d) => {
      // Templates with consent rules cannot run on a lake; everything else must agree.
      if (JSON.stringify(d).includes('"kind":"consent"'))
        await expect(s.lake.evaluate(d, asOf)).rejects.toThrow(UnsupportedInDialect);
      else await expectSameAsStored(s, d, asOf);
    },
  );

  it('reads Parquet (a JSON column, or FHIR columns), gzipped and split NDJSON to the same rows', async () => {
    const variant = path.join(tmp, 'variant');
    fs.mkdirSync(variant);
    const duck = await DuckDBInstance.create(':memory:');
    const c = await duck.connect();
    const src = (t: string) => `'${path.join(dir, `${t}.ndjson`)}'`;
    await c.run(
      `COPY (SELECT json FROM read_ndjson_objects(${src('Observation')})) TO '${variant}/Observation.parquet' (FORMAT parquet)`,
    );
    // FHIR columns as FHIR-on-Parquet tools write them: dates and ids stay text.
    await c.run(`COPY (SELECT * REPLACE (id::VARCHAR AS id) FROM read_json(${src('Patient')}, sample_size = -1, dateformat = 'none', timestampformat = 'none'))
      TO '${variant}/Patient.parquet' (FORMAT parquet)`);
    c.closeSync();
    duck.closeSync();
    const encounters = fs.readFileSync(path.join(dir, 'Encounter.ndjson'), 'utf8').trim().split('\n');
    fs.writeFileSync(path.join(variant, 'Encounter.000.ndjson'), `${encounters.slice(0, 1000).join('\n')}\n`);
    fs.writeFileSync(path.join(variant, 'Encounter.001.ndjson'), `${encounters.slice(1000).join('\n')}\n`);
    const zlib = await import('node:zlib');
    fs.writeFileSync(
      path.join(variant, 'Condition.ndjson.gz'),
      zlib.gzipSync(fs.readFileSync(path.join(dir, 'Condition.ndjson'))),
    );
    for (const t of [
      'Procedure',
      'MedicationRequest',
      'Immunization',
      'AllergyIntolerance',
      'EpisodeOfCare',
      'Appointment',
    ])
      if (fs.existsSync(path.join(dir, `${t}.ndjson`)))
        fs.copyFileSync(path.join(dir, `${t}.ndjson`), path.join(variant, `${t}.ndjson`));
    fs.copyFileSync(path.join(dir, 'Consent.ndjson'), path.join(variant, 'Consent.ndjson'));
    const other = await openLake(variant);
    try {
      expect(other.files.map((f) => path.basename(f.path)).sort()).toEqual(
        fs
          .readdirSync(variant)
          .filter((f) => f !== 'Consent.ndjson')
          .sort(),
      );
      const all = (l: Lake, t: string) => l.query(`SELECT * FROM ${t} ORDER BY ALL`);
      expect(await all(other, 'segment_person')).toEqual(await all(s.lake, 'segment_person'));
      expect(await all(other, 'segment_fact')).toEqual(await all(s.lake, 'segment_fact'));
      const d = GENERATED[0][1];
      expect((await other.evaluate(d, asOf)).members).toEqual((await s.lake.evaluate(d, asOf)).members);
    } finally {
      await other.close();
    }
  });

  it('refuses consent, engagement and list rules with the reason', async () => {
    const consent = def(
      and({ kind: 'age', min: 65 }, { kind: 'consent', channel: 'sms', purpose: 'outreach' }),
    );
    await expect(s.lake.evaluate(consent, asOf)).rejects.toThrow(UnsupportedInDialect);
    await expect(s.lake.evaluate(consent, asOf)).rejects.toThrow('consent conditions need stored profiles');
    await expect(s.lake.evaluate(def({ kind: 'engagement', event: 'opened' }), asOf)).rejects.toThrow(
      /lake mode evaluates clinical and demographic rules/,
    );
    await expect(
      s.lake.evaluate(def({ kind: 'list', listId: '00000000-0000-4000-8000-000000000009' }), asOf),
    ).rejects.toThrow(/lake mode cannot read them/);
  });
});

describe('lake mode on the Synthea corpus at 2020-05-06', () => {
  const dir = path.join(tmp, 'synthea');
  const asOf = Date.parse('2020-05-06T00:00:00Z');
  let s: Setup;

  beforeAll(async () => {
    // The corpus is transaction bundles; a bulk export of it is one NDJSON file per type, references resolved.
    const unpacked = unpackSynthea();
    try {
      const byType = new Map<string, string[]>();
      for (const f of fs.readdirSync(unpacked.dir)) {
        const bundle = JSON.parse(fs.readFileSync(path.join(unpacked.dir, f), 'utf8'));
        for (const e of bundle.resourceType === 'Bundle' ? bundleEntries(bundle) : []) {
          const t = e.resource?.resourceType as string;
          if (TYPES.includes(t)) byType.set(t, [...(byType.get(t) ?? []), JSON.stringify(e.resource)]);
        }
      }
      fs.mkdirSync(dir);
      for (const [t, lines] of byType)
        fs.writeFileSync(path.join(dir, `${t}.ndjson`), `${lines.join('\n')}\n`);
    } finally {
      unpacked.cleanup();
    }
    s = await setUp(dir, new Map());
  });
  afterAll(async () => {
    await s?.lake.close();
    await s?.env.close();
  });

  it('builds the same index rows as facts.ts', async () => {
    expect(s.lake.persons).toBe(100);
    await expectSameRows(s.lake, dir);
  });

  it.each(SYNTHEA)('%s: same members and funnel as the stored index', async (_, d) => {
    const n = await expectSameAsStored(s, d, asOf);
    expect(n).toBeGreaterThan(0);
  });
});

describe('lake errors', () => {
  const write = (dir: string, name: string, lines: string[]) => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, name), `${lines.join('\n')}\n`);
  };
  const patient = (id: string) =>
    JSON.stringify({ resourceType: 'Patient', id, gender: 'female', birthDate: '1960-05-01' });

  it('names a folder that does not exist', async () => {
    await expect(openLake(path.join(tmp, 'nowhere'))).rejects.toThrow(/lake folder .*nowhere does not exist/);
  });

  it('names a folder without NDJSON or Parquet, and says which files it reads', async () => {
    write(path.join(tmp, 'empty'), 'README.txt', ['not data']);
    write(path.join(tmp, 'empty'), 'Claim.ndjson', ['{"resourceType":"Claim","id":"c"}']);
    const e = await openLake(path.join(tmp, 'empty')).catch((x) => x);
    expect(e).toBeInstanceOf(LakeError);
    expect(e.message).toMatch(/has no NDJSON or Parquet files .*Patient\.ndjson, Observation\.ndjson/);
  });

  it('names the file and line of a malformed line, even deep in a large file', async () => {
    const dir = path.join(tmp, 'malformed');
    const lines = Array.from({ length: 60_000 }, (_, i) => patient(`p${i}`));
    lines[54_320] = '{"resourceType": "Patient", "id": "broken"';
    write(dir, 'Patient.ndjson', lines);
    await expect(openLake(dir)).rejects.toThrow(`${path.join(dir, 'Patient.ndjson')}:54321: not valid JSON`);
  });

  it('names the line of a resource of another type than the file', async () => {
    const dir = path.join(tmp, 'wrong-type');
    write(dir, 'Patient.ndjson', [patient('a')]);
    write(dir, 'Condition.ndjson', [
      '',
      JSON.stringify({ resourceType: 'Condition', id: 'c1' }),
      '{"resourceType":"Observation","id":"o"}',
    ]);
    await expect(openLake(dir)).rejects.toThrow(
      `${path.join(dir, 'Condition.ndjson')}:3: not a Condition resource (resourceType "Observation")`,
    );
  });

  it('refuses Parquet with typed dates, naming the column', async () => {
    const dir = path.join(tmp, 'typed');
    fs.mkdirSync(dir);
    const duck = await DuckDBInstance.create(':memory:');
    const c = await duck.connect();
    await c.run(
      `COPY (SELECT 'Patient' AS resourceType, 'a' AS id, DATE '1960-05-01' AS birthDate) TO '${dir}/Patient.parquet' (FORMAT parquet)`,
    );
    c.closeSync();
    duck.closeSync();
    await expect(openLake(dir)).rejects.toThrow(
      /Patient\.parquet: column birthDate is DATE; .*dates and times as text/,
    );
  });

  it('names the row of a Parquet file that holds another type', async () => {
    const dir = path.join(tmp, 'parquet-row');
    write(dir, 'Patient.ndjson', [patient('a')]);
    const duck = await DuckDBInstance.create(':memory:');
    const c = await duck.connect();
    await c.run(`COPY (SELECT json::JSON AS resource FROM (VALUES ('{"resourceType":"Observation","id":"o1"}'), ('{"resourceType":"Patient","id":"a"}')) t(json))
      TO '${dir}/Observation.parquet' (FORMAT parquet)`);
    c.closeSync();
    duck.closeSync();
    await expect(openLake(dir)).rejects.toThrow(
      /Observation\.parquet: row 2: not a Observation resource \(resourceType "Patient"\)/,
    );
  });

  it('refuses a patient exported twice with different content', async () => {
    const dir = path.join(tmp, 'twice');
    write(dir, 'Patient.ndjson', [
      patient('a'),
      patient('a'),
      JSON.stringify({ resourceType: 'Patient', id: 'a', gender: 'male' }),
    ]);
    await expect(openLake(dir)).rejects.toThrow('Patient/a appears more than once, with different content');
  });
});
