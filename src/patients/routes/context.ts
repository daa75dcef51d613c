import type { FastifyRequest } from 'fastify';
import { careUnitDenied, forbidden, patientScope, unitPatients } from '../../auth/access.ts';
import type { AuditEntry } from '../../auth/audit/entry.ts';
import { audit } from '../../auth/audit/hooks.ts';
import { orgWide } from '../../auth/principal.ts';
import type { Clock } from '../../config/clock.ts';
import type { Database } from '../../db/database.ts';
import type { FhirStore } from '../../fhir/store.ts';
import { ProblemError } from '../../http/errors.ts';
import { ProfileError } from '../operations.ts';
import { fhirPatientIds, getProfile, type Profile } from '../profile-read.ts';
import { suppressionSecret } from '../suppression.ts';

export interface PatientRouteDeps {
  db: Database;
  clock: Clock;
  store: FhirStore;
  /** Public base URL (config BASE_URL), for links sent to patients. */
  baseUrl?: string;
}

export interface OpenedProfile {
  profile: Profile;
  fhirPatients: string[];
  /** The stated reason when access relies on emergency access. */
  emergency: string | null;
}

export const actorOf = (req: FastifyRequest): string => req.principal?.actorName ?? 'unknown';

export function problem(err: unknown): never {
  if (err instanceof ProfileError)
    throw new ProblemError(
      err.status,
      ({ 404: 'Not Found', 409: 'Conflict', 410: 'Gone' } as Record<number, string>)[err.status] ??
        'Unprocessable Content',
      err.message,
    );
  if (err instanceof RangeError) throw new ProblemError(422, 'Unprocessable Content', err.message);
  throw err;
}

/**
 * Loads a profile the caller may see. A profile is as visible as the EHR
 * patients behind it: organisation-wide roles see all; others see a profile
 * when one of its EHR patients is in their care units or opened with
 * emergency access. A profile with no EHR patient (contact lists only) has no
 * care unit, so only organisation-wide roles see it.
 */
export async function openProfile(
  req: FastifyRequest,
  deps: PatientRouteDeps,
  id: string,
): Promise<OpenedProfile> {
  const profile = await getProfile(deps.db, id);
  if (!profile)
    throw new ProblemError(
      404,
      'Not Found',
      `profile ${id} does not exist; find profiles with GET /api/profiles?q=`,
    );
  const fhirPatients = await fhirPatientIds(deps.db, id);
  const p = req.principal;
  if (!p) throw forbidden(req, 'sign in first');
  if (orgWide(p)) return { profile, fhirPatients, emergency: null };
  const scope = await patientScope(deps.db, deps.clock, p);
  const visible = await unitPatients(deps.db, scope, fhirPatients);
  if (visible.size > 0) return { profile, fhirPatients, emergency: null };
  const grant = fhirPatients.find((f) => scope.emergency.has(f));
  if (grant) return { profile, fhirPatients, emergency: scope.emergency.get(grant)! };
  if (fhirPatients.length === 0)
    throw forbidden(
      req,
      `profile ${id} comes from contact lists only and belongs to no care unit, so only roles with patient:all-units see it`,
      'care-unit',
    );
  throw careUnitDenied(req, fhirPatients[0]);
}

/** Notes the access in the audit log: the profile and every EHR patient behind it. */
export function auditProfile(
  req: FastifyRequest,
  opened: OpenedProfile,
  action: AuditEntry['action'],
  detail: string,
  purpose?: string,
): void {
  audit(req, {
    action,
    outcome: 'success',
    resourceType: 'PatientProfile',
    resourceIds: [opened.profile.id],
    patientIds: [...opened.fhirPatients, opened.profile.id],
    emergency: opened.emergency !== null,
    purpose: purpose ?? opened.emergency ?? undefined,
    detail,
  });
}

export const secretOf = (deps: PatientRouteDeps) => suppressionSecret(deps.db, deps.clock.now());
