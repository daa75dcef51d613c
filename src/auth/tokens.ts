import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../config/clock.ts';
import type { Database } from '../db/database.ts';
import { isRole, ROLES, type Role } from './roles.ts';

export interface Principal {
  tokenId: string;
  name: string;
  role: Role;
}

export interface TokenInfo {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export class TokenError extends Error {}

const PREFIX = 'po_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function createToken(
  db: Database,
  clock: Clock,
  opts: { name: string; role: string; expiresAt?: Date },
): Promise<{ id: string; token: string }> {
  if (!opts.name.trim())
    throw new TokenError('--name must not be empty; name the person or integration that will use the token');
  if (!isRole(opts.role))
    throw new TokenError(`role '${opts.role}' is unknown; use one of: ${ROLES.join(', ')}`);
  const token = PREFIX + randomBytes(32).toString('base64url');
  const id = randomUUID();
  await db.kysely
    .insertInto('api_token')
    .values({
      id,
      name: opts.name.trim(),
      role: opts.role,
      token_hash: hashToken(token),
      created_at: clock.now(),
      expires_at: opts.expiresAt ?? null,
    })
    .execute();
  return { id, token };
}

/** Touching last_used_at on every request would turn reads into writes; once a minute is enough. */
const TOUCH_MS = 60_000;

export async function verifyToken(db: Database, clock: Clock, token: string): Promise<Principal | null> {
  if (!token.startsWith(PREFIX)) return null;
  const row = await db.kysely
    .selectFrom('api_token')
    .select(['id', 'name', 'role', 'expires_at', 'revoked_at', 'last_used_at'])
    .where('token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row || row.revoked_at) return null;
  const now = clock.now();
  if (row.expires_at && new Date(row.expires_at) <= now) return null;
  if (!row.last_used_at || now.getTime() - new Date(row.last_used_at).getTime() > TOUCH_MS) {
    await db.kysely.updateTable('api_token').set({ last_used_at: now }).where('id', '=', row.id).execute();
  }
  return { tokenId: row.id, name: row.name, role: row.role as Role };
}

export async function listTokens(db: Database): Promise<TokenInfo[]> {
  const rows = await db.kysely.selectFrom('api_token').selectAll().orderBy('created_at').execute();
  const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    role: r.role,
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
