import { describe, expect, it } from 'vitest';
import type { ConsentEvent } from '../model.ts';
import { DEFAULT_POLICY } from './policy.ts';
import { type ConsentQuestion, consentState, consentSummary } from './state.ts';
import { event } from './testing.ts';

const NOW = new Date('2025-06-01T00:00:00Z');
const smsEvents: ConsentQuestion = {
  purpose: 'outreach',
  channel: 'sms',
  contactValue: null,
  topic: 'events',
};
const stateOf = (events: ConsentEvent[], q: Partial<ConsentQuestion> = {}, asOf = NOW) =>
  consentState(events, { ...smsEvents, ...q }, asOf);

describe('consentState', () => {
  it('is none without a covering event', () => {
    expect(stateOf([event({ purpose: 'tracking' }), event({ channel: 'email' })])).toEqual({
      state: 'none',
      event: null,
      objected: false,
    });
  });

  it('lets a later withdrawal beat an earlier grant, whatever the input order', () => {
    const grant = event({ channel: 'sms', at: '2025-01-01T00:00:00Z' });
    const withdraw = event({ channel: 'sms', state: 'withdrawn', at: '2025-02-01T00:00:00Z' });
    expect(stateOf([grant, withdraw]).event).toBe(withdraw);
    expect(stateOf([withdraw, grant]).event).toBe(withdraw);
    expect(stateOf([withdraw, grant], {}, new Date('2025-01-15T00:00:00Z')).event).toBe(grant);
  });

  it('lets a later general withdrawal override an earlier specific grant', () => {
    const specific = event({ channel: 'sms', topic: 'events', at: '2025-01-01T00:00:00Z' });
    const general = event({ state: 'withdrawn', at: '2025-02-01T00:00:00Z' });
    expect(stateOf([specific, general]).state).toBe('withdrawn');
  });

  it('lets a later specific grant re-permit only its own scope', () => {
    const general = event({ state: 'withdrawn', at: '2025-01-01T00:00:00Z' });
    const specific = event({ channel: 'sms', topic: 'events', at: '2025-02-01T00:00:00Z' });
    expect(stateOf([general, specific]).state).toBe('granted');
    expect(stateOf([general, specific], { topic: 'newsletter' }).state).toBe('withdrawn');
    expect(stateOf([general, specific], { channel: 'email' }).state).toBe('withdrawn');
  });

  it('folds a pending opt-in to expired from its expiry on; an unreadable expiry counts as expired', () => {
    const pending = event({ channel: 'sms', state: 'pending', expiresAt: '2025-05-31T00:00:00.000Z' });
    expect(stateOf([pending])).toMatchObject({ state: 'expired', event: pending });
    expect(stateOf([pending], {}, new Date('2025-05-30T23:59:59Z')).state).toBe('pending');
    expect(stateOf([{ ...pending, expiresAt: 'soon' }], {}, new Date('2025-01-02T00:00:00Z')).state).toBe(
      'expired',
    );
    // Only a pending event expires: the field means nothing on a grant.
    expect(stateOf([{ ...pending, state: 'granted' }]).state).toBe('granted');
  });

  it('ignores events that take effect after the instant or have no valid instant', () => {
    expect(stateOf([event({ at: '2025-07-01T00:00:00Z' })]).state).toBe('none');
    expect(stateOf([event({ at: 'yesterday' })]).state).toBe('none');
  });

  it('breaks ties on the effective instant by recordedAt, then storage order', () => {
    const at = '2025-01-01T00:00:00Z';
    const early = event({ id: 'b', at, recordedAt: '2025-01-02T00:00:00Z' });
    const late = event({ id: 'a', at, state: 'withdrawn', recordedAt: '2025-01-03T00:00:00Z' });
    expect(stateOf([late, early]).event).toBe(late);
    // A pending opt-in and its confirmation in the same instant: the one stored later wins.
    const pending = event({ id: 'y', at, recordedAt: at, state: 'pending' });
    const confirmed = event({ id: 'x', at, recordedAt: at });
    expect(stateOf([pending, confirmed]).event).toBe(confirmed);
  });

  it('applies a grant keyed to a contact point to that point only', () => {
    const grant = event({ channel: 'sms', contactValue: '+46701234567' });
    expect(stateOf([grant], { contactValue: '+46701234567' }).state).toBe('granted');
    expect(stateOf([grant], { contactValue: '+46709999999' }).state).toBe('none');
    expect(stateOf([grant], { contactValue: null }).state).toBe('none');
  });

  it('keeps purposes apart', () => {
    expect(stateOf([event({ purpose: 'tracking' })]).state).toBe('none');
  });

  describe('art. 21 objection', () => {
    const grant = event({ channel: 'email', topic: 'newsletter', at: '2025-01-01T00:00:00Z' });
    // Recorded from an SMS reply, yet it covers every channel and topic.
    const objection = event({
      channel: 'sms',
      state: 'withdrawn',
      objection: true,
      evidence: { kind: 'reply', channel: 'sms', from: '+46701234567', text: 'STOPP' },
      at: '2025-02-01T00:00:00Z',
    });

    it('withdraws outreach on every channel and topic', () => {
      for (const channel of ['email', 'sms', 'letter', 'push'] as const) {
        const f = stateOf([grant, objection], { channel, topic: 'newsletter' });
        expect(f).toEqual({ state: 'withdrawn', event: objection, objected: true });
      }
    });

    it('does not touch care or tracking', () => {
      const tracking = event({ purpose: 'tracking', at: '2025-01-01T00:00:00Z' });
      expect(stateOf([tracking, objection], { purpose: 'tracking' }).state).toBe('granted');
    });

    it('stays in force against a later specific grant from an import or staff', () => {
      for (const evidence of [
        { kind: 'import', source: 'crm' },
        { kind: 'staff', note: 'phoned' },
        { kind: 'fhir-consent', reference: 'Consent/1' },
      ] as const) {
        const regrant = event({ channel: 'sms', evidence, source: 'crm', at: '2025-03-01T00:00:00Z' });
        expect(stateOf([objection, regrant])).toMatchObject({ objected: true, event: objection });
      }
    });

    it('is lifted for one scope by the patient’s own later specific grant', () => {
      const regrant = event({ channel: 'sms', topic: 'events', at: '2025-03-01T00:00:00Z' });
      expect(stateOf([objection, regrant])).toMatchObject({
        state: 'granted',
        event: regrant,
        objected: false,
      });
      expect(stateOf([objection, regrant], { channel: 'email' }).objected).toBe(true);
      const later = event({ channel: 'sms', state: 'withdrawn', evidence: { kind: 'staff', note: 'x' } });
      later.at = '2025-04-01T00:00:00Z';
      expect(stateOf([objection, regrant, later])).toMatchObject({ state: 'withdrawn', objected: false });
    });

    it('is lifted everywhere by a later general grant, but earlier grants stay overruled', () => {
      const general = event({
        evidence: { kind: 'staff', note: 'patient asked' },
        at: '2025-03-01T00:00:00Z',
      });
      expect(stateOf([objection, general], { channel: 'letter' }).state).toBe('granted');
      const before = event({ evidence: { kind: 'staff', note: 'x' }, at: '2025-01-15T00:00:00Z' });
      expect(stateOf([before, objection]).objected).toBe(true);
    });
  });
});

