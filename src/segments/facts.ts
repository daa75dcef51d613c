import { parseDateRange } from '../fhir/dates.ts';
import { canonicalSystem, normaliseCode } from './codes.ts';
import type { ClinicalType } from './definition.ts';
import { CLINICAL_TYPES } from './definition.ts';
import { storedValue } from './units.ts';
import { normaliseBirthDate } from './windows.ts';

/**
 * The segment index: clinical resources flattened into one narrow row per
 * coding (segment_fact) and patients into one row each (segment_person).
 * This is what segment SQL reads, in the store (see projection.ts) and in
 * lake mode (lake/, which builds the same rows from NDJSON with DuckDB).
 * Pure functions: a resource in, rows out.
 */
export interface FactRow {
  patient_id: string;
  resource_type: ClinicalType;
  resource_id: string;
  system: string;
  code: string;
  status: string | null;
  /** Clinical start (onset, effective, performed, authored, occurrence, period start), epoch ms. */
  at: number | null;
  /** End of the period (discharge, appointment end) when there is one. */
  at_end: number | null;
  value: number | null;
  unit: string | null;
  /** The coding's display text, for code pickers (segment_code); not part of segment_fact. */
  display?: string;
}

export interface PersonRow {
  patient_id: string;
  /** YYYY-MM-DD; partial dates count from the start of their year or month. */
  birth_date: string | null;
  gender: string | null;
  postal_code: string | null;
  /** Lower-cased (Swedish rules) so conditions compare names without case. */
  municipality: string | null;
  region: string | null;
  language: string | null;
  org_ref: string | null;
  gp_ref: string | null;
  /** When the person died, epoch ms; a bare deceasedBoolean true counts from year 1. */
  deceased_at: number | null;
}

type Json = Record<string, any>;

const CLINICAL = new Set<string>(CLINICAL_TYPES);
export const isClinicalType = (t: string): t is ClinicalType => CLINICAL.has(t);

export function fold(s: string | undefined | null): string | null {
  const t = s?.trim();
  return t ? t.toLocaleLowerCase('sv') : null;
}

const start = (v: unknown): number | null => (typeof v === 'string' ? (parseDateRange(v)?.lo ?? null) : null);

function patientOf(type: ClinicalType, r: Json): string | null {
  let ref: unknown;
  if (type === 'Appointment') {
    ref = (r.participant ?? [])
      .map((p: Json) => p?.actor?.reference)
      .find((x: unknown) => typeof x === 'string' && x.startsWith('Patient/'));
  } else if (type === 'Immunization' || type === 'AllergyIntolerance' || type === 'EpisodeOfCare') {
    ref = r.patient?.reference;
  } else {
    ref = r.subject?.reference;
  }
  if (typeof ref !== 'string' || !ref.startsWith('Patient/')) return null;
  const id = ref.slice('Patient/'.length);
  return id.length > 0 && !id.includes('/') ? id : null;
}

function codings(cc: unknown): Array<{ system: string; code: string; display?: string }> {
  const list = (Array.isArray(cc) ? cc : [cc]).flatMap((c: Json | undefined) => c?.coding ?? []);
  return list
    .filter((c: Json) => typeof c?.system === 'string' && typeof c?.code === 'string' && c.code.trim() !== '')
    .map((c: Json) => {
      const system = canonicalSystem(c.system);
      const display = typeof c.display === 'string' ? c.display : undefined;
      return { system, code: normaliseCode(system, c.code), ...(display ? { display } : {}) };
    });
}

function statusOf(type: ClinicalType, r: Json): string | null {
  if (type === 'Condition' || type === 'AllergyIntolerance') {
    const c = r.clinicalStatus?.coding?.find((x: Json) => typeof x?.code === 'string')?.code;
    return typeof c === 'string' ? c : null;
  }
  return typeof r.status === 'string' ? r.status : null;
}

/** Entered-in-error resources never count, whatever a definition says. */
function enteredInError(type: ClinicalType, r: Json): boolean {
  if (r.status === 'entered-in-error') return true;
  if (type === 'Condition' || type === 'AllergyIntolerance') {
    const v = r.verificationStatus?.coding?.find((x: Json) => typeof x?.code === 'string')?.code;
    return v === 'entered-in-error';
  }
  return false;
}

function times(type: ClinicalType, r: Json): { at: number | null; at_end: number | null } {
  switch (type) {
    case 'Condition':
      return {
        at: start(r.onsetDateTime) ?? start(r.onsetPeriod?.start) ?? start(r.recordedDate),
        at_end: start(r.abatementDateTime),
      };
    case 'Observation':
      return {
        at:
          start(r.effectiveDateTime) ??
          start(r.effectivePeriod?.start) ??
          start(r.effectiveInstant) ??
          start(r.issued),
        at_end: null,
      };
    case 'Procedure':
      return {
        at: start(r.performedDateTime) ?? start(r.performedPeriod?.start),
        at_end: start(r.performedPeriod?.end),
      };
    case 'MedicationRequest':
      return { at: start(r.authoredOn), at_end: null };
    case 'Immunization':
      return { at: start(r.occurrenceDateTime), at_end: null };
    case 'AllergyIntolerance':
      return { at: start(r.onsetDateTime) ?? start(r.recordedDate), at_end: null };
    case 'Encounter':
    case 'EpisodeOfCare':
      return { at: start(r.period?.start), at_end: start(r.period?.end) };
    case 'Appointment':
      return { at: start(r.start), at_end: start(r.end) };
  }
}

