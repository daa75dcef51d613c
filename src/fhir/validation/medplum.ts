// The reference validator: @medplum/core's own validateResource, which walks every element of the
// schema per object. It stays available for parity tests, benchmarks, and as the fallback for the
// rare constructs the compiled validator (structure.ts) does not reproduce exactly.
import { validateResource as medplumValidate, OperationOutcomeError } from '@medplum/core';
import type { ValidateOptions, ValidationIssue } from '../validate.ts';
import { validateWith } from './envelope.ts';
import type { OperationOutcomeIssue } from './medplum-issues.ts';

/** validateResource as it was before the compiled validator: every resource goes through medplum. */
export function validateResourceWithMedplum(resource: unknown, options?: ValidateOptions): ValidationIssue[] {
  return validateWith(resource, options, runMedplum);
}

// medplum throws an OperationOutcomeError listing all issues when any is an error, and returns
// the (warning-only) issues otherwise.
export function runMedplum(resource: Record<string, unknown>): OperationOutcomeIssue[] {
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
        details: { text: `validator failed: ${err instanceof Error ? err.message : String(err)}` },
      },
    ];
  }
}
