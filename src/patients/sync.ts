import type { Clock } from '../config/clock.ts';
import { inTransaction, type Queryable, type SqlClient } from '../db/client.ts';
import type { Change, Subscription } from '../fhir/changes.ts';
import type { FhirResource } from '../fhir/resource-row.ts';
import type { FhirStore } from '../fhir/store.ts';
import { consentEventsFromFhir } from './consent/fhir-consent.ts';
import { insertConsentEvents } from './consent-store.ts';
import { recordFromPatient } from './fhir-patient.ts';
import { derivedConsentId, recordIdFor } from './ids.ts';
import type { ConsentEvent } from './model.ts';
import { matchRules } from './settings.ts';
import { ensureSource, FHIR_SOURCE } from './sources.ts';
import { suppressionSecret } from './suppression.ts';
import { settleConflicts } from './unify/conflicts.ts';
import { type UnifyStats, unifyRecords } from './unify/engine.ts';
import { recomputeProfiles } from './unify/recompute.ts';

export const SYNC_CONSUMER = 'patients';

/**
 * Keeps profiles in step with the clinical store: each Patient write is
 * unified as a record of the "ehr" source, each Consent becomes consent
 * history (waiting for its Patient's profile if it came first), in the same
 * transaction that advances the feed cursor, so a crash neither loses nor
 * repeats a change.
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

function consentEvents(r: FhirResource, profileId: string, now: Date): ConsentEvent[] {
  const version = (r as { meta?: { versionId?: string } }).meta?.versionId ?? '1';
  return consentEventsFromFhir(r as never, profileId, now.toISOString(), (key) =>
    derivedConsentId(`Consent/${r.id}/_history/${version}/${key}`),
  ).events;
}

/**
 * A Consent can reach the store before its Patient (a bundle in another
 * order, an import of Consents first). Dropping it would lose a "yes" or,
 * worse, a "no"; so it waits here, each version as received, until the
 * Patient has a profile. Parking and release run in the feed transaction,
 * like everything else the sync writes.
 */
async function parkConsents(
  q: Queryable,
  waiting: ReadonlyArray<{ resource: FhirResource; patient: string }>,
  now: Date,
): Promise<void> {
  if (waiting.length === 0) return;
  await q.query(
    `INSERT INTO patient_pending_consent (consent_id, version_id, patient_id, resource, received_at)
     SELECT x.id, x.version, x.patient, x.resource, $2 FROM jsonb_to_recordset($1::jsonb) AS x(id text, version text, patient text, resource jsonb)
     ON CONFLICT (consent_id, version_id) DO NOTHING`,
    [
      JSON.stringify(
        waiting.map((w) => ({
          id: w.resource.id,
          version: (w.resource as { meta?: { versionId?: string } }).meta?.versionId ?? '1',
          patient: w.patient,
          resource: w.resource,
        })),
      ),
      now,
    ],
  );
}

/** Takes the parked Consents of these Patients once they have a profile; an erased Patient's are dropped. */
async function releasePendingConsents(
  q: Queryable,
  patientIds: readonly string[],
): Promise<Array<{ resource: FhirResource; profileId: string }>> {
  if (patientIds.length === 0) return [];
  const rows = await q.query<{
    resource: FhirResource;
    profile_id: string | null;
    suppressed: boolean;
    received_at: Date | string;
    version_id: string;
  }>(
    `DELETE FROM patient_pending_consent c USING patient_record r
     WHERE c.patient_id = ANY($2::text[]) AND r.source = $1 AND r.external_id = c.patient_id
       AND (r.suppressed OR (r.profile_id IS NOT NULL AND NOT r.deleted))
     RETURNING c.resource, r.profile_id, r.suppressed, c.received_at, c.version_id`,
    [FHIR_SOURCE, patientIds],
  );
  // In the order they came: versions of one Consent build its history in order.
  rows.sort(
    (a, b) =>
      new Date(a.received_at).getTime() - new Date(b.received_at).getTime() ||
      Number(a.version_id) - Number(b.version_id) ||
      (a.version_id < b.version_id ? -1 : a.version_id > b.version_id ? 1 : 0),
  );
  return rows.flatMap((r) =>
    r.profile_id && !r.suppressed ? [{ resource: r.resource, profileId: r.profile_id }] : [],
  );
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
    // A possible duplicate whose record is gone has nothing left to decide.
    await settleConflicts(c, { recordIds: ids }, { actor: 'sync', now });
    await recomputeProfiles(
      c,
      rows.flatMap((r) => (r.profile_id ? [r.profile_id] : [])),
      now,
    );
  }

  // Consents that waited for a Patient unified just now: applied before this batch's own.
  const released = await releasePendingConsents(q, live('Patient'));
  const consents = await store.readMany(q, 'Consent', live('Consent'));
  const events = released.flatMap((r) => consentEvents(r.resource, r.profileId, now));
  if (consents.length > 0) {
    const patientOf = (r: FhirResource) => {
      const ref = (r as { patient?: { reference?: string } }).patient?.reference;
      return ref?.startsWith('Patient/') ? ref.slice(8) : null;
    };
    const records = new Map(
      (
        await q.query<{
          external_id: string;
          profile_id: string | null;
          suppressed: boolean;
          deleted: boolean;
        }>(
          `SELECT external_id, profile_id, suppressed, deleted FROM patient_record
           WHERE source = $1 AND external_id = ANY($2::text[])`,
          [FHIR_SOURCE, consents.flatMap((r) => patientOf(r) ?? [])],
        )
      ).map((r) => [r.external_id, r]),
    );
    const waiting: Array<{ resource: FhirResource; patient: string }> = [];
    for (const r of consents) {
      const patient = patientOf(r);
      // Without a Patient reference a Consent can never reach anyone's history.
      if (patient === null) continue;
      const rec = records.get(patient);
      // An erased person's Patient: nothing new is recorded about them.
      if (rec?.suppressed) continue;
      if (rec?.profile_id && !rec.deleted) events.push(...consentEvents(r, rec.profile_id, now));
      else waiting.push({ resource: r, patient });
    }
    await parkConsents(q, waiting, now);
  }
  await insertConsentEvents(q, events);
  return stats;
}
