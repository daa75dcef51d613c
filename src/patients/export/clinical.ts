/**
 * The clinical part of the GDPR export in plain words: one line per FHIR
 * resource, grouped by type, newest first. Pure; the PDF lays the lines out.
 * Values are read as the clinical summary reads them (HbA1c in mmol/mol).
 */
import { hba1cPercentToMmolMol, KEY_OBSERVATIONS, SUMMARY_TYPES } from '../clinical-summary.ts';

type Json = Record<string, any>;

export interface ClinicalDate {
  /** "date", "onset", "recorded", …: what the date is. */
  label: string;
  /** As the resource has it: a FHIR date, dateTime or instant (a period's start, "" when it has none). */
  value: string;
  /** Periods: the end, "" when open. */
  end?: string;
}

export interface ClinicalLine {
  id: string;
  dates: ClinicalDate[];
  /** The display text of the code, else the code and its system. */
  text: string;
  /** "SNOMED CT 49436004" when the text is a display; null when the text already is the code. */
  code: string | null;
  status: string | null;
  /** Observations: the value with its unit. */
  value: string | null;
  /** Dosage, notes, the EHR patient's details. */
  extra: string[];
}

export interface ClinicalSection {
  type: string;
  title: string;
  lines: ClinicalLine[];
}

const LOINC = 'http://loinc.org';
const HBA1C = KEY_OBSERVATIONS.find((k) => k.key === 'hba1c')!;

const TITLES: Record<string, string> = {
  Patient: 'Patient record from the health care provider',
  Condition: 'Conditions and diagnoses',
  Observation: 'Measurements and test results',
  MedicationRequest: 'Prescriptions',
  MedicationStatement: 'Medicines taken',
  MedicationAdministration: 'Medicines given',
  MedicationDispense: 'Medicines dispensed',
  AllergyIntolerance: 'Allergies and intolerances',
  Appointment: 'Appointments',
  EpisodeOfCare: 'Episodes of care',
  Immunization: 'Vaccinations',
  Encounter: 'Visits and contacts',
  Procedure: 'Procedures',
  CarePlan: 'Care plans',
  CareTeam: 'Care teams',
  DiagnosticReport: 'Test reports',
  DocumentReference: 'Documents',
  ServiceRequest: 'Referrals and orders',
  Consent: 'Consents recorded in the medical record',
  Goal: 'Goals',
  Flag: 'Alerts',
  Task: 'Tasks',
  Communication: 'Messages',
  CommunicationRequest: 'Message requests',
  Coverage: 'Insurance coverage',
  FamilyMemberHistory: 'Family history',
  QuestionnaireResponse: 'Questionnaire answers',
  RelatedPerson: 'Related persons',
  RiskAssessment: 'Risk assessments',
};

const SYSTEMS: Record<string, string> = {
  [LOINC]: 'LOINC',
  'http://snomed.info/sct': 'SNOMED CT',
  'http://hl7.org/fhir/sid/icd-10': 'ICD-10',
  'http://hl7.org/fhir/sid/icd-10-se': 'ICD-10-SE',
  'http://www.whocc.no/atc': 'ATC',
  'http://unitsofmeasure.org': 'UCUM',
};

/** In priority order: the first one present sorts the line. */
const DATE_FIELDS: ReadonlyArray<[field: string, label: string]> = [
  ['effectiveDateTime', 'date'],
  ['effectiveInstant', 'date'],
  ['effectivePeriod', 'date'],
  ['occurrenceDateTime', 'date'],
  ['occurrencePeriod', 'date'],
  ['performedDateTime', 'performed'],
  ['performedPeriod', 'performed'],
  ['onsetDateTime', 'onset'],
  ['onsetPeriod', 'onset'],
  ['onsetString', 'onset'],
  ['abatementDateTime', 'ended'],
  ['abatementPeriod', 'ended'],
  ['abatementString', 'ended'],
  ['start', 'start'],
  ['end', 'end'],
  ['period', 'period'],
  ['executionPeriod', 'period'],
  ['whenHandedOver', 'handed over'],
  ['authoredOn', 'ordered'],
  ['dateAsserted', 'stated'],
  ['startDate', 'start'],
  ['dateTime', 'date'],
  ['date', 'date'],
  ['sent', 'sent'],
  ['received', 'received'],
  ['created', 'created'],
  ['recordedDate', 'recorded'],
  ['lastOccurrence', 'last reaction'],
  ['issued', 'issued'],
];

