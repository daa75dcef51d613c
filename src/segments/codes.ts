/**
 * The code systems a segment may name, with their aliases and how codes
 * nest. Prefix systems (ICD-10, ATC, KVÅ) have descendants by code prefix:
 * E11 covers E11.9 and E119. SNOMED CT and LOINC hierarchies need a
 * terminology server, which the product does not assume; their value sets
 * list codes. Codes are normalised the same way when facts are indexed and
 * when a definition is compiled, so "E11.9" and "E119" are one code.
 */
export interface CodeSystemInfo {
  alias: string;
  uri: string;
  /** Other URIs that mean the same system. */
  also?: readonly string[];
  label: string;
  prefixHierarchy: boolean;
}

export const CODE_SYSTEMS: readonly CodeSystemInfo[] = [
  { alias: 'snomed', uri: 'http://snomed.info/sct', label: 'SNOMED CT', prefixHierarchy: false },
  {
    alias: 'icd10',
    uri: 'http://hl7.org/fhir/sid/icd-10',
    also: [
      'urn:oid:1.2.752.116.1.1.1.1.3',
      'http://hl7.org/fhir/sid/icd-10-se',
      'http://hl7.org/fhir/sid/icd-10-cm',
    ],
    label: 'ICD-10 (ICD-10-SE)',
    prefixHierarchy: true,
  },
  { alias: 'atc', uri: 'http://www.whocc.no/atc', label: 'ATC', prefixHierarchy: true },
  { alias: 'loinc', uri: 'http://loinc.org', label: 'LOINC', prefixHierarchy: false },
  { alias: 'cvx', uri: 'http://hl7.org/fhir/sid/cvx', label: 'CVX (vaccines)', prefixHierarchy: false },
  {
    alias: 'rxnorm',
    uri: 'http://www.nlm.nih.gov/research/umls/rxnorm',
    label: 'RxNorm',
    prefixHierarchy: false,
  },
  {
    alias: 'kva',
    uri: 'urn:oid:1.2.752.116.1.3.2.1.4',
    label: 'KVÅ (Swedish procedures)',
    prefixHierarchy: true,
  },
  { alias: 'cpt', uri: 'http://www.ama-assn.org/go/cpt', label: 'CPT', prefixHierarchy: false },
  {
    alias: 'encounter-class',
    uri: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
    label: 'Encounter class (HL7 ActCode)',
    prefixHierarchy: false,
  },
  {
    alias: 'episode-type',
    uri: 'http://terminology.hl7.org/CodeSystem/episodeofcare-type',
    label: 'Episode of care type',
    prefixHierarchy: false,
  },
  {
    alias: 'appointment-reason',
    uri: 'http://terminology.hl7.org/CodeSystem/v2-0276',
    label: 'Appointment reason (HL7 v2 0276)',
    prefixHierarchy: false,
  },
  {
    alias: 'service-type',
    uri: 'http://patient-outreach.org/fhir/CodeSystem/service-type',
    label: 'Service type (Patient Outreach)',
    prefixHierarchy: false,
  },
  {
    alias: 'allergy-substance',
    uri: 'http://hl7.org/fhir/sid/ndc',
    label: 'NDC',
    prefixHierarchy: false,
  },
];

const BY_NAME = new Map<string, CodeSystemInfo>();
for (const s of CODE_SYSTEMS) {
  BY_NAME.set(s.alias, s);
  BY_NAME.set(s.uri, s);
  for (const u of s.also ?? []) BY_NAME.set(u, s);
}

/** The system a name (alias or URI) stands for, or undefined when unknown. */
export function codeSystem(name: string): CodeSystemInfo | undefined {
  return BY_NAME.get(name.trim());
}

/** The stored system for a coding's system URI: known systems by their canonical URI, others as given. */
export function canonicalSystem(uri: string): string {
  return BY_NAME.get(uri)?.uri ?? uri;
}

/** ICD-10 codes are written with and without the dot (E11.9, E119); prefix systems compare upper-case. */
export function normaliseCode(systemUri: string, code: string): string {
  const s = BY_NAME.get(systemUri);
  const c = code.trim();
  if (!s?.prefixHierarchy) return c;
  return c.replaceAll('.', '').toUpperCase();
}

export const CODE_SYSTEM_NAMES = CODE_SYSTEMS.map((s) => s.alias);
