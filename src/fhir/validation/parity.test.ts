// Acceptance test of the compiled validator: over real and generated corpora and a systematic
// mutation corpus, validateResource must give exactly the issues of the medplum-based validator
// it replaced (same verdict, same error expressions, same messages, same warnings).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNTHEA_ARCHIVE } from '../../../test/synthea.ts';
import { generateResources } from '../../generate/index.ts';
import type { ValidationIssue } from '../validate.ts';
import { validateResource } from '../validate.ts';
import { validateResourceWithMedplum } from './medplum.ts';
import { mutate } from './parity-mutations.ts';
import { structureStats } from './structure.ts';

type Resource = Record<string, unknown>;

interface Tally {
  inputs: number;
  invalid: number;
  differences: string[];
}

const show = (i: ValidationIssue) => `${i.severity} ${i.code} ${i.expression} | ${i.diagnostics}`;

/** Validates with both and records any difference in verdict, error expressions or messages. */
function compare(label: string, resource: Resource, tally: Tally): void {
  tally.inputs++;
  // Each validator gets its own copy, so neither can see the other's effects on the input.
  const fresh = validateResource(structuredClone(resource)).map(show).sort();
  const old = validateResourceWithMedplum(structuredClone(resource)).map(show).sort();
  const oldErrors = old.filter((s) => s.startsWith('error'));
  if (oldErrors.length > 0) tally.invalid++;
  if (fresh.join('\n') === old.join('\n')) return;
  const verdict =
    fresh.some((s) => s.startsWith('error')) === oldErrors.length > 0 ? 'same verdict' : 'VERDICT';
  tally.differences.push(
    `${label} ${String(resource.resourceType)} (${verdict}):\n  only new: ${fresh.filter((s) => !old.includes(s)).join('\n            ')}\n  only old: ${old.filter((s) => !fresh.includes(s)).join('\n            ')}`,
  );
}

function run(label: string, resources: Iterable<Resource>): Tally {
  const before = { ...structureStats };
  const tally: Tally = { inputs: 0, invalid: 0, differences: [] };
  for (const r of resources) compare(label, r, tally);
  console.log(
    `${label}: ${tally.inputs} inputs compared, ${tally.invalid} invalid, ${tally.differences.length} differences; ` +
      `${structureStats.fallback - before.fallback} handed to medplum by the compiled validator`,
  );
  return tally;
}

/** Up to `per` resources of each type, spread evenly over the list. */
function samplePerType(resources: Resource[], per: number): Resource[] {
  const byType = new Map<string, Resource[]>();
  for (const r of resources) {
    const type = String(r.resourceType);
    const list = byType.get(type) ?? [];
    list.push(r);
    byType.set(type, list);
  }
  const out: Resource[] = [];
  for (const list of byType.values()) {
    const n = Math.min(per, list.length);
    for (let i = 0; i < n; i++) out.push(list[Math.floor((i * list.length) / n)]);
  }
  return out;
}

