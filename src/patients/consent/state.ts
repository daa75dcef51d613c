/**
 * Folding a consent history into the state in force at an instant.
 *
 * The rule: among events of the question's purpose whose scope covers it
 * (channel null = every channel, contactValue null = every point, topic null =
 * every topic) and that took effect at or before the instant, the latest wins,
 * whatever its specificity. A later general withdrawal therefore overrides an
 * earlier specific grant, and a later specific grant after a general
 * withdrawal re-permits just that scope: the patient's most recent word is
 * what they mean, and ordering by time needs no precedence table.
 * "Latest" orders by `at`, then `recordedAt`, then `id`, then position in the
 * history (so duplicates resolve the same way everywhere). Events whose `at`
 * is not a valid instant never take effect.
 *
 * The exception is a GDPR art. 21 objection (objection: true, purpose
 * outreach). It covers outreach on every channel, point and topic whatever its
 * own scope fields say, and a later grant only counts once the objection is
 * lifted, which takes either a general outreach grant (channel, contactValue
 * and topic all null) or a grant the patient made themselves (evidence form,
 * reply or double-opt-in) covering the scope asked about. An EHR import or a
 * staff note re-permitting one channel must not undo a right the patient
 * exercised; the patient, or a deliberate "yes to everything", can.
 *
 * A pending double opt-in whose confirmation link has expired (expiresAt at or
 * before the instant) folds to "expired": it permits exactly what pending
 * did (nothing under opt-in), but staff see that a new link is needed.
 */
import {
  CHANNELS,
  type Channel,
  type ConsentEvent,
  type ConsentPolicy,
  type ConsentState,
  type Enforcement,
  PURPOSES,
  type Purpose,
} from '../model.ts';

export interface ConsentQuestion {
  purpose: Purpose;
  channel: Channel;
  /** The contact point asked about, or null for the channel as a whole. */
  contactValue: string | null;
  topic: string | null;
}

export interface FoldedConsent {
  /** none: no event covers the question; expired: a pending opt-in whose link lapsed unconfirmed. */
  state: ConsentState | 'none' | 'expired';
  /** The event that decided it (the objection itself when objected). */
  event: ConsentEvent | null;
  /** An art. 21 objection is in force for this question. */
  objected: boolean;
}

export const NO_CONSENT: FoldedConsent = Object.freeze({ state: 'none', event: null, objected: false });

/** How the decision code asks about consent; a linear scan and a compiled index both answer it. */
export interface ConsentLookup {
  fold(q: ConsentQuestion, asOfMs: number): FoldedConsent;
  /** The objection blocking outreach on this channel and topic for every point, if any. */
  objectionInForce(channel: Channel, topic: string | null, asOfMs: number): ConsentEvent | null;
}

export function isObjection(e: ConsentEvent): boolean {
  return e.objection && e.purpose === 'outreach';
}

function isPatientAction(e: ConsentEvent): boolean {
  return e.evidence.kind === 'form' || e.evidence.kind === 'reply' || e.evidence.kind === 'double-opt-in';
}

export function isGeneral(e: ConsentEvent): boolean {
  return e.channel === null && e.contactValue === null && e.topic === null;
}

/** A grant that may lift an art. 21 objection (for the scope it covers). */
export function liftsObjection(e: ConsentEvent): boolean {
  return (
    e.purpose === 'outreach' && !e.objection && e.state === 'granted' && (isGeneral(e) || isPatientAction(e))
  );
}

export function covers(e: ConsentEvent, q: ConsentQuestion): boolean {
  return (
    (e.channel === null || e.channel === q.channel) &&
    (e.contactValue === null || e.contactValue === q.contactValue) &&
    (e.topic === null || e.topic === q.topic)
  );
}

function coversAnyPoint(e: ConsentEvent, channel: Channel, topic: string | null): boolean {
  return (e.channel === null || e.channel === channel) && (e.topic === null || e.topic === topic);
}

/** One event placed in the total order of a history. */
export interface Placed {
  event: ConsentEvent;
  at: number;
  recordedAt: number;
  index: number;
  /** Pending opt-ins: when the link expires; +Infinity when the event names no expiry. */
  expires: number;
}

export function place(event: ConsentEvent, index: number): Placed {
  const recordedAt = Date.parse(event.recordedAt);
  // An unreadable expiry fails closed: the link counts as expired, as the confirm page treats it.
  const expiresMs = event.expiresAt === undefined ? Number.POSITIVE_INFINITY : Date.parse(event.expiresAt);
  const expires = Number.isNaN(expiresMs) ? Number.NEGATIVE_INFINITY : expiresMs;
  return {
    event,
    at: Date.parse(event.at),
    recordedAt: Number.isNaN(recordedAt) ? Number.NEGATIVE_INFINITY : recordedAt,
    index,
    expires,
  };
}

/** Positive when a is later than b. */
export function comparePlaced(a: Placed, b: Placed): number {
  if (a.at !== b.at) return a.at - b.at;
  if (a.recordedAt !== b.recordedAt) return a.recordedAt > b.recordedAt ? 1 : -1;
  // Same instant: the order they were stored in (callers pass history in storage order), then id.
  if (a.index !== b.index) return a.index - b.index;
  return a.event.id > b.event.id ? 1 : a.event.id < b.event.id ? -1 : 0;
}

