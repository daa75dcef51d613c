import type { z } from 'zod';
import { type ClinicalSummary, clinicalSummary } from './clinical-summary.ts';
import { consentSummary } from './consent/state.ts';
import type { ConsentPolicy } from './model.ts';
import type { ProfileDetail } from './profile-read.ts';
import type { Patient360Schema, TimelineItemSchema } from './schemas.ts';

export type Patient360 = z.infer<typeof Patient360Schema>;
type TimelineItem = z.infer<typeof TimelineItemSchema>;

type Json = Record<string, any>;

const TIMELINE_LIMIT = 100;

/**
 * The engagement timeline, newest first: care contacts from the clinical
 * record, consent changes and profile events. Messages, replies and
 * registrations join it as the messaging and events modules arrive.
 */
export function timeline(
  detail: ProfileDetail,
  resources: readonly Json[],
  clinicalVisible: boolean,
): TimelineItem[] {
  const items: TimelineItem[] = [];
  for (const e of detail.consents)
    items.push({
      at: e.at,
      kind: 'consent',
      title: e.objection
        ? 'Objection to direct marketing (GDPR art. 21)'
        : `Consent ${e.state}: ${e.purpose} by ${e.channel ?? 'every channel'}${e.topic ? `, ${e.topic}` : ''}`,
      detail: `${e.source} (${e.evidence.kind})`,
      ref: null,
    });
  for (const h of detail.history)
    items.push({ at: h.at, kind: 'profile', title: `Profile ${h.kind}`, detail: h.reason, ref: null });
  for (const r of resources) {
    if (r.resourceType === 'Encounter' && r.period?.start)
      items.push({
        at: r.period.start,
        kind: 'clinical',
        title: clinicalVisible
          ? `Visit: ${r.type?.[0]?.text ?? r.type?.[0]?.coding?.[0]?.display ?? r.class?.code ?? 'encounter'}`
          : 'Care contact',
        detail: clinicalVisible ? (r.serviceProvider?.display ?? null) : null,
        ref: `Encounter/${r.id}`,
      });
    if (r.resourceType === 'Appointment' && r.start)
      items.push({
        at: r.start,
        kind: 'clinical',
        title: `Appointment ${r.status}`,
        detail: clinicalVisible ? (r.description ?? null) : null,
        ref: `Appointment/${r.id}`,
      });
  }
  return items.sort((a, b) => b.at.localeCompare(a.at)).slice(0, TIMELINE_LIMIT);
}

export function assemble360(opts: {
  detail: ProfileDetail;
  fhirPatients: string[];
  resources: readonly Json[];
  clinicalVisible: boolean;
  policy: ConsentPolicy;
  at: Date;
  /** null when the caller's role may not see segments. */
  segments: Patient360['memberships']['segments'] | null;
}): Patient360 {
  const { detail } = opts;
  const clinical: ClinicalSummary | null = opts.clinicalVisible
    ? clinicalSummary(opts.resources, opts.at)
    : null;
  const warnings: string[] = [];
  for (const p of detail.contactPoints)
    if (p.status !== 'removed' && p.sharedWith > 0 && !p.verifiedOwn)
      warnings.push(
        `${p.kind === 'email' ? 'E-mail' : p.kind === 'phone' ? 'Phone' : 'Address'} ${p.display} is shared with ${p.sharedWith} other profile${p.sharedWith === 1 ? '' : 's'}: no clinical content goes there until it is verified as this patient's own`,
      );
  if (detail.profile.restricted) warnings.push('Processing is restricted (GDPR art. 18): no outreach');
  if (detail.profile.suppressed)
    warnings.push(
      'This profile carries the identifiers of an erased person (suppression list): nothing is sent; if it is that person, erase it too',
    );
  if (detail.conflicts.length > 0)
    warnings.push(`${detail.conflicts.length} possible duplicate(s) await review`);
  return {
    profile: detail.profile,
    fhirPatients: opts.fhirPatients,
    contactPoints: detail.contactPoints,
    consent: consentSummary(detail.consents, opts.policy, opts.at),
    consentHistory: detail.consents,
    clinical,
    timeline: timeline(detail, opts.resources, opts.clinicalVisible),
    // Journeys join when the journeys module exists.
    memberships: { segments: opts.segments, journeys: [] },
    records: detail.records,
    history: detail.history,
    conflicts: detail.conflicts,
    warnings,
  };
}
