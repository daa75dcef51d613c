/**
 * Seeded noisy source records with known truth, for measuring match precision
 * and recall (tests, benchmark). People live in households that share a family
 * name, address, home phone and sometimes an e-mail, with twins among them:
 * the hard negatives. Each person has an EHR record and some copies from other
 * sources with typos, nicknames, swapped names, old addresses, upper-case
 * e-mails and no personnummer: the hard positives.
 */
import { pickName } from '../../generate/names.ts';
import { BirthNumberAllocator } from '../../generate/personnummer.ts';
import { Rng } from '../../generate/prng.ts';
import type { Gender, PostalAddress, SourceRecord } from '../model.ts';
import { nicknamesOfName } from './nicknames.ts';
import { foldName } from './normalise.ts';

export interface SyntheticRecord {
  recordKey: string;
  record: SourceRecord;
  /** Which synthetic person the record describes. */
  personId: string;
}

interface Person {
  id: string;
  given: string[];
  family: string;
  birthDate: string;
  gender: Gender;
  personnummer: string;
  email?: string;
  mobile?: string;
  address: PostalAddress;
  oldAddress?: PostalAddress;
}

const STREETS = [
  'Storgatan',
  'Kungsgatan',
  'Drottninggatan',
  'Skolvägen',
  'Björkvägen',
  'Parkvägen',
  'Ringvägen',
];
const CITIES = ['Stockholm', 'Göteborg', 'Malmö', 'Uppsala', 'Linköping', 'Örebro', 'Umeå'];

function iso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function address(rng: Rng): PostalAddress {
  return {
    lines: [`${rng.pick(STREETS)} ${rng.int(1, 120)}`],
    postalCode: String(rng.int(10000, 99999)),
    city: rng.pick(CITIES),
    country: 'SE',
  };
}

function phone(rng: Rng, prefix: string): string {
  return `+46${prefix}${String(rng.int(0, 9_999_999)).padStart(7, '0')}`;
}

/** One keyboard slip: substitute, drop, double or swap letters, never the first one. */
function typo(rng: Rng, s: string): string {
  if (s.length < 4) return s;
  const i = rng.int(1, s.length - 2);
  const letters = 'abdeiklmnorstuv';
  switch (rng.int(0, 3)) {
    case 0:
      return s.slice(0, i) + rng.pick([...letters]) + s.slice(i + 1);
    case 1:
      return s.slice(0, i) + s.slice(i + 1);
    case 2:
      return s.slice(0, i) + s[i] + s.slice(i);
    default:
      return s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2);
  }
}

function shuffleCase(rng: Rng, email: string): string {
  return rng.chance(0.5) ? email.toUpperCase() : email[0].toUpperCase() + email.slice(1);
}

export interface SyntheticOptions {
  seed: string;
  households: number;
  /** Fixes what "now" is for birth dates, so the data does not depend on the clock. */
  asOf?: Date;
}

export function syntheticRecords(options: SyntheticOptions): SyntheticRecord[] {
  const rng = new Rng(options.seed);
  const asOf = (options.asOf ?? new Date('2026-01-01T00:00:00Z')).getTime();
  const numbers = new BirthNumberAllocator();
  const out: SyntheticRecord[] = [];
  const year = 365.25 * 86_400_000;
  let personCount = 0;

  const makePerson = (family: string, birthMs: number, home: PostalAddress, used: Set<string>): Person => {
    const male = rng.chance(0.5);
    let name = pickName(rng, male, 'sv');
    while (name.given.some((g) => used.has(g))) name = pickName(rng, male, 'sv');
    for (const g of name.given) used.add(g);
    const birthDate = iso(birthMs);
    const id = `p${personCount++}`;
    const email = rng.chance(0.7)
      ? `${foldName(name.given[0])}.${foldName(family).replaceAll(' ', '')}${rng.int(1, 999)}@example.se`
      : undefined;
    return {
      id,
      given: name.given,
      family,
      birthDate,
      gender: male ? 'male' : 'female',
      // One salt for all: the allocator only guarantees unique numbers per date when the salt is fixed.
      personnummer: numbers.allocate(birthDate, male, false, 0)!,
      email,
      mobile: rng.chance(0.6) ? phone(rng, '70') : undefined,
      address: home,
      oldAddress: rng.chance(0.3) ? address(rng) : undefined,
    };
  };

  for (let h = 0; h < options.households; h++) {
    const family = pickName(rng, true, 'sv').family;
    const home = address(rng);
    const homePhone = rng.chance(0.6) ? phone(rng, '8') : undefined;
    const size = rng.pick([1, 1, 2, 2, 3, 4]);
    const used = new Set<string>();
    const members: Person[] = [];
    const parentBirth = asOf - rng.between(25, 80) * year;
    for (let m = 0; m < size; m++) {
      let birth = m < 2 ? parentBirth + rng.between(-3, 3) * year : parentBirth + rng.between(20, 35) * year;
      if (birth > asOf - year) birth = asOf - rng.between(1, 18) * year;
      members.push(makePerson(family, birth, home, used));
    }
    // Twins: same family, birth date, address and phones; only the given name differs.
    if (size >= 3 && rng.chance(0.3)) {
      const twin = makePerson(family, Date.parse(members[2].birthDate), home, used);
      twin.mobile = members[2].mobile;
      twin.email = rng.chance(0.5) ? members[2].email : twin.email;
      members.push(twin);
    }
    // Children are often registered with a parent's e-mail and phone.
    for (const child of members.slice(2)) {
      if (rng.chance(0.4)) child.email = members[0].email;
      if (rng.chance(0.4)) child.mobile = members[0].mobile;
    }
    for (const person of members) emitRecords(rng, person, homePhone, asOf, out);
  }
  return out;
}

