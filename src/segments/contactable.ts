import { inTransaction, type Queryable } from '../db/client.ts';
import type { Database } from '../db/database.ts';
import { compileContactContext } from '../patients/consent/can-contact.ts';
import { loadContactContexts } from '../patients/consent-store.ts';
import type { Channel, Purpose } from '../patients/model.ts';
import { consentPolicy } from '../patients/settings.ts';

/**
 * Consent rules ask canContact, the one function every send asks, so a
 * segment never promises someone a campaign would then refuse. SQL cannot
 * call it, so its answers for one (channel, purpose, topic, minute) are
 * written to segment_contactable once and joined; they are recomputed when
 * consent, contact points or profiles have changed since (the fingerprint).
 */
export interface ConsentAsk {
  channel: Channel;
  purpose: Purpose;
  topic?: string;
}

const MINUTE = 60_000;

/**
 * canContact depends on time only through when consent events took effect,
 * so every as-of instant after the latest event has one answer ("latest"),
 * reused until consent, contact points, profiles or the policy change (the
 * fingerprint). Historical as-of instants are keyed by the minute.
 */
export function consentKey(ask: ConsentAsk, asOf: number, latestEventAt = Number.POSITIVE_INFINITY): string {
  const when = asOf >= latestEventAt ? 'latest' : new Date(Math.floor(asOf / MINUTE) * MINUTE).toISOString();
  return `${ask.channel}|${ask.purpose}|${ask.topic ?? ''}|${when}`;
}

async function fingerprint(db: Queryable): Promise<{ print: string; latestEventAt: number }> {
  const [r] = await db.query<{
    consent: string | null;
    latest: Date | null;
    points: string | null;
    profiles: string | null;
    policy: string | null;
  }>(
    `SELECT (SELECT max(seq)::text FROM patient_consent) AS consent,
            (SELECT max(at) FROM patient_consent) AS latest,
            (SELECT max(updated_at)::text || count(*)::text FROM patient_contact_point) AS points,
            (SELECT max(updated_at)::text || count(*)::text FROM patient_profile) AS profiles,
            (SELECT max(updated_at)::text FROM patient_setting) AS policy`,
  );
  return {
    print: `${r.consent ?? 0}/${r.points ?? ''}/${r.profiles ?? ''}/${r.policy ?? ''}`,
    latestEventAt: r.latest ? new Date(r.latest).getTime() : Number.NEGATIVE_INFINITY,
  };
}

/** Makes sure segment_contactable holds the answers for these asks at `asOf`; returns the key per ask. */
export async function ensureContactable(
  db: Database,
  asks: readonly ConsentAsk[],
  asOf: number,
  pageSize = 2000,
): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  if (asks.length === 0) return keys;
  const { print, latestEventAt } = await fingerprint(db);
  const policy = await consentPolicy(db);
  for (const ask of asks) {
    const key = consentKey(ask, asOf, latestEventAt);
    keys.set(`${ask.channel}|${ask.purpose}|${ask.topic ?? ''}`, key);
    const [done] = await db.query<{ fingerprint: string }>(
      'SELECT fingerprint FROM segment_contactable_key WHERE key = $1',
      [key],
    );
    if (done?.fingerprint === print) continue;
    await db.transaction(async (c) => {
      // Two evaluations wanting the same answers: the second waits, then finds them done.
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
      const again = await c.query<{ fingerprint: string }>(
        'SELECT fingerprint FROM segment_contactable_key WHERE key = $1',
        [key],
      );
      if (again.rows[0]?.fingerprint === print) return;
      await c.query('DELETE FROM segment_contactable WHERE key = $1', [key]);
      let after = '00000000-0000-0000-0000-000000000000';
      const q = inTransaction(c);
      for (;;) {
        const ids = (
          await c.query<{ id: string }>(
            `SELECT id FROM patient_profile WHERE status = 'active' AND id > $1 ORDER BY id LIMIT $2`,
            [after, pageSize],
          )
        ).rows.map((r) => r.id);
        if (ids.length === 0) break;
        after = ids[ids.length - 1];
        const allowed: string[] = [];
        for (const ctx of await loadContactContexts(q, ids)) {
          const d = compileContactContext(ctx, policy).decide({
            channel: ask.channel,
            purpose: ask.purpose,
            topic: ask.topic ?? null,
            at: new Date(asOf),
          });
          if (d.allowed) allowed.push(ctx.profile.id);
        }
        if (allowed.length)
          await c.query('INSERT INTO segment_contactable (key, profile_id) SELECT $1, unnest($2::uuid[])', [
            key,
            allowed,
          ]);
      }
      await c.query(
        `INSERT INTO segment_contactable_key (key, computed_at, fingerprint) VALUES ($1, now(), $2)
         ON CONFLICT (key) DO UPDATE SET computed_at = now(), fingerprint = EXCLUDED.fingerprint`,
        [key, print],
      );
      // Historical answers are kept for a day, then computed again when asked.
      await c.query(
        `WITH old AS (DELETE FROM segment_contactable_key WHERE computed_at < now() - interval '1 day' AND key NOT LIKE '%|latest' RETURNING key)
         DELETE FROM segment_contactable WHERE key IN (SELECT key FROM old)`,
      );
    });
  }
  return keys;
}
