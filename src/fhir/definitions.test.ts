import { getDataType } from '@medplum/core';
import { describe, expect, it } from 'vitest';
import { isResourceType, loadFhirDefinitions, RESOURCE_TYPES } from './definitions.ts';

describe('definitions', () => {
  it('knows the R4 resource types and nothing else', () => {
    for (const t of ['Patient', 'Basic', 'Bundle', 'Observation']) expect(isResourceType(t)).toBe(true);
    for (const t of ['Patientt', 'Element', 'HumanName', 'Resource', 'DomainResource', 'Project', '']) {
      expect(isResourceType(t)).toBe(false);
    }
  });

  it('lists the resource types sorted', () => {
    expect(RESOURCE_TYPES.length).toBeGreaterThan(140);
    expect([...RESOURCE_TYPES].sort()).toEqual(RESOURCE_TYPES);
    expect(RESOURCE_TYPES).toContain('ExplanationOfBenefit');
  });

  it('loads once and registers the schemas with medplum', () => {
    loadFhirDefinitions();
    loadFhirDefinitions();
    expect(getDataType('Patient').elements.gender.binding?.strength).toBe('required');
  });
});
