import { randomBytes } from 'node:crypto';
import type { Clock } from '../config/clock.ts';
import type { Database } from '../db/database.ts';
import { hashSecret } from './users.ts';

export const SESSION_COOKIE = 'po_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface SessionPolicy {
  /** Absolute lifetime of a session. */
  ttlMs: number;
  /** A session unused this long ends. */
  idleMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = { ttlMs: 12 * 3600_000, idleMs: 30 * 60_000 };

export interface Session {
  idHash: string;
  userId: string;
  method: 'password' | 'oidc';
  csrfToken: string;
  expiresAt: Date;
}

/** The cookie carries the secret; the table keeps only its hash, so a database leak opens no session. */
export async function createSession(
  db: Database,
  clock: Clock,
  policy: SessionPolicy,
  userId: string,
  method: 'password' | 'oidc',
  origin: { ip: string | null; client: string | null },
): Promise<{ cookie: string; session: Session }> {
  const secret = randomBytes(32).toString('base64url');
  const now = clock.now();
  const session: Session = {
    idHash: hashSecret(secret),
    userId,
    method,
    csrfToken: randomBytes(24).toString('base64url'),
    expiresAt: new Date(now.getTime() + policy.ttlMs),
  };
  await db.kysely
    .insertInto('user_session')
    .values({
      id_hash: session.idHash,
      user_id: userId,
      method,
      csrf_token: session.csrfToken,
      created_at: now,
      last_seen_at: now,
      expires_at: session.expiresAt,
      ip: origin.ip,
      client: origin.client?.slice(0, 300) ?? null,
    })
    .execute();
  await db.kysely.updateTable('app_user').set({ last_sign_in_at: now }).where('id', '=', userId).execute();
  return { cookie: secret, session };
}

/** Writing last_seen_at on every request would turn reads into writes; a minute's precision suffices for a 30-minute idle limit. */
const TOUCH_MS = 60_000;

export async function resolveSession(
  db: Database,
  clock: Clock,
  policy: SessionPolicy,
  cookie: string,
): Promise<Session | null> {
  const idHash = hashSecret(cookie);
  const row = await db.kysely
    .selectFrom('user_session')
    .selectAll()
    .where('id_hash', '=', idHash)
    .executeTakeFirst();
  if (!row || row.ended_at) return null;
  const now = clock.now().getTime();
  const lastSeen = new Date(row.last_seen_at).getTime();
  if (new Date(row.expires_at).getTime() <= now || now - lastSeen > policy.idleMs) return null;
  if (now - lastSeen > TOUCH_MS)
    await db.kysely
      .updateTable('user_session')
      .set({ last_seen_at: new Date(now) })
      .where('id_hash', '=', idHash)
      .execute();
  return {
    idHash,
    userId: row.user_id,
    method: row.method,
    csrfToken: row.csrf_token,
    expiresAt: new Date(row.expires_at),
  };
}

export async function endSession(db: Database, clock: Clock, idHash: string): Promise<void> {
  await db.kysely
    .updateTable('user_session')
    .set({ ended_at: clock.now() })
    .where('id_hash', '=', idHash)
    .execute();
}
