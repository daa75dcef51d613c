/**
 * Turns raw identity values as sources write them into the canonical forms a
 * SourceRecord holds. Each normaliser either returns the canonical value or an
 * error sentence naming the problem and the fix, for the importer to show.
 */

import type { CountryCode } from 'libphonenumber-js/max';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { luhnCheckDigit } from '../../generate/personnummer.ts';

export type Normalised<T> = ({ ok: true } & T) | { ok: false; error: string };

export type PersonnummerResult = Normalised<{ value: string; coordination: boolean; birthDate: string }>;

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Whether y-m-d names a day that exists in the proleptic Gregorian calendar. */
export function isRealDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1 || y < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
  return d <= days;
}

/**
 * Accepts 12- or 10-digit personnummer and samordningsnummer with or without
 * separator. A 10-digit number is placed in the latest century that does not
 * put the birth after `at`; the '+' separator means the person has turned 100,
 * so it goes back one more century.
 */
export function normalisePersonnummer(raw: string, at: Date = new Date()): PersonnummerResult {
  const shown = raw.trim();
  const compact = raw.replace(/\s+/g, '');
  const m = /^(\d{6}|\d{8})([-+]?)(\d{4})$/.exec(compact);
  if (!m) {
    return {
      ok: false,
      error: `"${shown}" is not a personnummer; write it as YYYYMMDD-NNNC or YYMMDD-NNNC`,
    };
  }
  const [, datePart, sep, tail] = m;
  const today = at.toISOString().slice(0, 10);
  let full: string;
  if (datePart.length === 8) {
    full = datePart + tail;
  } else {
    const yy = Number(datePart.slice(0, 2));
    const atYear = at.getUTCFullYear();
    let year = atYear - ((((atYear - yy) % 100) + 100) % 100);
    const mmdd = datePart.slice(2, 4) + '-' + pad2(Number(datePart.slice(4, 6)) % 60 || 0);
    if (`${year}-${mmdd}` > today) year -= 100;
    if (sep === '+') year -= 100;
    full = String(year) + datePart.slice(2) + tail;
  }
  const year = Number(full.slice(0, 4));
  const month = Number(full.slice(4, 6));
  const rawDay = Number(full.slice(6, 8));
  const coordination = rawDay > 60;
  const day = coordination ? rawDay - 60 : rawDay;
  if (!isRealDate(year, month, day)) {
    return {
      ok: false,
      error: `"${shown}" has no real birth date (${full.slice(0, 4)}-${full.slice(4, 6)}-${full.slice(6, 8)}); check the date digits`,
    };
  }
  const expected = luhnCheckDigit(full.slice(2, 11));
  if (expected !== Number(full[11])) {
    return {
      ok: false,
      error: `${shown} fails the Luhn check (last digit should be ${expected}); check the number`,
    };
  }
  const birthDate = `${full.slice(0, 4)}-${pad2(month)}-${pad2(day)}`;
  if (birthDate > today) {
    return {
      ok: false,
      error: `"${shown}" has a birth date in the future (${birthDate}); check the century`,
    };
  }
  return { ok: true, value: full, coordination, birthDate };
}

export type PhoneResult = Normalised<{ value: string; mobile: boolean; display: string }>;

/** Accepts national ('070-123 45 67'), international ('+46…', '0046…') and bare country-code ('4670…') forms. */
export function normalisePhone(raw: string, defaultCountry: CountryCode = 'SE'): PhoneResult {
  const shown = raw.trim();
  let text = shown.replace(/[\s\-().]/g, '');
  if (text.startsWith('00')) text = `+${text.slice(2)}`;
  if (!/^\+?\d{5,17}$/.test(text)) {
    return {
      ok: false,
      error: `"${shown}" is not a phone number; use digits such as 070-123 45 67 or +46 70 123 45 67`,
    };
  }
  let parsed = parsePhoneNumberFromString(text, defaultCountry);
  // '46701234567' (country code without '+') is common in CRM exports.
  if (!parsed?.isValid() && !text.startsWith('+')) {
    const withPlus = parsePhoneNumberFromString(`+${text}`);
    if (withPlus?.isValid()) parsed = withPlus;
  }
  if (!parsed?.isValid()) {
    return {
      ok: false,
      error: `"${shown}" is not a valid phone number for ${defaultCountry}; check the digits or add the country code (+46 …)`,
    };
  }
  const type = parsed.getType();
  return {
    ok: true,
    value: parsed.number,
    mobile: type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE',
    display: parsed.country === defaultCountry ? parsed.formatNational() : parsed.formatInternational(),
  };
}

