/**
 * compileContactContext must answer exactly as canContact. fast-check is not
 * available, so a seeded PRNG builds many small, collision-heavy contexts
 * (shared instants, duplicate ids, objections, point-keyed consents) and every
 * request is decided both ways.
 */
import { describe, expect, it } from 'vitest';
import {
  CHANNELS,
  CONSENT_STATES,
  CONTACT_STATUSES,
  type ConsentEvent,
  type ConsentEvidence,
  type ContactKind,
  type ContactPoint,
  type ContactRequest,
  PURPOSES,
} from '../model.ts';
import { type ContactContext, canContact, compileContactContext } from './can-contact.ts';
import { indexConsents } from './consent-index.ts';
import { DEFAULT_POLICY } from './policy.ts';
import { scanConsents } from './state.ts';
import { point, prng, profile } from './testing.ts';

const INSTANTS = [
  '2025-01-01T00:00:00.000Z',
  '2025-02-01T00:00:00.000Z',
  '2025-02-01T00:00:00.000+00:00',
  '2025-03-01T00:00:00.000Z',
  '2025-04-01T00:00:00.000Z',
  '2025-05-01T00:00:00.000Z',
];
const VALUES: Record<ContactKind, string[]> = {
  email: ['a@x.se', 'b@x.se'],
  phone: ['+46701111111', '+46702222222', '+4681234567'],
  postal: ['11432|a', '11433|b'],
  push: ['https://push/1'],
};
const TOPICS = ['screening', 'vaccination', 'events', 'newsletter', 'lottery'];
const EVIDENCE: ConsentEvidence[] = [
  { kind: 'form', form: 'f' },
  { kind: 'reply', channel: 'sms', from: '+46701111111', text: 'START' },
  { kind: 'double-opt-in', confirmedAt: INSTANTS[0] },
  { kind: 'staff', note: 'n' },
  { kind: 'import', source: 'crm' },
  { kind: 'fhir-consent', reference: 'Consent/1' },
];

function generator(seed: number) {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const chance = (p: number) => r() < p;
  const allValues = Object.values(VALUES).flat();

  const points = (): ContactPoint[] =>
    (Object.keys(VALUES) as ContactKind[]).flatMap((kind) =>
      Array.from({ length: Math.floor(r() * 3) }, (_, i) =>
        point({
          id: `${kind}-${i}-${Math.floor(r() * 2)}`,
          kind,
          value: pick(VALUES[kind]),
          mobile: kind === 'phone' ? pick([true, true, false, undefined]) : undefined,
          status: chance(0.75) ? 'active' : pick(CONTACT_STATUSES),
          sharedWith: chance(0.3) ? 1 : 0,
          verifiedOwn: chance(0.3),
          preferred: chance(0.3),
          verifiedAt: chance(0.4) ? INSTANTS[0] : null,
          sources: ['ehr', 'crm', 'form'].slice(0, 1 + Math.floor(r() * 3)),
        }),
      ),
    );

  const event = (): ConsentEvent => ({
    id: `e${Math.floor(r() * 12)}`,
    profileId: 'p1',
    channel: chance(0.3) ? null : pick(CHANNELS),
    contactValue: chance(0.6) ? null : pick(allValues),
    purpose: pick(PURPOSES),
    topic: chance(0.4) ? null : pick(TOPICS),
    state: pick(CONSENT_STATES),
    objection: chance(0.1),
    source: 'patient',
    actor: 'patient',
    evidence: pick(EVIDENCE),
    at: chance(0.03) ? 'not a date' : pick(INSTANTS),
    recordedAt: pick(INSTANTS.slice(0, 3)),
    // Double opt-ins carry the expiry of their link: pending before it, expired after.
    ...(chance(0.3) ? { expiresAt: chance(0.05) ? 'not a date' : pick(INSTANTS) } : {}),
  });

  const ctx = (): ContactContext => ({
    profile: profile({
      status: chance(0.04) ? pick(['erased', 'merged'] as const) : 'active',
      restricted: chance(0.04),
      deceased: chance(0.04),
      doNotContact: chance(0.1),
    }),
    contactPoints: points(),
    consents: Array.from({ length: Math.floor(r() * 25) }, event),
    suppressed: chance(0.04),
  });

  const request = (): ContactRequest => ({
    channel: pick(CHANNELS),
    purpose: pick(PURPOSES),
    topic: chance(0.3) ? null : pick(TOPICS),
    at: new Date(Date.parse(pick(INSTANTS)) + pick([-1, 0, 1, 86_400_000])),
    // Not given: care counts as clinical.
    clinical: pick([true, false, undefined, undefined]),
  });

  return { ctx, request, pick, chance, allValues };
}

