import type { FastifyRequest } from 'fastify';
import { forbidden, patientScope, unitPatients } from '../../auth/access.ts';
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
  /**
   * The saved segments the given EHR patients are in now. Injected by the
   * HTTP wiring: segments depends on patients (consent), not the other way.
   */
  segmentMemberships?: (patientIds: readonly string[]) => Promise<Membership[]>;
}

/** A current stay in a segment (later: a journey), as the patient 360 lists it. */
export interface Membership {
  id: string;
  name: string;
  since: string;
}

export interface OpenedProfile {
  profile: Profile;
  /** Every EHR patient behind the profile. */
  fhirPatients: string[];
  /**
   * The ones the caller may see (care units or emergency access): clinical data
   * and source records of the others stay hidden even when unification tied
   * them to this profile.
   */
  visiblePatients: string[];
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
  // A merged profile is as visible as the profile it lives on in.
  const current = await currentProfile(deps, profile);
  if (current.status === 'dissolved') throw await dissolved(req, deps, id, current.id);
  const fhirPatients = await fhirPatientIds(deps.db, current.id);
  const p = req.principal;
  if (!p) throw forbidden(req, 'sign in first');
  if (orgWide(p)) return { profile, fhirPatients, visiblePatients: fhirPatients, emergency: null };
  const scope = await patientScope(deps.db, deps.clock, p);
  const unit = await unitPatients(deps.db, scope, fhirPatients);
  const visiblePatients = fhirPatients.filter((f) => unit.has(f) || scope.emergency.has(f));
  if (unit.size > 0) return { profile, fhirPatients, visiblePatients, emergency: null };
  const grant = fhirPatients.find((f) => scope.emergency.has(f));
  if (grant) return { profile, fhirPatients, visiblePatients, emergency: scope.emergency.get(grant)! };
  // Refusals are audited too, as the FHIR API does.
  audit(req, {
    action: 'read',
    outcome: 'denied',
    resourceType: 'PatientProfile',
    resourceIds: [id],
    patientIds: [...fhirPatients, id],
    detail: 'profile outside the caller’s care units',
  });
  if (fhirPatients.length === 0)
    throw forbidden(
      req,
      `profile ${id} comes from contact lists only and belongs to no care unit, so only roles with patient:all-units see it`,
      'care-unit',
    );
  throw forbidden(
    req,
    `profile ${id} is not related to your care units (${p.careUnits.join(', ') || 'none'})${p.permissions.has('emergency:access') ? '; if care requires it, open the patient with emergency access (POST /api/auth/emergency-access), which is flagged in the audit log' : ''}`,
    'care-unit',
  );
}

/** The profile a merged one lives on in (itself when not merged). */
async function currentProfile(deps: PatientRouteDeps, profile: Profile): Promise<Profile> {
  let current = profile;
  for (let hops = 0; current.status === 'merged' && current.mergedInto && hops < 20; hops++) {
    const next = await getProfile(deps.db, current.mergedInto);
    if (!next) break;
    current = next;
  }
  return current;
}

/**
 * A dissolved profile holds no record: its records moved to other profiles
 * (or were suppressed). The answer names the profiles that took them, those
 * the caller may open.
 */
async function dissolved(
  req: FastifyRequest,
  deps: PatientRouteDeps,
  id: string,
  dissolvedId: string,
): Promise<ProblemError> {
  const [h] = await deps.db.query<{ other_profiles: string[] }>(
    `SELECT other_profiles FROM patient_history WHERE profile_id = $1 AND kind = 'dissolve' ORDER BY seq DESC LIMIT 1`,
    [dissolvedId],
  );
  const now: string[] = [];
  for (const o of h?.other_profiles ?? []) {
    const p = await getProfile(deps.db, o);
    const c = p && (await currentProfile(deps, p));
    if (c?.status === 'active' && !now.includes(c.id)) now.push(c.id);
  }
  const visible = await visibleProfiles(req, deps, now);
  const named = now.filter((x) => visible.has(x));
  return new ProblemError(
    410,
    'Gone',
    `profile ${id} no longer holds any source record: ${
      named.length > 0
        ? `they moved to ${named.length === 1 ? 'profile' : 'profiles'} ${named.join(', ')}; open ${named.length === 1 ? 'that one' : 'those'} instead`
        : 'they moved to other profiles; find the person with GET /api/profiles?q='
    }`,
  );
}

/**
 * Which of these profiles the caller may open, by the rule of openProfile
 * (without auditing or refusing): every one for organisation-wide roles;
 * otherwise those with an EHR patient in the caller's care units or opened
 * with emergency access. A profile from contact lists only is seen by
 * organisation-wide roles only. For active profiles (a merged one's
 * visibility is its survivor's).
 */
export async function visibleProfiles(
  req: FastifyRequest,
  deps: PatientRouteDeps,
  profileIds: readonly string[],
): Promise<Set<string>> {
  const p = req.principal;
  if (!p || profileIds.length === 0) return new Set();
  if (orgWide(p)) return new Set(profileIds);
  const rows = await deps.db.query<{ profile_id: string; external_id: string }>(
    `SELECT r.profile_id, r.external_id FROM patient_record r JOIN patient_source s ON s.name = r.source
     WHERE r.profile_id = ANY($1::uuid[]) AND s.kind = 'fhir' AND NOT r.deleted`,
    [[...new Set(profileIds)]],
  );
  if (rows.length === 0) return new Set();
  const scope = await patientScope(deps.db, deps.clock, p);
  const unit = await unitPatients(
    deps.db,
    scope,
    rows.map((r) => r.external_id),
  );
  return new Set(
    rows
      .filter((r) => unit.has(r.external_id) || scope.emergency.has(r.external_id))
      .map((r) => r.profile_id),
  );
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

/**
 * What the caller may see of a profile's source records: all of them for
 * organisation-wide roles; otherwise contact-list records and the EHR records
 * of visible patients. An EHR record of a patient outside the caller's care
 * units stays hidden even when unification tied it to this profile.
 */
export function visibleRecords<T extends { sourceKind: string; externalId: string }>(
  opened: OpenedProfile,
  records: readonly T[],
): T[] {
  const visible = new Set(opened.visiblePatients);
  return records.filter((r) => r.sourceKind !== 'fhir' || visible.has(r.externalId));
}

/** Reads and writes other than the 360 page act on active profiles only; the answer names the profile to use. */
export function requireActive(opened: OpenedProfile): void {
  const { id, status, mergedInto } = opened.profile;
  if (status === 'merged')
    throw new ProblemError(
      409,
      'Conflict',
      `profile ${id} was merged into ${mergedInto}; use that profile instead`,
    );
  if (status === 'erased')
    throw new ProblemError(
      410,
      'Gone',
      `profile ${id} was erased (GDPR art. 17); nothing is kept about this person`,
    );
}
