import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkUpsert } from '../src/fhir/bulk-write.ts';
import type { FhirResource } from '../src/fhir/resource-row.ts';
import { compileDefinition } from '../src/segments/compile.ts';
import { type Definition, DefinitionSchema } from '../src/segments/definition.ts';
import { type Lake, openLake } from '../src/segments/lake/index.ts';
import { rebuildSegmentIndex } from '../src/segments/projection.ts';
import { evaluateReference, type ReferenceOptions } from '../src/segments/reference/evaluate.ts';
import { validateDefinition } from '../src/segments/validate.ts';
import { type TestEnv, testEnv } from './helpers.ts';
import { definitionArb, flatDefinitionArb, windowsFor } from './segment-arbitraries.ts';
import { CARE_UNITS, worldArb, worldPool } from './segment-world.ts';

/**
 * SQL (compile.ts over the index that projection.ts builds from the store),
 * lake mode (DuckDB over the same resources as NDJSON files) and the
 * reference evaluator must agree exactly on random patients and random
 * definitions: the same members and the same funnel. fast-check
 * prints the seed and the shrunk counterexample when they do not.
 */
const AS_OFS = [
  '2020-05-06T00:00:00Z',
  // Already 6 May in Stockholm, still 5 May in UTC: ages count in local dates.
  '2020-05-05T22:30:00Z',
  '2020-01-01T00:00:00Z',
  // A month end: one month back is 29 February.
  '2020-03-31T12:00:00Z',
  // The first instant of the influenza season.
  '2019-10-01T00:00:00Z',
].map((s) => Date.parse(s));
const INNER = ['00000000-0000-4000-8000-00000000000a', '00000000-0000-4000-8000-00000000000b'];

let env: TestEnv;
let lakeDir: string;
let lake: Lake | undefined;
beforeAll(async () => {
  env = await testEnv();
  lakeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'segments-properties-lake-'));
});
afterAll(async () => {
  await lake?.close();
  await env?.close();
  fs.rmSync(lakeDir, { recursive: true, force: true });
});

const sorted = (ids: string[]) => [...ids].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

let stored = '';
/** Writes the world through the store and rebuilds the index; skipped when shrinking changed only the definitions. */
async function store(resources: FhirResource[]): Promise<void> {
  const key = JSON.stringify(resources);
  if (key === stored) return;
  stored = '';
  await env.db.query('TRUNCATE fhir_resource, fhir_history, fhir_string, fhir_date, fhir_quantity');
  await bulkUpsert(
    env.db,
    env.clock,
    resources.map((r) => ({ type: r.resourceType, id: r.id!, resource: r })),
  );
  await rebuildSegmentIndex(env.db);
  // The same world as a Bulk Data export, for lake mode.
  await lake?.close();
  for (const f of fs.readdirSync(lakeDir)) fs.rmSync(path.join(lakeDir, f));
  const byType = new Map<string, string[]>();
  for (const r of resources)
    byType.set(r.resourceType, [...(byType.get(r.resourceType) ?? []), JSON.stringify(r)]);
  for (const [type, lines] of byType)
    fs.writeFileSync(path.join(lakeDir, `${type}.ndjson`), `${lines.join('\n')}\n`);
  lake = await openLake(lakeDir, { threads: 1 });
  stored = key;
}

// A few windows per run, shared by the rules and by the times resources are placed at (their edges).
const scenario = fc
  .constantFrom(...AS_OFS)
  .chain((asOf) => fc.tuple(fc.constant(asOf), fc.subarray(windowsFor(asOf), { minLength: 1, maxLength: 3 })))
  .chain(([asOf, windows]) => {
    const inner = definitionArb(worldPool(asOf, [], windows));
    return fc.record({
      asOf: fc.constant(asOf),
      world: worldArb(asOf, windows),
      inner: fc.tuple(inner, inner),
      defs: fc
        .tuple(
          fc.array(flatDefinitionArb(worldPool(asOf, INNER, windows)), { minLength: 4, maxLength: 4 }),
          fc.array(definitionArb(worldPool(asOf, INNER, windows)), { minLength: 4, maxLength: 4 }),
        )
        .map(([flat, nested]) => [...flat, ...nested]),
    });
  });

async function agree(
  asOf: number,
  world: FhirResource[],
  inner: Definition[],
  defs: Definition[],
): Promise<void> {
  const segments = new Map(INNER.map((id, i) => [id, inner[i]]));
  const opts: ReferenceOptions = {
    asOf,
    segment: (id) => segments.get(id),
    careUnitRefs: (u) => CARE_UNITS[u] ?? [],
  };
  await store(world);
  for (const def of defs) {
    // The generator makes only definitions the API would accept.
    DefinitionSchema.parse(def);
    expect(
      validateDefinition(def, {
        segment: (id) => segments.get(id),
        list: () => false,
        careUnit: (u) => u in CARE_UNITS,
      }),
    ).toEqual([]);
    const sql = compileDefinition(def, { ...opts, dialect: 'postgres' });
    const ref = evaluateReference(def, world, opts);
    const members = (await env.db.query<{ patient_id: string }>(sql.membersSql)).map((r) => r.patient_id);
    expect(sorted(members), 'members').toEqual(ref.members);
    const [funnel] = await env.db.query<Record<string, unknown>>(sql.funnelSql);
    expect(Number(funnel.universe), 'universe').toBe(ref.universe);
    const steps = ref.steps.map((_, i) => ({
      alone: Number(funnel[`alone_${i}`]),
      cumulative: Number(funnel[`cumulative_${i}`]),
    }));
    expect(steps, 'funnel').toEqual(ref.steps.map((s) => ({ alone: s.alone, cumulative: s.cumulative })));
    const inLake = await lake!.evaluate(def, asOf, {
      segment: opts.segment,
      careUnitRefs: opts.careUnitRefs,
      careUnitExists: (u) => u in CARE_UNITS,
    });
    expect(inLake.members, 'lake members').toEqual(ref.members);
    expect(inLake.universe, 'lake universe').toBe(ref.universe);
    expect(
      inLake.funnel.map((f) => ({ alone: f.alone, cumulative: f.cumulative })),
      'lake funnel',
    ).toEqual(steps);
    // Incremental refresh evaluates only some patients: the same answer for them.
    const some = ['p0', 'p2', 'ghost'];
    const part = compileDefinition(def, { ...opts, dialect: 'postgres', restrictTo: some });
    const partMembers = (await env.db.query<{ patient_id: string }>(part.membersSql)).map(
      (r) => r.patient_id,
    );
    expect(sorted(partMembers), 'restricted members').toEqual(ref.members.filter((m) => some.includes(m)));
  }
}

describe('SQL, lake mode and the reference evaluator agree', () => {
  it('on random patients and random definitions (members and funnel)', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, ({ asOf, world, inner, defs }) => agree(asOf, world, inner, defs)),
      { numRuns: 60 },
    );
  });
});
