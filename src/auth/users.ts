import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../config/clock.ts';
import { systemClock } from '../config/clock.ts';
import type { Database } from '../db/database.ts';
import { requireCareUnits } from './care-units.ts';
import { hashPassword, passwordProblem } from './passwords.ts';
import { roleKnown, roleNames } from './roles.ts';

export interface User {
  id: string;
  email: string;
  name: string;
  role: string;
  careUnits: string[];
  disabled: boolean;
  method: 'password' | 'oidc';
  lastSignInAt: string | null;
  createdAt: string;
}

export class UserError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Set-up links (first password, resets) last a day and work once. */
export const SETUP_LINK_MS = 24 * 3600_000;

const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);

export function toUser(r: any): User {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    role: r.role,
    careUnits: r.care_units ?? [],
    disabled: r.disabled,
    method: r.oidc_subject ? 'oidc' : 'password',
    lastSignInAt: iso(r.last_sign_in_at),
    createdAt: iso(r.created_at)!,
  };
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const hashSecret = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Role names are checked by the caller against the RoleRegistry (custom roles
 * live in the database); here only built-in names are checked when no
 * validator is passed, which is what the CLI bootstrap needs.
 */
export async function createUser(
  db: Database,
  clock: Clock = systemClock,
  input: {
    email: string;
    name: string;
    role: string;
    careUnits?: string[];
    password?: string;
    oidcSubject?: string;
  },
  roleExists: (role: string) => Promise<boolean> = (r) => roleKnown(db, r),
): Promise<{ id: string; setupToken?: string }> {
  const email = normaliseEmail(input.email);
  if (!EMAIL.test(email)) throw new UserError(400, `email '${input.email}' is not an e-mail address`);
  if (!(await roleExists(input.role)))
    throw new UserError(
      400,
      `role '${input.role}' is unknown; use one of: ${(await roleNames(db)).join(', ')}`,
    );
  const careUnits = [...new Set(input.careUnits ?? [])];
  try {
    await requireCareUnits(db, careUnits);
  } catch (err) {
    throw new UserError(400, (err as Error).message);
  }
  if (input.password !== undefined) {
    const problem = passwordProblem(input.password, email);
    if (problem) throw new UserError(400, `password: ${problem}`);
  }
  const taken = await db.kysely
    .selectFrom('app_user')
    .select('id')
    .where('email', '=', email)
    .executeTakeFirst();
  if (taken) throw new UserError(409, `a user with e-mail ${email} already exists`);
  const id = randomUUID();
  const now = clock.now();
  const setupToken =
    input.password === undefined && !input.oidcSubject ? randomBytes(24).toString('base64url') : undefined;
  await db.kysely
    .insertInto('app_user')
    .values({
      id,
      email,
      name: input.name.trim() || email,
      role: input.role,
      care_units: careUnits,
      password_hash: input.password === undefined ? null : await hashPassword(input.password),
      password_changed_at: input.password === undefined ? null : now,
      oidc_subject: input.oidcSubject ?? null,
      setup_token_hash: setupToken ? hashSecret(setupToken) : null,
      setup_expires_at: setupToken ? new Date(now.getTime() + SETUP_LINK_MS) : null,
      created_at: now,
    })
    .execute();
  return { id, setupToken };
}

export async function getUser(db: Database, id: string): Promise<User | undefined> {
  const row = await db.kysely.selectFrom('app_user').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toUser(row) : undefined;
}

export async function findUserRow(db: Database, email: string) {
  return db.kysely
    .selectFrom('app_user')
    .selectAll()
    .where('email', '=', normaliseEmail(email))
    .executeTakeFirst();
}

export async function listUsers(db: Database): Promise<User[]> {
  return (await db.kysely.selectFrom('app_user').selectAll().orderBy('email').execute()).map(toUser);
}

