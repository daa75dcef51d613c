import { describe, expect, it } from 'vitest';
import {
  foldName,
  normaliseDate,
  normaliseEmail,
  normalisePersonnummer,
  normalisePhone,
  normalisePostalCode,
} from './normalise.ts';

const AT = new Date('2025-06-01T12:00:00Z');

describe('normalisePersonnummer', () => {
  it.each([
    ['19900101-1239', '199001011239', '1990-01-01', false],
    ['199001011239', '199001011239', '1990-01-01', false],
    ['900101-1239', '199001011239', '1990-01-01', false],
    ['9001011239', '199001011239', '1990-01-01', false],
    [' 900101 - 1239 ', '199001011239', '1990-01-01', false],
    ['1990 01 01 1239', '199001011239', '1990-01-01', false],
    // Born this year, before `at`: this century.
    ['250101-1239', '202501011239', '2025-01-01', false],
    // Would be born after `at` in this century: the previous one.
    ['250701-1233', '192507011233', '1925-07-01', false],
    // '+' means 100 or older: one more century back.
    ['150101+1231', '191501011231', '1915-01-01', false],
    ['150101-1231', '201501011231', '2015-01-01', false],
    ['121212+1212', '191212121212', '1912-12-12', false],
    // Samordningsnummer: day + 60.
    ['19900161-1236', '199001611236', '1990-01-01', true],
    ['900161-1236', '199001611236', '1990-01-01', true],
    ['19800229-1238', '198002291238', '1980-02-29', false],
  ])('reads %s', (raw, value, birthDate, coordination) => {
    expect(normalisePersonnummer(raw, AT)).toEqual({ ok: true, value, birthDate, coordination });
  });

  it.each([
    ['19900101-1235', '19900101-1235 fails the Luhn check (last digit should be 9); check the number'],
    ['9001011234', '9001011234 fails the Luhn check (last digit should be 9); check the number'],
    ['abc', '"abc" is not a personnummer; write it as YYYYMMDD-NNNC or YYMMDD-NNNC'],
    ['1990-01-01', '"1990-01-01" is not a personnummer; write it as YYYYMMDD-NNNC or YYMMDD-NNNC'],
    ['19900101-123', '"19900101-123" is not a personnummer; write it as YYYYMMDD-NNNC or YYMMDD-NNNC'],
    ['19901301-1234', '"19901301-1234" has no real birth date (1990-13-01); check the date digits'],
    ['19810229-1237', '"19810229-1237" has no real birth date (1981-02-29); check the date digits'],
    ['20300101-1232', '"20300101-1232" has a birth date in the future (2030-01-01); check the century'],
  ])('rejects %s', (raw, error) => {
    expect(normalisePersonnummer(raw, AT)).toEqual({ ok: false, error });
  });
});

describe('normalisePhone', () => {
  it.each([
    ['070-123 45 67', '+46701234567', true, '070-123 45 67'],
    ['+46 70 123 45 67', '+46701234567', true, '070-123 45 67'],
    ['0046701234567', '+46701234567', true, '070-123 45 67'],
    ['46701234567', '+46701234567', true, '070-123 45 67'],
    ['(070) 123-45-67', '+46701234567', true, '070-123 45 67'],
    ['08-123 456 78', '+46812345678', false, '08-123 456 78'],
    ['+44 7911 123456', '+447911123456', true, '+44 7911 123456'],
  ])('reads %s', (raw, value, mobile, display) => {
    expect(normalisePhone(raw)).toEqual({ ok: true, value, mobile, display });
  });

  it.each([
    ['abc', '"abc" is not a phone number; use digits such as 070-123 45 67 or +46 70 123 45 67'],
    ['', '"" is not a phone number; use digits such as 070-123 45 67 or +46 70 123 45 67'],
    [
      '070-12',
      '"070-12" is not a valid phone number for SE; check the digits or add the country code (+46 …)',
    ],
  ])('rejects %j', (raw, error) => {
    expect(normalisePhone(raw, 'SE')).toEqual({ ok: false, error });
  });
});

