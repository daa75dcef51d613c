import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNTHEA_ARCHIVE } from '../../test/synthea.ts';
import type { ValidationIssue } from './validate.ts';
import { validateResource } from './validate.ts';

const errors = (r: unknown): ValidationIssue[] => validateResource(r).filter((i) => i.severity === 'error');
const obs = (extra: Record<string, unknown>) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  ...extra,
});
const clinical = (code: string, system = 'http://terminology.hl7.org/CodeSystem/condition-clinical') => ({
  resourceType: 'Condition',
  subject: { reference: 'Patient/1' },
  clinicalStatus: { coding: [{ system, code }] },
});

describe('validateResource: envelope', () => {
  it('rejects non-objects and missing or unknown resource types', () => {
    for (const bad of [5, null, 'Patient', [], {}]) expect(errors(bad)).toHaveLength(1);
    const [issue] = errors({ resourceType: 'Patientt' });
    expect(issue.diagnostics).toBe("resourceType 'Patientt' is not a FHIR R4 resource type");
  });

  it('checks the id rule once, at <Type>.id', () => {
    expect(errors({ resourceType: 'Patient', id: 'ok-1.2' })).toEqual([]);
    for (const id of ['has space', 'x'.repeat(65), '', 7]) {
      const issues = errors({ resourceType: 'Patient', id });
      expect(issues).toHaveLength(1);
      expect(issues[0].expression).toBe('Patient.id');
    }
  });
});

describe('validateResource: structure (from medplum)', () => {
  it('reports a missing required element', () => {
    const issues = errors({ resourceType: 'Observation', code: { text: 'x' } });
    expect(issues).toEqual([expect.objectContaining({ code: 'required', expression: 'Observation.status' })]);
    expect(issues[0].diagnostics).toMatch(/^Observation\.status: required element is missing/);
  });

  it('keeps element paths with indexes', () => {
    const issues = errors(obs({ component: [{ code: { text: 'a' } }, { code: {} }] }));
    expect(issues.map((i) => i.expression)).toEqual(['Observation.component[1].code']);
  });

  it('reports a wrong JSON type as a structure issue', () => {
    const [issue] = errors({ resourceType: 'Patient', birthDate: 5 });
    expect(issue).toMatchObject({ code: 'structure', expression: 'Patient.birthDate' });
    expect(issue.diagnostics).toContain('expected a JSON string');
  });

  it('names an unknown element', () => {
    const [issue] = errors({ resourceType: 'Patient', foo: 1 });
    expect(issue).toMatchObject({ code: 'structure', expression: 'Patient.foo' });
    expect(issue.diagnostics).toContain("unknown element 'foo'");
  });

  it('names the concrete choice element and the accepted format', () => {
    const [issue] = errors(obs({ effectiveDateTime: '2020-13-01' }));
    expect(issue).toMatchObject({ code: 'value', expression: 'Observation.effectiveDateTime' });
    expect(issue.diagnostics).toContain('"2020-13-01" is not a valid FHIR dateTime (expected');
  });

  it('reports a failed invariant with its rule', () => {
    const [issue] = errors({ resourceType: 'Patient', contact: [{ gender: 'male' }] });
    expect(issue).toMatchObject({ code: 'invalid', expression: 'Patient.contact[0]' });
    expect(issue.diagnostics).toContain('pat-1');
  });

  it('warns about a reference to the wrong type, but not about urn:uuid references', () => {
    const wrong = validateResource(obs({ encounter: { reference: 'Patient/1' } }));
    expect(wrong).toEqual([
      expect.objectContaining({ severity: 'warning', expression: 'Observation.encounter' }),
    ]);
    expect(
      validateResource(obs({ encounter: { reference: 'urn:uuid:0b7e2d1c-6a40-4b7e-9c1e-4f1a3e2b5c6d' } })),
    ).toEqual([]);
  });
});

