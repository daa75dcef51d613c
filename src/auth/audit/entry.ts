/**
 * What one audit record says (Patientdatalagen 2008:355, HSLF-FS 2016:40 4 kap.
 * 9 §): who, in which role and care unit, did what, to which resources of which
 * patients, when, from where, and why when a reason was given.
 */
export const AUDIT_ACTIONS = [
  'read',
  'search',
  'export',
  'create',
  'update',
  'delete',
  'sign-in',
  'sign-in-failed',
  'sign-out',
  'emergency-access',
  'administer',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export type AuditOutcome = 'success' | 'denied' | 'error';

export interface AuditEntry {
  action: AuditAction;
  outcome: AuditOutcome;
  /** FHIR type or product object ('User', 'ApiToken', 'Segment'…). */
  resourceType?: string;
  resourceIds?: readonly string[];
  /** Every patient whose data was touched or returned. */
  patientIds?: readonly string[];
  /** Purpose of use or the stated reason (required for emergency access). */
  purpose?: string;
  /** True when the access relied on emergency access (nödåtkomst). */
  emergency?: boolean;
  /** Short free text: the query, the route, what was denied and why. */
  detail?: string;
}

/** Where the request came from. */
export interface AuditOrigin {
  ip: string | null;
  client: string | null;
}

/** Audit records per page of a query, at the most (API, CLI, AuditEvent search). */
export const MAX_AUDIT_PAGE = 1000;
