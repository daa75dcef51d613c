/** Audit times are shown in Swedish local time; dates typed by a person mean Swedish calendar days. */
export const TIME_ZONE = 'Europe/Stockholm';

// sv-SE formats as "2026-03-29 14:05:09".
const LOCAL = new Intl.DateTimeFormat('sv-SE', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** "2026-03-29 14:05:09" in Europe/Stockholm. */
export function formatLocal(d: Date): string {
  return LOCAL.format(d);
}

/** "2026-03-29" in Europe/Stockholm. */
export function localDate(d: Date): string {
  return formatLocal(d).slice(0, 10);
}

function offsetMs(at: number): number {
  const parts = Object.fromEntries(LOCAL.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return asUtc - (at - (at % 1000));
}

/** The instant a Swedish calendar day begins (midnight is never skipped by Swedish DST, which changes at 02:00/03:00). */
export function localDayStart(year: number, month: number, day: number): Date {
  const guess = Date.UTC(year, month - 1, day);
  return new Date(guess - offsetMs(guess - offsetMs(guess)));
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export class TimeBoundError extends Error {}

/**
 * A query bound: `from` is inclusive, `to` exclusive. An instant (with its
 * zone) is taken as given; a date means the Swedish calendar day, so `from`
 * becomes its start and `to` the start of the next day: from=to=a date covers
 * that whole day.
 */
export function parseBound(value: string, side: 'from' | 'to'): Date {
  const d = DATE_ONLY.exec(value);
  if (d) {
    const [y, m, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
    const start = localDayStart(y, m, day);
    if (Number.isNaN(start.getTime()) || m < 1 || m > 12 || day < 1 || day > 31)
      throw new TimeBoundError(`${side}=${value} is not a date; use YYYY-MM-DD or an ISO 8601 instant`);
    return side === 'from' ? start : localDayStart(y, m, day + 1);
  }
  const t = INSTANT.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(t.getTime()))
    throw new TimeBoundError(
      `${side}=${value} is not a date or instant; use YYYY-MM-DD (a Swedish calendar day) or e.g. 2026-01-31T23:00:00Z`,
    );
  return t;
}
