import type { Clock } from '../config/clock.ts';
import { systemClock } from '../config/clock.ts';
import type { Database } from '../db/database.ts';

export interface CareUnit {
  id: string;
  name: string;
  /** FHIR references ("Organization/…", "Location/…") that make up the unit. */
  refs: string[];
}

export class CareUnitError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const REF = /^(Organization|Location)\/[A-Za-z0-9\-.]{1,64}$/;

export async function createCareUnit(
  db: Database,
  input: CareUnit,
  clock: Clock = systemClock,
): Promise<CareUnit> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(input.id))
    throw new CareUnitError(
      400,
      `id '${input.id}' must be 1–64 letters, digits, '.', '_' or '-' (an HSA-id such as SE2321000016-15CQ works)`,
    );
  if (!input.name.trim()) throw new CareUnitError(400, 'name must not be empty');
  const bad = input.refs.filter((r) => !REF.test(r));
  if (bad.length)
    throw new CareUnitError(
      400,
      `refs: ${bad.join(', ')} not an Organization/<id> or Location/<id> reference`,
    );
  const exists = await db.kysely
    .selectFrom('care_unit')
    .select('id')
    .where('id', '=', input.id)
    .executeTakeFirst();
  if (exists) throw new CareUnitError(409, `care unit '${input.id}' already exists`);
  await db.kysely
    .insertInto('care_unit')
    .values({
      id: input.id,
      name: input.name.trim(),
      refs: [...new Set(input.refs)],
      created_at: clock.now(),
    })
    .execute();
  return { id: input.id, name: input.name.trim(), refs: [...new Set(input.refs)] };
}

export async function listCareUnits(db: Database): Promise<CareUnit[]> {
  const rows = await db.kysely
    .selectFrom('care_unit')
    .select(['id', 'name', 'refs'])
    .orderBy('name')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, refs: r.refs as string[] }));
}

/** Throws naming the unknown ids, so a typo never silently narrows or widens access. */
export async function requireCareUnits(db: Database, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const known = new Set((await listCareUnits(db)).map((u) => u.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length)
    throw new CareUnitError(
      400,
      `careUnits: ${unknown.join(', ')} unknown; create it first (outreach care-units create) or use one of: ${[...known].join(', ') || '(none yet)'}`,
    );
}

/** The FHIR references of the given units. */
export async function unitRefs(db: Database, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.kysely
    .selectFrom('care_unit')
    .select('refs')
    .where('id', 'in', [...ids])
    .execute();
  return [...new Set(rows.flatMap((r) => r.refs as string[]))];
}
