import { evalFhirPath, parseFhirPath } from '@medplum/core';
import { parseDateRange } from '../../fhir/dates.ts';
import type { FhirResource } from '../../fhir/resource-row.ts';
import { canonicalSystem, normaliseCode } from '../codes.ts';
import type { ClinicalType } from '../definition.ts';
import { CLINICAL_TYPES } from '../definition.ts';

/**
 * The reference evaluator's view of resources, read with FHIRPath straight
 * from the FHIR elements (not with facts.ts), so that the index and this
 * reading are two independent implementations of the same meaning: one
 * record per resource, with the codings it can be found by.
 */
export interface Coding {
  system: string;
  code: string;
  /** Observation values of this coding (value or component value), as [value, unit as written]. */
  quantity?: { value: number; unit: string | undefined };
}

export interface ClinicalRecord {
  type: ClinicalType;
  id: string;
  patient: string;
  codings: Coding[];
  status: string | null;
  /** Clinical start (onset, effective, performed…), epoch ms; null when absent. */
  at: number | null;
  atEnd: number | null;
}

export interface PersonRecord {
  id: string;
  birthDate: string | null;
  gender: string | null;
  postalCode: string | null;
  municipality: string | null;
  region: string | null;
  language: string | null;
  orgRef: string | null;
  gpRef: string | null;
  deceasedAt: number | null;
  /** deceasedBoolean true without a date: dead at any as-of instant. */
  deceasedUndated: boolean;
}

type Ast = ReturnType<typeof parseFhirPath>;
const parsed = new Map<string, Ast>();

/** FHIRPath, parsed once per expression (re-parsing costs several times the evaluation). */
export function path(expr: string, input: unknown): unknown[] {
  let ast = parsed.get(expr);
  if (!ast) {
    ast = parseFhirPath(expr);
    parsed.set(expr, ast);
  }
  return evalFhirPath(ast, input);
}

const firstString = (expr: string, r: unknown): string | null => {
  const v = path(expr, r).find((x) => typeof x === 'string');
  return typeof v === 'string' ? v : null;
};

/** The first of several elements that holds a readable date, as its start instant. */
function firstTime(exprs: readonly string[], r: unknown): number | null {
  for (const e of exprs) {
    const v = path(e, r)[0];
    const lo = typeof v === 'string' ? parseDateRange(v)?.lo : undefined;
    if (lo !== undefined) return lo;
  }
  return null;
}

interface TypeSpec {
  patient: string;
  codes: readonly string[];
  status: string;
  at: readonly string[];
  end: readonly string[];
}

// Which elements hold the patient, the codes, the status and the clinical time of each type (FHIR R4).
const SPEC: Record<ClinicalType, TypeSpec> = {
  Condition: {
    patient: 'subject.reference',
    codes: ['code.coding'],
    status: 'clinicalStatus.coding.code',
    at: ['onsetDateTime', 'onsetPeriod.start', 'recordedDate'],
    end: ['abatementDateTime'],
  },
  Observation: {
    patient: 'subject.reference',
    codes: ['code.coding'],
    status: 'status',
    at: ['effectiveDateTime', 'effectivePeriod.start', 'effectiveInstant', 'issued'],
    end: [],
  },
  Procedure: {
    patient: 'subject.reference',
    codes: ['code.coding'],
    status: 'status',
    at: ['performedDateTime', 'performedPeriod.start'],
    end: ['performedPeriod.end'],
  },
  MedicationRequest: {
    patient: 'subject.reference',
    codes: ['medicationCodeableConcept.coding'],
    status: 'status',
    at: ['authoredOn'],
    end: [],
  },
  Immunization: {
    patient: 'patient.reference',
    codes: ['vaccineCode.coding'],
    status: 'status',
    at: ['occurrenceDateTime'],
    end: [],
  },
  AllergyIntolerance: {
    patient: 'patient.reference',
    codes: ['code.coding'],
    status: 'clinicalStatus.coding.code',
    at: ['onsetDateTime', 'recordedDate'],
    end: [],
  },
  // The encounter class is a bare Coding beside the typed CodeableConcepts.
  Encounter: {
    patient: 'subject.reference',
    codes: ['type.coding', 'class'],
    status: 'status',
    at: ['period.start'],
    end: ['period.end'],
  },
  EpisodeOfCare: {
    patient: 'patient.reference',
    codes: ['type.coding'],
    status: 'status',
    at: ['period.start'],
    end: ['period.end'],
  },
  Appointment: {
    patient: 'participant.actor.reference',
    codes: ['serviceType.coding', 'appointmentType.coding', 'reasonCode.coding'],
    status: 'status',
    at: ['start'],
    end: ['end'],
  },
};