describe('compiled validator parity with medplum', () => {
  let dir = '';
  const synthea: Resource[] = [];
  // As an import reads them: parsed from JSON, no shared objects.
  const generated = [...generateResources({ patients: 300, seed: 'v' })].map(
    (r) => JSON.parse(JSON.stringify(r)) as Resource,
  );

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'synthea-'));
    execFileSync('tar', ['xzf', SYNTHEA_ARCHIVE, '-C', dir]);
    const root = join(dir, 'synthea-r4-100');
    for (const file of readdirSync(root).filter((f) => f.endsWith('.json'))) {
      const json = JSON.parse(readFileSync(join(root, file), 'utf8')) as Resource;
      if (json.resourceType === 'Bundle') {
        for (const e of json.entry as { resource: Resource }[]) synthea.push(e.resource);
      } else {
        synthea.push(json);
      }
    }
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('agrees on every Synthea resource', () => {
    const tally = run('Synthea', synthea);
    expect(tally.inputs).toBe(38971);
    expect(tally.differences.slice(0, 10)).toEqual([]);
  }, 300_000);

  it('agrees on a generated population', () => {
    const tally = run('generated population (300 patients)', generated);
    expect(tally.inputs).toBeGreaterThan(8000);
    expect(tally.differences.slice(0, 10)).toEqual([]);
  }, 300_000);

  it('agrees on systematic mutations of both corpora', () => {
    const sources = [...samplePerType(synthea, 12), ...samplePerType(generated, 12)];
    function* mutants(): Generator<Resource> {
      let seed = 1;
      for (const r of sources) for (const m of mutate(r, seed++)) yield m.resource;
    }
    const tally = run(`mutations of ${sources.length} resources`, mutants());
    expect(tally.inputs).toBeGreaterThan(5000);
    // Most mutants must actually be invalid, or the corpus would prove little.
    expect(tally.invalid / tally.inputs).toBeGreaterThan(0.5);
    expect(tally.differences.slice(0, 10)).toEqual([]);
  }, 300_000);

  it('agrees on hand-written edge cases', () => {
    const obs = { resourceType: 'Observation', status: 'final', code: { text: 'x' } };
    const cases: Resource[] = [
      { ...obs, valueQuantity: {} },
      { ...obs, valueQuantity: { value: 1 }, valueFoo: 2 },
      { ...obs, valueFoo: 2 },
      { ...obs, value: 2 },
      { ...obs, valueString: 'a', _valueString: { extension: [{ url: 'u', valueCode: 'c' }] } },
      { ...obs, _valueString: { extension: [{ url: 'u', valueCode: 'c' }] } },
      { ...obs, valueString: 'a', _valueBoolean: { id: 'x' } },
      { ...obs, status: '', code: {} },
      { ...obs, component: [{}] },
      { ...obs, component: { code: { text: 'c' } } },
      { ...obs, code: [{ text: 'x' }] },
      { ...obs, resourceType: 'Observation', constructor: 1, toString: 'x', __proto__x: 1 },
      { ...obs, code: { text: 'x', resourceType: 'Patient' } },
      { ...obs, contained: [{ resourceType: 'Observation', status: 'final', code: { text: 'x' }, foo: 1 }] },
      { ...obs, contained: [{ resourceType: 'HumanName', family: 'x' }] },
      { ...obs, valueSampledData: { origin: { value: 1 }, period: 1.5, dimensions: 0, data: 'E' } },
      { ...obs, valueInteger: 2147483648 },
      { ...obs, valueDateTime: '2020-02-29T24:00:00Z' },
      { ...obs, valueTime: '25:00:00' },
      { ...obs, subject: { reference: 'Patient?identifier=x' } },
      { ...obs, subject: { reference: '/Patient/1' } },
      { ...obs, subject: { reference: 'http://example.org/fhir/Patient/1' } },
      {
        resourceType: 'Patient',
        birthDate: '2020',
        _birthDate: { extension: [{ url: 'u', valueString: ' x' }] },
      },
      { resourceType: 'Patient', photo: [{ data: 'not base64!' }, { data: 'QUJD' }, { data: 'QUJ' }] },
      { resourceType: 'Patient', multipleBirthInteger: 0, active: 'yes' },
      { resourceType: 'Patient', name: [{ given: ['a', '', ' b'] }] },
      { resourceType: 'Patient', text: { status: 'generated', div: '<p>no namespace</p>' } },
      { resourceType: 'Bundle', type: 'batch', entry: [{ resource: { resourceType: 'Patient', foo: 1 } }] },
      {
        resourceType: 'Parameters',
        parameter: [{ name: 'p', resource: { resourceType: 'Patient', gender: 'x' } }],
      },
      {
        resourceType: 'Questionnaire',
        status: 'draft',
        item: [{ linkId: '1', type: 'group', item: [{ type: 'string' }] }],
      },
    ];
    const tally = run('hand-written edge cases', cases);
    expect(tally.differences.slice(0, 10)).toEqual([]);
  });
});
