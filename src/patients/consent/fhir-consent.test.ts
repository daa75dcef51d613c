import { describe, expect, it } from 'vitest';
import { ACT_CODE, CONTACT_CHANNEL } from '../../generate/fhir.ts';
import { consentEventsFromFhir } from './fhir-consent.ts';

const RECORDED = '2025-06-01T00:00:00.000Z';
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';

/** Shaped like src/generate/consent.ts emits them. */
function ehrConsent(status: string, permit: boolean, code = 'sms', extra: Record<string, unknown> = {}) {
  return {
    resourceType: 'Consent',
    id: 'c1',
    status,
    scope: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
    },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { reference: 'Patient/pat1' },
    dateTime: '2024-03-01T10:00:00+01:00',
    policyRule: { coding: [{ system: ACT_CODE, code: permit ? 'OPTIN' : 'OPTOUT' }] },
    provision: {
      type: permit ? 'permit' : 'deny',
      period: { start: '2024-03-01T10:00:00+01:00' },
      action: [{ coding: [{ system: CONTACT_CHANNEL, code, display: code }], text: code }],
    },
    ...extra,
  };
}

const map = (resource: unknown) => consentEventsFromFhir(resource, 'prof1', RECORDED, (key) => `id:${key}`);

describe('consentEventsFromFhir', () => {
  it.each([
    ['active', true, 'granted'],
    ['active', false, 'withdrawn'],
    ['inactive', true, 'withdrawn'],
    ['inactive', false, 'withdrawn'],
  ] as const)(
    'maps status %s, permit %s, to %s outreach on the channel, every topic',
    (status, permit, state) => {
      const { events, ignored } = map(ehrConsent(status, permit, 'email'));
      expect(ignored).toBeUndefined();
      expect(events).toEqual([
        {
          id: 'id:provision/outreach/email',
          profileId: 'prof1',
          channel: 'email',
          contactValue: null,
          purpose: 'outreach',
          topic: null,
          state,
          objection: false,
          source: 'ehr',
          actor: 'fhir-import',
          evidence: { kind: 'fhir-consent', reference: 'Consent/c1' },
          at: '2024-03-01T09:00:00.000Z',
          recordedAt: RECORDED,
        },
      ]);
    },
  );

  it.each([
    ['rejected', /never valid/],
    ['draft', /not in force/],
    ['proposed', /not in force/],
    ['entered-in-error', /entered-in-error/],
    ['weird', /unknown status "weird"/],
  ])('maps status %s to nothing, saying why', (status, why) => {
    const { events, ignored } = map(ehrConsent(status, true));
    expect(events).toEqual([]);
    expect(ignored).toMatch(why);
  });

  it('dates an inactive consent’s withdrawal by its last update when known', () => {
    const { events } = map(
      ehrConsent('inactive', true, 'sms', { meta: { lastUpdated: '2025-01-05T00:00:00Z' } }),
    );
    expect(events[0]).toMatchObject({ state: 'withdrawn', at: '2025-01-05T00:00:00.000Z' });
  });

  it('falls back on policyRule when the provision has no type', () => {
    const optin = ehrConsent('active', true);
    delete (optin.provision as { type?: string }).type;
    expect(map(optin).events[0].state).toBe('granted');
    const optout = ehrConsent('active', false);
    delete (optout.provision as { type?: string }).type;
    expect(map(optout).events[0].state).toBe('withdrawn');
  });

  it('maps v3-ActReason purposes and ignores other ones', () => {
    const both = ehrConsent('active', true, 'sms');
    (both.provision as Record<string, unknown>).purpose = [
      { system: ACT_REASON, code: 'HMARKT' },
      { system: ACT_REASON, code: 'TREAT' },
      { system: ACT_REASON, code: 'HOPERAT' },
    ];
    expect(map(both).events.map((e) => e.purpose)).toEqual(['outreach', 'care']);
    const research = ehrConsent('active', true, 'sms');
    (research.provision as Record<string, unknown>).purpose = [{ system: ACT_REASON, code: 'HRESCH' }];
    expect(map(research)).toEqual({ events: [], ignored: expect.stringMatching(/HMARKT, TREAT or HOPERAT/) });
  });

  it('withdraws a permit at the end of its period', () => {
    const c = ehrConsent('active', true, 'sms');
    (c.provision.period as Record<string, string>).end = '2024-12-31T23:00:00Z';
    expect(map(c).events.map((e) => [e.id, e.state, e.at])).toEqual([
      ['id:provision/outreach/sms', 'granted', '2024-03-01T09:00:00.000Z'],
      ['id:provision/outreach/sms/end', 'withdrawn', '2024-12-31T23:00:00.000Z'],
    ]);
  });

  it('applies nested provisions as later exceptions inheriting their parent’s scope', () => {
    const c = {
      resourceType: 'Consent',
      id: 'c2',
      status: 'active',
      dateTime: '2024-05-01T00:00:00Z',
      provision: {
        type: 'deny',
        provision: [
          { type: 'permit', action: [{ coding: [{ system: CONTACT_CHANNEL, code: 'email' }] }] },
          { type: 'permit', action: [{ coding: [{ system: 'http://example.org/action', code: 'access' }] }] },
        ],
      },
    };
    const { events, ignored } = map(c);
    expect(events.map((e) => [e.id, e.channel, e.state, e.at])).toEqual([
      ['id:provision/outreach/all', null, 'withdrawn', '2024-05-01T00:00:00.000Z'],
      ['id:provision.0/outreach/email', 'email', 'granted', '2024-05-01T00:00:00.001Z'],
    ]);
    expect(ignored).toMatch(/provision\.1: no action in .*contact-channel/);
  });

  it('uses recordedAt when the resource has no date', () => {
    const c = ehrConsent('active', true, 'sms', { dateTime: undefined });
    delete (c.provision as { period?: unknown }).period;
    expect(map(c).events[0].at).toBe(RECORDED);
  });

  it.each([
    ['not an object', 'Consent'],
    ['another resource', { resourceType: 'Patient', id: 'x' }],
    ['no id', { resourceType: 'Consent', status: 'active' }],
    ['no permit or deny', { resourceType: 'Consent', id: 'x', status: 'active', provision: {} }],
    [
      'unknown channel code',
      {
        resourceType: 'Consent',
        id: 'x',
        status: 'active',
        provision: { type: 'permit', action: [{ coding: [{ system: CONTACT_CHANNEL, code: 'fax' }] }] },
      },
    ],
  ])('returns no events and a reason for %s', (_name, resource) => {
    const { events, ignored } = map(resource);
    expect(events).toEqual([]);
    expect(ignored).toEqual(expect.any(String));
  });

  it('gives the same ids when the same resource is mapped twice', () => {
    expect(map(ehrConsent('active', true)).events).toEqual(map(ehrConsent('active', true)).events);
  });
});
