import type { Clock } from '../config/clock.ts';

/**
 * Answers of the access checks (who a credential is, which care units and
 * emergency grants a user has, whether a patient is in a unit), kept for a few
 * seconds so a read does not pay five round trips before the data. Any change
 * made through this process (revoke, disable, sign-out, new grant, new unit)
 * clears it at once; another server process sees such a change within TTL_MS.
 */
export const ACCESS_CACHE_TTL_MS = 10_000;
const MAX_ENTRIES = 50_000;

export class AccessCache {
  readonly #clock: Clock;
  readonly #ttl: number;
  #entries = new Map<string, { value: unknown; at: number }>();

  constructor(clock: Clock, ttlMs = ACCESS_CACHE_TTL_MS) {
    this.#clock = clock;
    this.#ttl = ttlMs;
  }

  get<T>(key: string): T | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    const age = this.#clock.now().getTime() - e.at;
    if (age > this.#ttl || age < 0) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.value as T;
  }

  set<T>(key: string, value: T): T {
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
    this.#entries.set(key, { value, at: this.#clock.now().getTime() });
    return value;
  }

  async through<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.get<T>(key);
    if (hit !== undefined) return hit;
    return this.set(key, await load());
  }

  /** After any change to users, tokens, sessions, roles, care units or grants. */
  clear(): void {
    this.#entries.clear();
  }
}