const first = (v: unknown): Json | undefined => (Array.isArray(v) ? v[0] : (v as Json | undefined));

function codeRef(c: Json): string | null {
  if (!c?.code) return null;
  const system = c.system ? (SYSTEMS[c.system] ?? c.system) : 'code';
  return `${system} ${c.code}`;
}

/** A CodeableConcept (or a bare Coding) as text: its text, a coding's display, else the code and system. */
export function conceptText(cc: Json | undefined): { text: string; code: string | null } | null {
  if (!cc || typeof cc !== 'object') return null;
  const codings: Json[] = Array.isArray(cc.coding) ? cc.coding : cc.code || cc.system ? [cc] : [];
  const shown = codings.find((c) => c.display) ?? codings[0];
  const text = cc.text ?? shown?.display;
  if (text) return { text, code: shown ? codeRef(shown) : null };
  const code = shown ? codeRef(shown) : null;
  return code ? { text: code, code: null } : null;
}

function nameOf(n: Json | undefined): string | null {
  if (!n) return null;
  return n.text ?? ([...(n.given ?? []), n.family].filter(Boolean).join(' ') || null);
}

function subject(r: Json): { text: string; code: string | null } {
  if (r.resourceType === 'Patient' || r.resourceType === 'RelatedPerson')
    return { text: nameOf(first(r.name)) ?? '(no name)', code: null };
  const cc =
    r.code ??
    r.vaccineCode ??
    r.medicationCodeableConcept ??
    r.medication?.concept ??
    first(r.type) ??
    first(r.serviceType) ??
    r.appointmentType ??
    first(r.category) ??
    (typeof r.description === 'object' ? r.description : undefined) ??
    r.class;
  const fromCode = conceptText(cc);
  if (fromCode) return fromCode;
  const text =
    r.title ??
    (typeof r.description === 'string' ? r.description : undefined) ??
    r.medicationReference?.display ??
    r.medication?.reference?.display ??
    (typeof r.name === 'string' ? r.name : undefined);
  return { text: text ?? '(no description)', code: null };
}

function periodText(p: Json): string | null {
  if (!p?.start && !p?.end) return null;
  return p.start && p.end ? `${p.start} – ${p.end}` : p.start ? `from ${p.start}` : `until ${p.end}`;
}

function datesOf(r: Json): ClinicalDate[] {
  const dates: ClinicalDate[] = [];
  for (const [field, label] of DATE_FIELDS) {
    const v = r[field];
    if (typeof v === 'string' && v) dates.push({ label, value: v });
    else if (v && typeof v === 'object' && (v.start || v.end))
      dates.push({ label, value: v.start ?? '', end: v.end ?? '' });
  }
  if (dates.length === 0 && r.meta?.lastUpdated) dates.push({ label: 'updated', value: r.meta.lastUpdated });
  return dates;
}

