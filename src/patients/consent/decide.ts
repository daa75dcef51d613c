/**
 * The contact decision itself, written once: canContact and the compiled
 * context differ only in how they look consent up and cache points.
 *
 * Order: the person (erased/merged, art. 18 restriction, deceased), then the
 * suppression list, do-not-contact, the topic, an art. 21 objection, the
 * contact point, and last the enforcement of the purpose on the channel.
 * Do-not-contact blocks outreach and tracking but not care: it records a wish
 * to be left alone by the organisation's communications, and withholding a
 * screening call or test result would harm the patient; care has its own
 * ground in the care relationship. Restriction (art. 18) blocks everything,
 * care included: while it holds, the data may only be stored.
 * Clinical content (a care message unless the caller says otherwise) goes
 * only to points no other profile shares, or verified as the patient's own.
 */
import type {
  Channel,
  ConsentEvent,
  ConsentPolicy,
  ContactDecision,
  ContactPoint,
  ContactRequest,
  DenyReason,
  ProfileFacts,
  TopicDefinition,
} from '../model.ts';
import { clinicalSafe, type PointChoice } from './contact-points.ts';
import { enforcementNote } from './policy.ts';
import type { ConsentLookup, FoldedConsent } from './state.ts';

export interface Prepared {
  profile: ProfileFacts;
  suppressed: boolean;
  policy: ConsentPolicy;
  topics: ReadonlyMap<string, TopicDefinition>;
  points(channel: Channel): PointChoice;
  consents: ConsentLookup;
}

export function topicIndex(policy: ConsentPolicy): Map<string, TopicDefinition> {
  return new Map(policy.topics.map((t) => [t.id, t]));
}

const deny = (reason: DenyReason, detail: string): ContactDecision => ({ allowed: false, reason, detail });

function evidence(e: ConsentEvent): string {
  const ev = e.evidence;
  switch (ev.kind) {
    case 'fhir-consent':
      return ev.reference;
    case 'form':
      return `form ${ev.form}`;
    case 'reply':
      return `${ev.channel} reply "${ev.text}"`;
    case 'staff':
      return `staff: ${ev.note}`;
    case 'double-opt-in':
      return `confirmed ${ev.confirmedAt}`;
    case 'import':
      return `import ${ev.source}`;
  }
}

const cites = (e: ConsentEvent) => `consent ${e.id}, ${evidence(e)}`;

/** Consent for one point, once the purpose needs it (opt-in or opt-out). */
function judge(
  prep: Prepared,
  req: ContactRequest,
  point: ContactPoint,
  f: FoldedConsent,
  pointCount: number,
): ContactDecision {
  const { purpose, channel } = req;
  const note = enforcementNote(prep.policy, purpose, channel);
  const topic = req.topic === null ? 'messages without a topic' : `topic ${req.topic}`;
  const to = `to point ${point.id}`;
  if (f.objected && f.event) {
    return deny(
      'objected',
      `the patient objected to direct marketing (GDPR art. 21) on ${f.event.at} (${cites(f.event)}); ` +
        `not lifted for point ${point.id}`,
    );
  }
  if (f.state === 'withdrawn' && f.event) {
    return deny('withdrawn', `${note}; withdrawn for ${topic} on ${f.event.at} (${cites(f.event)})`);
  }
  if (f.state === 'granted' && f.event) {
    return {
      allowed: true,
      contactPoint: point,
      basis: 'consent',
      consentId: f.event.id,
      reason: `${note}; consent for ${topic} granted on ${f.event.at} (${cites(f.event)}); ${to}`,
    };
  }
  if (prep.policy.enforcement[purpose][channel] === 'opt-out') {
    // A pending opt-in is a wish to receive, not an opt-out: only opt-in needs it confirmed.
    return {
      allowed: true,
      contactPoint: point,
      basis: 'not-opted-out',
      reason: `${note}; no opt-out recorded for ${topic}; ${to}`,
    };
  }
  if (f.state === 'pending' && f.event) {
    return deny(
      'pending-confirmation',
      `${note}; the opt-in for ${topic} awaits confirmation since ${f.event.at} (${cites(f.event)})`,
    );
  }
  if (f.state === 'expired' && f.event) {
    return deny(
      'no-consent',
      `${note}; the opt-in for ${topic} started ${f.event.at} was not confirmed before its link expired at ` +
        `${f.event.expiresAt} (${cites(f.event)}); send a new one`,
    );
  }
  const where = pointCount > 1 ? ` on any of the ${pointCount} ${channel} points` : '';
  return deny('no-consent', `${note}; no consent recorded for ${topic}${where}`);
}

