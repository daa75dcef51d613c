import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type Identity, identityOf, lookupKeys, tombstoneKeys } from './suppression.ts';

const SECRET = Buffer.alloc(32, 7);

/** A person as the suppression list sees them: only what identityOf reads. */
const who = (r: { pnr?: string; birth?: string; emails?: string[]; ids?: string[] }): Identity =>
  identityOf({
    personnummer: r.pnr,
    birthDate: r.birth,
    emails: r.emails ?? [],
    identifiers: (r.ids ?? []).map((i) => ({ system: i.split('|')[0], value: i.split('|')[1] })),
  });

/** Erase `erased`, then ask about each of `later`: is it kept out? */
function suppressed(erased: Identity, later: Identity, list = tombstoneKeys(SECRET, erased)): boolean {
  const stored = new Set(list.map((k) => k.hash));
  return lookupKeys(SECRET, later).some((k) => stored.has(k.hash));
}

const FAMILY = 'lind@familj.example.se';
const TOVE = who({ pnr: '198802141237', birth: '1988-02-14', emails: [FAMILY, 'tove@example.se'] });

describe('suppression list', () => {
  it('keeps the erased person out by personnummer, whatever else changed', () => {
    expect(suppressed(TOVE, who({ pnr: '198802141237' }))).toBe(true);
    expect(suppressed(TOVE, who({ pnr: '198802141237', emails: ['new@example.se'] }))).toBe(true);
  });

  it('never suppresses a different personnummer by a shared e-mail', () => {
    const sibling = who({ pnr: '199109232349', birth: '1991-09-23', emails: [FAMILY] });
    expect(suppressed(TOVE, sibling)).toBe(false);
    // Even a twin: same birth date, same e-mail, her own personnummer.
    expect(suppressed(TOVE, who({ pnr: '198802142359', birth: '1988-02-14', emails: [FAMILY] }))).toBe(false);
  });

  it('suppresses a record without personnummer by e-mail only when the birth date matches too', () => {
    expect(suppressed(TOVE, who({ birth: '1988-02-14', emails: [FAMILY] }))).toBe(true);
    expect(suppressed(TOVE, who({ birth: '1991-09-23', emails: [FAMILY] }))).toBe(false);
    // Neither personnummer nor birth date: nothing tells it from the erased person, so it stays out.
    expect(suppressed(TOVE, who({ emails: ['tove@example.se'] }))).toBe(true);
    expect(suppressed(TOVE, who({ emails: ['someone@example.se'] }))).toBe(false);
  });

  it('reads the birth date from the personnummer when no record wrote it down', () => {
    const erased = who({ pnr: '198802141237', emails: [FAMILY] });
    expect(suppressed(erased, who({ birth: '1988-02-14', emails: [FAMILY] }))).toBe(true);
    expect(suppressed(erased, who({ birth: '1988-02-15', emails: [FAMILY] }))).toBe(false);
  });

  it('suppresses by identifier, which names one person', () => {
    const erased = who({ birth: '1970-01-01', ids: ['urn:crm|K77'] });
    expect(suppressed(erased, who({ ids: ['urn:crm|K77'] }))).toBe(true);
    expect(suppressed(erased, who({ pnr: '198802141237', ids: ['urn:crm|K77'] }))).toBe(true);
  });

  it('catches a later record with a personnummer when the erased person had none', () => {
    const crmOnly = who({ birth: '1988-02-14', emails: ['tove@example.se'] });
    expect(
      suppressed(crmOnly, who({ pnr: '198802141237', birth: '1988-02-14', emails: ['tove@example.se'] })),
    ).toBe(true);
    expect(
      suppressed(crmOnly, who({ pnr: '199109232349', birth: '1991-09-23', emails: ['tove@example.se'] })),
    ).toBe(false);
  });

  it('keeps tombstones written before birth dates were kept working for records without personnummer', () => {
    // Those held a hash of each e-mail alone.
    const legacy = [
      {
        kind: 'email' as const,
        hash: createHmac('sha256', SECRET).update(`email:${FAMILY}`).digest('base64url'),
      },
    ];
    expect(suppressed(TOVE, who({ birth: '1991-09-23', emails: [FAMILY] }), legacy)).toBe(true);
    expect(suppressed(TOVE, who({ pnr: '199109232349', emails: [FAMILY] }), legacy)).toBe(false);
  });

  it('never stores a value, only keyed hashes', () => {
    const text = JSON.stringify(tombstoneKeys(SECRET, TOVE));
    expect(text).not.toMatch(/lind|tove|198802141237|1988-02-14/i);
  });
});
