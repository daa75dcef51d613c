export const DAY = 86_400_000;
export const YEAR = 365.2425 * DAY;

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/**
 * Civil date from days since 1970-01-01 (Howard Hinnant's algorithm). Formatting through
 * Date#toISOString was a tenth of the generator's run time.
 */
function civil(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}`;
}

/** FHIR date (YYYY-MM-DD), UTC. */
export function date(ms: number): string {
  return civil(Math.floor(ms / DAY));
}

/** FHIR dateTime in UTC, without milliseconds. */
export function dateTime(ms: number): string {
  const days = Math.floor(ms / DAY);
  const seconds = Math.floor((ms - days * DAY) / 1000);
  const h = Math.floor(seconds / 3600);
  const min = Math.floor((seconds % 3600) / 60);
  return `${civil(days)}T${pad2(h)}:${pad2(min)}:${pad2(seconds % 60)}Z`;
}

export function ageAt(birthMs: number, atMs: number): number {
  return Math.floor((atMs - birthMs) / YEAR);
}

/** Snap to a weekday morning–afternoon slot (07–15 UTC, i.e. office hours in Sweden). */
export function officeHours(ms: number, slot: number): number {
  const d = new Date(ms);
  const weekday = d.getUTCDay();
  const shift = weekday === 0 ? 1 : weekday === 6 ? 2 : 0;
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + shift, 7);
  return start + (slot % 32) * 15 * 60_000;
}
