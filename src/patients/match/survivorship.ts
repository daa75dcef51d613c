/**
 * The golden record of a profile: for each field, which source record's value
 * survives. Each field has an ordered list of strategies; later strategies
 * break ties of earlier ones and the source name, then the external id, break
 * the rest, so the result never depends on the order records arrive in.
 */
import type { Gender, PostalAddress, SourceKind, SourceRecord } from '../model.ts';
import { foldName } from './normalise.ts';

export type SurvivorshipStrategy = 'source-priority' | 'most-recent' | 'most-complete';

export type SurvivingField =
  | 'name'
  | 'birthDate'
  | 'gender'
  | 'personnummer'
  | 'address'
  | 'language'
  | 'deceased';

export interface SurvivorshipPolicy {
  fields: Record<SurvivingField, SurvivorshipStrategy[]>;
  /**
   * Higher wins; unknown sources 0. Keys are source names ("ehr") or source
   * kinds ("fhir"); a source's own name takes precedence over its kind.
   */
  sourcePriority: Record<string, number>;
}

export const DEFAULT_SURVIVORSHIP: SurvivorshipPolicy = {
  fields: {
    // The EHR is the registered identity; other sources copy it, often badly.
    name: ['source-priority', 'most-complete', 'most-recent'],
    birthDate: ['source-priority', 'most-recent'],
    gender: ['source-priority', 'most-recent'],
    personnummer: ['source-priority', 'most-recent'],
    // People move; whoever heard of the move last knows best.
    address: ['most-recent', 'source-priority'],
    language: ['most-recent', 'source-priority'],
    // A death is registered in the EHR; a sign-up form saying "alive" later is no evidence.
    deceased: ['source-priority', 'most-recent'],
  },
  sourcePriority: { fhir: 3, manual: 2, form: 1, csv: 0 },
};

export interface Provenance {
  source: string;
  externalId: string;
}

export interface GoldenRecord {
  given: string[];
  family?: string;
  birthDate?: string;
  gender?: Gender;
  personnummer?: string;
  /** Union over the records. */
  identifiers: Array<{ system: string; value: string }>;
  emails: string[];
  phones: string[];
  address?: PostalAddress;
  /** The other known addresses, most recent first. */
  addresses: PostalAddress[];
  language?: string;
  deceased: boolean;
  /** Field → the record that supplied it. */
  provenance: Record<string, Provenance>;
}

interface Input {
  record: SourceRecord;
  sourceKind: SourceKind;
}

