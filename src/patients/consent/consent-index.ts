/**
 * The compiled answer to consent questions: the history sorted once and
 * bucketed by exact scope, so a question looks at the at most eight scopes
 * that can cover it and binary-searches each for its latest event in force.
 * Same rule as scanConsents in state.ts, which the equivalence test holds it to.
 */
import type { Channel, ConsentEvent, Purpose } from '../model.ts';
import {
  type ConsentLookup,
  comparePlaced,
  type FoldedConsent,
  folded,
  isObjection,
  liftsObjection,
  type Placed,
  place,
} from './state.ts';

type Tree = Map<Channel | null, Map<string | null, Map<string | null, Placed[]>>>;

function push<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

function add(tree: Tree, p: Placed): void {
  const e = p.event;
  const byValue = push(tree, e.channel, () => new Map());
  push(
    push(byValue, e.contactValue, () => new Map()),
    e.topic,
    () => [] as Placed[],
  ).push(p);
}

/** The last entry with at <= asOfMs: lists are in history order, so that is the latest in force. */
function lastInForce(list: readonly Placed[] | undefined, asOfMs: number): Placed | null {
  if (list === undefined) return null;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].at <= asOfMs) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? null : list[lo - 1];
}

const both = <T>(specific: T | null): (T | null)[] => (specific === null ? [null] : [null, specific]);

function latestCovering(
  tree: Tree,
  channel: Channel,
  contactValue: string | null,
  topic: string | null,
  asOfMs: number,
): Placed | null {
  let latest: Placed | null = null;
  for (const c of both(channel)) {
    const byValue = tree.get(c);
    if (byValue === undefined) continue;
    for (const v of both(contactValue)) {
      const byTopic = byValue.get(v);
      if (byTopic === undefined) continue;
      for (const t of both(topic)) {
        const p = lastInForce(byTopic.get(t), asOfMs);
        if (p !== null && (latest === null || comparePlaced(p, latest) > 0)) latest = p;
      }
    }
  }
  return latest;
}

export function indexConsents(events: readonly ConsentEvent[]): ConsentLookup {
  const placed = events
    .map(place)
    .filter((p) => !Number.isNaN(p.at))
    .sort(comparePlaced);
  const scopes: Record<Purpose, Tree> = { care: new Map(), outreach: new Map(), tracking: new Map() };
  const objections: Placed[] = [];
  const lifts: Tree = new Map();
  // Lifts keyed without the point: "is outreach on this channel and topic open for some point?"
  const liftsAnyPoint = new Map<Channel | null, Map<string | null, Placed[]>>();
  for (const p of placed) {
    if (isObjection(p.event)) {
      objections.push(p);
      continue;
    }
    add(scopes[p.event.purpose], p);
    if (liftsObjection(p.event)) {
      add(lifts, p);
      push(
        push(liftsAnyPoint, p.event.channel, () => new Map()),
        p.event.topic,
        () => [] as Placed[],
      ).push(p);
    }
  }
  return {
    fold(q, asOfMs) {
      const latest = latestCovering(scopes[q.purpose], q.channel, q.contactValue, q.topic, asOfMs);
      if (q.purpose !== 'outreach') return folded(latest, asOfMs);
      const o = lastInForce(objections, asOfMs);
      if (o === null) return folded(latest, asOfMs);
      const blocked: FoldedConsent = { state: 'withdrawn', event: o.event, objected: true };
      if (latest === null || comparePlaced(o, latest) > 0) return blocked;
      const lift = latestCovering(lifts, q.channel, q.contactValue, q.topic, asOfMs);
      return lift !== null && comparePlaced(lift, o) > 0 ? folded(latest, asOfMs) : blocked;
    },
    objectionInForce(channel, topic, asOfMs) {
      const o = lastInForce(objections, asOfMs);
      if (o === null) return null;
      for (const c of both(channel)) {
        const byTopic = liftsAnyPoint.get(c);
        if (byTopic === undefined) continue;
        for (const t of both(topic)) {
          const lift = lastInForce(byTopic.get(t), asOfMs);
          if (lift !== null && comparePlaced(lift, o) > 0) return null;
        }
      }
      return o.event;
    },
  };
}
