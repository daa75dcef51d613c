import { describe, expect, it } from 'vitest';
import type { SourceKind, SourceRecord } from '../model.ts';
import { sourceRecord } from './fixture.ts';
import { DEFAULT_SURVIVORSHIP, type SurvivorshipPolicy, survive } from './survivorship.ts';

const ehr = sourceRecord({
  source: 'ehr',
  externalId: 'pat-1',
  updatedAt: '2024-01-01T00:00:00Z',
  personnummer: '199001011239',
  identifiers: [{ system: 'urn:ehr', value: 'pat-1' }],
  given: ['Karl', 'Johan'],
  family: 'Andersson',
  birthDate: '1990-01-01',
  gender: 'male',
  phones: ['+4681234567'],
  addresses: [{ lines: ['Skolvägen 7'], postalCode: '41301', city: 'Göteborg', since: '2015-03-01' }],
  language: 'sv',
  deceased: true,
});
const crm = sourceRecord({
  source: 'crm',
  externalId: 'c-9',
  updatedAt: '2025-05-01T00:00:00Z',
  identifiers: [{ system: 'urn:crm', value: '9' }],
  given: ['Kalle'],
  family: 'Andersson',
  birthDate: '1990-01-01',
  gender: 'unknown',
  emails: ['kalle@example.se'],
  phones: ['+46701234567', '+4681234567'],
  addresses: [
    { lines: ['Storgatan 1'], postalCode: '11432', city: 'Stockholm', since: '2025-02-01' },
    { lines: ['Skolvägen 7'], postalCode: '41301', city: 'Göteborg', since: '2015-03-01' },
  ],
  language: 'en',
  deceased: false,
});
const form = sourceRecord({
  source: 'signup',
  externalId: 'f-3',
  updatedAt: '2023-01-01T00:00:00Z',
  given: ['Karl'],
  family: 'Andersson',
  emails: ['karl@example.se', 'kalle@example.se'],
  addresses: [{ lines: ['Parkvägen 2'], postalCode: '75220', city: 'Uppsala' }],
});

const inputs: Array<{ record: SourceRecord; sourceKind: SourceKind }> = [
  { record: crm, sourceKind: 'csv' },
  { record: ehr, sourceKind: 'fhir' },
  { record: form, sourceKind: 'form' },
];

describe('survive', () => {
  const golden = survive(inputs);

  it('takes identity from the EHR and the address from the latest source', () => {
    expect(golden).toMatchObject({
      given: ['Karl', 'Johan'],
      family: 'Andersson',
      birthDate: '1990-01-01',
      gender: 'male',
      personnummer: '199001011239',
      address: { lines: ['Storgatan 1'], postalCode: '11432', city: 'Stockholm' },
      language: 'en',
      deceased: true,
    });
  });

  it('keeps the other addresses, newest first and without duplicates', () => {
    expect(golden.addresses.map((a) => a.city)).toEqual(['Göteborg', 'Uppsala']);
  });

  it('unites identifiers and contact points, latest source first', () => {
    expect(golden.identifiers).toEqual([
      { system: 'urn:crm', value: '9' },
      { system: 'urn:ehr', value: 'pat-1' },
    ]);
    expect(golden.emails).toEqual(['kalle@example.se', 'karl@example.se']);
    expect(golden.phones).toEqual(['+46701234567', '+4681234567']);
  });

  it('says which record supplied each field', () => {
    const ehrRef = { source: 'ehr', externalId: 'pat-1' };
    expect(golden.provenance).toEqual({
      name: ehrRef,
      birthDate: ehrRef,
      gender: ehrRef,
      personnummer: ehrRef,
      address: { source: 'crm', externalId: 'c-9' },
      language: { source: 'crm', externalId: 'c-9' },
      deceased: ehrRef,
    });
  });

  it('does not depend on the order records come in', () => {
    expect(survive([...inputs].reverse())).toEqual(golden);
    expect(survive([inputs[2], inputs[0], inputs[1]])).toEqual(golden);
  });

  it('breaks ties by source name, then external id', () => {
    const a = sourceRecord({ source: 'b-src', externalId: '1', given: ['Anna'], birthDate: '1980-01-01' });
    const b = sourceRecord({ source: 'a-src', externalId: '2', given: ['Anna'], birthDate: '1980-01-02' });
    const c = sourceRecord({ source: 'a-src', externalId: '1', given: ['Anna'], birthDate: '1980-01-03' });
    const tied = [a, b, c].map((record) => ({ record, sourceKind: 'csv' as const }));
    expect(survive(tied).birthDate).toBe('1980-01-03');
    expect(survive(tied.reverse()).birthDate).toBe('1980-01-03');
  });

  it('lets the policy rank sources by name and pick strategies per field', () => {
    const policy: SurvivorshipPolicy = {
      fields: { ...DEFAULT_SURVIVORSHIP.fields, name: ['most-recent'], deceased: ['most-recent'] },
      sourcePriority: { ...DEFAULT_SURVIVORSHIP.sourcePriority, crm: 10 },
    };
    expect(survive(inputs, policy)).toMatchObject({
      given: ['Kalle'],
      birthDate: '1990-01-01',
      personnummer: '199001011239',
      deceased: false,
      provenance: { name: { source: 'crm' }, birthDate: { source: 'crm' }, personnummer: { source: 'ehr' } },
    });
  });

  it('prefers the fuller name when sources rank the same', () => {
    const policy: SurvivorshipPolicy = { ...DEFAULT_SURVIVORSHIP, sourcePriority: {} };
    expect(survive(inputs, policy).given).toEqual(['Karl', 'Johan']);
  });

  it('keeps an unknown gender only when nothing better is known, and defaults deceased to false', () => {
    const only = survive([
      { record: crm, sourceKind: 'csv' },
      { record: form, sourceKind: 'form' },
    ]);
    expect(only.gender).toBe('unknown');
    expect(survive([{ record: form, sourceKind: 'form' }])).toMatchObject({
      deceased: false,
      birthDate: undefined,
      personnummer: undefined,
      provenance: { name: { source: 'signup', externalId: 'f-3' } },
    });
  });

  it('returns an empty golden record for no records', () => {
    expect(survive([])).toEqual({
      given: [],
      family: undefined,
      birthDate: undefined,
      gender: undefined,
      personnummer: undefined,
      identifiers: [],
      emails: [],
      phones: [],
      address: undefined,
      addresses: [],
      language: undefined,
      deceased: false,
      provenance: {},
    });
  });
});
