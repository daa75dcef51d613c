import type { FastifyRequest } from 'fastify';
import { patientScope, unitPatients } from '../../auth/access.ts';
import { orgWide } from '../../auth/principal.ts';
import type { Clock } from '../../config/clock.ts';
import type { Database } from '../../db/database.ts';
import type { FhirStore } from '../../fhir/store.ts';
import { ProblemError } from '../../http/errors.ts';
import { UnsupportedInDialect } from '../compile.ts';
import { ListTooLarge } from '../lists.ts';
import { FrozenSegment, VersionConflict } from '../segment-store.ts';
import type { SegmentService } from '../service.ts';
import { DefinitionError } from '../validate.ts';

export interface SegmentRouteDeps {
  db: Database;
  clock: Clock;
  store: FhirStore;
  segments: SegmentService;
}

export const actorOf = (req: FastifyRequest): string => req.principal?.actorName ?? 'unknown';

/** Module errors as RFC 9457 problems: a bad definition names every node at fault. */
export function problem(err: unknown): never {
  if (err instanceof DefinitionError)
    throw new ProblemError(
      422,
      'Unprocessable Content',
      `the definition has ${err.problems.length} problem(s): ${err.message}`,
      { problems: err.problems },
    );
  if (err instanceof VersionConflict) throw new ProblemError(409, 'Conflict', err.message);
  if (err instanceof FrozenSegment) throw new ProblemError(409, 'Conflict', err.message);
  if (err instanceof ListTooLarge) throw new ProblemError(413, 'Content Too Large', err.message);
  if (err instanceof UnsupportedInDialect) throw new ProblemError(422, 'Unprocessable Content', err.message);
  throw err;
}

export function notFound(id: string): never {
  throw new ProblemError(404, 'Not Found', `no segment ${id}; list segments with GET /api/segments`);
}

export function asOfOf(value: string | undefined, clock: Clock): number {
  return value ? Date.parse(value) : clock.now().getTime();
}

/** The patients among `ids` the caller may see (care units, emergency access), in the given order. */
export async function visibleOf(
  req: FastifyRequest,
  deps: SegmentRouteDeps,
  ids: readonly string[],
): Promise<string[]> {
  const p = req.principal!;
  if (orgWide(p)) return [...ids];
  const scope = await patientScope(deps.db, deps.clock, p);
  const visible = await unitPatients(deps.db, scope, ids);
  return ids.filter((id) => visible.has(id) || scope.emergency.has(id));
}

export interface PersonLabel {
  profileId: string | null;
  name: string | null;
  birthDate: string | null;
  personnummer: string | null;
}

/** Names for member lists, from the unified profile; restricted profiles show none (GDPR art. 18). */
export async function labels(db: Database, ids: readonly string[]): Promise<Map<string, PersonLabel>> {
  const out = new Map<string, PersonLabel>();
  if (ids.length === 0) return out;
  const rows = await db.query<{
    external_id: string;
    profile_id: string;
    restricted: boolean;
    golden: { given?: string[]; family?: string; birthDate?: string; personnummer?: string };
  }>(
    `SELECT r.external_id, p.id AS profile_id, p.restricted, p.golden FROM patient_record r
     JOIN patient_profile p ON p.id = r.profile_id
     WHERE r.source = 'ehr' AND NOT r.deleted AND r.external_id = ANY($1::text[])`,
    [ids],
  );
  for (const r of rows)
    out.set(r.external_id, {
      profileId: r.profile_id,
      name: r.restricted
        ? null
        : [...(r.golden.given ?? []), r.golden.family].filter(Boolean).join(' ') || null,
      birthDate: r.restricted ? null : (r.golden.birthDate ?? null),
      personnummer: r.restricted ? null : (r.golden.personnummer ?? null),
    });
  return out;
}
