/**
 * The clinical part of patient 360: what a care coordinator glances at before
 * calling a patient. Pure: FHIR resources in, a summary out; the caller reads
 * the patient's compartment once.
 */

type Json = Record<string, any>;

export const SUMMARY_TYPES = [
  'Condition',
  'Observation',
  'MedicationRequest',
  'AllergyIntolerance',
  'Appointment',
  'EpisodeOfCare',
] as const;

const LOINC = 'http://loinc.org';

/** Key observations with trends. HbA1c is shown in mmol/mol (IFCC), the Swedish unit; % (NGSP) is converted. */
export const KEY_OBSERVATIONS = [
  { key: 'hba1c', label: 'HbA1c', codes: ['59261-8', '4548-4', '17856-6'], unit: 'mmol/mol' },
  { key: 'bloodPressure', label: 'Blood pressure', codes: ['85354-9'], unit: 'mm[Hg]' },
  { key: 'bmi', label: 'BMI', codes: ['39156-5'], unit: 'kg/m2' },
  { key: 'weight', label: 'Body weight', codes: ['29463-7'], unit: 'kg' },
  { key: 'ldl', label: 'LDL cholesterol', codes: ['22748-8', '18262-6'], unit: 'mmol/L' },
] as const;

export interface ObservationPoint {
  at: string;
  value: number;
  /** Blood pressure: the diastolic value. */
  value2?: number;
  unit: string;
}

export interface KeyObservation {
  key: string;
  label: string;
  latest: ObservationPoint | null;
  /** Oldest first, at most 12 points. */
  series: ObservationPoint[];
  /** Change from the previous value: "up", "down" or "same" (within 2 %). */
  trend: 'up' | 'down' | 'same' | null;
}

export interface ClinicalItem {
  id: string;
  type: string;
  text: string;
  code: string | null;
  status: string | null;
  date: string | null;
}

export interface ClinicalSummary {
  conditions: ClinicalItem[];
  observations: KeyObservation[];
  medications: ClinicalItem[];
  allergies: ClinicalItem[];
  appointments: ClinicalItem[];
  episodes: ClinicalItem[];
}

const codeOf = (cc: Json | undefined): string | null => {
  const c = cc?.coding?.[0];
  return c ? `${c.system ?? ''}|${c.code ?? ''}` : null;
};
const textOf = (cc: Json | undefined): string =>
  cc?.text ?? cc?.coding?.[0]?.display ?? cc?.coding?.[0]?.code ?? '—';
const statusCode = (cc: Json | undefined): string | null => cc?.coding?.[0]?.code ?? null;

function item(r: Json, cc: Json | undefined, status: string | null, date: string | null): ClinicalItem {
  return {
    id: `${r.resourceType}/${r.id}`,
    type: r.resourceType,
    text: textOf(cc),
    code: codeOf(cc),
    status,
    date,
  };
}

/** NGSP % → IFCC mmol/mol (IFCC-NGSP master equation). */
export const hba1cPercentToMmolMol = (pct: number): number => Math.round((pct - 2.15) * 10.929 * 10) / 10;

function point(o: Json, key: string): ObservationPoint | null {
  const at = o.effectiveDateTime ?? o.effectivePeriod?.start ?? o.issued;
  if (!at) return null;
  if (key === 'bloodPressure') {
    const comp = (code: string) =>
      o.component?.find((c: Json) => c.code?.coding?.some((x: Json) => x.code === code))?.valueQuantity
        ?.value;
    const sys = comp('8480-6');
    const dia = comp('8462-4');
    return typeof sys === 'number' ? { at, value: sys, value2: dia, unit: 'mm[Hg]' } : null;
  }
  const q = o.valueQuantity;
  if (typeof q?.value !== 'number') return null;
  if (key === 'hba1c' && (q.unit === '%' || q.code === '%'))
    return { at, value: hba1cPercentToMmolMol(q.value), unit: 'mmol/mol' };
  return { at, value: q.value, unit: q.unit ?? q.code ?? '' };
}

function trendOf(series: ObservationPoint[]): KeyObservation['trend'] {
  if (series.length < 2) return null;
  const [prev, last] = series.slice(-2);
  const delta = (last.value - prev.value) / (Math.abs(prev.value) || 1);
  return Math.abs(delta) < 0.02 ? 'same' : delta > 0 ? 'up' : 'down';
}

const ACTIVE_CONDITION = new Set(['active', 'recurrence', 'relapse']);

export function clinicalSummary(resources: readonly Json[], at: Date): ClinicalSummary {
  const now = at.toISOString();
  const byType = (t: string) => resources.filter((r) => r.resourceType === t);
  const conditions = byType('Condition')
    .filter(
      (c) =>
        ACTIVE_CONDITION.has(statusCode(c.clinicalStatus) ?? '') &&
        statusCode(c.verificationStatus) !== 'entered-in-error',
    )
    .map((c) => item(c, c.code, statusCode(c.clinicalStatus), c.onsetDateTime ?? c.recordedDate ?? null))
    .sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''));
  const observations = KEY_OBSERVATIONS.map((k) => {
    const series = byType('Observation')
      .filter(
        (o) =>
          o.status !== 'entered-in-error' &&
          o.code?.coding?.some(
            (c: Json) => c.system === LOINC && (k.codes as readonly string[]).includes(c.code),
          ),
      )
      .map((o) => point(o, k.key))
      .filter((p): p is ObservationPoint => p !== null && p.at <= now)
      .sort((a, b) => a.at.localeCompare(b.at))
      .slice(-12);
    return { key: k.key, label: k.label, latest: series.at(-1) ?? null, series, trend: trendOf(series) };
  });
  const medications = byType('MedicationRequest')
    .filter((m) => m.status === 'active' || m.status === 'on-hold')
    .map((m) => item(m, m.medicationCodeableConcept, m.status, m.authoredOn ?? null));
  const allergies = byType('AllergyIntolerance')
    .filter(
      (a) => statusCode(a.clinicalStatus) !== 'resolved' && statusCode(a.verificationStatus) !== 'refuted',
    )
    .map((a) => item(a, a.code, statusCode(a.clinicalStatus), a.recordedDate ?? null));
  const appointments = byType('Appointment')
    .filter(
      (a) =>
        (a.status === 'booked' || a.status === 'proposed' || a.status === 'pending') &&
        (a.start ?? '') >= now,
    )
    .map((a) => item(a, a.serviceType?.[0] ?? a.appointmentType, a.status, a.start ?? null))
    .sort((a, b) => (a.date ?? '').localeCompare(b.date ?? ''));
  const episodes = byType('EpisodeOfCare')
    .filter((e) => e.status === 'active' || e.status === 'waitlist' || e.status === 'onhold')
    .map((e) => item(e, e.type?.[0], e.status, e.period?.start ?? null));
  return { conditions, observations, medications, allergies, appointments, episodes };
}
