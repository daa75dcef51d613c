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

export async function signIn(
  db: Database,
  clock: Clock,
  email: string,
  password: string,
  ip: string,
): Promise<SignInResult> {
  const now = clock.now();
  const since = new Date(now.getTime() - IP_WINDOW_MS);
  const recent = await db.kysely
    .selectFrom('sign_in_failure')
    .select([(eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.min('at').as('first')])
    .where('ip', '=', ip)
    .where('at', '>', since)
    .executeTakeFirst();
  if (Number(recent?.n ?? 0) >= MAX_IP_FAILURES) {
    const first = new Date(recent!.first as string).getTime();
    return {
      kind: 'throttled',
      retryAfterS: Math.max(1, Math.ceil((first + IP_WINDOW_MS - now.getTime()) / 1000)),
    };
  }
  const row = await findUserRow(db, email);
  if (row?.locked_until && new Date(row.locked_until) > now)
    return { kind: 'locked', until: new Date(row.locked_until) };
  // Verify even when the user is unknown or has no password, so timing does not reveal which e-mails exist.
  const ok = await verifyPassword(row?.password_hash ?? (await decoyHash()), password);
  if (ok && row?.password_hash) {
    if (row.disabled) return { kind: 'disabled' };
    await db.kysely
      .updateTable('app_user')
      .set({ failed_attempts: 0, locked_until: null })
      .where('id', '=', row.id)
      .execute();
    return { kind: 'ok', userId: row.id };
  }
  await db.kysely.insertInto('sign_in_failure').values({ ip, at: now }).execute();
  await db.kysely.deleteFrom('sign_in_failure').where('at', '<', since).execute();
  if (row) {
    const failures = row.failed_attempts + 1;
    const lock = failures >= MAX_FAILURES ? new Date(now.getTime() + LOCK_MS) : null;
    await db.kysely
      .updateTable('app_user')
      .set({ failed_attempts: lock ? 0 : failures, locked_until: lock })
      .where('id', '=', row.id)
      .execute();
    if (lock) return { kind: 'locked', until: lock };
  }
  return { kind: 'wrong' };
}
