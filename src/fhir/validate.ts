// FHIR R4 resource validation for every write path (REST, transaction/batch bundles, NDJSON import).
// Structure, cardinality, primitive formats and invariants come from @medplum/core; required
// terminology bindings, which medplum does not check, are enforced by validation/required-bindings.
import { validateResource as medplumValidate, OperationOutcomeError } from '@medplum/core';
import { isResourceType } from './definitions.ts';
import type { OperationOutcomeIssue } from './validation/medplum-issues.ts';
import { convertMedplumIssue } from './validation/medplum-issues.ts';
import { checkRequiredBindings } from './validation/required-bindings.ts';

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

const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

/** Validates one resource against FHIR R4. Returns [] when valid; never throws. */
export function validateResource(resource: unknown, options?: ValidateOptions): ValidationIssue[] {
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
    const got = resource === null ? 'null' : Array.isArray(resource) ? 'an array' : typeof resource;
    return [issue('structure', '', `a FHIR resource must be a JSON object, got ${got}`)];
  }
  const obj = resource as Record<string, unknown>;
  const type = obj.resourceType;
  if (typeof type !== 'string' || type === '') {
    return [
      issue(
        'required',
        'resourceType',
        'resourceType is missing; every resource needs e.g. "resourceType": "Patient"',
      ),
    ];
  }
  if (!isResourceType(type)) {
    return [issue('not-supported', 'resourceType', `resourceType '${type}' is not a FHIR R4 resource type`)];
  }

  const issues: ValidationIssue[] = [];
  const idIssue = checkId(type, obj.id);
  if (idIssue) issues.push(idIssue);
  for (const mi of runMedplum(obj)) {
    if (isUnresolvableReferenceWarning(mi)) continue;
    const converted = convertMedplumIssue(mi, obj);
    // The id rule is reported once, by checkId, with the clearer message.
    if (!(idIssue && converted.expression === idIssue.expression)) issues.push(converted);
  }
  if (options?.requiredBindings !== false) {
    try {
      checkRequiredBindings(obj, issues);
    } catch (err) {
      issues.push(issue('invalid', type, `terminology check failed unexpectedly: ${errorText(err)}`));
    }
  }
  return issues;
}

function checkId(type: string, id: unknown): ValidationIssue | undefined {
  if (id === undefined) return undefined;
  const expression = `${type}.id`;
  if (typeof id !== 'string') {
    return issue('structure', expression, `${expression}: id must be a JSON string, got ${typeof id}`);
  }
  if (!ID_PATTERN.test(id)) {
    const shown = id.length > 70 ? `${id.slice(0, 67)}...` : id;
    return issue(
      'value',
      expression,
      `${expression}: '${shown}' is not a valid FHIR id; use 1-64 characters of A-Z, a-z, 0-9, '-' and '.'`,
    );
  }
  return undefined;
}

// medplum throws an OperationOutcomeError listing all issues when any is an error, and returns
// the (warning-only) issues otherwise.
function runMedplum(resource: Record<string, unknown>): OperationOutcomeIssue[] {
  try {
    return medplumValidate(resource as never) as OperationOutcomeIssue[];
  } catch (err) {
    if (err instanceof OperationOutcomeError) return (err.outcome.issue ?? []) as OperationOutcomeIssue[];
    const type = String(resource.resourceType);
    return [
      {
        severity: 'error',
        code: 'invalid',
        expression: [type],
        details: { text: `validator failed: ${errorText(err)}` },
      },
    ];
  }
}

// medplum takes the text before the first '/' of a reference as its resource type, so every
// urn:uuid:/urn:oid: reference (the normal form inside transaction bundles) and every absolute URL
// draws a bogus "Invalid reference" warning. Such references name no type to check; drop those.
function isUnresolvableReferenceWarning(mi: OperationOutcomeIssue): boolean {
  if (mi.severity !== 'warning') return false;
  const m = mi.details?.text?.match(/^Invalid reference: got "([^"]*)"/);
  return !!m && (m[1].startsWith('urn:') || m[1].endsWith(':'));
}

function issue(code: ValidationIssue['code'], expression: string, diagnostics: string): ValidationIssue {
  return { severity: 'error', code, expression, diagnostics };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