export function decide(prep: Prepared, req: ContactRequest): ContactDecision {
  const asOfMs = req.at.getTime();
  if (Number.isNaN(asOfMs))
    throw new Error('ContactRequest.at: not a valid instant; pass the intended send time');
  const { profile, policy } = prep;
  const { purpose, channel } = req;
  if (profile.status === 'erased') {
    return deny('erased', `profile ${profile.id} is erased (GDPR art. 17); nothing may be sent`);
  }
  if (profile.status === 'merged') {
    return deny('merged', `profile ${profile.id} was merged into another profile; send to the surviving one`);
  }
  // No reason code of its own: like a merged profile, the person is now found elsewhere.
  if (profile.status === 'dissolved') {
    return deny(
      'merged',
      `profile ${profile.id} no longer holds any source record (they moved to other profiles); send to the profile that has the person now`,
    );
  }
  if (profile.restricted) {
    return deny('restricted', 'processing is restricted (GDPR art. 18): the data is only stored, no contact');
  }
  if (profile.deceased) return deny('deceased', 'the patient is deceased');
  if (prep.suppressed) {
    return deny(
      'suppressed',
      'the profile carries the identifiers of an erased person (GDPR art. 17 suppression list); nothing may be sent',
    );
  }
  if (profile.doNotContact && purpose !== 'care') {
    return deny(
      'do-not-contact',
      `the profile is marked do-not-contact: only care communication, not ${purpose}`,
    );
  }
  if (req.topic !== null) {
    const topic = prep.topics.get(req.topic);
    if (topic === undefined) {
      return deny(
        'unknown-topic',
        `topic "${req.topic}" is not in the consent policy; add it to policy.topics`,
      );
    }
    // Otherwise a newsletter labelled "care" would skip the opt-in it needs.
    if (purpose === 'care' && topic.purpose !== 'care') {
      return deny(
        'unknown-topic',
        `topic "${req.topic}" is ${topic.purpose}, so it cannot be sent as care communication`,
      );
    }
  }
  if (purpose === 'outreach') {
    const o = prep.consents.objectionInForce(channel, req.topic, asOfMs);
    if (o !== null) {
      return deny(
        'objected',
        `the patient objected to direct marketing (GDPR art. 21) on ${o.at} (${cites(o)}); ` +
          'no outreach on any channel until a general grant or their own new opt-in',
      );
    }
  }
  const choice = prep.points(channel);
  if (!choice.ok) return deny(choice.reason, choice.detail);
  // Fail closed: a care message is clinical unless the caller says it is not.
  const clinical = req.clinical ?? purpose === 'care';
  const points = clinical ? choice.points.filter(clinicalSafe) : choice.points;
  if (points.length === 0) {
    return deny(
      'shared-contact-point',
      `clinical content needs a point verified as the patient's own; every active ${channel} point is shared ` +
        `(${choice.points.map((p) => `${p.id} with ${p.sharedWith}`).join(', ')})` +
        (req.clinical === undefined
          ? '; care messages count as clinical unless the request says clinical: false'
          : ''),
    );
  }
  if (policy.enforcement[purpose][channel] === 'not-required') {
    return {
      allowed: true,
      contactPoint: points[0],
      basis: 'not-required',
      reason: `${enforcementNote(policy, purpose, channel)}; to point ${points[0].id}`,
    };
  }
  let first: ContactDecision | null = null;
  for (const point of points) {
    const f = prep.consents.fold({ purpose, channel, contactValue: point.value, topic: req.topic }, asOfMs);
    const d = judge(prep, req, point, f, points.length);
    if (d.allowed) return d;
    first ??= d;
  }
  return first!;
}
