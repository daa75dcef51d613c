import { addDiabetesEpisode, addHospitalCare, addPrimaryCare } from './care.ts';
import { addConditions, addMedications } from './clinical.ts';
import { addContactConsents } from './consent.ts';
import type { Resource } from './fhir.ts';
import { observationsFor } from './observations.ts';
import { addPatient } from './patient.ts';
import { createPerson } from './person.ts';
import { BirthNumberAllocator } from './personnummer.ts';
import { buildReferenceData, type ReferenceData } from './reference.ts';
import { addImmunizations, addScreenings } from './screening.ts';

export const DEFAULT_AS_OF = new Date('2026-11-01T00:00:00Z');

export interface Population {
  reference: ReferenceData;
  /** All resources of patient `index` (0-based); call with increasing indexes, once each. */
  patient: (index: number) => Resource[];
}

export function createPopulation(seed: string | number, asOf: Date = DEFAULT_AS_OF): Population {
  const seedText = String(seed);
  const reference = buildReferenceData(seedText);
  const factory = {
    seed: seedText,
    asOfMs: asOf.getTime(),
    reference,
    birthNumbers: new BirthNumberAllocator(),
  };
  return {
    reference,
    patient: (index) => {
      const p = createPerson(factory, index);
      const out: Resource[] = [];
      const contacts = addPatient(p, out);
      addConditions(p, out);
      const { statin } = addMedications(p, out);
      const episodeId = addDiabetesEpisode(p, out);
      addPrimaryCare(p, out, episodeId, observationsFor(p, statin));
      addHospitalCare(p, out);
      addScreenings(p, out);
      addImmunizations(p, out);
      addContactConsents(p, contacts, out);
      return out;
    },
  };
}

/** All resources in output order: shared reference data first, then patient by patient. */
export function* generateResources(opts: {
  patients: number;
  seed: string | number;
  asOf?: Date;
}): Generator<Resource> {
  const population = createPopulation(opts.seed, opts.asOf);
  yield* population.reference.resources;
  for (let i = 0; i < opts.patients; i++) yield* population.patient(i);
}

/**
 * Only the Patient resource of each person, identical to the one
 * generateResources gives for the same seed and asOf, about ten times faster:
 * for identity-matching work at populations where clinical data is not needed.
 */
export function* generatePatients(opts: {
  patients: number;
  seed: string | number;
  asOf?: Date;
}): Generator<Resource> {
  const seed = String(opts.seed);
  const factory = {
    seed,
    asOfMs: (opts.asOf ?? DEFAULT_AS_OF).getTime(),
    reference: buildReferenceData(seed),
    birthNumbers: new BirthNumberAllocator(),
  };
  for (let i = 0; i < opts.patients; i++) {
    const out: Resource[] = [];
    addPatient(createPerson(factory, i), out);
    yield out[0];
  }
}
