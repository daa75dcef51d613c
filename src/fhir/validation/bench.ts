// Throughput benchmark of validateResource over a directory of FHIR bundles (the Synthea corpus):
//   node src/fhir/validation/bench.ts /tmp/synthea/synthea-r4-100
// Prints resources/s with and without the required-binding check, and the share of medplum's
// validator spent on FHIRPath invariants (measured last by stripping them from the loaded schemas).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InternalTypeSchema } from '@medplum/core';
import { getDataType } from '@medplum/core';
import { RESOURCE_TYPES } from '../definitions.ts';
import type { ValidateOptions, ValidationIssue } from '../validate.ts';
import { validateResource } from '../validate.ts';
import { checkRequiredBindings } from './required-bindings.ts';

const dir = process.argv[2] ?? '/tmp/synthea/synthea-r4-100';
const rounds = Number(process.argv[3] ?? 3);

const resources: Record<string, unknown>[] = [];
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  const json = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
  if (json.resourceType === 'Bundle') {
    for (const e of (json.entry as { resource: Record<string, unknown> }[] | undefined) ?? [])
      resources.push(e.resource);
  } else {
    resources.push(json);
  }
}
const observations = resources.filter((r) => r.resourceType === 'Observation');

function run(label: string, list: Record<string, unknown>[], options?: ValidateOptions): void {
  let errors = 0;
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    for (const r of list) {
      for (const i of validateResource(r, options)) if (i.severity === 'error') errors++;
    }
    best = Math.min(best, performance.now() - start);
  }
  const perSec = Math.round((list.length / best) * 1000);
  console.log(
    `${label.padEnd(44)} ${String(perSec).padStart(7)} resources/s  (${list.length} in ${best.toFixed(0)} ms, errors ${errors / rounds})`,
  );
}

console.log(
  `${resources.length} resources (${observations.length} Observations), best of ${rounds} rounds, one core`,
);
validateResource(resources[0]); // compile walkers and load terminology outside the timings
run('all resources, full validation', resources);
run('all resources, without required bindings', resources, { requiredBindings: false });
run('Observations, full validation', observations);
run('Observations, without required bindings', observations, { requiredBindings: false });
for (const [label, list] of [
  ['all resources', resources],
  ['Observations', observations],
] as const) {
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    const issues: ValidationIssue[] = [];
    const start = performance.now();
    for (const r of list) checkRequiredBindings(r, issues);
    best = Math.min(best, performance.now() - start);
  }
  const perSec = Math.round((list.length / best) * 1000);
  console.log(
    `${`${label}, required-binding walk alone`.padEnd(44)} ${String(perSec).padStart(7)} resources/s`,
  );
}

// Measurement only: drop every FHIRPath invariant from the loaded schemas to see their cost.
const seen = new Set<InternalTypeSchema>();
function strip(schema: InternalTypeSchema): void {
  if (seen.has(schema)) return;
  seen.add(schema);
  schema.constraints = undefined;
  for (const el of Object.values(schema.elements)) el.constraints = undefined;
  for (const inner of schema.innerTypes) strip(inner);
  for (const el of Object.values(schema.elements)) {
    for (const t of el.type) if (/^[A-Z]/.test(t.code) && t.code !== 'Resource') tryStrip(t.code);
  }
}
function tryStrip(code: string): void {
  try {
    strip(getDataType(code));
  } catch {
    // inner (backbone) type names are not registered globally; they are stripped via innerTypes
  }
}
for (const type of RESOURCE_TYPES) strip(getDataType(type));
run('all resources, without invariants (measure)', resources);
run('Observations, without invariants (measure)', observations);
