import { describe, expect, it } from 'vitest';
import { sourceRecord } from './fixture.ts';
import { blockingKeys } from './keys.ts';
import { compareRecords, DEFAULT_RULES } from './rules.ts';
import { syntheticRecords } from './synthetic.ts';

describe('blockingKeys', () => {
  const record = sourceRecord({
    personnummer: '199001011239',
    identifiers: [{ system: 'urn:crm', value: '42' }],
    given: ['Karl'],
    family: 'Andersson',
    emails: ['Karl@Example.se'],
    phones: ['+46701234567'],
    addresses: [
      { lines: ['Storgatan 1'], postalCode: '114 32', city: 'Stockholm' },
      { lines: ['Skolvägen 7'], postalCode: '41301', city: 'Göteborg' },
    ],
  });

  it('gives one short key per value each enabled rule compares', () => {
    expect(blockingKeys(record, DEFAULT_RULES).sort()).toEqual(
      [
        'p:199001011239',
        'i:urn:crm|42',
        'e:19900101:karl@example.se',
        'ph:+46701234567',
        'z:19900101:11432',
        'z:19900101:41301',
        'c:19900101:stockholm',
        'c:19900101:goteborg',
      ].sort(),
    );
  });

  it('leaves out the keys of disabled rules and of rules that need a birth date', () => {
    const rules = DEFAULT_RULES.map((r) => ({
      ...r,
      enabled: r.kind === 'phone-family' || r.kind === 'fuzzy-name',
    }));
    expect(blockingKeys({ ...record, personnummer: undefined, birthDate: undefined }, rules)).toEqual([
      'ph:+46701234567',
    ]);
  });

  it('gives every pair a rule accepts at least one shared key', () => {
    const records = syntheticRecords({ seed: 'keys', households: 120 }).map((r) => r.record);
    const keys = records.map((r) => new Set(blockingKeys(r, DEFAULT_RULES)));
    let accepted = 0;
    for (let i = 0; i < records.length; i++) {
      for (let j = i + 1; j < records.length; j++) {
        if (compareRecords(records[i], records[j], DEFAULT_RULES) === null) continue;
        accepted++;
        expect(
          [...keys[i]].some((k) => keys[j].has(k)),
          `${i} and ${j} share no key`,
        ).toBe(true);
      }
    }
    expect(accepted).toBeGreaterThan(300);
  });
});