function sortKey(dates: ClinicalDate[]): number {
  const v = dates[0]?.value || dates[0]?.end;
  const t = v ? Date.parse(v) : Number.NaN;
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

const isHbA1c = (r: Json): boolean =>
  r.code?.coding?.some(
    (c: Json) => c.system === LOINC && (HBA1C.codes as readonly string[]).includes(c.code),
  ) ?? false;

const UNITS: Record<string, string> = { 'mm[Hg]': 'mmHg', 'kg/m2': 'kg/m²', '[lb_av]': 'lb' };

function quantity(q: Json | undefined, hba1c: boolean): string | null {
  if (typeof q?.value !== 'number') return null;
  if (hba1c && (q.unit === '%' || q.code === '%'))
    return `${hba1cPercentToMmolMol(q.value)} ${HBA1C.unit} (recorded as ${q.value} %)`;
  const unit = q.unit ?? q.code ?? '';
  return `${q.comparator ?? ''}${q.value}${unit ? ` ${UNITS[unit] ?? unit}` : ''}`;
}

/** value[x] of an Observation or one of its components. */
function valueText(o: Json, hba1c: boolean): string | null {
  if (o.valueQuantity) return quantity(o.valueQuantity, hba1c);
  if (o.valueCodeableConcept) return conceptText(o.valueCodeableConcept)?.text ?? null;
  if (typeof o.valueString === 'string') return o.valueString;
  if (typeof o.valueBoolean === 'boolean') return o.valueBoolean ? 'yes' : 'no';
  if (typeof o.valueInteger === 'number') return String(o.valueInteger);
  if (o.valueRange) {
    const low = quantity(o.valueRange.low, hba1c);
    const high = quantity(o.valueRange.high, hba1c);
    return low || high ? `${low ?? ''}–${high ?? ''}` : null;
  }
  if (o.valueRatio) {
    const n = quantity(o.valueRatio.numerator, false);
    const d = quantity(o.valueRatio.denominator, false);
    return n && d ? `${n} / ${d}` : null;
  }
  for (const k of ['valueDateTime', 'valueTime']) if (typeof o[k] === 'string') return o[k];
  if (o.valuePeriod) return periodText(o.valuePeriod);
  if (o.dataAbsentReason) return `no value (${conceptText(o.dataAbsentReason)?.text ?? 'not given'})`;
  return null;
}

function observationValue(r: Json): string | null {
  const own = valueText(r, isHbA1c(r));
  const parts = (r.component ?? [])
    .map((c: Json) => {
      const v = valueText(c, false);
      return v ? `${conceptText(c.code)?.text ?? 'value'} ${v}` : null;
    })
    .filter(Boolean);
  return [own, ...parts].filter(Boolean).join(', ') || null;
}

function statusOf(r: Json): string | null {
  const parts = [
    typeof r.status === 'string' ? r.status : null,
    r.clinicalStatus?.coding?.[0]?.code ?? null,
    r.verificationStatus?.coding?.[0]?.code ?? null,
  ].filter((s): s is string => Boolean(s));
  return parts.length ? [...new Set(parts)].map((s) => s.replaceAll('-', ' ')).join(', ') : null;
}

function extraOf(r: Json): string[] {
  const extra: string[] = [];
  if (r.resourceType === 'Patient') {
    if (r.birthDate) extra.push(`born ${r.birthDate}`);
    if (r.gender) extra.push(r.gender);
    for (const t of r.telecom ?? []) if (t.value) extra.push(`${t.system ?? 'contact'} ${t.value}`);
    for (const a of r.address ?? []) {
      const text = a.text ?? [...(a.line ?? []), a.postalCode, a.city].filter(Boolean).join(', ');
      if (text) extra.push(`address ${text}`);
    }
  }
  for (const d of r.dosageInstruction ?? r.dosage ?? []) if (d?.text) extra.push(`dosage: ${d.text}`);
  for (const re of r.reaction ?? [])
    for (const m of re.manifestation ?? []) {
      const t = conceptText(m.concept ?? m)?.text;
      if (t) extra.push(`reaction: ${t}`);
    }
  for (const n of r.note ?? []) if (n?.text) extra.push(`note: ${n.text}`);
  return extra;
}

export function describeResource(r: Json): ClinicalLine {
  const s = subject(r);
  return {
    id: `${r.resourceType}/${r.id ?? ''}`,
    dates: datesOf(r),
    text: s.text,
    code: s.code,
    status: statusOf(r),
    value: r.resourceType === 'Observation' ? observationValue(r) : null,
    extra: extraOf(r),
  };
}

const typeRank = (t: string): number => {
  if (t === 'Patient') return 0;
  const i = (SUMMARY_TYPES as readonly string[]).indexOf(t);
  return i === -1 ? SUMMARY_TYPES.length + 1 : i + 1;
};

/** A section per resource type (the EHR patient first, then the types of the clinical summary), newest first. */
export function clinicalSections(resources: readonly unknown[]): ClinicalSection[] {
  const byType = new Map<string, Json[]>();
  for (const r of resources as Json[]) {
    const t = String(r?.resourceType ?? 'Unknown');
    byType.set(t, [...(byType.get(t) ?? []), r]);
  }
  return [...byType]
    .sort(([a], [b]) => typeRank(a) - typeRank(b) || a.localeCompare(b))
    .map(([type, rs]) => ({
      type,
      title: TITLES[type] ?? type.replace(/(?<=[a-z])(?=[A-Z])/g, ' '),
      lines: rs
        .map((r) => ({ line: describeResource(r), key: sortKey(datesOf(r)) }))
        .sort((a, b) => b.key - a.key || a.line.id.localeCompare(b.line.id))
        .map((x) => x.line),
    }));
}
