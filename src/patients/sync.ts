import type { Clock } from '../config/clock.ts';
import { inTransaction, type SqlClient } from '../db/client.ts';
import type { Change, Subscription } from '../fhir/changes.ts';
import type { FhirStore } from '../fhir/store.ts';
import { consentEventsFromFhir } from './consent/fhir-consent.ts';
import { insertConsentEvents } from './consent-store.ts';
import { recordFromPatient } from './fhir-patient.ts';
import { derivedConsentId, recordIdFor } from './ids.ts';
import { matchRules } from './settings.ts';
import { ensureSource, FHIR_SOURCE } from './sources.ts';
import { suppressionSecret } from './suppression.ts';
import { type UnifyStats, unifyRecords } from './unify/engine.ts';
import { recomputeProfiles } from './unify/recompute.ts';

export const SYNC_CONSUMER = 'patients';

/**
 * Keeps profiles in step with the clinical store: each Patient write is
 * unified as a record of the "ehr" source, each Consent becomes consent
 * history, in the same transaction that advances the feed cursor, so a crash
 * neither loses nor repeats a change.
 */
export function subscribePatientSync(
  store: FhirStore,
  clock: Clock,
  opts: { pollMs?: number; onBatch?: (s: UnifyStats) => void } = {},
): Subscription {
  return store.feed.subscribe({
    consumer: SYNC_CONSUMER,
    batchSize: 2000,
    pollMs: opts.pollMs,
    handle: async (changes, c) => {
      const stats = await applyChanges(c, store, clock.now(), changes);
      if (stats) opts.onBatch?.(stats);
    },
  });
}

export async function applyChanges(
  c: SqlClient,
  store: FhirStore,
  now: Date,
  changes: readonly Change[],
): Promise<UnifyStats | null> {
  const q = inTransaction(c);
  // Only the latest change of each resource in the batch matters.
  const latest = new Map<string, Change>();
  for (const ch of changes)
    if (ch.resourceType === 'Patient' || ch.resourceType === 'Consent')
      latest.set(`${ch.resourceType}/${ch.id}`, ch);
  if (latest.size === 0) return null;
  await ensureSource(q, { name: FHIR_SOURCE, kind: 'fhir', label: 'EHR (FHIR store)' }, now);
  const live = (type: string) =>
    [...latest.values()].filter((x) => x.resourceType === type && x.operation !== 'delete').map((x) => x.id);
  const gone = [...latest.values()].filter((x) => x.resourceType === 'Patient' && x.operation === 'delete');

  const patients = await store.readMany(q, 'Patient', live('Patient'));
  const records = patients.map((p) => recordFromPatient(p as never, FHIR_SOURCE, now));
  const stats = await unifyRecords(c, records, {
    rules: await matchRules(q),
    secret: await suppressionSecret(q, now),
    actor: 'sync',
    now,
  });

  if (gone.length > 0) {
    const ids = gone.map((g) => recordIdFor(FHIR_SOURCE, g.id));
    const rows = await q.query<{ profile_id: string | null }>(
      `UPDATE patient_record SET deleted = true, updated_at = $2 WHERE id = ANY($1::uuid[]) RETURNING profile_id`,
      [ids, now],
    );
    await q.query('DELETE FROM patient_match_key WHERE record_id = ANY($1::uuid[])', [ids]);
    await recomputeProfiles(
      c,
      rows.flatMap((r) => (r.profile_id ? [r.profile_id] : [])),
      now,
    );
  }

  const consents = await store.readMany(q, 'Consent', live('Consent'));
  if (consents.length > 0) {
    const patientIds = consents.flatMap((r) => {
      const ref = (r as { patient?: { reference?: string } }).patient?.reference;
      return ref?.startsWith('Patient/') ? [ref.slice(8)] : [];
    });
    const owners = new Map(
      (
        await q.query<{ external_id: string; profile_id: string }>(
          `SELECT external_id, profile_id FROM patient_record
           WHERE source = $1 AND external_id = ANY($2::text[]) AND profile_id IS NOT NULL AND NOT deleted`,
          [FHIR_SOURCE, patientIds],
        )
      ).map((r) => [r.external_id, r.profile_id]),
    );
    const events = consents.flatMap((r) => {
      const ref = (r as { patient?: { reference?: string } }).patient?.reference ?? '';
      const profile = owners.get(ref.slice(8));
      if (!profile) return [];
      const version = (r as { meta?: { versionId?: string } }).meta?.versionId ?? '1';
      return consentEventsFromFhir(r as never, profile, now.toISOString(), (key) =>
        derivedConsentId(`Consent/${r.id}/_history/${version}/${key}`),
      ).events;
    });
    await insertConsentEvents(q, events);
  }
  return stats;
}
