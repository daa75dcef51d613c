import type { Clock } from '../config/clock.ts';
import type { Database } from '../db/database.ts';
import { decoyHash, verifyPassword } from './passwords.ts';
import { findUserRow } from './users.ts';

/** After this many wrong passwords in a row the account locks for LOCK_MS. */
export const MAX_FAILURES = 5;
export const LOCK_MS = 15 * 60_000;
/** Per client address: at most this many failures in IP_WINDOW_MS, whatever the accounts. */
export const MAX_IP_FAILURES = 20;
export const IP_WINDOW_MS = 15 * 60_000;

export type SignInResult =
  | { kind: 'ok'; userId: string }
  | { kind: 'wrong' }
  | { kind: 'locked'; until: Date }
  | { kind: 'throttled'; retryAfterS: number }
  | { kind: 'disabled' };

/**
 * Every attempt is counted before the password is checked (and uncounted
 * when it succeeds), so guesses sent in parallel cannot slip past the limits.
 */
export async function signIn(
  db: Database,
  clock: Clock,
  email: string,
  password: string,
  ip: string,
): Promise<SignInResult> {
  const now = clock.now();
  const since = new Date(now.getTime() - IP_WINDOW_MS);
  await db.query('DELETE FROM sign_in_failure WHERE at < $1', [since.toISOString()]);
  await db.query('INSERT INTO sign_in_failure (ip, at) VALUES ($1, $2)', [ip, now.toISOString()]);
  const [recent] = await db.query<{ n: number; first: string }>(
    'SELECT count(*)::int AS n, min(at) AS first FROM sign_in_failure WHERE ip = $1 AND at > $2',
    [ip, since.toISOString()],
  );
  if (recent.n > MAX_IP_FAILURES) {
    const first = new Date(recent.first).getTime();
    return {
      kind: 'throttled',
      retryAfterS: Math.max(1, Math.ceil((first + IP_WINDOW_MS - now.getTime()) / 1000)),
    };
  }
  const row = await findUserRow(db, email);
  const counted = row
    ? (
        await db.query<{ failed_attempts: number; locked_until: string | null }>(
          'UPDATE app_user SET failed_attempts = failed_attempts + 1 WHERE id = $1 RETURNING failed_attempts, locked_until',
          [row.id],
        )
      )[0]
    : undefined;
  const lockedUntil = counted?.locked_until ? new Date(counted.locked_until) : null;
  if (row && lockedUntil && lockedUntil > now) {
    await verifyPassword(await decoyHash(), password); // same time as any other answer
    return { kind: 'locked', until: lockedUntil };
  }
  if (row && counted && counted.failed_attempts > MAX_FAILURES) return lock(db, row.id, now);
  // Verify even when the user is unknown or has no password, so timing does not reveal which e-mails exist.
  const ok = await verifyPassword(row?.password_hash ?? (await decoyHash()), password);
  if (ok && row?.password_hash) {
    if (row.disabled) return { kind: 'disabled' };
    await db.query('UPDATE app_user SET failed_attempts = 0, locked_until = NULL WHERE id = $1', [row.id]);
    await db.query(
      'DELETE FROM sign_in_failure WHERE ctid IN (SELECT ctid FROM sign_in_failure WHERE ip = $1 AND at = $2 LIMIT 1)',
      [ip, now.toISOString()],
    );
    return { kind: 'ok', userId: row.id };
  }
  if (row && counted && counted.failed_attempts >= MAX_FAILURES) return lock(db, row.id, now);
  return { kind: 'wrong' };
}

async function lock(db: Database, userId: string, now: Date): Promise<SignInResult> {
  const until = new Date(now.getTime() + LOCK_MS);
  await db.query('UPDATE app_user SET failed_attempts = 0, locked_until = $2 WHERE id = $1', [
    userId,
    until.toISOString(),
  ]);
  return { kind: 'locked', until };
}
