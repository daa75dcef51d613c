/**
 * What the rules and blocking keys read from a SourceRecord, derived once per
 * record object: folding and preparing names dominates the cost of a
 * comparison, and a record is compared many times while clustering.
 */
import { luhnCheckDigit } from '../../generate/personnummer.ts';
import type { SourceRecord } from '../model.ts';
import { foldName, isRealDate, normalisePostalCode } from './normalise.ts';
import { type PreparedFamily, type PreparedGiven, prepareFamily, prepareGiven } from './similarity.ts';

export interface RecordFeatures {
  /** Valid 12-digit personnummer; an invalid one is treated as absent. */
  personnummer?: string;
  /** The recorded birth date, else the one the personnummer encodes. */
  birthDate?: string;
  gender?: 'male' | 'female';
  given: PreparedGiven;
  family?: PreparedFamily;
  /** The family name read as given names, for records with the two swapped. */
  familyAsGiven: PreparedGiven;
  identifiers: readonly string[];
  emails: readonly string[];
  phones: readonly string[];
  postalCodes: readonly string[];
  /** Folded, spaces removed. */
  cities: readonly string[];
}

const cache = new WeakMap<SourceRecord, RecordFeatures>();

const NONE: string[] = [];

function unique(values: string[]): string[] {
  if (values.length === 0) return NONE;
  if (values.length === 1) return values[0] === '' ? NONE : values;
  return [...new Set(values)].filter((v) => v !== '');
}

/** The features of a record, cached per record object. */
export function featuresOf(r: SourceRecord): RecordFeatures {
  let features = cache.get(r);
  if (features === undefined) {
    features = computeFeatures(r);
    cache.set(r, features);
  }
  return features;
}

/** The birth date a 12-digit personnummer encodes, or undefined when it is not a valid one. */
function personnummerBirthDate(value: string): string | undefined {
  if (value.length !== 12 || !/^\d{12}$/.test(value)) return undefined;
  if (luhnCheckDigit(value.slice(2, 11)) !== value.charCodeAt(11) - 48) return undefined;
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(4, 6));
  const rawDay = Number(value.slice(6, 8));
  const day = rawDay > 60 ? rawDay - 60 : rawDay;
  if (!isRealDate(year, month, day)) return undefined;
  return `${value.slice(0, 4)}-${value.slice(4, 6)}-${String(day).padStart(2, '0')}`;
}

// Few distinct cities, many records: fold each once (bounded, see similarity.ts).
const cityCache = new Map<string, string>();

function cityKey(city: string): string {
  let key = cityCache.get(city);
  if (key === undefined) {
    if (cityCache.size >= 50_000) cityCache.clear();
    key = foldName(city).replaceAll(' ', '');
    cityCache.set(city, key);
  }
  return key;
}

/** Uncached: for batch callers that keep the features beside their records themselves. */
export function computeFeatures(r: SourceRecord): RecordFeatures {
  const pnrBirth = r.personnummer === undefined ? undefined : personnummerBirthDate(r.personnummer);
  const postalCodes: string[] = [];
  const cities: string[] = [];
  for (const address of r.addresses) {
    const postal = address.postalCode === undefined ? undefined : normalisePostalCode(address.postalCode);
    if (postal) postalCodes.push(postal);
    if (address.city) cities.push(cityKey(address.city));
  }
  return {
    personnummer: pnrBirth === undefined ? undefined : r.personnummer,
    birthDate: r.birthDate ?? pnrBirth,
    gender: r.gender === 'male' || r.gender === 'female' ? r.gender : undefined,
    given: prepareGiven(r.given),
    family: prepareFamily(r.family),
    familyAsGiven: prepareGiven(r.family === undefined ? [] : [r.family]),
    identifiers: unique(r.identifiers.map((i) => `${i.system}|${i.value}`)),
    emails: unique(r.emails.map((e) => e.trim().toLowerCase())),
    phones: unique(r.phones.map((p) => p.trim())),
    postalCodes: unique(postalCodes),
    cities: unique(cities),
  };
}

/** The first value both lists hold, or undefined. Lists are short: a nested loop beats building a Set. */
export function firstShared(a: readonly string[], b: readonly string[]): string | undefined {
  for (const x of a) if (b.includes(x)) return x;
  return undefined;
}
