import { annualMortality, pickAgeBand } from './demographics.ts';
import { deterministicUuid } from './ids.ts';
import { type Language, type PersonName, pickLanguage, pickName } from './names.ts';
import type { BirthNumberAllocator } from './personnummer.ts';
import type { Municipality } from './places.ts';
import { Rng } from './prng.ts';
import type { CareSite, ReferenceData, RegionSites, StaffMember } from './reference.ts';
import { ageAt, DAY, date, YEAR } from './time.ts';

/** Years of history generated before asOf. */
export const HISTORY_YEARS = 5;
const DEATH_WINDOW_YEARS = 3;

export type ConditionKey = 'diabetes' | 'hypertension' | 'asthma' | 'copd' | 'heartFailure';

/** Everything the resource builders need to know about one synthetic person. */
export interface Person {
  index: number;
  id: string;
  rng: Rng;
  male: boolean;
  birthMs: number;
  deathMs: number | undefined;
  /** asOf, or the moment of death: nothing happens after it. */
  endMs: number;
  asOfMs: number;
  historyStartMs: number;
  /** Age at endMs. */
  age: number;
  language: Language;
  name: PersonName;
  identifier: string;
  coordination: boolean;
  municipality: Municipality;
  centre: CareSite;
  gp: StaffMember;
  region: RegionSites;
  conditions: Map<ConditionKey, { id: string; onsetMs: number }>;
  newId: (type: string) => string;
}

export interface PersonFactory {
  seed: string;
  asOfMs: number;
  reference: ReferenceData;
  birthNumbers: BirthNumberAllocator;
}

function maleShare(age: number): number {
  // Women outlive men, so the oldest bands are mostly women.
  return age >= 85 ? 0.37 : age >= 75 ? 0.45 : 0.505;
}

export function createPerson(f: PersonFactory, index: number): Person {
  const rng = new Rng(`${f.seed}/patient/${index}`);
  const band = pickAgeBand(rng);
  const ageYears = band + rng.next() * 5;
  const birthMs = Math.floor((f.asOfMs - ageYears * YEAR) / DAY) * DAY;
  const age0 = Math.floor(ageYears);
  const male = rng.chance(maleShare(age0));

  let deathMs: number | undefined;
  const pDeath = 1 - (1 - annualMortality(age0)) ** DEATH_WINDOW_YEARS;
  if (rng.chance(pDeath)) {
    deathMs = Math.floor(f.asOfMs - rng.next() * DEATH_WINDOW_YEARS * YEAR);
    if (deathMs <= birthMs) deathMs = birthMs + DAY;
  }
  const endMs = deathMs ?? f.asOfMs;

  const coordination = rng.chance(0.005);
  const language = coordination && rng.chance(0.7) ? 'en' : pickLanguage(rng);
  const name = pickName(rng, male, language);
  const identifier =
    f.birthNumbers.allocate(date(birthMs), male, coordination, rng.int(0, 498)) ??
    // 499 numbers per date and sex are used up only beyond tens of millions of patients.
    f.birthNumbers.allocate(date(birthMs), male, !coordination, rng.int(0, 498))!;

  const municipality = f.reference.municipalities.pick(rng);
  const centre = rng.pick(f.reference.centresByMunicipality.get(municipality.name)!);
  const gp = rng.pick(centre.doctors);
  const region = f.reference.regions.get(municipality.region)!;

  const id = deterministicUuid(f.seed, `Patient/${index}`);
  let counter = 0;
  return {
    index,
    id,
    rng,
    male,
    birthMs,
    deathMs,
    endMs,
    asOfMs: f.asOfMs,
    historyStartMs: Math.max(birthMs, f.asOfMs - HISTORY_YEARS * YEAR),
    age: ageAt(birthMs, endMs),
    language,
    name,
    identifier,
    coordination: identifier.slice(6, 8) > '60',
    municipality,
    centre,
    gp,
    region,
    conditions: new Map(),
    newId: (type) => deterministicUuid(f.seed, `${type}/${index}/${++counter}`),
  };
}
