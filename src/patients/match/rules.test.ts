import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../model.ts';
import { sourceRecord } from './fixture.ts';
import { compareRecords, conflictBetween, DEFAULT_RULES, type MatchRule, validateRules } from './rules.ts';

const home = { lines: ['Storgatan 1'], postalCode: '11432', city: 'Stockholm' };
const oldHome = { lines: ['Skolvägen 7'], postalCode: '41301', city: 'Göteborg' };

const karl = sourceRecord({
  personnummer: '199001011239',
  given: ['Karl', 'Johan'],
  family: 'Andersson',
  birthDate: '1990-01-01',
  gender: 'male',
  emails: ['karl.andersson@example.se'],
  phones: ['+46701234567', '+4681234567'],
  addresses: [home],
});

function variant(base: SourceRecord, overrides: Partial<SourceRecord>): SourceRecord {
  return sourceRecord({ ...base, source: 'crm', personnummer: undefined, ...overrides });
}

const kindOf = (a: SourceRecord, b: SourceRecord, rules: readonly MatchRule[] = DEFAULT_RULES) =>
  compareRecords(a, b, rules)?.kind ?? null;

describe('compareRecords: matches', () => {
  it.each<[string, Partial<SourceRecord>, string]>([
    [
      'equal personnummer, whatever else differs',
      { personnummer: '199001011239', given: ['X'], family: 'Y', emails: [], phones: [], addresses: [] },
      'personnummer',
    ],
    [
      'a nickname, a typo and an old address with the same e-mail and birth date',
      {
        given: ['Kalle'],
        family: 'Andresson',
        phones: [],
        addresses: [oldHome],
        emails: ['Karl.Andersson@EXAMPLE.se'],
      },
      'email-birthdate',
    ],
    [
      'a married name with the same e-mail and birth date',
      { given: ['Karl'], family: 'Lindqvist', phones: [], addresses: [] },
      'email-birthdate',
    ],
    [
      'the shared home phone, a nickname and an old address',
      { given: ['Kalle'], emails: [], phones: ['+4681234567'], addresses: [oldHome] },
      'phone-family',
    ],
    [
      'the shared phone with one birth date missing and the names exact',
      { given: ['Karl'], birthDate: undefined, emails: [], addresses: [] },
      'phone-family',
    ],
    [
      'typos in both names at the same postal code',
      { given: ['Karll'], family: 'Andresson', emails: [], phones: [] },
      'fuzzy-name',
    ],
    [
      'given and family swapped at the same postal code',
      { given: ['Andersson'], family: 'Karl', emails: [], phones: [] },
      'fuzzy-name',
    ],
    [
      'the same post town without a postal code',
      { given: ['Karl'], emails: [], phones: [], addresses: [{ lines: ['Ringvägen 2'], city: 'STOCKHOLM' }] },
      'fuzzy-name',
    ],
  ])('%s', (_, overrides, kind) => {
    const other = variant(karl, overrides);
    expect(kindOf(karl, other)).toBe(kind);
    expect(kindOf(other, karl)).toBe(kind);
  });

  it('matches on a shared identifier, exact system and value', () => {
    const a = sourceRecord({ identifiers: [{ system: 'urn:crm', value: '42' }] });
    const b = sourceRecord({ identifiers: [{ system: 'urn:crm', value: '42' }] });
    const c = sourceRecord({ identifiers: [{ system: 'urn:other', value: '42' }] });
    expect(compareRecords(a, b, DEFAULT_RULES)).toMatchObject({ kind: 'identifier', score: 1 });
    expect(compareRecords(a, c, DEFAULT_RULES)).toBeNull();
  });

  it('explains the match field by field', () => {
    const other = variant(karl, { given: ['Kalle'], family: 'Andresson', phones: [], addresses: [oldHome] });
    const explanation = compareRecords(karl, other, DEFAULT_RULES)!;
    expect(explanation).toMatchObject({ rule: 'email-birthdate', kind: 'email-birthdate', threshold: 0.85 });
    expect(explanation.score).toBeGreaterThanOrEqual(0.85);
    expect(explanation.fields.map((f) => f.field)).toEqual(['email', 'birthDate', 'given', 'family']);
    expect(explanation.fields[2]).toEqual({ field: 'given', a: 'Karl Johan', b: 'Kalle', similarity: 0.92 });
  });
});

describe('compareRecords: family members and other people never match', () => {
  const mother = variant(karl, {
    given: ['Eva'],
    birthDate: '1962-03-04',
    gender: 'female',
    emails: ['karl.andersson@example.se'],
  });
  const twin = variant(karl, { given: ['Erik'], gender: undefined });
  const similarTwin = variant(karl, { given: ['Johanna'], gender: undefined });

  it.each<[string, SourceRecord]>([
    ['a mother sharing phone, e-mail, family name and address', mother],
    ['a twin: same birth date, family, phone, address and e-mail, another given name', twin],
    ["a twin whose given name is one letter from the other's second name", similarTwin],
    ['a father with the same names but another birth date', variant(karl, { birthDate: '1960-05-05' })],
    [
      'a same-name stranger with the same birth date in another town',
      variant(karl, { emails: [], phones: [], addresses: [oldHome] }),
    ],
    [
      'a sibling registered with only an initial',
      variant(karl, { given: ['K.'], birthDate: undefined, emails: [], addresses: [] }),
    ],
    [
      'a nickname with one birth date missing on a shared phone',
      variant(karl, { given: ['Kalle'], birthDate: undefined, emails: [], addresses: [] }),
    ],
    [
      'someone else with the same birth date in the same building, different family name',
      variant(karl, { family: 'Lindberg', emails: [], phones: [] }),
    ],
  ])('%s', (_, other) => {
    expect(compareRecords(karl, other, DEFAULT_RULES)).toBeNull();
    expect(compareRecords(other, karl, DEFAULT_RULES)).toBeNull();
  });

  it('does not let a swapped-name reading pair one twin with the other', () => {
    const a = sourceRecord({
      given: ['Bo'],
      family: 'Isaksson',
      birthDate: '1994-08-07',
      emails: ['bo@example.se'],
    });
    const b = sourceRecord({
      given: ['Isaksson'],
      family: 'Noah',
      birthDate: '1994-08-07',
      emails: ['bo@example.se'],
    });
    expect(compareRecords(a, b, DEFAULT_RULES)).toBeNull();
  });
});

