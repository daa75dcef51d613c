import { inTransaction } from '../db/client.ts';
import type { Database } from '../db/database.ts';
import { insertConsentEvents } from './consent-store.ts';
import { type RowError, readContactCsv } from './csv/rows.ts';
import { derivedConsentId, recordIdFor } from './ids.ts';
import type { Channel, ConsentEvent } from './model.ts';
import { matchRules } from './settings.ts';
import { ensureSource } from './sources.ts';
import { suppressionSecret } from './suppression.ts';
import { addStats, emptyStats, type UnifyStats, unifyRecords } from './unify/engine.ts';

/** Rows per transaction: one failed chunk loses no earlier chunk, and progress shows as it goes. */
const CHUNK = 2000;

export interface ImportContactsOptions {
  source: string;
  overrides?: Record<string, string>;
  actor: string;
  now: Date;
  dryRun?: boolean;
  maxRows?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface ImportContactsResult {
  source: string;
  encoding: string;
  delimiter: string;
  mapping: Array<{ column: string; field: string }>;
  unmapped: string[];
  total: number;
  accepted: number;
  rejected: number;
  errors: RowError[];
  preview: Array<{ row: number; record: import('./model.ts').SourceRecord; warnings: string[] }>;
  stats: (UnifyStats & { consents: number }) | null;
}

/** Thrown when the file as a whole cannot be imported (unknown column in --map, no identity column). */
export class ImportRefused extends Error {}

/**
 * Imports a contact list into a source: every accepted row becomes a source
 * record and is unified; the consent columns become consent history with the
 * file row as evidence. Rejected rows are reported and nothing of them is
 * stored; accepted rows are stored even when other rows fail.
 */
export async function importContacts(
  db: Database,
  bytes: Uint8Array,
  opts: ImportContactsOptions,
): Promise<ImportContactsResult> {
  const parsed = readContactCsv(bytes, {
    source: opts.source,
    overrides: opts.overrides,
    at: opts.now,
    maxRows: opts.maxRows,
  });
  const headerErrors = parsed.errors.filter((e) => e.row <= 1 && !e.column);
  if (parsed.rows.length === 0 && headerErrors.length > 0)
    throw new ImportRefused(headerErrors.map((e) => e.error).join('; '));
  const result: ImportContactsResult = {
    source: opts.source,
    encoding: parsed.encoding,
    delimiter: parsed.delimiter,
    mapping: parsed.mapping.map((m) => ({ column: m.column, field: m.field })),
    unmapped: parsed.unmapped,
    total: parsed.total,
    accepted: parsed.rows.length,
    rejected: parsed.rejected,
    errors: parsed.errors,
    preview: parsed.rows.slice(0, 20).map((r) => ({ row: r.row, record: r.record, warnings: r.warnings })),
    stats: null,
  };
  if (opts.dryRun) return result;

  await ensureSource(db, { name: opts.source, kind: 'csv' }, opts.now);
  const rules = await matchRules(db);
  const secret = await suppressionSecret(db, opts.now);
  let stats = emptyStats();
  let consents = 0;
  for (let i = 0; i < parsed.rows.length; i += CHUNK) {
    const chunk = parsed.rows.slice(i, i + CHUNK);
    await db.transaction(async (c) => {
      stats = addStats(
        stats,
        await unifyRecords(
          c,
          chunk.map((r) => r.record),
          { rules, secret, actor: opts.actor, now: opts.now },
        ),
      );
      consents += await importConsents(c, chunk, opts);
    });
    opts.onProgress?.(Math.min(i + CHUNK, parsed.rows.length), parsed.rows.length);
  }
  result.stats = { ...stats, consents };
  // After a big list the planner's row estimates are stale until autovacuum gets to it, and
  // per-profile lookups planned on them can cost a JIT compile each; refresh them now.
  if (parsed.rows.length >= 10_000)
    await db.query(
      'ANALYZE patient_record, patient_profile, patient_contact_point, patient_match_key, patient_consent',
    );
  return result;
}

async function importConsents(
  c: Parameters<Parameters<Database['transaction']>[0]>[0],
  rows: ReturnType<typeof readContactCsv>['rows'],
  opts: ImportContactsOptions,
): Promise<number> {
  const q = inTransaction(c);
  const wanted = rows.filter((r) => r.consent.email !== undefined || r.consent.sms !== undefined);
  if (wanted.length === 0) return 0;
  const owners = new Map(
    (
      await q.query<{ id: string; profile_id: string }>(
        'SELECT id, profile_id FROM patient_record WHERE id = ANY($1::uuid[]) AND profile_id IS NOT NULL',
        [wanted.map((r) => recordIdFor(r.record.source, r.record.externalId))],
      )
    ).map((x) => [x.id, x.profile_id]),
  );
  const events: ConsentEvent[] = [];
  const at = opts.now.toISOString();
  // A list is an old copy of what someone once said: its "yes" never overrides a "no" we
  // already hold (a STOP reply, a withdrawal, an objection). Its "no" always counts.
  const refusals = new Set(
    (
      await q.query<{ profile_id: string; channel: string | null }>(
        `SELECT DISTINCT profile_id, channel FROM patient_consent
         WHERE profile_id = ANY($1::uuid[]) AND purpose = 'outreach' AND (state = 'withdrawn' OR objection)`,
        [[...new Set(owners.values())]],
      )
    ).map((x) => `${x.profile_id}/${x.channel ?? '*'}`),
  );
  for (const r of wanted) {
    const profileId = owners.get(recordIdFor(r.record.source, r.record.externalId));
    if (!profileId) continue;
    const add = (channel: Channel, granted: boolean | undefined, value: string | undefined) => {
      if (granted === undefined) return;
      // A yes needs the address or number it was given for; a bare yes would cover every point.
      if (
        granted &&
        (value === undefined || refusals.has(`${profileId}/${channel}`) || refusals.has(`${profileId}/*`))
      )
        return;
      const state = granted ? 'granted' : 'withdrawn';
      events.push({
        // Keyed by the import time too: a list that says yes, then no, then yes again is three events.
        id: derivedConsentId(
          `${r.record.source}/${r.record.externalId}/${channel}/${value ?? ''}/${state}/${at}`,
        ),
        profileId,
        channel,
        contactValue: value ?? null,
        purpose: 'outreach',
        topic: null,
        state,
        objection: false,
        source: r.record.source,
        actor: opts.actor,
        evidence: { kind: 'import', source: r.record.source, row: r.row },
        at,
        recordedAt: at,
      });
    };
    add('email', r.consent.email, r.record.emails[0]);
    add('sms', r.consent.sms, r.record.phones[0]);
  }
  return insertConsentEvents(q, events);
}
