import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPaths } from '../src/fhir/import/import-paths.ts';
import type { FhirResource } from '../src/fhir/resource-row.ts';
import { compileDefinition } from '../src/segments/compile.ts';
import { CLINICAL_TYPES, type ClinicalType, type Definition, type Node } from '../src/segments/definition.ts';
import { rebuildSegmentIndex } from '../src/segments/projection.ts';
import {
  evaluateReference,
  ReferenceData,
  type ReferenceOptions,
} from '../src/segments/reference/evaluate.ts';
import { readClinical, readPerson } from '../src/segments/reference/read.ts';
import { analyteOf } from '../src/segments/units.ts';
import { type TestEnv, testEnv } from './helpers.ts';
import { definitionArb, flatDefinitionArb, type RulePool, windowsFor } from './segment-arbitraries.ts';
import { unpackSynthea } from './synthea.ts';

/**
 * The Synthea corpus (100 patients, 2010–2020) imported through the store,
 * indexed, and segmented at 2020-05-06: SQL and the reference evaluator
 * must name the same members for the questions outreach asks of it, and for
 * definitions generated over the corpus's own codes and values.
 */
const AS_OF = Date.parse('2020-05-06T00:00:00Z');
const INNER = ['00000000-0000-4000-8000-0000000000c1', '00000000-0000-4000-8000-0000000000c2'];

let env: TestEnv;
let data: ReferenceData;
let resources: FhirResource[];
const segments = new Map<string, Definition>();
const opts: ReferenceOptions = { asOf: AS_OF, segment: (id) => segments.get(id), careUnitRefs: () => [] };

beforeAll(async () => {
  const unpacked = unpackSynthea();
  try {
    env = await testEnv();
    const summary = await importPaths(env.store, [unpacked.dir], { workers: 1 });
    expect(summary.errorCount).toBe(0);
  } finally {
    unpacked.cleanup();
  }
  await rebuildSegmentIndex(env.db);
  // The reference reads what the store holds, with the server's ids and references.
  const rows = await env.db.query<{ content: FhirResource }>(
    'SELECT content FROM fhir_resource WHERE resource_type = ANY($1::text[]) AND NOT deleted',
    [['Patient', ...CLINICAL_TYPES]],
  );
  resources = rows.map((r) => r.content);
  data = new ReferenceData(resources);
});
afterAll(async () => {
  await env?.close();
});

async function compare(def: Definition): Promise<string[]> {
  const sql = compileDefinition(def, { ...opts, dialect: 'postgres' });
  const ref = evaluateReference(def, data, opts);
  const members = (await env.db.query<{ patient_id: string }>(sql.membersSql)).map((r) => r.patient_id);
  expect([...members].sort()).toEqual([...ref.members].sort());
  const [funnel] = await env.db.query<Record<string, unknown>>(sql.funnelSql);
  expect(Number(funnel.universe)).toBe(ref.universe);
  expect(ref.steps.map((_, i) => [Number(funnel[`alone_${i}`]), Number(funnel[`cumulative_${i}`])])).toEqual(
    ref.steps.map((s) => [s.alone, s.cumulative]),
  );
  return ref.members;
}

const and = (...children: Node[]): Definition => ({ version: 1, root: { kind: 'and', children } });
const latest = (code: string, comparator: 'gt' | 'ge', value: number, unit: string): Node => ({
  kind: 'observation',
  codes: [{ system: 'loinc', codes: [code] }],
  aggregate: 'latest',
  comparator,
  value,
  unit,
});

const DIABETES: Node = {
  kind: 'clinical',
  resource: 'Condition',
  codes: [{ system: 'snomed', codes: ['44054006'] }],
};
const PREDIABETES: Node = {
  kind: 'clinical',
  resource: 'Condition',
  codes: [{ system: 'snomed', codes: ['15777000'] }],
};

// The corpus's HbA1c results are all 6.4 % or below (its one diabetic's are 3.91 %), so "above 7 %" is empty here.
const EMPTY_HERE: Array<[string, Definition]> = [
  ['diabetes with latest HbA1c above 7 %', and(DIABETES, latest('4548-4', 'gt', 7, '%'))],
];

