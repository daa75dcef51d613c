import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPaths } from '../src/fhir/import/import-paths.ts';
import { generatePopulation } from '../src/generate/index.ts';
import { applyQuerySettings, compileStored, loadEvalContext } from '../src/segments/evaluate.ts';
import { rebuildSegmentIndex } from '../src/segments/projection.ts';
import { TEMPLATES } from '../src/segments/templates.ts';
import { type TestEnv, testEnv } from './helpers.ts';

// The plan of every template, reviewed: each rule reads the facts through the
// code index, and no subquery runs once per patient.
const AS_OF = Date.parse('2026-11-01T00:00:00Z');
let env: TestEnv;
let dir: string;

beforeAll(async () => {
  env = await testEnv('2026-11-01T00:00:00Z');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'segments-explain-'));
  await generatePopulation({ patients: 1500, seed: 'explain', outDir: dir, asOf: new Date(AS_OF) });
  await importPaths(env.store, [dir], { workers: 0 });
  await rebuildSegmentIndex(env.db);
}, 180_000);

afterAll(async () => {
  await env?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Subplan Name'?: string;
  'Parent Relationship'?: string;
  Plans?: PlanNode[];
}

function nodes(p: PlanNode): PlanNode[] {
  return [p, ...(p.Plans ?? []).flatMap(nodes)];
}

describe('segment query plans', () => {
  it.each(TEMPLATES.map((t) => [t.id, t] as const))(
    '%s reads facts by index, with no per-patient loop',
    async (_id, t) => {
      const ctx = await loadEvalContext(env.db);
      const compiled = await compileStored(env.db, t.definition, AS_OF, ctx);
      const [row] = await env.db.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
        `EXPLAIN (FORMAT JSON) ${compiled.membersSql}`,
      );
      const all = nodes(row['QUERY PLAN'][0].Plan);
      const onFacts = all.filter((n) => n['Relation Name'] === 'segment_fact');
      expect(onFacts.length).toBeGreaterThan(0);
      for (const n of onFacts) {
        expect(n['Node Type'], `${t.id}: ${n['Node Type']} on segment_fact`).toMatch(/Index|Bitmap/);
        expect(n['Index Name'] ?? 'segment_fact_code').toBe('segment_fact_code');
      }
      expect(all.filter((n) => n['Subplan Name'] || n['Parent Relationship'] === 'SubPlan')).toEqual([]);
      // segment_person is read once, as the set the rules join to.
      expect(all.filter((n) => n['Relation Name'] === 'segment_person')).toHaveLength(1);
    },
  );
});