describe('consentSummary', () => {
  const events = [
    event({ channel: 'email', topic: 'newsletter', at: '2025-01-01T00:00:00Z' }),
    event({ channel: 'sms', contactValue: '+46701234567', topic: 'events', at: '2025-01-02T00:00:00Z' }),
    event({ channel: 'letter', state: 'withdrawn', at: '2025-01-03T00:00:00Z' }),
  ];
  const rows = consentSummary(events, DEFAULT_POLICY, NOW);
  const row = (purpose: string, channel: string, topic: string | null, contactValue: string | null = null) =>
    rows.find(
      (r) =>
        r.purpose === purpose &&
        r.channel === channel &&
        r.topic === topic &&
        r.contactValue === contactValue,
    );

  it('has a row per purpose × channel × topic (own topics plus none), plus named points', () => {
    // care: 2 topics + none; outreach: 2 + none; tracking: none; ×4 channels, +3 point rows for sms outreach.
    expect(rows).toHaveLength((3 + 3 + 1) * 4 + 3);
  });

  it('says what is in force and whether the rules alone let it through', () => {
    expect(row('outreach', 'email', 'newsletter')).toMatchObject({
      state: 'granted',
      enforcement: 'opt-in',
      permits: true,
      eventId: events[0].id,
      since: '2025-01-01T00:00:00Z',
    });
    expect(row('outreach', 'email', 'events')).toMatchObject({ state: 'none', permits: false });
    expect(row('outreach', 'sms', 'events')).toMatchObject({ state: 'none', permits: false });
    expect(row('outreach', 'sms', 'events', '+46701234567')).toMatchObject({
      state: 'granted',
      permits: true,
    });
    expect(row('outreach', 'letter', 'events')).toMatchObject({ state: 'withdrawn', permits: false });
    expect(row('outreach', 'push', null)).toMatchObject({ state: 'none', permits: false });
    expect(row('care', 'sms', 'screening')).toMatchObject({ enforcement: 'not-required', permits: true });
    expect(row('tracking', 'email', null)).toMatchObject({ enforcement: 'opt-in', permits: false });
  });

  it('rejects an invalid instant', () => {
    expect(() => consentSummary(events, DEFAULT_POLICY, new Date('nope'))).toThrow(/asOf/);
  });

  it('shows a double opt-in whose link lapsed unconfirmed as expired, with the time, not pending', () => {
    const pending = event({
      channel: 'email',
      contactValue: 'anna@example.se',
      state: 'pending',
      at: '2025-05-01T10:00:00.000Z',
      expiresAt: '2025-05-04T10:00:00.000Z',
    });
    const at = (iso: string) =>
      consentSummary([pending], DEFAULT_POLICY, new Date(iso)).find(
        (r) =>
          r.purpose === 'outreach' &&
          r.channel === 'email' &&
          r.topic === null &&
          r.contactValue === 'anna@example.se',
      );
    expect(at('2025-05-04T09:59:59.999Z')).toMatchObject({
      state: 'pending',
      expiresAt: '2025-05-04T10:00:00.000Z',
      eventId: pending.id,
      permits: false,
    });
    expect(at('2025-05-04T10:00:00.000Z')).toMatchObject({
      state: 'expired',
      expiresAt: '2025-05-04T10:00:00.000Z',
      since: '2025-05-01T10:00:00.000Z',
      permits: false,
    });
    // Confirmed in time: granted, and no expiry to show.
    const confirmed = event({
      channel: 'email',
      contactValue: 'anna@example.se',
      at: '2025-05-02T08:00:00.000Z',
      evidence: { kind: 'double-opt-in', confirmedAt: '2025-05-02T08:00:00.000Z' },
    });
    const later = consentSummary([pending, confirmed], DEFAULT_POLICY, NOW).find(
      (r) => r.channel === 'email' && r.purpose === 'outreach' && r.topic === null && r.contactValue !== null,
    );
    expect(later).toMatchObject({ state: 'granted', expiresAt: null, permits: true });
  });
});
