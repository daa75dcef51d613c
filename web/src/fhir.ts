/** Reading the FHIR R4 resources the app shows: names, codes, values and dates. */
import { formatPersonnummer, PERSONNUMMER_SYSTEM } from './personnummer.ts';
import type { Bundle, FhirResource } from './types.ts';

type Json = Record<string, any>;

export function bundleResources(bundle: Bundle): FhirResource[] {
  return (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
}

export function nextLink(bundle: Bundle): string | null {
  const url = bundle.link?.find((l) => l.relation === 'next')?.url;
  if (!url) return null;
  // Links may carry the server's public base URL; fetch them from this origin.
  const u = new URL(url, window.location.origin);
  return u.pathname + u.search;
}

export function humanName(patient: Json): string {
  const names: Json[] = patient.name ?? [];
  const n = names.find((x) => x.use === 'official') ?? names.find((x) => x.use !== 'old') ?? names[0];
  if (!n) return '';
  if (n.text) return n.text;
  return [...(n.given ?? []), n.family].filter(Boolean).join(' ');
}

export function personnummer(patient: Json): string {
  const id = (patient.identifier ?? []).find((i: Json) => i.system === PERSONNUMMER_SYSTEM);
  return id?.value ? formatPersonnummer(id.value) : '';
}

export function otherIdentifiers(patient: Json): { system: string; value: string }[] {
  return (patient.identifier ?? [])
    .filter((i: Json) => i.system !== PERSONNUMMER_SYSTEM && i.value)
    .map((i: Json) => ({ system: i.type?.text ?? i.system ?? '', value: i.value }));
}

export function addressLines(patient: Json): string[] {
  return (patient.address ?? []).map((a: Json) => {
    if (a.text) return a.text;
    const place = [a.postalCode, a.city].filter(Boolean).join(' ');
    return [...(a.line ?? []), place, a.country].filter(Boolean).join(', ');
  });
}

export function telecoms(patient: Json): { system: string; use: string; value: string }[] {
  return (patient.telecom ?? [])
    .filter((c: Json) => c.value)
    .map((c: Json) => ({ system: c.system ?? '', use: c.use ?? '', value: c.value }));
}

export function codeText(concept: Json | undefined): string {
  if (!concept) return '';
  if (concept.text) return concept.text;
  const c = (concept.coding ?? []).find((x: Json) => x.display) ?? concept.coding?.[0];
  return c ? (c.display ?? c.code ?? '') : '';
}

function quantity(q: Json | undefined, num: (n: number) => string): string {
  if (!q || q.value === undefined) return '';
  return [q.comparator, num(q.value), q.unit ?? q.code].filter(Boolean).join(' ');
}

/** An Observation's value: quantity with unit, code, text, or its components ("120/80 mmHg"). */
export function observationValue(obs: Json, num: (n: number) => string): string {
  if (obs.valueQuantity) return quantity(obs.valueQuantity, num);
  if (obs.valueCodeableConcept) return codeText(obs.valueCodeableConcept);
  if (typeof obs.valueString === 'string') return obs.valueString;
  if (typeof obs.valueBoolean === 'boolean') return String(obs.valueBoolean);
  if (typeof obs.valueInteger === 'number') return num(obs.valueInteger);
  const parts: Json[] = obs.component ?? [];
  const values = parts.map((c) => c.valueQuantity).filter(Boolean);
  if (values.length && values.every((v) => v.unit === values[0].unit))
    return `${values.map((v) => num(v.value)).join('/')} ${values[0].unit ?? ''}`.trim();
  return values.map((v) => quantity(v, num)).join(', ');
}

export type ClinicalGroup =
  | 'conditions'
  | 'observations'
  | 'medications'
  | 'encounters'
  | 'immunizations'
  | 'allergies'
  | 'procedures';

export const CLINICAL_GROUPS: readonly ClinicalGroup[] = [
  'conditions',
  'observations',
  'medications',
  'encounters',
  'immunizations',
  'allergies',
  'procedures',
];

const GROUP_OF: Record<string, ClinicalGroup> = {
  Condition: 'conditions',
  Observation: 'observations',
  MedicationRequest: 'medications',
  MedicationStatement: 'medications',
  MedicationAdministration: 'medications',
  MedicationDispense: 'medications',
  Encounter: 'encounters',
  Immunization: 'immunizations',
  AllergyIntolerance: 'allergies',
  Procedure: 'procedures',
};

export interface ClinicalRow {
  id: string;
  date: string;
  what: string;
  /** An observation's value with its unit. */
  value: string;
  /** A status code ("finished", "active"…) for everything else. */
  status: string;
}

function start(v: Json | undefined): string | undefined {
  return v?.start ?? v?.end;
}

function clinicalDate(r: Json): string {
  switch (r.resourceType) {
    case 'Condition':
      return r.onsetDateTime ?? start(r.onsetPeriod) ?? r.recordedDate ?? '';
    case 'Observation':
      return r.effectiveDateTime ?? r.effectiveInstant ?? start(r.effectivePeriod) ?? r.issued ?? '';
    case 'MedicationRequest':
      return r.authoredOn ?? '';
    case 'MedicationStatement':
    case 'MedicationAdministration':
      return r.effectiveDateTime ?? start(r.effectivePeriod) ?? r.dateAsserted ?? '';
    case 'MedicationDispense':
      return r.whenHandedOver ?? r.whenPrepared ?? '';
    case 'Encounter':
      return start(r.period) ?? '';
    case 'Immunization':
      return r.occurrenceDateTime ?? r.recorded ?? '';
    case 'AllergyIntolerance':
      return r.onsetDateTime ?? r.recordedDate ?? '';
    case 'Procedure':
      return r.performedDateTime ?? start(r.performedPeriod) ?? '';
    default:
      return '';
  }
}

function clinicalWhat(r: Json): string {
  switch (r.resourceType) {
    case 'MedicationRequest':
    case 'MedicationStatement':
    case 'MedicationAdministration':
    case 'MedicationDispense':
      return codeText(r.medicationCodeableConcept) || r.medicationReference?.display || '';
    case 'Encounter':
      return codeText(r.type?.[0]) || r.class?.display || r.class?.code || '';
    case 'Immunization':
      return codeText(r.vaccineCode);
    default:
      return codeText(r.code);
  }
}

/** The value of an Observation, as shown. */
function clinicalValue(r: Json, num: (n: number) => string): string {
  return r.resourceType === 'Observation' ? observationValue(r, num) : '';
}

/** The status code of everything else (clinicalStatus for conditions and allergies). */
function clinicalStatus(r: Json): string {
  if (r.resourceType === 'Condition' || r.resourceType === 'AllergyIntolerance')
    return r.clinicalStatus?.coding?.[0]?.code ?? codeText(r.clinicalStatus);
  return typeof r.status === 'string' ? r.status : '';
}

function time(date: string): number {
  const t = Date.parse(date);
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

/** The patient's clinical resources by group, newest first. */
export function groupClinical(
  resources: FhirResource[],
  num: (n: number) => string,
): Record<ClinicalGroup, ClinicalRow[]> {
  const groups = Object.fromEntries(CLINICAL_GROUPS.map((g) => [g, [] as ClinicalRow[]])) as Record<
    ClinicalGroup,
    ClinicalRow[]
  >;
  for (const r of resources as Json[]) {
    const group = GROUP_OF[r.resourceType];
    if (!group) continue;
    groups[group].push({
      id: `${r.resourceType}/${r.id}`,
      date: clinicalDate(r),
      what: clinicalWhat(r),
      value: clinicalValue(r, num),
      status: clinicalStatus(r),
    });
  }
  for (const g of CLINICAL_GROUPS) groups[g].sort((a, b) => time(b.date) - time(a.date));
  return groups;
}