const laterOf = (a: Placed | null, b: Placed): Placed => (a === null || comparePlaced(b, a) > 0 ? b : a);

/** The state the deciding event gives at an instant: a pending opt-in past its link's expiry is expired. */
export function folded(p: Placed | null, asOfMs: number): FoldedConsent {
  if (p === null) return NO_CONSENT;
  const expired = p.event.state === 'pending' && p.expires <= asOfMs;
  return { state: expired ? 'expired' : p.event.state, event: p.event, objected: false };
}

function objected(p: Placed): FoldedConsent {
  return { state: 'withdrawn', event: p.event, objected: true };
}

/** The linear answer: O(history) per question, no preparation. */
export function scanConsents(events: readonly ConsentEvent[]): ConsentLookup {
  const placed = events.map(place);
  const effective = (p: Placed, asOfMs: number) => p.at <= asOfMs;
  const latestObjection = (asOfMs: number): Placed | null => {
    let objection: Placed | null = null;
    for (const p of placed)
      if (isObjection(p.event) && effective(p, asOfMs)) objection = laterOf(objection, p);
    return objection;
  };
  return {
    fold(q, asOfMs) {
      let latest: Placed | null = null;
      let objection: Placed | null = null;
      for (const p of placed) {
        if (p.event.purpose !== q.purpose || !effective(p, asOfMs)) continue;
        if (isObjection(p.event)) objection = laterOf(objection, p);
        else if (covers(p.event, q)) latest = laterOf(latest, p);
      }
      if (objection === null) return folded(latest, asOfMs);
      if (latest === null || comparePlaced(objection, latest) > 0) return objected(objection);
      const o = objection;
      const lifted = placed.some(
        (p) =>
          effective(p, asOfMs) && comparePlaced(p, o) > 0 && liftsObjection(p.event) && covers(p.event, q),
      );
      return lifted ? folded(latest, asOfMs) : objected(objection);
    },
    objectionInForce(channel, topic, asOfMs) {
      const o = latestObjection(asOfMs);
      if (o === null) return null;
      const lifted = placed.some(
        (p) =>
          effective(p, asOfMs) &&
          comparePlaced(p, o) > 0 &&
          liftsObjection(p.event) &&
          coversAnyPoint(p.event, channel, topic),
      );
      return lifted ? null : o.event;
    },
  };
}

function toMs(asOf: Date): number {
  const ms = asOf.getTime();
  if (Number.isNaN(ms)) throw new Error('asOf: not a valid instant; pass a Date with a time');
  return ms;
}

/** The state in force for one question at `asOf`. */
export function consentState(events: readonly ConsentEvent[], q: ConsentQuestion, asOf: Date): FoldedConsent {
  return scanConsents(events).fold(q, toMs(asOf));
}

/** Whether a folded state lets a message through under an enforcement (ignoring profile flags). */
export function permits(enforcement: Enforcement, f: FoldedConsent): boolean {
  if (enforcement === 'not-required') return true;
  if (f.objected) return false;
  return enforcement === 'opt-out' ? f.state !== 'withdrawn' : f.state === 'granted';
}

export interface ConsentSummaryRow {
  purpose: Purpose;
  channel: Channel;
  /** null: messages without a topic. */
  topic: string | null;
  /** null: the channel as a whole; a value: a point some event names. */
  contactValue: string | null;
  enforcement: Enforcement;
  state: FoldedConsent['state'];
  objected: boolean;
  eventId: string | null;
  /** When the deciding event took effect. */
  since: string | null;
  /** Pending or expired opt-ins: when the confirmation link expires or expired. */
  expiresAt: string | null;
  /** The consent rules alone let this through (profile flags and contact points not considered). */
  permits: boolean;
}

/**
 * Per purpose × channel × topic (each purpose with its own topics plus "no
 * topic"), the channel as a whole first, then every point an event names.
 */
export function consentSummary(
  events: readonly ConsentEvent[],
  policy: ConsentPolicy,
  asOf: Date,
): ConsentSummaryRow[] {
  const asOfMs = toMs(asOf);
  const lookup = scanConsents(events);
  const rows: ConsentSummaryRow[] = [];
  for (const purpose of PURPOSES) {
    const topics = [...policy.topics.filter((t) => t.purpose === purpose).map((t) => t.id), null];
    for (const channel of CHANNELS) {
      const values = new Set<string>();
      for (const e of events) {
        if (
          e.purpose === purpose &&
          e.contactValue !== null &&
          (e.channel === null || e.channel === channel)
        ) {
          values.add(e.contactValue);
        }
      }
      const points = [null, ...[...values].sort()];
      const enforcement = policy.enforcement[purpose][channel];
      for (const topic of topics) {
        for (const contactValue of points) {
          const f = lookup.fold({ purpose, channel, contactValue, topic }, asOfMs);
          rows.push({
            purpose,
            channel,
            topic,
            contactValue,
            enforcement,
            state: f.state,
            objected: f.objected,
            eventId: f.event?.id ?? null,
            since: f.event?.at ?? null,
            expiresAt:
              (f.state === 'pending' || f.state === 'expired') && f.event?.expiresAt
                ? f.event.expiresAt
                : null,
            permits: permits(enforcement, f),
          });
        }
      }
    }
  }
  return rows;
}