const CLINICAL = new Set<string>(CLINICAL_TYPES);

/** "Patient/abc" → "abc"; anything else (contained, absolute, other types) names no patient. */
function patientId(refs: unknown[]): string | null {
  const ref = refs.find((x) => typeof x === 'string' && x.startsWith('Patient/')) as string | undefined;
  const id = ref?.slice('Patient/'.length);
  return id && !id.includes('/') ? id : null;
}

function coding(c: any): Coding | null {
  if (typeof c?.system !== 'string' || typeof c?.code !== 'string' || c.code.trim() === '') return null;
  const system = canonicalSystem(c.system);
  return { system, code: normaliseCode(system, c.code) };
}

function quantityOf(q: any): Coding['quantity'] {
  if (typeof q?.value !== 'number' || !Number.isFinite(q.value)) return undefined;
  return {
    value: q.value,
    unit: typeof q.code === 'string' ? q.code : typeof q.unit === 'string' ? q.unit : undefined,
  };
}

function withQuantity(list: unknown[], quantity: Coding['quantity']): Coding[] {
  return list.flatMap((c) => {
    const k = coding(c);
    return k ? [quantity ? { ...k, quantity } : k] : [];
  });
}

function codingsOf(type: ClinicalType, r: FhirResource): Coding[] {
  const spec = SPEC[type];
  if (type !== 'Observation')
    return withQuantity(
      spec.codes.flatMap((e) => path(e, r)),
      undefined,
    );
  // An Observation's own value belongs to its code; each component's value to the component's code.
  const own = withQuantity(path('code.coding', r), quantityOf(path('valueQuantity', r)[0]));
  const parts = path('component', r).flatMap((comp) =>
    withQuantity(path('code.coding', comp), quantityOf(path('valueQuantity', comp)[0])),
  );
  return [...own, ...parts];
}

/** Entered-in-error resources never count: by status, or for conditions and allergies by verification status. */
function enteredInError(type: ClinicalType, r: FhirResource): boolean {
  if (firstString('status', r) === 'entered-in-error') return true;
  return (
    (type === 'Condition' || type === 'AllergyIntolerance') &&
    firstString('verificationStatus.coding.code', r) === 'entered-in-error'
  );
}

/** A clinical resource as the reference sees it, or null when it cannot count for anyone. */
export function readClinical(r: FhirResource): ClinicalRecord | null {
  if (!CLINICAL.has(r.resourceType) || typeof r.id !== 'string') return null;
  const type = r.resourceType as ClinicalType;
  const spec = SPEC[type];
  const patient = patientId(path(spec.patient, r));
  if (patient === null || enteredInError(type, r)) return null;
  return {
    type,
    id: r.id,
    patient,
    codings: codingsOf(type, r),
    status: firstString(spec.status, r),
    at: firstTime(spec.at, r),
    atEnd: firstTime(spec.end, r),
  };
}

const lower = (s: string | null): string | null => (s?.trim() ? s.trim().toLocaleLowerCase('sv') : null);

export function readPerson(r: FhirResource): PersonRecord | null {
  if (r.resourceType !== 'Patient' || typeof r.id !== 'string') return null;
  // The current home address, else the first one.
  const address =
    path("address.where(use = 'home' and period.end.empty()).first()", r)[0] ?? path('address.first()', r)[0];
  const comm =
    path('communication.where(preferred = true).first()', r)[0] ?? path('communication.first()', r)[0];
  const postal = firstString('postalCode', address)?.replace(/\s+/g, '');
  const deceasedDateTime = firstString('deceasedDateTime', r);
  const birth = firstString('birthDate', r);
  return {
    id: r.id,
    birthDate: birth,
    gender: firstString('gender', r),
    postalCode: postal || null,
    municipality: lower(firstString('district', address) ?? firstString('city', address)),
    region: lower(firstString('state', address)),
    language: firstString('language.coding.code', comm)?.toLowerCase().split('-')[0] ?? null,
    orgRef: firstString('managingOrganization.reference', r),
    gpRef: firstString('generalPractitioner.first().reference', r),
    deceasedAt: deceasedDateTime === null ? null : (parseDateRange(deceasedDateTime)?.lo ?? null),
    deceasedUndated: deceasedDateTime === null && path('deceasedBoolean', r)[0] === true,
  };
}
