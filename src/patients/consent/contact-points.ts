/**
 * Which of a profile's contact points a channel can deliver to, best first.
 *
 * Only status "active" is usable: the delivery code moves a point to
 * "bouncing" after repeated hard bounces and to "invalid"/"removed" when it is
 * known dead, and sending to those again only hurts sender reputation. SMS
 * needs a phone known to be mobile; `mobile` unset means unknown, and a text
 * to a landline is lost, so unknown counts as not mobile.
 * Order: the patient's preferred point, then verified ones, then the one more
 * sources agree on, then id so the choice is stable.
 */
import { CHANNEL_KIND, type Channel, type ContactPoint } from '../model.ts';

export type PointChoice =
  | { ok: true; points: readonly ContactPoint[] }
  | { ok: false; reason: 'no-contact-point' | 'contact-point-failing'; detail: string };

function rank(a: ContactPoint, b: ContactPoint): number {
  if (a.preferred !== b.preferred) return a.preferred ? -1 : 1;
  const av = a.verifiedAt !== null;
  if (av !== (b.verifiedAt !== null)) return av ? -1 : 1;
  if (a.sources.length !== b.sources.length) return b.sources.length - a.sources.length;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function usablePoints(points: readonly ContactPoint[], channel: Channel): PointChoice {
  const kind = CHANNEL_KIND[channel];
  const ofKind = points.filter((p) => p.kind === kind);
  if (ofKind.length === 0) {
    return { ok: false, reason: 'no-contact-point', detail: `no ${kind} contact point for ${channel}` };
  }
  const reachable = channel === 'sms' ? ofKind.filter((p) => p.mobile === true) : ofKind;
  if (reachable.length === 0) {
    return {
      ok: false,
      reason: 'no-contact-point',
      detail: `sms needs a mobile number; none of the ${ofKind.length} phone point(s) is known to be mobile`,
    };
  }
  const active = reachable.filter((p) => p.status === 'active').sort(rank);
  if (active.length === 0) {
    const states = reachable.map((p) => `${p.id} ${p.status}`).join(', ');
    return {
      ok: false,
      reason: 'contact-point-failing',
      detail: `no usable ${kind} point for ${channel}: ${states}`,
    };
  }
  return { ok: true, points: active };
}

/**
 * Clinical content must not reach a family member. Letters are exempt: a
 * household shares its address by nature, and a letter is addressed to the
 * patient by name and protected as post (BrB 4:8), unlike a shared phone or inbox.
 */
export function clinicalSafe(p: ContactPoint): boolean {
  return p.kind === 'postal' || p.sharedWith === 0 || p.verifiedOwn;
}
