// FHIR R4 resource validation for every write path (REST, transaction/batch bundles, NDJSON import).
// Structure, cardinality, primitive formats and invariants are checked by the compiled validator
// (validation/structure.ts), which gives @medplum/core's verdicts and messages at a fraction of its
// cost; required terminology bindings, which medplum does not check, by validation/required-bindings.
import { validateWith } from './validation/envelope.ts';
import { checkStructure } from './validation/structure.ts';

export interface ValidationIssue {
  severity: 'error' | 'warning';
  code: 'invalid' | 'structure' | 'required' | 'value' | 'code-invalid' | 'not-supported';
  /** FHIRPath-like element path, e.g. "Patient.gender" or "Observation.component[1].code". */
  expression: string;
  /** Human message naming the element, the problem and the fix. */
  diagnostics: string;
}

export interface ValidateOptions {
  /** Enforce required value-set bindings (default true); switchable only to measure its cost. */
  requiredBindings?: boolean;
}

/** Validates one resource against FHIR R4. Returns [] when valid; never throws. */
export function validateResource(resource: unknown, options?: ValidateOptions): ValidationIssue[] {
  return validateWith(resource, options, checkStructure);
}
