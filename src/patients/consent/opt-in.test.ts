import { describe, expect, it } from 'vitest';
import { checkOptIn, createOptInToken, hashOptInToken } from './opt-in.ts';

const NOW = new Date('2025-06-01T12:00:00Z');

describe('opt-in tokens', () => {
  it('are 32 random bytes in base64url, stored only as their SHA-256', () => {
    const t = createOptInToken(NOW);
    expect(t.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(t.token, 'base64url')).toHaveLength(32);
    expect(t.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashOptInToken(t.token)).toBe(t.hash);
    expect(createOptInToken(NOW).token).not.toBe(t.token);
  });

  it('expire after 72 hours unless told otherwise', () => {
    expect(createOptInToken(NOW).expiresAt).toBe('2025-06-04T12:00:00.000Z');
    expect(createOptInToken(NOW, 1).expiresAt).toBe('2025-06-01T13:00:00.000Z');
    expect(() => createOptInToken(NOW, 0)).toThrow(/ttlHours/);
    expect(() => createOptInToken(new Date('x'))).toThrow(/now/);
  });

  it('hash known input as SHA-256 hex', () => {
    expect(hashOptInToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('checkOptIn', () => {
  const row = { expiresAt: '2025-06-04T12:00:00.000Z', confirmedAt: null };
  it.each([
    ['before expiry', row, '2025-06-04T11:59:59.999Z', { ok: true }],
    ['at expiry', row, '2025-06-04T12:00:00.000Z', { ok: false, reason: 'expired' }],
    ['after expiry', row, '2025-06-05T00:00:00.000Z', { ok: false, reason: 'expired' }],
    [
      'with an unreadable expiry',
      { ...row, expiresAt: 'soon' },
      '2025-06-01T00:00:00Z',
      { reason: 'expired' },
    ],
    [
      'when already confirmed, even if also expired',
      { ...row, confirmedAt: '2025-06-02T00:00:00.000Z' },
      '2025-07-01T00:00:00.000Z',
      { ok: false, reason: 'already-confirmed' },
    ],
  ])('%s', (_name, r, now, expected) => {
    const result = checkOptIn(r, new Date(now));
    expect(result).toMatchObject(expected);
    if (!result.ok) expect(result.detail).toEqual(expect.any(String));
  });
});
