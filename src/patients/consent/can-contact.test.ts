import { describe, expect, it } from 'vitest';
import type { ContactRequest, DenyReason } from '../model.ts';
import { type ContactContext, canContact, compileContactContext } from './can-contact.ts';
import { DEFAULT_POLICY } from './policy.ts';
import { ADDRESS, context, EMAIL, event, MOBILE, point, profile } from './testing.ts';

const AT = new Date('2025-06-01T08:00:00Z');
const req = (overrides: Partial<ContactRequest> = {}): ContactRequest => ({
  channel: 'sms',
  purpose: 'outreach',
  topic: overrides.purpose === 'care' ? 'screening' : 'events',
  at: AT,
  ...overrides,
});

/** Both entry points, so every case below also holds for the compiled context. */
function decideBoth(ctx: ContactContext, r: ContactRequest) {
  const plain = canContact(ctx, r, DEFAULT_POLICY);
  expect(compileContactContext(ctx, DEFAULT_POLICY).decide(r)).toEqual(plain);
  return plain;
}

const grantSms = event({ channel: 'sms' });
const objection = event({ state: 'withdrawn', objection: true, at: '2025-03-01T00:00:00Z' });

describe('canContact denies', () => {
  const cases: Array<[DenyReason, Partial<ContactContext>, Partial<ContactRequest>, RegExp]> = [
    ['erased', { profile: profile({ status: 'erased' }) }, { purpose: 'care' }, /art\. 17/],
    ['merged', { profile: profile({ status: 'merged' }) }, { purpose: 'care' }, /surviving/],
    ['restricted', { profile: profile({ restricted: true }) }, { purpose: 'care' }, /art\. 18/],
    ['deceased', { profile: profile({ deceased: true }) }, { purpose: 'care' }, /deceased/],
    ['suppressed', { suppressed: true }, { purpose: 'care' }, /suppression list/],
    [
      'do-not-contact',
      { profile: profile({ doNotContact: true }), consents: [grantSms] },
      {},
      /not outreach/,
    ],
    ['do-not-contact', { profile: profile({ doNotContact: true }) }, { purpose: 'tracking' }, /not tracking/],
    ['unknown-topic', {}, { topic: 'lottery' }, /"lottery" is not in the consent policy/],
    ['unknown-topic', {}, { purpose: 'care', topic: 'newsletter' }, /cannot be sent as care/],
    ['objected', { consents: [grantSms, objection] }, { channel: 'letter' }, /art\. 21/],
    ['no-contact-point', { contactPoints: [EMAIL] }, { purpose: 'care' }, /no phone contact point/],
    [
      'no-contact-point',
      { contactPoints: [point({ id: 'land', kind: 'phone', value: '+4681234567', mobile: false })] },
      { purpose: 'care' },
      /sms needs a mobile number/,
    ],
    [
      'contact-point-failing',
      {
        contactPoints: [
          { ...MOBILE, status: 'bouncing' },
          point({ id: 'm2', kind: 'phone', value: '+46702222222', status: 'invalid' }),
          point({ id: 'm3', kind: 'phone', value: '+46703333333', status: 'removed' }),
        ],
      },
      { purpose: 'care' },
      /cp-mobile bouncing, m2 invalid, m3 removed/,
    ],
    [
      'shared-contact-point',
      { contactPoints: [{ ...MOBILE, sharedWith: 2 }] },
      { purpose: 'care', clinical: true },
      /verified as the patient's own/,
    ],
    [
      'no-consent',
      {},
      {},
      /^outreach by sms needs prior opt-in \(Marknadsföringslagen 19 §\); no consent recorded/,
    ],
    [
      'withdrawn',
      { consents: [grantSms, event({ channel: 'sms', state: 'withdrawn', at: '2025-02-01T00:00:00Z' })] },
      {},
      /withdrawn for topic events on 2025-02-01/,
    ],
    [
      'withdrawn',
      { consents: [event({ channel: 'letter', state: 'withdrawn' })] },
      { channel: 'letter' },
      /opted out \(addressed mail is opt-out, NIX\); withdrawn/,
    ],
    [
      'pending-confirmation',
      { consents: [event({ channel: 'email', state: 'pending' })] },
      { channel: 'email' },
      /awaits confirmation/,
    ],
    [
      'no-consent',
      {
        consents: [
          event({
            channel: 'email',
            state: 'pending',
            expiresAt: '2025-01-04T00:00:00.000Z',
            evidence: { kind: 'staff', note: 'double opt-in started' },
          }),
        ],
      },
      { channel: 'email' },
      /not confirmed before its link expired at 2025-01-04T00:00:00.000Z .*send a new one$/,
    ],
  ];
  it.each(cases)('%s (%#)', (reason, ctx, r, detail) => {
    const d = decideBoth(context(ctx), req(r));
    expect(d).toMatchObject({ allowed: false, reason });
    if (!d.allowed) expect(d.detail).toMatch(detail);
  });

  it('checks in the documented order', () => {
    const everything = context({
      profile: profile({ status: 'erased', restricted: true, deceased: true, doNotContact: true }),
      suppressed: true,
      contactPoints: [],
      consents: [objection],
    });
    expect(decideBoth(everything, req({ topic: 'lottery' }))).toMatchObject({ reason: 'erased' });
    const steps: Array<[Partial<ContactContext>, DenyReason]> = [
      [{ profile: profile({ restricted: true, deceased: true, doNotContact: true }) }, 'restricted'],
      [{ profile: profile({ deceased: true, doNotContact: true }) }, 'deceased'],
      [{ profile: profile({ doNotContact: true }) }, 'suppressed'],
    ];
    for (const [ctx, reason] of steps) {
      expect(decideBoth({ ...everything, ...ctx }, req({ topic: 'lottery' }))).toMatchObject({ reason });
    }
    const open = { ...everything, profile: profile(), suppressed: false };
    expect(decideBoth(open, req({ topic: 'lottery' }))).toMatchObject({ reason: 'unknown-topic' });
    expect(decideBoth(open, req())).toMatchObject({ reason: 'objected' });
    expect(decideBoth(open, req({ purpose: 'care' }))).toMatchObject({ reason: 'no-contact-point' });
  });

  it('names the rule in the detail, as the 360 page shows it', () => {
    expect(decideBoth(context(), req())).toEqual({
      allowed: false,
      reason: 'no-consent',
      detail:
        'outreach by sms needs prior opt-in (Marknadsföringslagen 19 §); no consent recorded for topic events',
    });
  });

  it('refuses an invalid send time', () => {
    expect(() => canContact(context(), req({ at: new Date('x') }), DEFAULT_POLICY)).toThrow(
      /ContactRequest\.at/,
    );
  });
});

