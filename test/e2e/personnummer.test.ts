import { describe, expect, it } from 'vitest';
import { formatPersonnummer, normalisePersonnummer } from '../../web/src/personnummer.ts';

describe('personnummer input in the patient search', () => {
  const now = new Date('2026-01-01T12:00:00Z');

  it.each([
    ['19121212-1212', '191212121212'],
    ['191212121212', '191212121212'],
    ['20121212-1212', '201212121212'],
    [' 19121212 1212 ', '191212121212'],
    // Ten digits: the most recent century that is not in the future…
    ['121212-1212', '201212121212'],
    ['580314-1234', '195803141234'],
    ['251231-1234', '202512311234'],
    ['260102-1234', '192601021234'],
    ['260101-1234', '202601011234'],
    // …and a plus sign for people aged 100 or more.
    ['121212+1212', '191212121212'],
    ['260101+1234', '192601011234'],
    ['260102+1234', '182601021234'],
    // Samordningsnummer: day + 60.
    ['701063-2391', '197010632391'],
  ])('%s → %s', (input, expected) => {
    expect(normalisePersonnummer(input, now)).toBe(expected);
  });

  it.each(['', 'Anders', '12345', '19121312-1212', '1912121212121', '121212*1212'])('rejects %j', (input) => {
    expect(normalisePersonnummer(input, now)).toBeNull();
  });

  it('formats 12 digits with a dash', () => {
    expect(formatPersonnummer('191212121212')).toBe('19121212-1212');
  });
});
