// What every validation engine shares: the envelope checks (JSON object, known resourceType, id),
// conversion of medplum-style issues into ours, and the required value-set bindings.
import { isResourceType } from '../definitions.ts';
import type { ValidateOptions, ValidationIssue } from '../validate.ts';
import type { OperationOutcomeIssue } from './medplum-issues.ts';
import { convertMedplumIssue } from './medplum-issues.ts';
import { checkRequiredBindings } from './required-bindings.ts';

/** Structural R4 validation of a resource whose resourceType is known, in medplum's issue format. */
export type StructureEngine = (resource: Record<string, unknown>) => OperationOutcomeIssue[];

const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

export function validateWith(
  resource: unknown,
  options: ValidateOptions | undefined,
  engine: StructureEngine,
): ValidationIssue[] {
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
  for (const mi of engine(obj)) {
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
