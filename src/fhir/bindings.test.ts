import { describe, expect, it } from 'vitest';
import { canonicalUrl, expandValueSet } from './bindings.ts';

describe('expandValueSet', () => {
  it('expands a whole code system, ignoring a |version suffix', () => {
    const vs = expandValueSet('http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1');
    expect([...(vs?.allCodes ?? [])]).toEqual(['male', 'female', 'other', 'unknown']);
    expect(vs?.bySystem.has('http://hl7.org/fhir/administrative-gender')).toBe(true);
    expect(expandValueSet('http://hl7.org/fhir/ValueSet/administrative-gender')).toBe(vs);
  });

  it('includes nested concepts', () => {
    const vs = expandValueSet('http://hl7.org/fhir/ValueSet/condition-ver-status');
    expect(vs?.allCodes.has('unconfirmed')).toBe(true);
    expect(vs?.allCodes.has('provisional')).toBe(true);
  });

  it('expands explicit concept lists and v3/v2 code systems', () => {
    expect(expandValueSet('http://hl7.org/fhir/ValueSet/units-of-time')?.allCodes.has('wk')).toBe(true);
    expect(expandValueSet('http://terminology.hl7.org/ValueSet/v3-ActPriority')?.allCodes.has('EM')).toBe(
      true,
    );
    expect(expandValueSet('http://terminology.hl7.org/ValueSet/v2-0203')?.allCodes.has('MR')).toBe(true);
  });

  it('follows valueSet imports', () => {
    const vs = expandValueSet('http://hl7.org/fhir/ValueSet/all-types');
    expect(vs?.allCodes.has('Patient')).toBe(true);
    expect(vs?.allCodes.has('HumanName')).toBe(true);
  });

  it('returns undefined for value sets that need an external or filtered terminology', () => {
    expect(expandValueSet('http://hl7.org/fhir/ValueSet/mimetypes')).toBeUndefined(); // BCP-13
    expect(expandValueSet('http://hl7.org/fhir/ValueSet/clinical-findings')).toBeUndefined(); // SNOMED filter
    expect(expandValueSet('http://terminology.hl7.org/ValueSet/v3-ActEncounterCode')).toBeUndefined(); // is-a filter
    expect(expandValueSet('http://example.org/ValueSet/unknown')).toBeUndefined();
  });

  it('strips versions', () => {
    expect(canonicalUrl('http://x/vs|1.0')).toBe('http://x/vs');
    expect(canonicalUrl('http://x/vs')).toBe('http://x/vs');
  });
});
