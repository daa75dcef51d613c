import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../config/clock.ts';
import type { Database } from '../db/database.ts';
import { FhirError } from '../fhir/outcome.ts';
import { PATIENT_COMPARTMENT } from '../fhir/search-params.ts';
import { ProblemError } from '../http/errors.ts';
import { unitRefs } from './care-units.ts';
import type { Permission } from './permissions.ts';
import { orgWide, type Principal } from './principal.ts';

/**
 * What a route needs. Every /api, /fhir and /auth route declares one in
 * `config.access`; a route without one is denied (and fails the generated
 * permission test).
 */
export type AccessRule =
  | { public: true }
  | { signedIn: true }
  | { permission: Permission }
  /** FHIR routes: the permission depends on the resource type, checked by the route itself. */
  | { fhir: 'read' | 'write' | 'search' | 'bundle' | 'capabilities' };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: AccessRule;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export type FhirCategory = 'demographics' | 'clinical' | 'directory' | 'audit';

const DEMOGRAPHIC_TYPES = new Set(['Patient', 'RelatedPerson', 'Person']);

/**
 * Types that describe the organisation, its people and its knowledge, never a
 * patient. Any type not listed here is treated as clinical (deny by default).
 */
export const DIRECTORY_TYPES = new Set([
  'Organization',
  'OrganizationAffiliation',
  'Location',
  'Practitioner',
  'PractitionerRole',
  'HealthcareService',
  'Endpoint',
  'InsurancePlan',
  'Medication',
  'MedicationKnowledge',
  'Substance',
  'SubstanceSpecification',
  'ValueSet',
  'CodeSystem',
  'ConceptMap',
  'NamingSystem',
  'TerminologyCapabilities',
  'StructureDefinition',
  'StructureMap',
  'SearchParameter',
  'OperationDefinition',
  'CompartmentDefinition',
  'CapabilityStatement',
  'ImplementationGuide',
  'GraphDefinition',
  'MessageDefinition',
  'Questionnaire',
  'PlanDefinition',
  'ActivityDefinition',
  'Library',
  'Measure',
  'ObservationDefinition',
  'SpecimenDefinition',
  'EventDefinition',
  'DeviceDefinition',
  'ChargeItemDefinition',
  'EffectEvidenceSynthesis',
  'Evidence',
  'EvidenceVariable',
  'ResearchDefinition',
  'ResearchElementDefinition',
  'RiskEvidenceSynthesis',
  'TestScript',
  'ExampleScenario',
]);

/** Which kind of data a FHIR type holds: decides the permission that reads or writes it. */
export function fhirCategory(type: string): FhirCategory {
  if (DEMOGRAPHIC_TYPES.has(type)) return 'demographics';
  if (type === 'AuditEvent') return 'audit';
  if (DIRECTORY_TYPES.has(type)) return 'directory';
  return 'clinical';
}

/**
 * Patient data whose patient the store cannot tell (no compartment path, e.g.
 * Provenance, Group, Binary): care units cannot narrow it, so only
 * organisation-wide roles read or write it.
 */
export function unscopedPatientData(type: string): boolean {
  return (
    fhirCategory(type) !== 'directory' &&
    fhirCategory(type) !== 'audit' &&
    type !== 'Patient' &&
    !Object.hasOwn(PATIENT_COMPARTMENT, type)
  );
}

export function fhirPermission(type: string, op: 'read' | 'write'): Permission | null {
  const cat = fhirCategory(type);
  switch (cat) {
    case 'demographics':
      return op === 'read' ? 'patient:read' : 'patient:write';
    case 'clinical':
      return op === 'read' ? 'clinical:read' : 'clinical:write';
    case 'directory':
      return op === 'read' ? 'directory:read' : 'directory:write';
    case 'audit':
      // The audit trail is written by the server only.
      return op === 'read' ? 'audit:read' : null;
    default: {
      const never: never = cat;
      return never;
    }
  }
}

export function forbidden(req: FastifyRequest, detail: string, type = 'permission'): Error {
  return req.url.startsWith('/fhir')
    ? new FhirError(403, detail, 'forbidden')
    : new ProblemError(403, 'Forbidden', detail, { type: `https://patient-outreach.dev/problems/${type}` });
}

export function requirePermission(req: FastifyRequest, permission: Permission, what?: string): void {
  const p = req.principal;
  if (!p) throw forbidden(req, 'sign in first');
  if (!p.permissions.has(permission))
    throw forbidden(
      req,
      `${what ?? `${req.method} ${req.routeOptions.url}`} needs the permission ${permission}, which role '${p.role}' does not have; ask an administrator for a role that has it`,
    );
}

export function requireFhir(req: FastifyRequest, type: string, op: 'read' | 'write'): void {
  if (unscopedPatientData(type))
    requirePermission(
      req,
      'patient:all-units',
      `${op === 'read' ? 'reading' : 'writing'} ${type} (its patient is not known to the store, so care units cannot narrow it)`,
    );
  const perm = fhirPermission(type, op);
  if (perm === null)
    throw forbidden(
      req,
      `${type} resources are written by the server only; they cannot be ${op === 'write' ? 'changed' : 'read'} through the API`,
    );
  requirePermission(req, perm, `${op === 'read' ? 'reading' : 'writing'} ${type}`);
}