describe('canContact allows', () => {
  it('care on any channel without consent', () => {
    for (const channel of ['email', 'sms', 'letter', 'push'] as const) {
      const d = decideBoth(context(), req({ channel, purpose: 'care', topic: 'screening' }));
      expect(d).toMatchObject({ allowed: true, basis: 'not-required' });
      if (d.allowed) expect(d.reason).toMatch(/needs no consent \(vårdkommunikation\); to point cp-/);
    }
  });

  it('care to a do-not-contact patient, even with withdrawn care consent', () => {
    const ctx = context({
      profile: profile({ doNotContact: true }),
      consents: [event({ purpose: 'care', state: 'withdrawn' })],
    });
    expect(decideBoth(ctx, req({ purpose: 'care', topic: 'vaccination' }))).toMatchObject({
      allowed: true,
      basis: 'not-required',
      contactPoint: MOBILE,
    });
  });

  it('a letter unless the patient opted out', () => {
    const d = decideBoth(context(), req({ channel: 'letter' }));
    expect(d).toMatchObject({ allowed: true, basis: 'not-opted-out', contactPoint: ADDRESS });
    // A pending opt-in wants mail; only opt-in channels wait for its confirmation.
    const pending = context({ consents: [event({ state: 'pending' })] });
    expect(decideBoth(pending, req({ channel: 'letter' }))).toMatchObject({ basis: 'not-opted-out' });
  });

  it('on consent, citing the event', () => {
    const d = decideBoth(context({ consents: [grantSms] }), req());
    expect(d).toMatchObject({
      allowed: true,
      basis: 'consent',
      consentId: grantSms.id,
      contactPoint: MOBILE,
    });
    if (d.allowed)
      expect(d.reason).toMatch(/consent for topic events granted on .* \(consent c\d+, form preferences\)/);
    const letter = decideBoth(
      context({ consents: [event({ channel: 'letter' })] }),
      req({ channel: 'letter' }),
    );
    expect(letter).toMatchObject({ allowed: true, basis: 'consent' });
  });

  it('tracking only with opt-in', () => {
    const tracking = event({ purpose: 'tracking', channel: 'email' });
    expect(decideBoth(context(), req({ channel: 'email', purpose: 'tracking' }))).toMatchObject({
      reason: 'no-consent',
    });
    expect(
      decideBoth(context({ consents: [tracking] }), req({ channel: 'email', purpose: 'tracking' })),
    ).toMatchObject({ allowed: true, basis: 'consent' });
  });

  it('outreach again after the patient’s own opt-in lifts an objection for that scope', () => {
    const regrant = event({ channel: 'sms', at: '2025-04-01T00:00:00Z' });
    const ctx = context({ consents: [objection, regrant] });
    expect(decideBoth(ctx, req())).toMatchObject({ allowed: true, consentId: regrant.id });
    expect(decideBoth(ctx, req({ channel: 'letter' }))).toMatchObject({ reason: 'objected' });
  });
});