interface Option<T> {
  value: T;
  from: Input;
  priority: number;
  /** ISO date or instant: later sorts later as a string. */
  recency: string;
  completeness: number;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Negative when x should survive over y. */
function rank<T>(x: Option<T>, y: Option<T>, strategies: readonly SurvivorshipStrategy[]): number {
  for (const s of strategies) {
    const d =
      s === 'source-priority'
        ? y.priority - x.priority
        : s === 'most-recent'
          ? compareStrings(y.recency, x.recency)
          : y.completeness - x.completeness;
    if (d !== 0) return d;
  }
  return (
    compareStrings(x.from.record.source, y.from.record.source) ||
    compareStrings(x.from.record.externalId, y.from.record.externalId)
  );
}

function best<T>(options: Option<T>[], strategies: readonly SurvivorshipStrategy[]): Option<T> | undefined {
  let winner: Option<T> | undefined;
  for (const o of options) if (winner === undefined || rank(o, winner, strategies) < 0) winner = o;
  return winner;
}

function addressKey(a: PostalAddress): string {
  return [foldName(a.lines.join(' ')), a.postalCode ?? '', foldName(a.city ?? ''), a.country ?? 'SE'].join(
    '|',
  );
}

function addressCompleteness(a: PostalAddress): number {
  return a.lines.filter((l) => l.trim() !== '').length + (a.postalCode ? 1 : 0) + (a.city ? 1 : 0);
}

/** The address a record says is current: the latest 'since', else the first listed. */
function currentAddressIndex(addresses: readonly PostalAddress[]): number {
  let current = 0;
  for (let i = 1; i < addresses.length; i++) {
    const since = addresses[i].since;
    if (since !== undefined && since > (addresses[current].since ?? '')) current = i;
  }
  return current;
}

export function survive(
  records: ReadonlyArray<Input>,
  policy: SurvivorshipPolicy = DEFAULT_SURVIVORSHIP,
): GoldenRecord {
  const priorityOf = (i: Input): number =>
    policy.sourcePriority[i.record.source] ?? policy.sourcePriority[i.sourceKind] ?? 0;
  const option = <T>(
    from: Input,
    value: T,
    completeness = 1,
    recency = from.record.updatedAt,
  ): Option<T> => ({
    value,
    from,
    priority: priorityOf(from),
    recency,
    completeness,
  });
  const provenance: GoldenRecord['provenance'] = {};
  const pick = <T>(field: SurvivingField, options: Option<T>[]): T | undefined => {
    const winner = best(options, policy.fields[field]);
    if (winner === undefined) return undefined;
    provenance[field] = { source: winner.from.record.source, externalId: winner.from.record.externalId };
    return winner.value;
  };
  const withValue = <T>(get: (r: SourceRecord) => T | undefined): Option<T>[] =>
    records.flatMap((i) => {
      const v = get(i.record);
      return v === undefined ? [] : [option(i, v)];
    });

  const name = pick(
    'name',
    records
      .filter((i) => i.record.given.length > 0 || i.record.family !== undefined)
      .map((i) => option(i, i.record, i.record.given.length + (i.record.family ? 1 : 0))),
  );
  const simple = <T>(field: SurvivingField, get: (r: SourceRecord) => T | undefined): T | undefined =>
    pick(field, withValue(get));
  const birthDate = simple('birthDate', (r) => r.birthDate);
  // 'unknown' only survives when no source knows better.
  const gender =
    simple('gender', (r) => (r.gender === 'unknown' ? undefined : r.gender)) ??
    simple('gender', (r) => r.gender);
  const personnummer = simple('personnummer', (r) => r.personnummer);
  const language = simple('language', (r) => r.language);
  const deceased = simple('deceased', (r) => r.deceased) ?? false;

  const addressOptions: Option<PostalAddress>[] = [];
  const older: Option<PostalAddress>[] = [];
  for (const i of records) {
    const current = currentAddressIndex(i.record.addresses);
    i.record.addresses.forEach((a, n) => {
      const o = option(i, a, addressCompleteness(a), n === current ? i.record.updatedAt : (a.since ?? ''));
      (n === current ? addressOptions : older).push(o);
    });
  }
  const address = pick('address', addressOptions);
  const seenAddresses = new Set(address ? [addressKey(address)] : []);
  const addresses: PostalAddress[] = [];
  const rest = [...addressOptions, ...older].sort((x, y) => rank(x, y, ['most-recent', 'source-priority']));
  for (const o of rest) {
    const key = addressKey(o.value);
    if (seenAddresses.has(key)) continue;
    seenAddresses.add(key);
    addresses.push(o.value);
  }

  // Unions list the most recently updated record's values first.
  const byRecency = [...records].sort(
    (x, y) =>
      compareStrings(y.record.updatedAt, x.record.updatedAt) ||
      compareStrings(x.record.source, y.record.source) ||
      compareStrings(x.record.externalId, y.record.externalId),
  );
  const union = (get: (r: SourceRecord) => readonly string[]): string[] => [
    ...new Set(byRecency.flatMap((i) => get(i.record))),
  ];
  const identifiers = new Map<string, { system: string; value: string }>();
  for (const i of byRecency) {
    for (const id of i.record.identifiers) identifiers.set(`${id.system}|${id.value}`, { ...id });
  }

  return {
    given: name ? [...name.given] : [],
    family: name?.family,
    birthDate,
    gender,
    personnummer,
    identifiers: [...identifiers.values()],
    emails: union((r) => r.emails),
    phones: union((r) => r.phones),
    address,
    addresses,
    language,
    deceased,
    provenance,
  };
}
