import type { Window } from './definition.ts';

/**
 * Time windows resolved against the as-of instant into closed ranges of
 * epoch milliseconds. Every evaluator (SQL, lake, reference) compares a
 * resource's time with these same bounds, so they agree by construction on
 * what "the last 12 months" means: calendar months in UTC, clamped to the
 * month's last day (31 March minus one month is 28 or 29 February).
 */
export interface TimeRange {
  from: number;
  to: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export function addMonthsUtc(ms: number, months: number): number {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(
    y,
    m,
    Math.min(d.getUTCDate(), lastDay),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
}

function shift(ms: number, amount: number, unit: 'hours' | 'days' | 'months' | 'years'): number {
  switch (unit) {
    case 'hours':
      return ms + amount * HOUR;
    case 'days':
      return ms + amount * DAY;
    case 'months':
      return addMonthsUtc(ms, amount);
    case 'years':
      return addMonthsUtc(ms, amount * 12);
  }
}

export const dayStart = (isoDate: string): number => Date.parse(`${isoDate}T00:00:00.000Z`);

/** The closed range a window covers at `asOf`; `from > to` means the window is empty at that instant. */
export function resolveWindow(w: Window, asOf: number): TimeRange {
  switch (w.kind) {
    case 'last':
      return { from: shift(asOf, -w.amount, w.unit), to: asOf };
    case 'next':
      return { from: asOf + 1, to: shift(asOf, w.amount, w.unit) };
    case 'between':
      return { from: dayStart(w.from), to: Math.min(dayStart(w.to) + DAY - 1, asOf) };
    case 'since':
      return { from: dayStart(w.date), to: asOf };
    case 'season': {
      const y = new Date(asOf).getUTCFullYear();
      const start = (year: number) => Date.UTC(year, w.month - 1, w.day);
      return { from: start(y) <= asOf ? start(y) : start(y - 1), to: asOf };
    }
  }
}

/** Without a window a clinical condition looks at everything up to the as-of instant. */
export function rangeOrAll(w: Window | undefined, asOf: number): TimeRange | undefined {
  return w ? resolveWindow(w, asOf) : undefined;
}

/** The as-of instant's calendar date in Europe/Stockholm, where ages are counted. */
export function localDate(asOf: number, timeZone = 'Europe/Stockholm'): string {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(asOf));
}

/**
 * The latest birth date of someone who is at least `years` old on `date`
 * (YYYY-MM-DD). Compared as text, so 29 February needs no clamping: someone
 * born 2000-02-29 is 18 on 2018-03-01, since "2000-02-29" > "2000-02-28".
 */
export function bornOnOrBefore(date: string, years: number): string {
  const y = Number(date.slice(0, 4)) - years;
  return `${String(y).padStart(4, '0')}${date.slice(4)}`;
}

/** Age in whole years on a local date, from a birth date (YYYY, YYYY-MM or YYYY-MM-DD). */
export function ageOn(birthDate: string, date: string): number {
  const b = normaliseBirthDate(birthDate);
  const years = Number(date.slice(0, 4)) - Number(b.slice(0, 4));
  return date.slice(5) < b.slice(5) ? years - 1 : years;
}

/** Partial birth dates count from the start of their year or month. */
export function normaliseBirthDate(value: string): string {
  if (/^\d{4}$/.test(value)) return `${value}-01-01`;
  if (/^\d{4}-\d{2}$/.test(value)) return `${value}-01`;
  return value.slice(0, 10);
}
