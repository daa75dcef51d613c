import { argon2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const argon2Async = promisify(argon2);

/**
 * argon2id with OWASP's first recommended setting (19 MiB, 2 passes, 1 lane),
 * from Node's own crypto (24.7+), stored as a PHC string so the parameters can
 * be raised later without breaking existing hashes.
 */
const PARAMS = { memory: 19456, passes: 2, parallelism: 1, tagLength: 32 };

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;

/** Null when acceptable, else what to change (NIST SP 800-63B: length, not composition rules). */
export function passwordProblem(pw: string, email?: string): string | null {
  if (pw.length < PASSWORD_MIN)
    return `the password has ${pw.length} characters; use at least ${PASSWORD_MIN} (a few words make a good one)`;
  if (pw.length > PASSWORD_MAX) return `the password is longer than ${PASSWORD_MAX} characters`;
  if (/^(.)\1*$/.test(pw)) return 'the password repeats one character; choose a phrase';
  const local = email?.toLowerCase().split('@')[0] ?? '';
  if (local.length >= 4 && pw.toLowerCase().includes(local))
    return 'the password contains the e-mail name; choose something else';
  return null;
}

export async function hashPassword(pw: string): Promise<string> {
  const salt = randomBytes(16);
  const tag = await argon2Async('argon2id', { message: pw, nonce: salt, ...PARAMS });
  const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
  return `$argon2id$v=19$m=${PARAMS.memory},t=${PARAMS.passes},p=${PARAMS.parallelism}$${b64(salt)}$${b64(tag)}`;
}

export async function verifyPassword(phc: string, pw: string): Promise<boolean> {
  const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(phc);
  if (!m) return false;
  const expected = Buffer.from(m[5], 'base64');
  const tag = await argon2Async('argon2id', {
    message: pw,
    nonce: Buffer.from(m[4], 'base64'),
    memory: Number(m[1]),
    passes: Number(m[2]),
    parallelism: Number(m[3]),
    tagLength: expected.length,
  });
  return timingSafeEqual(tag, expected);
}

/** A hash of nothing anyone knows: verifying against it keeps unknown e-mails as slow as known ones. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(24).toString('base64'));
  return decoy;
}
