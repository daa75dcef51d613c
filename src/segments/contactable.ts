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

export function consentKey(ask: ConsentAsk, asOf: number): string {
  const minute = new Date(Math.floor(asOf / MINUTE) * MINUTE).toISOString();
  return `${ask.channel}|${ask.purpose}|${ask.topic ?? ''}|${minute}`;
}

async function fingerprint(db: Queryable): Promise<string> {
  const [r] = await db.query<{ consent: string | null; points: string | null; profiles: string | null }>(
    `SELECT (SELECT max(seq)::text FROM patient_consent) AS consent,
            (SELECT max(updated_at)::text || count(*)::text FROM patient_contact_point) AS points,
            (SELECT max(updated_at)::text || count(*)::text FROM patient_profile) AS profiles`,
  );
  return `${r.consent ?? 0}/${r.points ?? ''}/${r.profiles ?? ''}`;
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
  const print = await fingerprint(db);
  const policy = await consentPolicy(db);
  for (const ask of asks) {
    const key = consentKey(ask, asOf);
    keys.set(`${ask.channel}|${ask.purpose}|${ask.topic ?? ''}`, key);
    const [done] = await db.query<{ fingerprint: string }>(
      'SELECT fingerprint FROM segment_contactable_key WHERE key = $1',
      [key],
    );
    if (done?.fingerprint === print) continue;
    await db.transaction(async (c) => {
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
    });
  }
  return keys;
}
