import { describe, expect, it } from 'vitest';
import { CHANNELS, type Channel, type Enforcement, type Purpose } from '../model.ts';
import { DEFAULT_POLICY, enforcementNote, validatePolicy } from './policy.ts';

const copy = () => JSON.parse(JSON.stringify(DEFAULT_POLICY));

describe('DEFAULT_POLICY', () => {
  const cells: Array<[Purpose, Channel, Enforcement]> = [
    ['care', 'email', 'not-required'],
    ['care', 'sms', 'not-required'],
    ['care', 'letter', 'not-required'],
    ['care', 'push', 'not-required'],
    ['outreach', 'email', 'opt-in'],
    ['outreach', 'sms', 'opt-in'],
    ['outreach', 'letter', 'opt-out'],
    ['outreach', 'push', 'opt-in'],
    ['tracking', 'email', 'opt-in'],
    ['tracking', 'sms', 'opt-in'],
    ['tracking', 'letter', 'opt-in'],
    ['tracking', 'push', 'opt-in'],
  ];
  it.each(cells)('%s by %s is %s', (purpose, channel, enforcement) => {
    expect(DEFAULT_POLICY.enforcement[purpose][channel]).toBe(enforcement);
  });

  it('has the four topics with their purposes', () => {
    expect(DEFAULT_POLICY.topics.map((t) => [t.id, t.purpose])).toEqual([
      ['screening', 'care'],
      ['vaccination', 'care'],
      ['events', 'outreach'],
      ['newsletter', 'outreach'],
    ]);
  });

  it('cannot be changed by a careless caller', () => {
    expect(Object.isFrozen(DEFAULT_POLICY.enforcement.outreach)).toBe(true);
    expect(Object.isFrozen(DEFAULT_POLICY.topics[0].label)).toBe(true);
  });

  it('passes its own validation unchanged', () => {
    expect(validatePolicy(copy())).toEqual(DEFAULT_POLICY);
  });
});

describe('enforcementNote', () => {
  it('cites the law while the cell keeps the default', () => {
    expect(enforcementNote(DEFAULT_POLICY, 'outreach', 'sms')).toBe(
      'outreach by sms needs prior opt-in (Marknadsföringslagen 19 §)',
    );
    expect(enforcementNote(DEFAULT_POLICY, 'tracking', 'email')).toContain('LEK 9 kap. 28 §');
    expect(enforcementNote(DEFAULT_POLICY, 'outreach', 'letter')).toContain('NIX');
  });

  it('names the tenant policy when a cell differs from the default', () => {
    const p = copy();
    p.enforcement.outreach.letter = 'opt-in';
    expect(enforcementNote(p, 'outreach', 'letter')).toBe(
      'outreach by letter needs prior opt-in (tenant policy)',
    );
  });
});

describe('validatePolicy', () => {
  const cases: Array<[string, (p: any) => unknown, RegExp]> = [
    ['not an object', () => 'opt-in', /^policy: expected an object/],
    ['no enforcement', (p) => ({ topics: p.topics }), /^policy\.enforcement: expected an object/],
    [
      'unknown purpose',
      (p) => ({ ...p, enforcement: { ...p.enforcement, marketing: p.enforcement.outreach } }),
      /policy\.enforcement\.marketing: unknown purpose; use one of care, outreach, tracking/,
    ],
    [
      'missing purpose',
      (p) => ({ ...p, enforcement: { care: p.enforcement.care, outreach: p.enforcement.outreach } }),
      /policy\.enforcement\.tracking: missing/,
    ],
    [
      'unknown channel in a purpose',
      (p) => ({ ...p, enforcement: { ...p.enforcement, care: { ...p.enforcement.care, fax: 'opt-in' } } }),
      /policy\.enforcement\.care\.fax: unknown channel; use one of email, sms, letter, push/,
    ],
    [
      'missing channel',
      (p) => {
        delete p.enforcement.outreach.push;
        return p;
      },
      /policy\.enforcement\.outreach\.push: missing; set one of opt-in, opt-out, not-required/,
    ],
    [
      'unknown enforcement',
      (p) => {
        p.enforcement.outreach.sms = 'optin';
        return p;
      },
      /policy\.enforcement\.outreach\.sms: unknown enforcement "optin"; use one of opt-in, opt-out, not-required/,
    ],
    ['topics not a list', (p) => ({ ...p, topics: {} }), /policy\.topics: expected an array/],
    [
      'duplicate topic id',
      (p) => ({ ...p, topics: [...p.topics, { ...p.topics[2] }] }),
      /policy\.topics\[4\]\.id: duplicate topic id "events" \(also policy\.topics\[2\]\); topic ids must be unique/,
    ],
    [
      'topic with unknown purpose',
      (p) => ({ ...p, topics: [{ id: 'x', label: { en: 'X', sv: 'X' }, purpose: 'marketing' }] }),
      /policy\.topics\[0\]\.purpose: unknown purpose "marketing" for topic "x"; use one of care, outreach, tracking/,
    ],
    [
      'topic without labels',
      (p) => ({ ...p, topics: [{ id: 'x', purpose: 'care' }] }),
      /policy\.topics\[0\]\.label: give both labels/,
    ],
    [
      'topic without id',
      (p) => ({ ...p, topics: [{ id: ' ' }] }),
      /policy\.topics\[0\]\.id: give a non-empty/,
    ],
  ];
  it.each(cases)('rejects %s, naming the field and the fix', (_name, mutate, message) => {
    expect(() => validatePolicy(mutate(copy()))).toThrow(message);
  });

  it('returns a copy, so the input can change without changing the policy', () => {
    const input = copy();
    const policy = validatePolicy(input);
    input.enforcement.outreach.sms = 'not-required';
    input.topics[0].label.en = 'changed';
    expect(policy.enforcement.outreach.sms).toBe('opt-in');
    expect(policy.topics[0].label.en).toBe('Screening');
    expect(Object.keys(policy.enforcement.care)).toEqual([...CHANNELS]);
  });
});