const EMAIL_LOCAL = /^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+$/;
const EMAIL_LABEL = /^[a-z0-9\u00a0-\uffff]([a-z0-9\u00a0-\uffff-]*[a-z0-9\u00a0-\uffff])?$/;

/**
 * Trims and lower-cases. Dots and '+tags' are kept: providers differ in
 * whether they are significant, and two patients must never share an address
 * because we guessed.
 */
export function normaliseEmail(raw: string): Normalised<{ value: string }> {
  const value = raw.trim().toLowerCase();
  const shown = raw.trim();
  const fail = (why: string): Normalised<{ value: string }> => ({
    ok: false,
    error: `"${shown}" is not an e-mail address: ${why}`,
  });
  if (value === '') return fail('it is empty; leave the field out instead');
  const at = value.lastIndexOf('@');
  if (at < 0 || value.indexOf('@') !== at) return fail('it needs exactly one @, as in name@example.se');
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (
    local === '' ||
    !EMAIL_LOCAL.test(local) ||
    local.startsWith('.') ||
    local.endsWith('.') ||
    local.includes('..')
  ) {
    return fail('the part before @ has spaces or characters that are not allowed; check for typos');
  }
  const labels = domain.split('.');
  if (
    labels.length < 2 ||
    !labels.every((l) => EMAIL_LABEL.test(l)) ||
    labels[labels.length - 1].length < 2
  ) {
    return fail('the domain after @ is not valid; it should look like example.se');
  }
  return { ok: true, value };
}

/** Swedish postal codes: five digits, written with or without a space ('114 32'), sometimes 'SE-' prefixed. */
export function normalisePostalCode(raw: string): string | undefined {
  if (raw.length === 5 && /^\d{5}$/.test(raw)) return raw;
  const digits = raw
    .trim()
    .replace(/^se[- ]?/i, '')
    .replace(/\s+/g, '');
  return /^\d{5}$/.test(digits) ? digits : undefined;
}

/** Accepts YYYY-MM-DD, YYYYMMDD, YYYY/MM/DD and DD.MM.YYYY; returns YYYY-MM-DD. */
export function normaliseDate(raw: string): Normalised<{ value: string }> {
  const shown = raw.trim();
  let y: number;
  let m: number;
  let d: number;
  let match = /^(\d{4})(?:([-/])(\d{1,2})\2(\d{1,2})|(\d{2})(\d{2}))$/.exec(shown);
  if (match) {
    y = Number(match[1]);
    m = Number(match[3] ?? match[5]);
    d = Number(match[4] ?? match[6]);
  } else {
    match = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(shown);
    if (!match) {
      return {
        ok: false,
        error: `"${shown}" is not a date; write it as YYYY-MM-DD (for example 1990-01-31)`,
      };
    }
    d = Number(match[1]);
    m = Number(match[2]);
    y = Number(match[3]);
  }
  if (!isRealDate(y, m, d)) {
    return {
      ok: false,
      error: `"${shown}" is not a real date (month ${m}, day ${d}); check the day and month`,
    };
  }
  return { ok: true, value: `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}` };
}

const SPECIAL_LETTERS: Record<string, string> = {
  æ: 'ae',
  ø: 'o',
  œ: 'oe',
  ß: 'ss',
  ð: 'd',
  đ: 'd',
  þ: 'th',
  ł: 'l',
  ı: 'i',
};

/**
 * Lower-cases and strips everything a clerk or a keyboard might vary: diacritics
 * (å/ä → a, ö/ø → o, é → e), apostrophes (O'Brien → obrien), hyphens and other
 * punctuation (become one space). Names still differ in spaces ("anna karin"
 * vs "annakarin"); similarity compares with and without them.
 */
export function foldName(s: string): string {
  const lower = s.toLowerCase();
  if (/^[a-z]+$/.test(lower)) return lower;
  return lower
    .replace(/[æøœßðđþłı]/g, (c) => SPECIAL_LETTERS[c])
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/['’`´ʼ]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}