function emitRecords(
  rng: Rng,
  p: Person,
  homePhone: string | undefined,
  asOf: number,
  out: SyntheticRecord[],
): void {
  const copies = rng.pick([0, 1, 1, 2, 2, 3]);
  const sources = ['ehr', ...Array.from({ length: copies }, () => rng.pick(['crm', 'signup', 'manual']))];
  sources.forEach((source, n) => {
    const ehr = source === 'ehr';
    let given = [...p.given];
    let family = p.family;
    if (!ehr) {
      if (given.length > 1 && rng.chance(0.5)) given = [given[0]];
      const nick = nicknamesOfName(foldName(given[0]));
      if (nick.length > 0 && rng.chance(0.3)) given[0] = rng.pick(nick);
      if (rng.chance(0.15)) given[0] = typo(rng, given[0]);
      if (rng.chance(0.15)) family = typo(rng, family);
    }
    const phones = [p.mobile, homePhone].filter(
      (x): x is string => x !== undefined && rng.chance(ehr ? 0.5 : 0.7),
    );
    const emails = p.email && (ehr ? rng.chance(0.3) : rng.chance(0.8)) ? [p.email] : [];
    const addresses =
      !ehr && p.oldAddress && rng.chance(0.5)
        ? [p.oldAddress]
        : [{ ...p.address, lines: [...p.address.lines] }];
    const swapped = !ehr && rng.chance(0.04);
    const record: SourceRecord = {
      source,
      externalId: `${p.id}-${n}`,
      updatedAt: new Date(asOf - rng.int(0, 1000) * 86_400_000).toISOString(),
      personnummer: ehr || rng.chance(0.3) ? p.personnummer : undefined,
      identifiers: [],
      given: swapped ? [family] : given,
      family: swapped ? given.join(' ') : family,
      birthDate: ehr || rng.chance(0.97) ? p.birthDate : undefined,
      gender: ehr || rng.chance(0.5) ? p.gender : undefined,
      emails: emails.map((e) => (rng.chance(0.3) ? shuffleCase(rng, e) : e)),
      phones,
      addresses,
    };
    out.push({ recordKey: `${source}:${p.id}-${n}`, record, personId: p.id });
  });
}

export interface PairQuality {
  precision: number;
  recall: number;
  truePairs: number;
  predictedPairs: number;
  correctPairs: number;
}

const pairs = (n: number): number => (n * (n - 1)) / 2;

/** Pairwise precision and recall of a clustering against the known persons. */
export function pairQuality(
  records: readonly SyntheticRecord[],
  profileOf: ReadonlyMap<string, string>,
): PairQuality {
  const byPerson = new Map<string, number>();
  const byProfile = new Map<string, number>();
  const byBoth = new Map<string, number>();
  for (const r of records) {
    const profile = profileOf.get(r.recordKey) ?? r.recordKey;
    byPerson.set(r.personId, (byPerson.get(r.personId) ?? 0) + 1);
    byProfile.set(profile, (byProfile.get(profile) ?? 0) + 1);
    const both = `${profile} ${r.personId}`;
    byBoth.set(both, (byBoth.get(both) ?? 0) + 1);
  }
  const sum = (m: Map<string, number>): number => [...m.values()].reduce((s, n) => s + pairs(n), 0);
  const truePairs = sum(byPerson);
  const predictedPairs = sum(byProfile);
  const correctPairs = sum(byBoth);
  return {
    precision: predictedPairs === 0 ? 1 : correctPairs / predictedPairs,
    recall: truePairs === 0 ? 1 : correctPairs / truePairs,
    truePairs,
    predictedPairs,
    correctPairs,
  };
}