export async function countUsers(db: Database): Promise<number> {
  const r = await db.kysely
    .selectFrom('app_user')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

export async function updateUser(
  db: Database,
  id: string,
  patch: { name?: string; role?: string; careUnits?: string[]; disabled?: boolean },
  roleExists: (role: string) => Promise<boolean>,
): Promise<User> {
  if (patch.role !== undefined && !(await roleExists(patch.role)))
    throw new UserError(
      400,
      `role '${patch.role}' is unknown; use one of: ${(await roleNames(db)).join(', ')}`,
    );
  if (patch.careUnits) {
    try {
      await requireCareUnits(db, patch.careUnits);
    } catch (err) {
      throw new UserError(400, (err as Error).message);
    }
  }
  const set: Record<string, unknown> = {};
  if (patch.name !== undefined) set.name = patch.name.trim();
  if (patch.role !== undefined) set.role = patch.role;
  if (patch.careUnits !== undefined) set.care_units = [...new Set(patch.careUnits)];
  if (patch.disabled !== undefined) set.disabled = patch.disabled;
  if (Object.keys(set).length === 0)
    throw new UserError(400, 'nothing to change; send name, role, careUnits or disabled');
  const res = await db.transaction(async (c) => {
    const r = await c.query(
      'UPDATE app_user SET ' +
        Object.keys(set)
          .map((k, i) => `${k} = $${i + 2}`)
          .join(', ') +
        ' WHERE id = $1 RETURNING *',
      [id, ...Object.values(set)],
    );
    // A disabled user's sessions end now, not at their expiry.
    if (patch.disabled)
      await c.query('UPDATE user_session SET ended_at = now() WHERE user_id = $1 AND ended_at IS NULL', [id]);
    return r.rows[0];
  });
  if (!res) throw new UserError(404, `no user with id ${id}`);
  return toUser(res);
}

/** A one-time link to set a password (first sign-in or reset); ends the user's sessions on reset. */
export async function issueSetupToken(
  db: Database,
  clock: Clock,
  id: string,
  opts: { revoke?: boolean } = {},
): Promise<string> {
  const token = randomBytes(24).toString('base64url');
  const now = clock.now();
  const updated = await db.transaction(async (c) => {
    // A reset (the account may be compromised): the old password and every session stop now.
    const r = await c.query(
      `UPDATE app_user SET setup_token_hash = $2, setup_expires_at = $3${opts.revoke ? ', password_hash = NULL' : ''} WHERE id = $1`,
      [id, hashSecret(token), new Date(now.getTime() + SETUP_LINK_MS).toISOString()],
    );
    if (opts.revoke)
      await c.query('UPDATE user_session SET ended_at = $2 WHERE user_id = $1 AND ended_at IS NULL', [
        id,
        now.toISOString(),
      ]);
    return r.rowCount;
  });
  if (updated === 0) throw new UserError(404, `no user with id ${id}`);
  return token;
}

export async function completeSetup(
  db: Database,
  clock: Clock,
  token: string,
  password: string,
): Promise<string> {
  const row = await db.kysely
    .selectFrom('app_user')
    .selectAll()
    .where('setup_token_hash', '=', hashSecret(token))
    .executeTakeFirst();
  const now = clock.now();
  if (!row?.setup_expires_at || new Date(row.setup_expires_at) <= now)
    throw new UserError(
      400,
      'token: the set-up link is unknown, used or expired; ask an administrator for a new one',
    );
  const problem = passwordProblem(password, row.email);
  if (problem) throw new UserError(400, `password: ${problem}`);
  await setPassword(db, clock, row.id, password);
  return row.id;
}

/** Ends every session of the user except `keepSession` (the one changing its own password). */
export async function setPassword(
  db: Database,
  clock: Clock,
  id: string,
  password: string,
  keepSession?: string,
): Promise<void> {
  await db.transaction(async (c) => {
    await c.query(
      `UPDATE app_user SET password_hash = $2, password_changed_at = $3, setup_token_hash = NULL,
         setup_expires_at = NULL, failed_attempts = 0, locked_until = NULL WHERE id = $1`,
      [id, await hashPassword(password), clock.now().toISOString()],
    );
    await c.query(
      'UPDATE user_session SET ended_at = $2 WHERE user_id = $1 AND ended_at IS NULL AND id_hash <> $3',
      [id, clock.now().toISOString(), keepSession ?? ''],
    );
  });
}