describe('normaliseEmail', () => {
  it.each([
    [' Anna.Svensson@Example.SE ', 'anna.svensson@example.se'],
    ['a.b.c+tag@sub.example.com', 'a.b.c+tag@sub.example.com'],
  ])('reads %j', (raw, value) => {
    expect(normaliseEmail(raw)).toEqual({ ok: true, value });
  });

  it.each([
    ['', '"" is not an e-mail address: it is empty; leave the field out instead'],
    [
      'anna.example.se',
      '"anna.example.se" is not an e-mail address: it needs exactly one @, as in name@example.se',
    ],
    ['a@b@c.se', '"a@b@c.se" is not an e-mail address: it needs exactly one @, as in name@example.se'],
    [
      'anna svensson@example.se',
      '"anna svensson@example.se" is not an e-mail address: the part before @ has spaces or characters that are not allowed; check for typos',
    ],
    [
      'anna..s@example.se',
      '"anna..s@example.se" is not an e-mail address: the part before @ has spaces or characters that are not allowed; check for typos',
    ],
    [
      'anna@example',
      '"anna@example" is not an e-mail address: the domain after @ is not valid; it should look like example.se',
    ],
    [
      'anna@-x.se',
      '"anna@-x.se" is not an e-mail address: the domain after @ is not valid; it should look like example.se',
    ],
  ])('rejects %j', (raw, error) => {
    expect(normaliseEmail(raw)).toEqual({ ok: false, error });
  });
});

describe('normalisePostalCode', () => {
  it.each([
    ['114 32', '11432'],
    ['11432', '11432'],
    [' SE-114 32 ', '11432'],
    ['1143', undefined],
    ['114321', undefined],
    ['ABC12', undefined],
    ['', undefined],
  ])('%j → %j', (raw, expected) => {
    expect(normalisePostalCode(raw)).toBe(expected);
  });
});

describe('normaliseDate', () => {
  it.each([
    ['1990-01-31', '1990-01-31'],
    ['19900131', '1990-01-31'],
    ['1990/01/31', '1990-01-31'],
    ['31.01.1990', '1990-01-31'],
    ['1.2.1990', '1990-02-01'],
    ['2000-02-29', '2000-02-29'],
  ])('reads %s', (raw, value) => {
    expect(normaliseDate(raw)).toEqual({ ok: true, value });
  });

  it.each([
    ['1900-02-29', '"1900-02-29" is not a real date (month 2, day 29); check the day and month'],
    ['1990-04-31', '"1990-04-31" is not a real date (month 4, day 31); check the day and month'],
    ['1990-13-01', '"1990-13-01" is not a real date (month 13, day 1); check the day and month'],
    ['01/31/1990', '"01/31/1990" is not a date; write it as YYYY-MM-DD (for example 1990-01-31)'],
    ['1990-01/31', '"1990-01/31" is not a date; write it as YYYY-MM-DD (for example 1990-01-31)'],
    ['yesterday', '"yesterday" is not a date; write it as YYYY-MM-DD (for example 1990-01-31)'],
  ])('rejects %s', (raw, error) => {
    expect(normaliseDate(raw)).toEqual({ ok: false, error });
  });
});

describe('foldName', () => {
  it.each([
    ['Åsa', 'asa'],
    ['Märta', 'marta'],
    ['Björn', 'bjorn'],
    ['Søren Sæther', 'soren saether'],
    ['José Müller', 'jose muller'],
    ['Anna-Karin', 'anna karin'],
    ["O'Brien", 'obrien'],
    ['  Lars   Erik  ', 'lars erik'],
    ['Linnéa', 'linnea'],
    ['ANDERSSON', 'andersson'],
  ])('%j → %j', (raw, folded) => {
    expect(foldName(raw)).toBe(folded);
  });

  it('is stable: folding twice changes nothing', () => {
    for (const s of ['Åsa-Britt', "D'Artagnan", 'Øster Ström'])
      expect(foldName(foldName(s))).toBe(foldName(s));
  });
});
