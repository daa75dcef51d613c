import { randomUUID } from 'node:crypto';
import { copyValue, inTransaction, type SqlClient, textArrayLiteral } from '../../db/client.ts';
import { foldName, normalisePhone } from '../match/normalise.ts';
import { DEFAULT_SURVIVORSHIP, type GoldenRecord, survive } from '../match/survivorship.ts';
import type { ContactKind, PostalAddress, SourceKind, SourceRecord } from '../model.ts';

interface RecordRow {
  profile_id: string;
  data: SourceRecord;
  kind: SourceKind;
  priority: number;
}

/** The key that makes two spellings of one address one contact point. */
export function addressKey(a: PostalAddress): string {
  return `${a.postalCode ?? ''}|${foldName(a.lines.join(' '))}`;
}

export function addressDisplay(a: PostalAddress): string {
  return [...a.lines, [a.postalCode?.replace(/^(\d{3})(\d{2})$/, '$1 $2'), a.city].filter(Boolean).join(' ')]
    .filter(Boolean)
    .join(', ');
}

// libphonenumber's national formatting is the slowest step of a rebuild; numbers repeat across rebuilds.
const displays = new Map<string, { display: string; mobile: boolean | null }>();
function phoneDisplay(e164: string): { display: string; mobile: boolean | null } {
  let d = displays.get(e164);
  if (!d) {
    const n = normalisePhone(e164);
    d = n.ok ? { display: n.display, mobile: n.mobile } : { display: e164, mobile: null };
    if (displays.size > 100_000) displays.clear();
    displays.set(e164, d);
  }
  return d;
}

interface DesiredPoint {
  profile_id: string;
  kind: ContactKind;
  value: string;
  display: string;
  mobile: boolean | null;
  sources: string[];
}

/**
 * Rebuilds each profile's golden record from its records (survivorship) and
 * its source-given contact points. Points a person added or verified by hand
 * keep their state; a point no record gives any more is marked removed, not
 * deleted, so its history stays visible.
 */
export async function recomputeProfiles(
  c: SqlClient,
  profileIds: readonly string[],
  now: Date,
  /** Profiles created in this transaction: they have no contact points yet, so theirs go in by COPY. */
  fresh: ReadonlySet<string> = new Set(),
): Promise<void> {
  if (profileIds.length === 0) return;
  const q = inTransaction(c);
  const rows = await q.query<RecordRow>(
    `SELECT r.profile_id, r.data, s.kind, s.priority FROM patient_record r JOIN patient_source s ON s.name = r.source
     WHERE r.profile_id = ANY($1::uuid[]) AND NOT r.deleted AND r.data IS NOT NULL`,
    [profileIds],
  );
  const byProfile = new Map<string, RecordRow[]>();
  for (const r of rows) {
    const list = byProfile.get(r.profile_id) ?? [];
    list.push(r);
    byProfile.set(r.profile_id, list);
  }
  const goldens: Array<{ id: string; golden: GoldenRecord | null }> = [];
  const desired: DesiredPoint[] = [];
  for (const id of profileIds) {
    const recs = byProfile.get(id);
    if (!recs) {
      goldens.push({ id, golden: null });
      continue;
    }
    const sourcePriority: Record<string, number> = {};
    for (const r of recs) sourcePriority[r.data.source] = Number(r.priority);
    const golden = survive(
      recs.map((r) => ({ record: r.data, sourceKind: r.kind })),
      { ...DEFAULT_SURVIVORSHIP, sourcePriority },
    );
    goldens.push({ id, golden });
    const points = new Map<string, DesiredPoint>();
    const add = (
      kind: ContactKind,
      value: string,
      display: string,
      mobile: boolean | null,
      source: string,
    ) => {
      const k = `${kind}\u0000${value}`;
      const p = points.get(k) ?? { profile_id: id, kind, value, display, mobile, sources: [] };
      if (!p.sources.includes(source)) p.sources.push(source);
      points.set(k, p);
    };
    for (const r of recs) {
      for (const e of r.data.emails) add('email', e, e, null, r.data.source);
      for (const ph of r.data.phones) {
        const d = phoneDisplay(ph);
        add('phone', ph, d.display, d.mobile, r.data.source);
      }
    }
    if (golden.address) {
      const from = golden.provenance.address?.source ?? recs[0].data.source;
      add('postal', addressKey(golden.address), addressDisplay(golden.address), null, from);
    }
    desired.push(...points.values());
  }

  await q.query(
    `UPDATE patient_profile p SET golden = coalesce(x.golden, p.golden), personnummer = x.golden->>'personnummer',
       family_fold = x.family_fold, birth_date = x.golden->>'birthDate', updated_at = $2, version = p.version + 1
     FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, golden jsonb, family_fold text)
     WHERE p.id = x.id AND x.golden IS NOT NULL AND p.status = 'active'`,
    [
      JSON.stringify(
        goldens.map((g) => ({
          id: g.id,
          golden: g.golden,
          family_fold: g.golden?.family ? foldName(g.golden.family) : null,
        })),
      ),
      now,
    ],
  );
  const stamp = now.toISOString();
  let copyText = '';
  for (const d of desired)
    if (fresh.has(d.profile_id))
      copyText += `${randomUUID()}\t${d.profile_id}\t${d.kind}\t${copyValue(d.value)}\t${copyValue(d.display)}\t${d.mobile === null ? '\\N' : d.mobile}\t${copyValue(textArrayLiteral(d.sources))}\t${stamp}\t${stamp}\n`;
  if (copyText)
    await c.copyFrom(
      'patient_contact_point',
      ['id', 'profile_id', 'kind', 'value', 'display', 'mobile', 'sources', 'created_at', 'updated_at'],
      copyText,
    );
  const json = JSON.stringify(desired.filter((d) => !fresh.has(d.profile_id)));
  await q.query(
    `INSERT INTO patient_contact_point (id, profile_id, kind, value, display, mobile, sources, created_at, updated_at)
     SELECT gen_random_uuid(), x.profile_id, x.kind, x.value, x.display, x.mobile,
       ARRAY(SELECT jsonb_array_elements_text(x.sources)), $2, $2
     FROM jsonb_to_recordset($1::jsonb) AS x(profile_id uuid, kind text, value text, display text, mobile boolean, sources jsonb)
     ON CONFLICT (profile_id, kind, value) DO UPDATE SET
       sources = ARRAY(SELECT DISTINCT s FROM unnest(EXCLUDED.sources || CASE WHEN 'manual' = ANY(patient_contact_point.sources) THEN ARRAY['manual'] ELSE ARRAY[]::text[] END) s),
       display = EXCLUDED.display, mobile = EXCLUDED.mobile,
       status = CASE WHEN patient_contact_point.status = 'removed' THEN 'active' ELSE patient_contact_point.status END,
       updated_at = EXCLUDED.updated_at`,
    [json, now],
  );
  await q.query(
    `UPDATE patient_contact_point p SET status = 'removed', sources = '{}', updated_at = $3
     WHERE p.profile_id = ANY($2::uuid[]) AND p.status <> 'removed' AND NOT ('manual' = ANY(p.sources))
       AND (p.profile_id, p.kind, p.value) NOT IN
         (SELECT x.profile_id, x.kind, x.value FROM jsonb_to_recordset($1::jsonb) AS x(profile_id uuid, kind text, value text))`,
    [json, profileIds.filter((id) => !fresh.has(id)), now],
  );
}
