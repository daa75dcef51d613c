// Throughput of validateResource (compiled validator) against the medplum-based one it replaced:
//   node src/fhir/validation/bench.ts /tmp/synthea/synthea-r4-100 [rounds] [generated patients]
// Corpora: the Synthea bundles, and a generated Swedish population (seed 'v', 2000 patients by
// default). Prints resources/s per core for old and new and the speed-up, then the cost split.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateResources } from '../../generate/index.ts';
import type { ValidateOptions, ValidationIssue } from '../validate.ts';
import { validateResource } from '../validate.ts';
import { validateResourceWithMedplum } from './medplum.ts';
import { checkRequiredBindings } from './required-bindings.ts';
import { structureStats } from './structure.ts';

type Validator = (resource: unknown, options?: ValidateOptions) => ValidationIssue[];
type Resource = Record<string, unknown>;

const dir = process.argv[2] ?? '/tmp/synthea/synthea-r4-100';
const rounds = Number(process.argv[3] ?? 3);
const patients = Number(process.argv[4] ?? 2000);

const synthea: Resource[] = [];
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  const json = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Resource;
  if (json.resourceType === 'Bundle') {
    for (const e of (json.entry as { resource: Resource }[] | undefined) ?? []) synthea.push(e.resource);
  } else {
    synthea.push(json);
  }
}
// Through JSON, as an import sees them (no shared objects, no class instances).
const generated = [...generateResources({ patients, seed: 'v' })].map(
  (r) => JSON.parse(JSON.stringify(r)) as Resource,
);
const observations = (list: Resource[]) => list.filter((r) => r.resourceType === 'Observation');

/** Best-of-rounds resources/s; also counts errors so the work cannot be optimised away. */
function measure(validate: Validator, list: Resource[], options?: ValidateOptions): [number, number] {
  let errors = 0;
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    for (const r of list) {
      for (const i of validate(r, options)) if (i.severity === 'error') errors++;
    }
    best = Math.min(best, performance.now() - start);
  }
  return [Math.round((list.length / best) * 1000), errors / rounds];
}

function compare(label: string, list: Resource[], options?: ValidateOptions): void {
  const [oldRate, oldErrors] = measure(validateResourceWithMedplum, list, options);
  const [newRate, newErrors] = measure(validateResource, list, options);
  console.log(
    `${label.padEnd(46)} old ${String(oldRate).padStart(6)}/s  new ${String(newRate).padStart(6)}/s  ` +
      `x${(newRate / oldRate).toFixed(2)}  (${list.length} resources, errors ${oldErrors}/${newErrors})`,
  );
}

console.log(
  `Synthea ${synthea.length} resources, generated ${generated.length} (${patients} patients); ` +
    `best of ${rounds} rounds, one core`,
);
validateResource(synthea[0]); // load terminology and compile the first walkers outside the timings
validateResourceWithMedplum(synthea[0]);
compare('Synthea, all resources', synthea);
compare('Synthea, Observations', observations(synthea));
compare('generated, all resources', generated);
compare('generated, Observations', observations(generated));
compare('Synthea, without required bindings', synthea, { requiredBindings: false });
compare('generated, without required bindings', generated, { requiredBindings: false });

for (const [label, list] of [
  ['Synthea', synthea],
  ['generated', generated],
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
    `${`${label}, required-binding walk alone`.padEnd(46)} ${String(perSec).padStart(7)} resources/s`,
  );
}
const reasons = [...structureStats.reasons].map(([r, n]) => `${r}: ${n}`).join('; ');
console.log(
  `compiled validator: ${structureStats.compiled} resources compiled, ${structureStats.fallback} handed to medplum${reasons ? ` (${reasons})` : ''}`,
);
