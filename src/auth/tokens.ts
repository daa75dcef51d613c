import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../config/clock.ts';
import type { Database } from '../db/database.ts';
import { roleKnown, roleNames } from './roles.ts';

export interface TokenInfo {
  id: string;
  name: string;
  role: string;
  userId: string | null;
  careUnits: string[];
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface TokenRow {
  id: string;
  name: string;
  role: string;
  userId: string | null;
  careUnits: string[];
  expiresAt: Date | null;
}

export class TokenError extends Error {}

const PREFIX = 'po_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * A token belongs to a user (it acts as that user, with the token's role) or
 * to an integration (named, with its own care units).
 */
export async function createToken(
  db: Database,
  clock: Clock,
  opts: { name: string; role: string; userId?: string; careUnits?: string[]; expiresAt?: Date },
  roleExists: (role: string) => Promise<boolean> = (r) => roleKnown(db, r),
): Promise<{ id: string; token: string }> {
  if (!opts.name.trim())
    throw new TokenError('name must not be empty; name the person or integration that will use the token');
  if (!(await roleExists(opts.role)))
    throw new TokenError(`role '${opts.role}' is unknown; use one of: ${(await roleNames(db)).join(', ')}`);
  if (opts.expiresAt && opts.expiresAt <= clock.now())
    throw new TokenError(`expiresAt ${opts.expiresAt.toISOString()} is in the past; give a future instant`);
  if (opts.userId) {
    const u = await db.kysely
      .selectFrom('app_user')
      .select('id')
      .where('id', '=', opts.userId)
      .executeTakeFirst();
    if (!u) throw new TokenError(`userId ${opts.userId} is not a user; GET /api/users lists them`);
  }
  const token = PREFIX + randomBytes(32).toString('base64url');
  const id = randomUUID();
  await db.kysely
    .insertInto('api_token')
    .values({
      id,
      name: opts.name.trim(),
      role: opts.role,
      user_id: opts.userId ?? null,
      care_units: opts.careUnits ?? [],
      token_hash: hashToken(token),
      created_at: clock.now(),
      expires_at: opts.expiresAt ?? null,
    })
    .execute();
  return { id, token };
}

/** Touching last_used_at on every request would turn reads into writes; once a minute is enough. */
const TOUCH_MS = 60_000;

export async function verifyToken(db: Database, clock: Clock, token: string): Promise<TokenRow | null> {
  if (!token.startsWith(PREFIX)) return null;
  const row = await db.kysely
    .selectFrom('api_token')
    .select(['id', 'name', 'role', 'user_id', 'care_units', 'expires_at', 'revoked_at', 'last_used_at'])
    .where('token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row || row.revoked_at) return null;
  const now = clock.now();
  if (row.expires_at && new Date(row.expires_at) <= now) return null;
  if (!row.last_used_at || now.getTime() - new Date(row.last_used_at).getTime() > TOUCH_MS) {
    await db.kysely.updateTable('api_token').set({ last_used_at: now }).where('id', '=', row.id).execute();
  }
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    userId: row.user_id,
    careUnits: row.care_units ?? [],
    expiresAt: row.expires_at ? new Date(row.expires_at) : null,
  };
}

export async function listTokens(db: Database): Promise<TokenInfo[]> {
  const rows = await db.kysely.selectFrom('api_token').selectAll().orderBy('created_at').execute();
  const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    role: r.role,
    userId: r.user_id ?? null,
    careUnits: r.care_units ?? [],
    createdAt: iso(r.created_at)!,
    expiresAt: iso(r.expires_at),
    revokedAt: iso(r.revoked_at),
    lastUsedAt: iso(r.last_used_at),
  }));
}

export async function revokeToken(db: Database, clock: Clock, id: string): Promise<boolean> {
  const res = await db.kysely
    .updateTable('api_token')
    .set({ revoked_at: clock.now() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function countTokens(db: Database): Promise<number> {
  const row = await db.kysely
    .selectFrom('api_token')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
