/**
 * FHIR dates carry their precision: "2020" means the whole year. Both indexing
 * and searching turn a value into the closed range of instants it covers, so
 * that the prefixes (eq, lt, sa, ...) compare ranges as the spec defines.
 * Values without a time zone are read as UTC.
 */
export interface DateRange {
  lo: number;
  hi: number;
}

const DATE_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

export function parseDateRange(value: string): DateRange | undefined {
  const m = DATE_RE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const year = Number(y);
  if (mo === undefined) return span(Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1));
  const month = Number(mo) - 1;
  if (month > 11) return undefined;
  if (d === undefined) return span(Date.UTC(year, month, 1), Date.UTC(year, month + 1, 1));
  const day = Number(d);
  if (day < 1 || day > 31) return undefined;
  if (h === undefined) return span(Date.UTC(year, month, day), Date.UTC(year, month, day + 1));
  const offsetMin =
    tz && tz !== 'Z' ? (tz[0] === '-' ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) : 0;
  const base =
    Date.UTC(year, month, day, Number(h), Number(mi), s === undefined ? 0 : Number(s)) - offsetMin * 60_000;
  if (Number.isNaN(base)) return undefined;
  if (s === undefined) return span(base, base + 60_000);
  if (frac === undefined) return span(base, base + 1000);
  const ms = Number(frac.slice(0, 3).padEnd(3, '0'));
  const unit = frac.length >= 3 ? 1 : 10 ** (3 - frac.length);
  return span(base + ms, base + ms + unit);
}

function span(lo: number, nextLo: number): DateRange {
  return { lo, hi: nextLo - 1 };
}

export const MIN_TIME = -8_640_000_000_000_000;
export const MAX_TIME = 8_640_000_000_000_000;

/** ISO text for PostgreSQL, with the open ends as its infinities. */
export function toSqlTime(ms: number): string {
  if (ms <= MIN_TIME) return '-infinity';
  if (ms >= MAX_TIME) return 'infinity';
  return new Date(ms).toISOString();
}
