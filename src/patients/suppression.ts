import { createHmac, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/client.ts';
import type { SourceRecord } from './model.ts';

/**
 * An erased person must not come back to outreach with the next CSV import,
 * yet we must not keep their identifiers to know them again. So we keep keyed
 * hashes (HMAC-SHA-256 with a per-installation secret) of what names that one
 * person: personnummer, other identifiers, and e-mail addresses bound to the
 * birth date. Families share e-mail addresses as they share phones, so an
 * e-mail alone never silences someone else: a record with a personnummer is
 * judged by its personnummer (and identifiers), and a record without one by
 * its e-mail together with its birth date. Phone numbers are left out
 * entirely: suppressing a household number would silence the whole household.
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

/**
 * - personnummer, identifier: one person, whoever carries it.
 * - email-birthdate: an e-mail with the erased person's birth date; catches records without a personnummer.
 * - email-undated: an e-mail, for records that have neither personnummer nor birth date (nothing else to tell them apart).
 * - email-birthdate-nopnr: the erased person had no personnummer; catches a later record that has one, with their e-mail and birth date.
 * - email: an e-mail for every record without a personnummer, whatever its birth date. Tombstones
 *   written before birth dates were kept have only this; new ones only when the erased person had no known birth date.
 */
export type SuppressionKind =
  | 'personnummer'
  | 'identifier'
  | 'email'
  | 'email-birthdate'
  | 'email-undated'
  | 'email-birthdate-nopnr';

export interface SuppressionKey {
  kind: SuppressionKind;
  hash: string;
}

/** What tells one person from another: from one record, or from all of a profile's records together. */
export interface Identity {
  personnummers: readonly string[];
  birthDates: readonly string[];
  identifiers: ReadonlyArray<{ system: string; value: string }>;
  emails: readonly string[];
}

type IdentityFields = Pick<SourceRecord, 'personnummer' | 'birthDate' | 'identifiers' | 'emails'>;

export function identityOf(...records: readonly IdentityFields[]): Identity {
  const uniq = (xs: Array<string | undefined>) => [...new Set(xs.filter((x): x is string => !!x))];
  const ids = new Map<string, { system: string; value: string }>();
  for (const r of records) for (const i of r.identifiers) ids.set(`${i.system}|${i.value}`, i);
  return {
    personnummers: uniq(records.map((r) => r.personnummer)),
    birthDates: uniq(records.map((r) => r.birthDate)),
    identifiers: [...ids.values()],
    emails: uniq(records.flatMap((r) => r.emails)),
  };
}

// A KeyObject made once per secret: handing createHmac a Buffer builds one on every call.
const keyObjects = new WeakMap<Buffer, KeyObject>();

function hasher(secret: Buffer): (kind: SuppressionKind, v: string) => SuppressionKey {
  let key = keyObjects.get(secret);
  if (!key) {
    key = createSecretKey(secret);
    keyObjects.set(secret, key);
  }
  const k = key;
  return (kind, v) => ({ kind, hash: createHmac('sha256', k).update(v).digest('base64url') });
}

// The prefixes are part of the hashed text: a kind can never match another kind's key.
const PNR = (p: string) => `pnr:${p}`;
const ID = (i: { system: string; value: string }) => `id:${i.system}|${i.value}`;
const EMAIL = (e: string) => `email:${e}`;
const EMAIL_BIRTH = (e: string, d: string) => `email-birth:${e}|${d}`;
const EMAIL_UNDATED = (e: string) => `email-undated:${e}`;
const EMAIL_BIRTH_NOPNR = (e: string, d: string) => `email-birth-nopnr:${e}|${d}`;

/** A personnummer names a birth date even where no record wrote it down (samordningsnummer: day + 60). */
function birthDatesOf(who: Identity): string[] {
  const out = new Set(who.birthDates);
  for (const p of who.personnummers) {
    if (!/^\d{12}$/.test(p)) continue;
    const day = Number(p.slice(6, 8));
    out.add(`${p.slice(0, 4)}-${p.slice(4, 6)}-${String(day > 60 ? day - 60 : day).padStart(2, '0')}`);
  }
  return [...out];
}

/** The tombstone of an erased person: every key to store. */
export function tombstoneKeys(secret: Buffer, erased: Identity): SuppressionKey[] {
  const h = hasher(secret);
  const out: SuppressionKey[] = [];
  const births = birthDatesOf(erased);
  for (const p of erased.personnummers) out.push(h('personnummer', PNR(p)));
  for (const i of erased.identifiers) out.push(h('identifier', ID(i)));
  for (const e of erased.emails) {
    out.push(h('email-undated', EMAIL_UNDATED(e)));
    if (births.length === 0) out.push(h('email', EMAIL(e)));
    for (const d of births) {
      out.push(h('email-birthdate', EMAIL_BIRTH(e, d)));
      if (erased.personnummers.length === 0) out.push(h('email-birthdate-nopnr', EMAIL_BIRTH_NOPNR(e, d)));
    }
  }
  return out;
}

/**
 * The keys to look up for a record (or a profile's records together): any one
 * of them on the suppression list means it is the erased person. A different
 * personnummer is never caught by an e-mail, only by its own number or an
 * identifier.
 */
export function lookupKeys(secret: Buffer, who: Identity): SuppressionKey[] {
  const h = hasher(secret);
  const out: SuppressionKey[] = [];
  for (const p of who.personnummers) out.push(h('personnummer', PNR(p)));
  for (const i of who.identifiers) out.push(h('identifier', ID(i)));
  if (who.personnummers.length > 0) {
    const births = birthDatesOf(who);
    for (const e of who.emails)
      for (const d of births) out.push(h('email-birthdate-nopnr', EMAIL_BIRTH_NOPNR(e, d)));
    return out;
  }
  for (const e of who.emails) {
    out.push(h('email', EMAIL(e)));
    if (who.birthDates.length === 0) out.push(h('email-undated', EMAIL_UNDATED(e)));
    for (const d of who.birthDates) out.push(h('email-birthdate', EMAIL_BIRTH(e, d)));
  }
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

export const SUPPRESSED_REASON =
  'carries the identifiers of an erased person (suppression list): nothing is sent to this profile';

/**
 * Marks the profiles among `profileIds` that carry an erased person's
 * identifiers, judged on all their records (plus `extra`, records that just
 * left them) and their e-mail contact points together: canContact then
 * answers "suppressed" for them. Two cases reach here: a duplicate profile of
 * the person that existed when they were erased, and a profile one of whose
 * records a later import suppressed. The mark is never lifted automatically:
 * erasure is final, and a person decides about a duplicate (erase it too).
 * Returns the profiles newly marked.
 */
export async function markSuppressedProfiles(
  db: Queryable,
  secret: Buffer,
  profileIds: readonly string[],
  by: { actor: string; now: Date },
  extra: ReadonlyMap<string, readonly IdentityFields[]> = new Map(),
): Promise<string[]> {
  if (profileIds.length === 0) return [];
  const rows = await db.query<{ id: string; records: IdentityFields[] | null; emails: string[] | null }>(
    `SELECT p.id,
       (SELECT json_agg(r.data) FROM patient_record r WHERE r.profile_id = p.id AND NOT r.deleted AND r.data IS NOT NULL) AS records,
       ARRAY(SELECT c.value FROM patient_contact_point c WHERE c.profile_id = p.id AND c.kind = 'email' AND c.status <> 'removed') AS emails
     FROM patient_profile p WHERE p.id = ANY($1::uuid[]) AND p.status = 'active' AND NOT p.suppressed`,
    [profileIds],
  );
  const keysOf = new Map<string, string[]>();
  for (const r of rows) {
    const records = [...(r.records ?? []), ...(extra.get(r.id) ?? [])];
    const who = identityOf(...records, {
      identifiers: [],
      emails: r.emails ?? [],
      personnummer: undefined,
      birthDate: undefined,
    });
    keysOf.set(
      r.id,
      lookupKeys(secret, who).map((k) => k.hash),
    );
  }
  const hit = await suppressedHashes(db, [...new Set([...keysOf.values()].flat())]);
  const marked = [...keysOf].filter(([, ks]) => ks.some((k) => hit.has(k))).map(([id]) => id);
  if (marked.length === 0) return marked;
  await db.query(
    'UPDATE patient_profile SET suppressed = true, updated_at = $2, version = version + 1 WHERE id = ANY($1::uuid[])',
    [marked, by.now],
  );
  // Which erased person is not said: the history must not link the two.
  await db.query(
    `INSERT INTO patient_history (at, kind, profile_id, actor, reason)
     SELECT $2, 'suppressed', id, $3, $4 FROM unnest($1::uuid[]) AS id`,
    [marked, by.now, by.actor, SUPPRESSED_REASON],
  );
  return marked;
}
