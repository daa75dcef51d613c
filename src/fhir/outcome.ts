/**
 * FHIR errors travel as OperationOutcome. FhirError carries the HTTP status and
 * the issues; the HTTP layer renders it, the importer prints its diagnostics.
 */
export type IssueCode =
  | 'invalid'
  | 'structure'
  | 'required'
  | 'value'
  | 'code-invalid'
  | 'not-supported'
  | 'not-found'
  | 'deleted'
  | 'conflict'
  | 'duplicate'
  | 'processing'
  | 'too-costly'
  | 'security'
  | 'login'
  | 'forbidden'
  | 'exception'
  | 'informational'
  | 'multiple-matches'
  | 'too-long';

export interface OutcomeIssue {
  severity: 'fatal' | 'error' | 'warning' | 'information';
  code: IssueCode;
  diagnostics: string;
  expression?: string[];
}

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: OutcomeIssue[];
}

export class FhirError extends Error {
  readonly status: number;
  readonly issues: OutcomeIssue[];
  constructor(
    status: number,
    issues: OutcomeIssue[] | string,
    code: IssueCode = 'processing',
    expression?: string,
  ) {
    const list =
      typeof issues === 'string'
        ? [
            {
              severity: 'error' as const,
              code,
              diagnostics: issues,
              ...(expression ? { expression: [expression] } : {}),
            },
          ]
        : issues;
    super(
      list
        .map((i) => (i.expression?.length ? `${i.expression.join(', ')}: ` : '') + i.diagnostics)
        .join('; '),
    );
    this.status = status;
    this.issues = list;
  }

  get outcome(): OperationOutcome {
    return { resourceType: 'OperationOutcome', issue: this.issues };
  }
}

export function outcome(issues: OutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

export function information(text: string): OperationOutcome {
  return outcome([{ severity: 'information', code: 'informational', diagnostics: text }]);
}

export const notFound = (type: string, id: string): FhirError =>
  new FhirError(404, `${type}/${id} does not exist; check the id, or search ${type}?_id=${id}`, 'not-found');