describe('choosing the contact point', () => {
  const shared = { ...MOBILE, sharedWith: 1, preferred: true };
  const own = point({ id: 'own', kind: 'phone', value: '+46707777777', sharedWith: 1, verifiedOwn: true });

  it('refuses clinical content to a shared unverified phone but uses a verified-own one', () => {
    const clinical = req({ purpose: 'care', topic: 'screening', clinical: true });
    expect(decideBoth(context({ contactPoints: [shared] }), clinical)).toMatchObject({
      reason: 'shared-contact-point',
    });
    expect(decideBoth(context({ contactPoints: [shared, own] }), clinical)).toMatchObject({
      allowed: true,
      contactPoint: own,
    });
    // Non-clinical content may use the shared, preferred phone.
    expect(
      decideBoth(context({ contactPoints: [shared, own] }), { ...clinical, clinical: false }),
    ).toMatchObject({
      contactPoint: shared,
    });
  });

  it('treats care as clinical content unless the request says otherwise, and other purposes as not', () => {
    const household = context({ contactPoints: [shared], consents: [grantSms] });
    const care = decideBoth(household, req({ purpose: 'care' }));
    expect(care).toMatchObject({ allowed: false, reason: 'shared-contact-point' });
    if (!care.allowed)
      expect(care.detail).toMatch(/care messages count as clinical unless the request says clinical: false$/);
    // An explicit answer wins either way.
    expect(decideBoth(household, req({ purpose: 'care', clinical: false }))).toMatchObject({
      allowed: true,
      contactPoint: shared,
    });
    expect(decideBoth(household, req({ clinical: true }))).toMatchObject({ reason: 'shared-contact-point' });
    // Outreach and tracking carry no clinical content unless told so.
    expect(decideBoth(household, req())).toMatchObject({ allowed: true, contactPoint: shared });
    // A point verified as the patient's own, or one nobody else has, takes care messages as before.
    expect(decideBoth(context({ contactPoints: [shared, own] }), req({ purpose: 'care' }))).toMatchObject({
      allowed: true,
      contactPoint: own,
    });
    expect(decideBoth(context(), req({ purpose: 'care' }))).toMatchObject({ allowed: true });
  });

  it('sends clinical letters to a shared household address', () => {
    const home = { ...ADDRESS, sharedWith: 3 };
    expect(
      decideBoth(
        context({ contactPoints: [home] }),
        req({ channel: 'letter', purpose: 'care', clinical: true }),
      ),
    ).toMatchObject({ allowed: true, contactPoint: home });
  });

  it('needs a mobile number for SMS', () => {
    const land = point({ id: 'land', kind: 'phone', value: '+4681234567', mobile: false, preferred: true });
    const unknown = point({ id: 'unknown', kind: 'phone', value: '+4681111111', mobile: undefined });
    expect(
      decideBoth(context({ contactPoints: [land, unknown, MOBILE] }), req({ purpose: 'care' })),
    ).toMatchObject({
      contactPoint: MOBILE,
    });
    expect(decideBoth(context({ contactPoints: [land, unknown] }), req({ purpose: 'care' }))).toMatchObject({
      reason: 'no-contact-point',
    });
  });

  it('prefers preferred, then verified, then more sources, skipping failing points', () => {
    const a = point({ id: 'a', kind: 'email', value: 'a@x.se', sources: ['ehr', 'crm', 'form'] });
    const b = point({ id: 'b', kind: 'email', value: 'b@x.se', verifiedAt: '2024-01-01T00:00:00Z' });
    const c = point({ id: 'c', kind: 'email', value: 'c@x.se', preferred: true, status: 'bouncing' });
    const d = point({ id: 'd', kind: 'email', value: 'd@x.se', sources: ['ehr', 'crm'] });
    const pick = (points: (typeof a)[]) =>
      decideBoth(context({ contactPoints: points }), req({ channel: 'email', purpose: 'care' }));
    expect(pick([a, b, c, d])).toMatchObject({ contactPoint: b });
    expect(pick([a, c, d])).toMatchObject({ contactPoint: a });
    expect(pick([d, { ...a, preferred: true }])).toMatchObject({ contactPoint: { id: 'a' } });
  });

  it('uses the point a consent is keyed to when several exist', () => {
    const work = point({ id: 'work', kind: 'email', value: 'anna@work.se' });
    const preferred = { ...EMAIL, preferred: true };
    const grant = event({ channel: 'email', contactValue: 'anna@work.se' });
    const d = decideBoth(
      context({ contactPoints: [preferred, work], consents: [grant] }),
      req({ channel: 'email' }),
    );
    expect(d).toMatchObject({ allowed: true, contactPoint: work, consentId: grant.id });
    const none = decideBoth(context({ contactPoints: [preferred, work] }), req({ channel: 'email' }));
    expect(none).toMatchObject({ reason: 'no-consent' });
    if (!none.allowed) expect(none.detail).toMatch(/on any of the 2 email points/);
  });
});
