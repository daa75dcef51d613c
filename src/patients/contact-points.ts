import { inTransaction, type Queryable, type SqlClient } from '../db/client.ts';
import { contactPoints } from './consent-store.ts';
import { normaliseEmail, normalisePhone } from './match/normalise.ts';
import type { ContactKind, ContactPoint, ContactStatus } from './model.ts';
import { ProfileError } from './operations.ts';

/** Hard bounces in a row after which a point is marked bouncing and no longer used. */
export const BOUNCE_LIMIT = 3;

export async function profileOfPoint(db: Queryable, pointId: string): Promise<string | null> {
  const [r] = await db.query<{ profile_id: string }>(
    'SELECT profile_id FROM patient_contact_point WHERE id = $1',
    [pointId],
  );
  return r?.profile_id ?? null;
}

async function pointById(c: SqlClient, id: string): Promise<ContactPoint> {
  const { rows } = await c.query<{ profile_id: string }>(
    'SELECT profile_id FROM patient_contact_point WHERE id = $1',
    [id],
  );
  if (!rows[0]) throw new ProfileError(404, `contact point ${id} does not exist`);
  const all = await contactPoints(inTransaction(c), rows[0].profile_id);
  return all.find((p) => p.id === id)!;
}

function normalise(
  kind: ContactKind,
  raw: string,
): { value: string; display: string; mobile: boolean | null } {
  switch (kind) {
    case 'email': {
      const e = normaliseEmail(raw);
      if (!e.ok) throw new ProfileError(422, `value: ${e.error}`);
      return { value: e.value, display: e.value, mobile: null };
    }
    case 'phone': {
      const p = normalisePhone(raw);
      if (!p.ok) throw new ProfileError(422, `value: ${p.error}`);
      return { value: p.value, display: p.display, mobile: p.mobile };
    }
    case 'postal': {
      const lines = raw
        .split(/\n|,/)
        .map((l) => l.trim())
        .filter(Boolean);
      if (lines.length < 2)
        throw new ProfileError(
          422,
          'value: write the address as "street, postal code and town" (at least two lines)',
        );
      return { value: lines.join('|').toLowerCase(), display: lines.join(', '), mobile: null };
    }
    case 'push': {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw new ProfileError(
          422,
          'value: a push subscription is the endpoint URL the browser gave (https://…)',
        );
      }
      if (url.protocol !== 'https:') throw new ProfileError(422, 'value: push endpoints are https:// URLs');
      return { value: url.toString(), display: url.host, mobile: null };
    }
    default: {
      const never: never = kind;
      throw new ProfileError(422, `kind: unknown contact kind ${String(never)}`);
    }
  }
}

export async function addContactPoint(
  c: SqlClient,
  profileId: string,
  body: {
    kind: ContactKind;
    value: string;
    preferred: boolean;
    verifiedOwn: boolean;
    push?: { p256dh: string; auth: string };
  },
  now: Date,
): Promise<ContactPoint> {
  const n = normalise(body.kind, body.value);
  if (body.kind === 'push' && !body.push)
    throw new ProfileError(
      422,
      'push: a push subscription needs its keys (p256dh and auth) from PushSubscription.toJSON()',
    );
  if (body.preferred)
    await c.query('UPDATE patient_contact_point SET preferred = false WHERE profile_id = $1 AND kind = $2', [
      profileId,
      body.kind,
    ]);
  const { rows } = await c.query<{ id: string }>(
    `INSERT INTO patient_contact_point (id, profile_id, kind, value, display, mobile, sources, verified_own, preferred, push, created_at, updated_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, ARRAY['manual'], $6, $7, $8, $9, $9)
     ON CONFLICT (profile_id, kind, value) DO UPDATE SET
       sources = ARRAY(SELECT DISTINCT unnest(patient_contact_point.sources || ARRAY['manual'])),
       verified_own = patient_contact_point.verified_own OR EXCLUDED.verified_own,
       preferred = EXCLUDED.preferred OR patient_contact_point.preferred,
       status = CASE WHEN patient_contact_point.status = 'removed' THEN 'active' ELSE patient_contact_point.status END,
       push = coalesce(EXCLUDED.push, patient_contact_point.push), updated_at = EXCLUDED.updated_at
     RETURNING id`,
    [
      profileId,
      body.kind,
      n.value,
      n.display,
      n.mobile,
      body.verifiedOwn,
      body.preferred,
      body.push ? JSON.stringify(body.push) : null,
      now,
    ],
  );
  return pointById(c, rows[0].id);
}

export async function patchContactPoint(
  c: SqlClient,
  id: string,
  patch: { verified?: boolean; verifiedOwn?: boolean; preferred?: boolean; status?: ContactStatus },
  now: Date,
): Promise<ContactPoint> {
  const before = await pointById(c, id);
  if (patch.preferred)
    await c.query('UPDATE patient_contact_point SET preferred = false WHERE profile_id = $1 AND kind = $2', [
      before.profileId,
      before.kind,
    ]);
  await c.query(
    `UPDATE patient_contact_point SET
       verified_at = CASE WHEN $2::boolean IS NULL THEN verified_at WHEN $2 THEN coalesce(verified_at, $6) ELSE NULL END,
       verified_own = coalesce($3, verified_own),
       preferred = coalesce($4, preferred),
       status = coalesce($5, status),
       updated_at = $6
     WHERE id = $1`,
    [
      id,
      patch.verified ?? null,
      patch.verifiedOwn ?? null,
      patch.preferred ?? null,
      patch.status ?? null,
      now,
    ],
  );
  return pointById(c, id);
}

/** Keeps the failure history; the point stops being used after BOUNCE_LIMIT hard bounces or one complaint. */
export async function recordFailure(
  c: SqlClient,
  id: string,
  kind: 'bounce' | 'failure' | 'complaint',
  detail: string,
  at: Date,
): Promise<ContactPoint> {
  const before = await pointById(c, id);
  const failures = [...before.failures, { at: at.toISOString(), kind, detail }];
  // In a row, as BOUNCE_LIMIT says: a soft failure (a timeout, a full mailbox) between bounces breaks the run.
  const lastOther = failures.findLastIndex((f) => f.kind !== 'bounce');
  const bounces = failures.length - 1 - lastOther;
  const status: ContactStatus =
    before.status !== 'active'
      ? before.status
      : kind === 'complaint' || (kind === 'bounce' && bounces >= BOUNCE_LIMIT)
        ? 'bouncing'
        : 'active';
  await c.query(
    'UPDATE patient_contact_point SET failures = $2::jsonb, status = $3, updated_at = $4 WHERE id = $1',
    [id, JSON.stringify(failures), status, at],
  );
  return pointById(c, id);
}