describe('compareRecords: rule configuration', () => {
  const other = variant(karl, { given: ['Kalle'], phones: [], addresses: [oldHome] });

  it('skips disabled rules and uses the first rule that accepts', () => {
    const rules = DEFAULT_RULES.map((r) => (r.kind === 'email-birthdate' ? { ...r, enabled: false } : r));
    expect(kindOf(karl, other, rules)).toBeNull();
    const withPhone = variant(other, { phones: ['+46701234567'] });
    expect(kindOf(karl, withPhone)).toBe('email-birthdate');
    expect(kindOf(karl, withPhone, rules)).toBe('phone-family');
  });

  it('applies each rule its own threshold', () => {
    const strict = DEFAULT_RULES.map((r) => ({ ...r, threshold: 0.95 }));
    expect(kindOf(karl, other, strict)).toBeNull();
    expect(kindOf(karl, variant(karl, { phones: [] }), strict)).toBe('email-birthdate');
  });
});

describe('conflictBetween', () => {
  it.each<[string, Partial<SourceRecord>, string | null]>([
    [
      'two different valid personnummer',
      { personnummer: '199001011247' },
      'different personnummer: 199001011239 (ehr/a) and 199001011247 (crm/b)',
    ],
    [
      'different birth dates',
      { personnummer: undefined, birthDate: '1990-01-02' },
      'different birth dates: 1990-01-01 (ehr/a) and 1990-01-02 (crm/b)',
    ],
    [
      'a birth date that contradicts the personnummer',
      { personnummer: undefined, birthDate: '1991-01-01' },
      'different birth dates: 1990-01-01 (ehr/a) and 1991-01-01 (crm/b)',
    ],
    [
      'different gender',
      { personnummer: undefined, gender: 'female' },
      'different gender: male (ehr/a) and female (crm/b)',
    ],
    ['nothing that disagrees', { personnummer: undefined, gender: undefined, birthDate: undefined }, null],
    ['the same personnummer despite a typo in the birth date', { birthDate: '1990-10-01' }, null],
  ])('%s', (_, overrides, expected) => {
    const a = { ...karl, source: 'ehr', externalId: 'a' };
    const b = { ...karl, source: 'crm', externalId: 'b', ...overrides };
    expect(conflictBetween(a, b)).toBe(expected);
  });

  it('makes compareRecords refuse a pair any rule would accept', () => {
    const other = variant(karl, { gender: 'female' });
    expect(conflictBetween(karl, other)).not.toBeNull();
    expect(compareRecords(karl, other, DEFAULT_RULES)).toBeNull();
  });

  it('ignores an invalid personnummer instead of trusting it', () => {
    const broken = variant(karl, { personnummer: '199001011230' });
    expect(conflictBetween(karl, broken)).toBeNull();
  });
});

describe('validateRules', () => {
  it('accepts the defaults and fills in enabled', () => {
    expect(validateRules(structuredClone(DEFAULT_RULES))).toEqual(DEFAULT_RULES);
    expect(validateRules([{ id: 'x', kind: 'fuzzy-name', threshold: 0.9 }])).toEqual([
      { id: 'x', kind: 'fuzzy-name', threshold: 0.9, enabled: true },
    ]);
  });

  it.each<[string, unknown, string]>([
    ['not a list', { rules: [] }, 'match rules must be a list of { id, kind, threshold, enabled } objects'],
    ['not an object', ['x'], 'rules[0] must be an object with id, kind, threshold and enabled'],
    [
      'missing id',
      [{ kind: 'identifier', threshold: 1 }],
      'rules[0].id must be a non-empty string naming the rule',
    ],
    [
      'unknown kind',
      [{ id: 'a', kind: 'soundex', threshold: 1 }],
      'rules[0].kind "soundex" is not a rule kind; use one of personnummer, identifier, email-birthdate, phone-family, fuzzy-name',
    ],
    [
      'threshold above 1',
      [{ id: 'a', kind: 'identifier', threshold: 1.5 }],
      'rules[0].threshold 1.5 is outside 0..1; use a number from 0 to 1',
    ],
    [
      'threshold not a number',
      [{ id: 'a', kind: 'identifier', threshold: '0.9' }],
      'rules[0].threshold "0.9" is outside 0..1; use a number from 0 to 1',
    ],
    [
      'duplicate id',
      [
        { id: 'a', kind: 'identifier', threshold: 1 },
        { id: 'a', kind: 'personnummer', threshold: 1 },
      ],
      'rules[1].id "a" is used twice; give each rule its own id',
    ],
    [
      'a misspelt field',
      [{ id: 'a', kind: 'identifier', treshold: 1 }],
      'rules[0] has unknown field "treshold"; the fields are id, kind, threshold, enabled',
    ],
    [
      'enabled not a boolean',
      [{ id: 'a', kind: 'identifier', threshold: 1, enabled: 'yes' }],
      'rules[0].enabled must be true or false',
    ],
  ])('rejects %s', (_, input, message) => {
    expect(() => validateRules(input)).toThrow(message);
  });
});