/** The types whose reference to a unit's organisation or location ties a patient to that unit. */
export const UNIT_LINK_TYPES = ['Patient', 'Encounter', 'EpisodeOfCare', 'Appointment'];
const UNIT_LINK_PARAMS = ['organization', 'general-practitioner', 'service-provider', 'location'];

/** Index tokens (see fhir/index-extract.ts) that tie a resource to one of the references. */
export function unitTokens(refs: readonly string[]): string[] {
  return refs.flatMap((ref) => UNIT_LINK_PARAMS.map((p) => `${p}=${ref}`));
}

/**
 * Which patients a principal may see. Organisation-wide roles see all; others
 * see the patients linked to their care units (Patient.managingOrganization or
 * generalPractitioner, an Encounter's serviceProvider or location, an
 * EpisodeOfCare's managingOrganization, an Appointment's location) plus those
 * they opened with emergency access.
 */
export interface PatientScope {
  all: boolean;
  tokens: string[];
  /** patient id → the stated reason, for active emergency grants. */
  emergency: Map<string, string>;
}

export async function patientScope(db: Database, clock: Clock, p: Principal): Promise<PatientScope> {
  if (orgWide(p)) return { all: true, tokens: [], emergency: new Map() };
  const tokens = unitTokens(await unitRefs(db, p.careUnits));
  const emergency = new Map<string, string>();
  if (p.userId) {
    const rows = await db.kysely
      .selectFrom('emergency_grant')
      .select(['patient_id', 'reason'])
      .where('user_id', '=', p.userId)
      .where('expires_at', '>', clock.now())
      .execute();
    for (const r of rows) emergency.set(r.patient_id, r.reason);
  }
  return { all: false, tokens, emergency };
}

/**
 * SQL over a patient id column (default `fhir_resource r`'s): true when it
 * is no patient or one the scope may see.
 */
export function scopeSql(
  scope: PatientScope,
  add: (v: unknown) => string,
  col = 'r.patient_id',
): string | null {
  if (scope.all) return null;
  return `(${col} = ANY(${add([...scope.emergency.keys()])}::text[]) OR ${unitSql(scope, add, col)})`;
}

/** SQL over a patient id column: true when it is no patient or one of the scope's care units' patients. */
export function unitSql(scope: PatientScope, add: (v: unknown) => string, col = 'r.patient_id'): string {
  return `(${col} IS NULL OR EXISTS (
    SELECT 1 FROM fhir_resource u WHERE u.patient_id = ${col} AND u.resource_type = ANY(${add(UNIT_LINK_TYPES)}::text[])
      AND NOT u.deleted AND u.tokens && ${add(scope.tokens)}::text[]))`;
}

/** The subset of `patientIds` the scope may see through its care units (emergency grants not included). */
export async function unitPatients(
  db: Database,
  scope: PatientScope,
  patientIds: readonly string[],
): Promise<Set<string>> {
  if (scope.all) return new Set(patientIds);
  if (patientIds.length === 0 || scope.tokens.length === 0) return new Set();
  const rows = await db.query<{ patient_id: string }>(
    `SELECT DISTINCT patient_id FROM fhir_resource WHERE patient_id = ANY($1::text[])
       AND resource_type = ANY($2::text[]) AND NOT deleted AND tokens && $3::text[]`,
    [[...new Set(patientIds)], UNIT_LINK_TYPES, scope.tokens],
  );
  return new Set(rows.map((r) => r.patient_id));
}

export type PatientAccess = { kind: 'unit' } | { kind: 'emergency'; reason: string } | { kind: 'denied' };

export async function patientAccess(
  db: Database,
  scope: PatientScope,
  patientId: string,
): Promise<PatientAccess> {
  if (scope.all) return { kind: 'unit' };
  if ((await unitPatients(db, scope, [patientId])).has(patientId)) return { kind: 'unit' };
  const reason = scope.emergency.get(patientId);
  return reason ? { kind: 'emergency', reason } : { kind: 'denied' };
}

export function careUnitDenied(req: FastifyRequest, patientId: string): Error {
  const p = req.principal;
  const how = p?.permissions.has('emergency:access')
    ? ` If care requires it, open the record with emergency access (POST /api/auth/emergency-access with patientId and reason); that access is flagged in the audit log.`
    : '';
  return forbidden(
    req,
    `Patient/${patientId} is not related to your care units (${p?.careUnits.join(', ') || 'none'}).${how}`,
    'care-unit',
  );
}

export interface RouteEntry {
  method: string;
  url: string;
  access: AccessRule | undefined;
}

const routeTables = new WeakMap<object, RouteEntry[]>();

/**
 * Records every route with its access rule as it is added, so the permission
 * test and docs can enumerate them. Call before any route is registered.
 */
export function recordRoutes(app: FastifyInstance): void {
  const table: RouteEntry[] = [];
  routeTables.set(app, table);
  app.addHook('onRoute', (opts) => {
    const methods = Array.isArray(opts.method) ? opts.method : [opts.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      table.push({
        method,
        url: opts.url,
        access: (opts.config as { access?: AccessRule } | undefined)?.access,
      });
    }
  });
}

export function routeTable(app: object): RouteEntry[] {
  const t = routeTables.get(app);
  if (!t) throw new Error('recordRoutes was not called on this app');
  return t;
}