describe('compiled context', () => {
  it('decides exactly as canContact over random contexts and requests', () => {
    const g = generator(20250601);
    const seen = new Map<string, number>();
    for (let c = 0; c < 600; c += 1) {
      const ctx = g.ctx();
      const compiled = compileContactContext(ctx, DEFAULT_POLICY);
      for (let q = 0; q < 25; q += 1) {
        const req = g.request();
        const expected = canContact(ctx, req, DEFAULT_POLICY);
        const actual = compiled.decide(req);
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
          expect({ context: c, request: q, actual }).toEqual({ context: c, request: q, actual: expected });
        }
        const key = expected.allowed ? `allowed:${expected.basis}` : expected.reason;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
    }
    // The run is only worth something if it reached every outcome.
    expect([...seen.keys()].sort()).toEqual(
      [
        'allowed:consent',
        'allowed:not-opted-out',
        'allowed:not-required',
        'contact-point-failing',
        'deceased',
        'do-not-contact',
        'erased',
        'merged',
        'no-consent',
        'no-contact-point',
        'objected',
        'pending-confirmation',
        'restricted',
        'shared-contact-point',
        'suppressed',
        'unknown-topic',
        'withdrawn',
      ].sort(),
    );
  });

  it('folds every question as the linear scan does', () => {
    const g = generator(7);
    let objected = 0;
    let expired = 0;
    for (let c = 0; c < 400; c += 1) {
      const events = g.ctx().consents;
      const scan = scanConsents(events);
      const index = indexConsents(events);
      for (let q = 0; q < 40; q += 1) {
        const req = g.request();
        const question = {
          purpose: req.purpose,
          channel: req.channel,
          topic: req.topic,
          contactValue: g.chance(0.4) ? null : g.pick(g.allValues),
        };
        const asOf = req.at.getTime();
        const expected = scan.fold(question, asOf);
        expect(index.fold(question, asOf)).toEqual(expected);
        expect(index.objectionInForce(req.channel, req.topic, asOf)).toBe(
          scan.objectionInForce(req.channel, req.topic, asOf),
        );
        if (expected.objected) objected += 1;
        if (expected.state === 'expired') expired += 1;
      }
    }
    expect(objected).toBeGreaterThan(100);
    expect(expired).toBeGreaterThan(100);
  });

  it('snapshots the context it was compiled from', () => {
    const consents: ConsentEvent[] = [];
    const ctx: ContactContext = {
      profile: profile(),
      contactPoints: [point({ id: 'm', kind: 'phone', value: '+46701111111' })],
      consents,
      suppressed: false,
    };
    const compiled = compileContactContext(ctx, DEFAULT_POLICY);
    consents.push({
      id: 'late',
      profileId: 'p1',
      channel: 'sms',
      contactValue: null,
      purpose: 'outreach',
      topic: null,
      state: 'granted',
      objection: false,
      source: 'patient',
      actor: 'patient',
      evidence: { kind: 'form', form: 'f' },
      at: INSTANTS[0],
      recordedAt: INSTANTS[0],
    });
    const req: ContactRequest = {
      channel: 'sms',
      purpose: 'outreach',
      topic: 'events',
      at: new Date(INSTANTS[5]),
    };
    expect(compiled.decide(req)).toMatchObject({ reason: 'no-consent' });
    expect(canContact(ctx, req, DEFAULT_POLICY)).toMatchObject({ allowed: true });
  });
});
