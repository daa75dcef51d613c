/** The FHIR identifier system of Swedish personnummer (and samordningsnummer). */
export const PERSONNUMMER_SYSTEM = 'http://electronichealth.se/identifier/personnummer';

/**
 * Normalises "19121212-1212", "121212-1212", "121212+1212" or "191212121212"
 * to the 12 stored digits, or null when the input is not shaped like one.
 * Ten digits carry no century: a "+" means the person is 100 or older, else
 * the most recent century that does not put the birth date in the future.
 */
export function normalisePersonnummer(input: string, now: Date = new Date()): string | null {
  const s = input.replace(/\s/g, '');
  const long = /^(\d{8})-?(\d{4})$/.exec(s);
  if (long) return validDate(long[1]) ? long[1] + long[2] : null;
  const short = /^(\d{6})([-+]?)(\d{4})$/.exec(s);
  if (!short) return null;
  const [, yymmdd, sep, last] = short;
  const yy = Number(yymmdd.slice(0, 2));
  const month = Number(yymmdd.slice(2, 4));
  const day = Number(yymmdd.slice(4, 6)) % 60; // samordningsnummer add 60 to the day
  const birth = (year: number) => new Date(Date.UTC(year, month - 1, day));
  let year = Math.floor(now.getUTCFullYear() / 100) * 100 + yy;
  if (birth(year) > now) year -= 100;
  if (sep === '+') {
    const hundredYearsAgo = new Date(now);
    hundredYearsAgo.setUTCFullYear(now.getUTCFullYear() - 100);
    while (birth(year) > hundredYearsAgo) year -= 100;
  }
  const full = String(year) + yymmdd.slice(2);
  return validDate(full) ? full + last : null;
}

function validDate(yyyymmdd: string): boolean {
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8)) % 60;
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/** "YYYYMMDD-NNNN", the way people read it. */
export function formatPersonnummer(digits: string): string {
  return /^\d{12}$/.test(digits) ? `${digits.slice(0, 8)}-${digits.slice(8)}` : digits;
}