describe('validateResource: required bindings', () => {
  it('rejects a code outside the value set and lists the allowed codes', () => {
    const issues = errors({ resourceType: 'Patient', gender: 'robot' });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'code-invalid', expression: 'Patient.gender' });
    expect(issues[0].diagnostics).toBe(
      "Patient.gender: value 'robot' is not in the required value set http://hl7.org/fhir/ValueSet/administrative-gender (allowed: male, female, other, unknown)",
    );
    expect(errors({ resourceType: 'Patient', gender: 'female' })).toEqual([]);
  });

  it('rejects an unknown Observation.status', () => {
    expect(errors(obs({ status: 'bogus' }))).toEqual([
      expect.objectContaining({ code: 'code-invalid', expression: 'Observation.status' }),
    ]);
  });

  it('checks codes in nested data types and backbone elements', () => {
    const issues = errors({
      resourceType: 'Patient',
      name: [{ family: 'A' }, { family: 'B', use: 'nick' }],
      contact: [{ name: { text: 'C' }, gender: 'x' }],
    });
    expect(issues.map((i) => i.expression)).toEqual(['Patient.name[1].use', 'Patient.contact[0].gender']);
  });

  it('checks CodeableConcept codings against the value set system', () => {
    expect(errors(clinical('active'))).toEqual([]);
    const [wrong] = errors(clinical('gone'));
    expect(wrong).toMatchObject({ code: 'code-invalid', expression: 'Condition.clinicalStatus' });
    expect(wrong.diagnostics).toContain(
      "code 'gone' of system http://terminology.hl7.org/CodeSystem/condition-clinical",
    );
    expect(wrong.diagnostics).toContain('allowed: active, recurrence');
    // A code from a system the value set does not use cannot satisfy a required binding.
    expect(errors(clinical('active', 'http://example.org/status'))).toHaveLength(1);
  });

  it('accepts a CodeableConcept with text only, or with one matching coding among others', () => {
    const textOnly = { ...clinical('x'), clinicalStatus: { text: 'active' } };
    expect(errors(textOnly)).toEqual([]);
    const mixed = clinical('active');
    mixed.clinicalStatus.coding.unshift({ system: 'http://example.org/status', code: 'A' });
    expect(errors(mixed)).toEqual([]);
  });

  it('accepts nested concepts of a whole code system', () => {
    const c = {
      ...clinical('active'),
      verificationStatus: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'provisional' },
        ],
      },
    };
    expect(errors(c)).toEqual([]);
  });

  it('handles choice types', () => {
    expect(
      errors(
        obs({ valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '260385009' }] } }),
      ),
    ).toEqual([]);
    expect(errors(obs({ valueCodeableConcept: { text: 'positive' } }))).toEqual([]);
    const timing = {
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: 'Patient/1' },
      medicationCodeableConcept: { text: 'x' },
    };
    const dosed = {
      ...timing,
      dosageInstruction: [{ timing: { repeat: { boundsDuration: { value: 1, comparator: 'about' } } } }],
    };
    expect(errors(dosed).map((i) => i.expression)).toEqual([
      'MedicationRequest.dosageInstruction[0].timing.repeat.boundsDuration.comparator',
    ]);
  });

  it('recurses into contained resources but not into bundle entries', () => {
    const contained = { resourceType: 'Patient', contained: [{ resourceType: 'Patient', gender: 'x' }] };
    expect(errors(contained).map((i) => i.expression)).toEqual(['Patient.contained[0].gender']);
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { resourceType: 'Patient', gender: 'x' } }],
    };
    expect(errors(bundle)).toEqual([]);
  });

  it('skips value sets that cannot be expanded locally (mime types)', () => {
    const photo = {
      resourceType: 'Patient',
      photo: [{ contentType: 'image/x-anything', url: 'http://example.org/p.png' }],
    };
    expect(errors(photo)).toEqual([]);
  });
});

describe('validateResource: Synthea corpus', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'synthea-'));
    execFileSync('tar', ['xzf', SYNTHEA_ARCHIVE, '-C', dir]);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('validates every resource of every file without errors', () => {
    const root = join(dir, 'synthea-r4-100');
    const files = readdirSync(root).filter((f) => f.endsWith('.json'));
    expect(files.length).toBe(103);
    let count = 0;
    const failures: string[] = [];
    for (const file of files) {
      const json = JSON.parse(readFileSync(join(root, file), 'utf8'));
      // 102 transaction bundles plus one Group listing the patients.
      const resources =
        json.resourceType === 'Bundle' ? json.entry.map((e: { resource: unknown }) => e.resource) : [json];
      for (const r of resources) {
        count++;
        for (const i of errors(r)) failures.push(`${file}: ${i.diagnostics}`);
      }
    }
    expect(failures.slice(0, 20)).toEqual([]);
    expect(count).toBe(38971);
  }, 300_000);
});
