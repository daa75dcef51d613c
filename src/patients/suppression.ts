import { createHmac, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/client.ts';
import type { SourceRecord } from './model.ts';

/**
 * An erased person must not come back to outreach with the next CSV import,
 * yet we must not keep their identifiers to know them again. So we keep keyed
 * hashes (HMAC-SHA-256 with a per-installation secret) of the identifiers
 * that name one person: personnummer, other identifiers and e-mail addresses.
 * Phone numbers are left out on purpose: families share them, and suppressing
 * a shared number would silence the rest of the household.
 */
export async function suppressionSecret(db: Queryable, now: Date): Promise<Buffer> {
  const [row] = await db.query<{ value: string }>(
    `SELECT value #>> '{}' AS value FROM patient_setting WHERE key = 'suppression-secret'`,
  );
  if (row) return Buffer.from(row.value, 'base64');
  const secret = randomBytes(32).toString('base64');
  await db.query(
    `INSERT INTO patient_setting (key, value, updated_at, updated_by) VALUES ('suppression-secret', to_jsonb($1::text), $2, 'system')
     ON CONFLICT (key) DO NOTHING`,
    [secret, now],
  );
  return suppressionSecret(db, now);
}

export interface SuppressionKey {
  kind: 'personnummer' | 'identifier' | 'email';
  hash: string;
}

// A KeyObject made once per secret: handing createHmac a Buffer builds one on every call.
const keyObjects = new WeakMap<Buffer, KeyObject>();

export function suppressionKeys(
  secret: Buffer,
  r: Pick<SourceRecord, 'personnummer' | 'identifiers' | 'emails'>,
): SuppressionKey[] {
  let key = keyObjects.get(secret);
  if (!key) {
    key = createSecretKey(secret);
    keyObjects.set(secret, key);
  }
  const k = key;
  const h = (v: string) => createHmac('sha256', k).update(v).digest('base64url');
  const out: SuppressionKey[] = [];
  if (r.personnummer) out.push({ kind: 'personnummer', hash: h(`pnr:${r.personnummer}`) });
  for (const i of r.identifiers) out.push({ kind: 'identifier', hash: h(`id:${i.system}|${i.value}`) });
  for (const e of r.emails) out.push({ kind: 'email', hash: h(`email:${e}`) });
  return out;
}

export async function suppressedHashes(db: Queryable, hashes: readonly string[]): Promise<Set<string>> {
  if (hashes.length === 0) return new Set();
  const rows = await db.query<{ hash: string }>(
    'SELECT hash FROM patient_suppression WHERE hash = ANY($1::text[])',
    [hashes],
  );
  return new Set(rows.map((r) => r.hash));
}

export async function addSuppression(
  db: Queryable,
  keys: readonly SuppressionKey[],
  reason: string,
  now: Date,
): Promise<void> {
  if (keys.length === 0) return;
  await db.query(
    `INSERT INTO patient_suppression (hash, kind, reason, created_at)
     SELECT * FROM unnest($1::text[], $2::text[]) AS k(hash, kind), LATERAL (SELECT $3::text, $4::timestamptz) x
     ON CONFLICT (hash) DO NOTHING`,
    [keys.map((k) => k.hash), keys.map((k) => k.kind), reason, now],
  );
}
