/** Builders for consent tests: a plain patient, points and events with only the fields a test cares about. */
import type { ConsentEvent, ContactPoint, ProfileFacts } from '../model.ts';
import type { ContactContext } from './can-contact.ts';

export function profile(overrides: Partial<ProfileFacts> = {}): ProfileFacts {
  return {
    id: 'p1',
    status: 'active',
    restricted: false,
    deceased: false,
    doNotContact: false,
    language: 'sv',
    timeZone: 'Europe/Stockholm',
    preferredChannel: null,
    ...overrides,
  };
}

export function point(
  overrides: Partial<ContactPoint> & Pick<ContactPoint, 'id' | 'kind' | 'value'>,
): ContactPoint {
  return {
    profileId: 'p1',
    display: overrides.value,
    mobile: overrides.kind === 'phone' ? true : undefined,
    sources: ['ehr'],
    verifiedAt: null,
    verifiedOwn: false,
    status: 'active',
    failures: [],
    sharedWith: 0,
    preferred: false,
    ...overrides,
  };
}

export const EMAIL = point({ id: 'cp-email', kind: 'email', value: 'anna@example.se' });
export const MOBILE = point({ id: 'cp-mobile', kind: 'phone', value: '+46701234567' });
export const ADDRESS = point({ id: 'cp-address', kind: 'postal', value: '11432|storgatan 1' });
export const PUSH = point({ id: 'cp-push', kind: 'push', value: 'https://push.example/abc' });

let seq = 0;
export function event(overrides: Partial<ConsentEvent> = {}): ConsentEvent {
  seq += 1;
  return {
    id: `c${String(seq).padStart(4, '0')}`,
    profileId: 'p1',
    channel: null,
    contactValue: null,
    purpose: 'outreach',
    topic: null,
    state: 'granted',
    objection: false,
    source: 'patient',
    actor: 'patient',
    evidence: { kind: 'form', form: 'preferences' },
    at: '2025-01-01T00:00:00.000Z',
    recordedAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export function context(overrides: Partial<ContactContext> = {}): ContactContext {
  return {
    profile: profile(),
    contactPoints: [EMAIL, MOBILE, ADDRESS, PUSH],
    consents: [],
    suppressed: false,
    ...overrides,
  };
}

/** mulberry32: a small seeded PRNG so randomized tests replay exactly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