function codeElements(type: ClinicalType, r: Json): unknown[] {
  switch (type) {
    case 'Condition':
    case 'Observation':
    case 'Procedure':
    case 'AllergyIntolerance':
      return [r.code];
    case 'MedicationRequest':
      return [r.medicationCodeableConcept];
    case 'Immunization':
      return [r.vaccineCode];
    case 'Encounter':
      // The class (inpatient, emergency…) is a Coding, not a CodeableConcept.
      return [...(r.type ?? []), r.class ? { coding: [r.class] } : undefined];
    case 'EpisodeOfCare':
      return r.type ?? [];
    case 'Appointment':
      return [...(r.serviceType ?? []), r.appointmentType, ...(r.reasonCode ?? [])];
  }
}

function quantity(q: Json | undefined): { value: number; unit: string | undefined } | null {
  if (!q || typeof q.value !== 'number' || !Number.isFinite(q.value)) return null;
  const unit = typeof q.code === 'string' ? q.code : typeof q.unit === 'string' ? q.unit : undefined;
  return { value: q.value, unit };
}

/** One row per coding of a clinical resource (none for entered-in-error or patient-less resources). */
export function clinicalFacts(type: ClinicalType, r: Json): FactRow[] {
  const patient = patientOf(type, r);
  if (patient === null || typeof r.id !== 'string' || enteredInError(type, r)) return [];
  const status = statusOf(type, r);
  const { at, at_end } = times(type, r);
  const base = { patient_id: patient, resource_type: type, resource_id: r.id as string, status, at, at_end };
  const rows: FactRow[] = [];
  const push = (
    codes: Array<{ system: string; code: string; display?: string }>,
    q: ReturnType<typeof quantity>,
  ) => {
    const list = codes.length > 0 ? codes : [{ system: '', code: '' }];
    for (const c of list) {
      const v = q ? storedValue(c.system, c.code, q.value, q.unit) : null;
      rows.push({
        ...base,
        system: c.system,
        code: c.code,
        value: v?.value ?? null,
        unit: v?.unit ?? null,
        ...(c.display ? { display: c.display } : {}),
      });
    }
  };
  push(
    codeElements(type, r).flatMap((cc) => codings(cc)),
    type === 'Observation' ? quantity(r.valueQuantity) : null,
  );
  if (type === 'Observation') {
    // Blood pressure and other panels: each component is indexed under its own code.
    for (const comp of r.component ?? []) {
      const cs = codings(comp?.code);
      if (cs.length > 0) push(cs, quantity(comp?.valueQuantity));
    }
  }
  return dedupe(rows);
}

/** A coding listed twice (same system and code) is one fact. */
function dedupe(rows: FactRow[]): FactRow[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const k = `${r.system}|${r.code}|${r.value}|${r.unit}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const refOf = (x: unknown): string | null =>
  typeof (x as Json)?.reference === 'string' ? ((x as Json).reference as string) : null;

export function personRow(r: Json): PersonRow | null {
  if (typeof r.id !== 'string') return null;
  const addr: Json | undefined =
    (r.address ?? []).find((a: Json) => a?.use === 'home' && !a?.period?.end) ?? (r.address ?? [])[0];
  const comm: Json[] = r.communication ?? [];
  const lang = (comm.find((c) => c?.preferred) ?? comm[0])?.language?.coding?.find(
    (c: Json) => typeof c?.code === 'string',
  )?.code;
  let deceased: number | null = null;
  if (typeof r.deceasedDateTime === 'string') deceased = start(r.deceasedDateTime);
  else if (r.deceasedBoolean === true) deceased = YEAR_ONE;
  const postal = typeof addr?.postalCode === 'string' ? addr.postalCode.replace(/\s+/g, '') : '';
  return {
    patient_id: r.id,
    birth_date: typeof r.birthDate === 'string' ? normaliseBirthDate(r.birthDate) : null,
    gender: typeof r.gender === 'string' ? r.gender : null,
    postal_code: postal || null,
    municipality: fold(addr?.district ?? addr?.city),
    region: fold(addr?.state),
    language: typeof lang === 'string' ? lang.toLowerCase().split('-')[0] : null,
    org_ref: refOf(r.managingOrganization),
    gp_ref: refOf((r.generalPractitioner ?? [])[0]),
    deceased_at: deceased,
  };
}

/** A deceasedBoolean without a date: dead before any as-of instant. */
export const YEAR_ONE = Date.parse('0001-01-01T00:00:00Z');
