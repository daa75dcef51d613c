import { deterministicUuid } from '../generate/ids.ts';

// Name-based ids make unification idempotent: the same source record always
// has the same id, and a profile is named after the record that founded it, so
// re-running unification over the same data gives the same profile ids.
const NS = 'patient-outreach/patients';

export const recordIdFor = (source: string, externalId: string): string =>
  deterministicUuid(NS, `record\u0000${source}\u0000${externalId}`);

export const profileIdFor = (foundingRecordId: string): string =>
  deterministicUuid(NS, `profile\u0000${foundingRecordId}`);

/** Consent events derived from a source (a FHIR Consent version) get stable ids so replays do not duplicate them. */
export const derivedConsentId = (key: string): string => deterministicUuid(NS, `consent\u0000${key}`);
