/**
 * Double opt-in tokens for e-mail: the link carries the token, the database
 * keeps only its SHA-256, so a leaked table cannot confirm anyone's consent.
 */
import { createHash, randomBytes } from 'node:crypto';

const HOUR = 3_600_000;

export interface OptInToken {
  /** 32 random bytes, base64url: goes in the link, never stored. */
  token: string;
  /** SHA-256 hex of the token: stored and looked up. */
  hash: string;
  expiresAt: string;
}

export function hashOptInToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function createOptInToken(now: Date, ttlHours = 72): OptInToken {
  if (Number.isNaN(now.getTime())) throw new Error('now: not a valid instant');
  if (!Number.isFinite(ttlHours) || ttlHours <= 0) {
    throw new Error(`ttlHours: ${ttlHours} is not a positive number of hours`);
  }
  const token = randomBytes(32).toString('base64url');
  return {
    token,
    hash: hashOptInToken(token),
    expiresAt: new Date(now.getTime() + ttlHours * HOUR).toISOString(),
  };
}

export type OptInCheck =
  | { ok: true }
  | { ok: false; reason: 'expired' | 'already-confirmed'; detail: string };

/**
 * Already-confirmed is checked first: a patient clicking an old link again
 * should hear that they are subscribed, not that the link expired.
 */
export function checkOptIn(row: { expiresAt: string; confirmedAt: string | null }, now: Date): OptInCheck {
  if (row.confirmedAt !== null) {
    return {
      ok: false,
      reason: 'already-confirmed',
      detail: `the opt-in was confirmed at ${row.confirmedAt}`,
    };
  }
  const expires = Date.parse(row.expiresAt);
  // An unreadable expiry must fail closed, not confirm forever.
  if (Number.isNaN(expires) || now.getTime() >= expires) {
    return {
      ok: false,
      reason: 'expired',
      detail: `the confirmation link expired at ${row.expiresAt}; ask for a new one`,
    };
  }
  return { ok: true };
}