const QUESTIONS: Array<[string, Definition]> = [
  [
    'diabetes or prediabetes with latest HbA1c above 42 mmol/mol (6.0 %, stored in %)',
    and({ kind: 'or', children: [DIABETES, PREDIABETES] }, latest('4548-4', 'gt', 42, 'mmol/mol')),
  ],
  [
    'hypertension with latest systolic ≥ 140 mm[Hg]',
    and(
      {
        kind: 'clinical',
        resource: 'Condition',
        codes: [{ system: 'snomed', codes: ['59621000', '38341003'] }],
      },
      latest('8480-6', 'ge', 140, 'mm[Hg]'),
    ),
  ],
  [
    '65+ without an influenza vaccine since 1 October',
    and(
      { kind: 'age', min: 65 },
      {
        kind: 'clinical',
        resource: 'Immunization',
        codes: [{ system: 'cvx', codes: ['140', '141'] }],
        window: { kind: 'season', month: 10, day: 1 },
        count: { max: 0 },
      },
    ),
  ],
  ['age 65+', { version: 1, root: { kind: 'age', min: 65 } }],
  [
    'three or more encounters in the last 12 months',
    {
      version: 1,
      root: {
        kind: 'clinical',
        resource: 'Encounter',
        window: { kind: 'last', amount: 12, unit: 'months' },
        count: { min: 3 },
      },
    },
  ],
  [
    'women 40–74 with a glucose above 100 mg/dL (5.55 mmol/L) in two years',
    and(
      { kind: 'gender', values: ['female'] },
      { kind: 'age', min: 40, max: 74 },
      {
        kind: 'observation',
        codes: [{ system: 'loinc', codes: ['2339-0'] }],
        aggregate: 'max',
        comparator: 'gt',
        value: 5.55,
        unit: 'mmol/L',
        window: { kind: 'last', amount: 24, unit: 'months' },
      },
    ),
  ],
];

describe('segments over the Synthea corpus at 2020-05-06', () => {
  it.each(QUESTIONS)('%s: SQL and reference agree, and someone matches', async (_name, def) => {
    expect((await compare(def)).length).toBeGreaterThan(0);
  });

  it.each(EMPTY_HERE)('%s: SQL and reference agree', async (_name, def) => {
    expect(await compare(def)).toEqual([]);
  });

  it('agree on generated definitions over the corpus codes and values', async () => {
    const pool = corpusPool(resources);
    const inner = fc.sample(flatDefinitionArb({ ...pool, segments: [] }), { numRuns: 2, seed: 42 });
    for (const [i, id] of INNER.entries()) segments.set(id, inner[i]);
    await fc.assert(
      fc.asyncProperty(fc.oneof(flatDefinitionArb(pool), definitionArb(pool)), async (def) => {
        await compare(def);
      }),
      { numRuns: 100 },
    );
  });
});

const count = <K>(keys: K[]) => {
  const m = new Map<K, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1]).map(([k]) => k);
};

/** The codes, statuses, values and places the corpus actually holds (the most frequent ones). */
function corpusPool(all: FhirResource[]): RulePool {
  const records = all.map(readClinical).filter((r) => r !== null);
  const persons = all.map(readPerson).filter((p) => p !== null);
  const codes: RulePool['codes'] = {};
  const statuses: RulePool['statuses'] = {};
  for (const t of CLINICAL_TYPES) {
    const of = records.filter((r) => r.type === t);
    if (of.length === 0) continue;
    const keys = count(of.flatMap((r) => r.codings.map((c) => `${c.system}|${c.code}`))).slice(0, 8);
    codes[t as ClinicalType] = keys.map((k) => k.split('|') as [string, string]);
    statuses[t as ClinicalType] = count(of.map((r) => r.status).filter((s) => s !== null)).slice(0, 3);
  }
  // Thresholds at quartiles of the values each code has, in its own unit and in the units it converts to.
  const values = new Map<string, number[]>();
  for (const r of records)
    for (const c of r.codings)
      if (r.type === 'Observation' && c.quantity?.unit) {
        const k = `${c.system}|${c.code}|${c.quantity.unit}`;
        values.set(k, [...(values.get(k) ?? []), c.quantity.value]);
      }
  const observations = count([...values.keys()].map((k) => k.split('|').slice(0, 2).join('|')))
    .slice(0, 10)
    .map((key) => {
      const [system, code] = key.split('|');
      const thresholds = [...values.entries()]
        .filter(([k]) => k.startsWith(`${key}|`))
        .flatMap(([k, xs]): Array<[string, number[]]> => {
          const unit = k.slice(key.length + 1);
          const sorted = [...xs].sort((a, b) => a - b);
          const qs = [0.25, 0.5, 0.75, 0.95].map(
            (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))],
          );
          const a = analyteOf(system, code);
          const toCanonical = a?.toCanonical[unit];
          if (!a || !toCanonical) return [[unit, qs]];
          return Object.entries(a.fromCanonical).map(([u, from]) => [
            u,
            qs.map((v) => Math.round(from(toCanonical(v)) * 10) / 10),
          ]);
        });
      return { codes: [[system, code] as [string, string]], thresholds };
    });
  const top = (xs: Array<string | null>) => count(xs.filter((x): x is string => x !== null)).slice(0, 4);
  return {
    asOf: AS_OF,
    codes,
    statuses,
    observations,
    postalCodes: top(persons.map((p) => p.postalCode?.slice(0, 3) ?? null)),
    municipalities: top(persons.map((p) => p.municipality)),
    regions: top(persons.map((p) => p.region)),
    languages: top(persons.map((p) => p.language)),
    careUnits: [],
    segments: INNER,
    windows: windowsFor(AS_OF),
  };
}
