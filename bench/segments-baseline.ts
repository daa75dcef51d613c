// Hand-written SQL for each segment template, on the same index tables the
// compiler reads (segment_person p, segment_fact f), written the way an
// engineer would answer the question directly: EXISTS / NOT EXISTS, DISTINCT ON
// for "latest value", GROUP BY … HAVING for counts. The benchmark checks that
// each answers the same question as the compiled query (same members), then
// times both. Run with TimeZone = UTC, so interval arithmetic is in UTC.
const SNOMED = 'http://snomed.info/sct';
const ICD10 = 'http://hl7.org/fhir/sid/icd-10';
const LOINC = 'http://loinc.org';
const ATC = 'http://www.whocc.no/atc';
const CVX = 'http://hl7.org/fhir/sid/cvx';
const KVA = 'urn:oid:1.2.752.116.1.3.2.1.4';
const ACT = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const REASON = 'http://terminology.hl7.org/CodeSystem/v2-0276';

const list = (xs: string[]) => xs.map((x) => `'${x}'`).join(', ');
const codes = (system: string, xs: string[]) => `(f.system = '${system}' AND f.code IN (${list(xs)}))`;
const prefixes = (system: string, xs: string[]) =>
  `(f.system = '${system}' AND (${xs.map((x) => `f.code LIKE '${x}%'`).join(' OR ')}))`;
const any = (...xs: string[]) => `(${xs.join(' OR ')})`;

const DIABETES = any(
  prefixes(ICD10, ['E10', 'E11', 'E13', 'E14']),
  codes(SNOMED, ['73211009', '44054006', '46635009']),
);
const COPD = any(prefixes(ICD10, ['J43', 'J44']), codes(SNOMED, ['13645005', '185086009', '87433001']));
const ASTHMA = any(prefixes(ICD10, ['J45', 'J46']), codes(SNOMED, ['195967001', '233678006']));
const HEART_FAILURE = any(prefixes(ICD10, ['I50']), codes(SNOMED, ['84114007', '42343007', '88805009']));
const CKD = any(
  prefixes(ICD10, ['N18']),
  codes(SNOMED, ['709044004', '431855005', '431856006', '433144002', '431857002', '433146000']),
);
const HYPERTENSION = any(
  prefixes(ICD10, ['I10', 'I11', 'I12', 'I13', 'I15']),
  codes(SNOMED, ['38341003', '59621000']),
);
const HBA1C = codes(LOINC, ['59261-8', '4548-4', '17856-6']);
const RESULT = `f.status IN ('final', 'amended', 'corrected')`;

export interface BaselineQuery {
  members: string;
  count: string;
}

export function handWritten(asOf: Date): Record<string, BaselineQuery> {
  const now = `timestamptz '${asOf.toISOString()}'`;
  const today = asOf.toLocaleDateString('sv-SE', { timeZone: 'Europe/Stockholm' });
  const y = asOf.getUTCFullYear();
  const season = asOf.getUTCMonth() >= 9 ? `${y}-10-01` : `${y - 1}-10-01`;
  const within = (iv: string, col = 'at') => `f.${col} >= ${now} - interval '${iv}' AND f.${col} <= ${now}`;
  const upToNow = `(f.at IS NULL OR f.at <= ${now})`;
  const fact = (type: string, where: string) =>
    `SELECT 1 FROM segment_fact f WHERE f.patient_id = p.patient_id AND f.resource_type = '${type}' AND ${where}`;
  const activeCondition = (vs: string) =>
    `EXISTS (${fact('Condition', `${vs} AND f.status IN ('active', 'recurrence', 'relapse') AND ${upToNow}`)})`;
  const ageAtLeast = (n: number) => `p.birth_date::date <= date '${today}' - interval '${n} years'`;
  const ageBetween = (lo: number, hi: number) =>
    `${ageAtLeast(lo)} AND p.birth_date::date > date '${today}' - interval '${hi + 1} years'`;
  const cervicalSample = (
    iv: string,
  ) => `NOT EXISTS (SELECT 1 FROM segment_fact f WHERE f.patient_id = p.patient_id
      AND ${within(iv)} AND (
        (f.resource_type = 'Procedure' AND ${codes(SNOMED, ['171149006', '90226004'])} AND f.status = 'completed')
     OR (f.resource_type = 'Observation' AND ${codes(LOINC, ['10524-7'])} AND ${RESULT})
     OR (f.resource_type = 'Condition' AND ${codes(ICD10, ['Z124'])})))`;

  const q: Record<string, { with?: string; where: string }> = {
    'diabetes-hba1c-above-target': {
      with: `latest_hba1c AS (
        SELECT DISTINCT ON (f.patient_id) f.patient_id, f.value FROM segment_fact f
        WHERE f.resource_type = 'Observation' AND ${HBA1C} AND f.unit = 'mmol/mol' AND f.value IS NOT NULL AND ${within('12 months')}
        ORDER BY f.patient_id, f.at DESC, f.value DESC)`,
      where: `${activeCondition(DIABETES)}
        AND EXISTS (SELECT 1 FROM latest_hba1c l WHERE l.patient_id = p.patient_id AND l.value > 70)`,
    },
    'diabetes-no-hba1c-12-months': {
      where: `${activeCondition(DIABETES)}
        AND NOT EXISTS (${fact('Observation', `${HBA1C} AND ${RESULT} AND ${within('12 months')}`)})`,
    },
    'hypertension-above-target': {
      with: `latest_bp AS (
        SELECT DISTINCT ON (f.patient_id, f.code) f.patient_id, f.code, f.value FROM segment_fact f
        WHERE f.resource_type = 'Observation' AND ${codes(LOINC, ['8480-6', '8462-4'])} AND f.unit = 'mm[Hg]'
          AND f.value IS NOT NULL AND ${within('12 months')}
        ORDER BY f.patient_id, f.code, f.at DESC, f.value DESC)`,
      where: `${activeCondition(HYPERTENSION)}
        AND EXISTS (SELECT 1 FROM latest_bp b WHERE b.patient_id = p.patient_id
          AND ((b.code = '8480-6' AND b.value >= 140) OR (b.code = '8462-4' AND b.value >= 90)))`,
    },
    'asthma-copd-no-follow-up': {
      where: `${activeCondition(any(ASTHMA, COPD))}
        AND NOT EXISTS (${fact('Encounter', `${codes(SNOMED, ['390906007', '185389009'])} AND f.status = 'finished' AND ${within('12 months')}`)})
        AND NOT EXISTS (${fact('Appointment', `${codes(REASON, ['FOLLOWUP'])} AND f.status = 'fulfilled' AND ${within('12 months')}`)})`,
    },
    'mammography-screening-due': {
      where: `p.gender = 'female' AND ${ageBetween(40, 74)}
        AND NOT EXISTS (${fact('Procedure', `${codes(SNOMED, ['71651007', '24623002'])} AND f.status = 'completed' AND ${within('24 months')}`)})
        AND NOT EXISTS (${fact('Condition', `${codes(ICD10, ['Z123'])} AND ${within('24 months')}`)})`,
    },
    'cervical-screening-due': {
      where: `p.gender = 'female' AND (
        (${ageBetween(23, 49)} AND ${cervicalSample('3 years')})
        OR (${ageBetween(50, 64)} AND ${cervicalSample('7 years')}))`,
    },
    'colorectal-screening-due': {
      where: `${ageBetween(60, 74)} AND NOT EXISTS (SELECT 1 FROM segment_fact f WHERE f.patient_id = p.patient_id
        AND ${within('24 months')} AND (
          (f.resource_type = 'Observation' AND ${codes(LOINC, ['29771-3', '57905-2'])} AND ${RESULT})
       OR (f.resource_type = 'Procedure' AND ${any(codes(SNOMED, ['73761001', '104435004']), codes(KVA, ['UJF32']))} AND f.status = 'completed')
       OR (f.resource_type = 'Condition' AND ${codes(ICD10, ['Z121'])})))`,
    },
    'influenza-vaccination-due': {
      where: `(${ageAtLeast(65)} OR ${activeCondition(any(DIABETES, COPD, ASTHMA, HEART_FAILURE, CKD))})
        AND NOT EXISTS (${fact(
          'Immunization',
          `${any(
            prefixes(ATC, ['J07BB']),
            codes(CVX, [
              '88',
              '111',
              '135',
              '140',
              '141',
              '149',
              '150',
              '153',
              '155',
              '158',
              '161',
              '166',
              '168',
              '171',
              '185',
              '186',
              '197',
              '205',
            ]),
          )} AND f.status = 'completed' AND f.at >= timestamptz '${season}T00:00:00Z' AND f.at <= ${now}`,
        )})`,
    },
    'pneumococcal-vaccination-due': {
      where: `(${ageAtLeast(75)} OR (${ageAtLeast(18)} AND ${activeCondition(any(DIABETES, COPD, HEART_FAILURE, CKD))}))
        AND NOT EXISTS (${fact(
          'Immunization',
          `${any(prefixes(ATC, ['J07AL']), codes(CVX, ['33', '100', '109', '133', '152', '215', '216']))} AND f.status = 'completed' AND ${upToNow}`,
        )})`,
    },
    'appointment-next-48-hours': {
      where: `EXISTS (${fact('Appointment', `f.status = 'booked' AND f.at > ${now} AND f.at <= ${now} + interval '48 hours'`)})`,
    },
    'discharged-last-7-days': {
      where: `EXISTS (${fact('Encounter', `${codes(ACT, ['IMP', 'ACUTE', 'NONAC'])} AND f.status = 'finished' AND ${within('7 days', 'at_end')}`)})`,
    },
    'no-shows-12-months': {
      where: `p.patient_id IN (SELECT f.patient_id FROM segment_fact f
        WHERE f.resource_type = 'Appointment' AND f.status = 'noshow' AND ${within('12 months')}
        GROUP BY f.patient_id HAVING count(DISTINCT f.resource_id) >= 2)`,
    },
  };
  const alive = `(p.deceased_at IS NULL OR p.deceased_at > ${now}) AND (p.birth_date IS NULL OR p.birth_date::date <= date '${today}')`;
  return Object.fromEntries(
    Object.entries(q).map(([id, { with: w, where }]) => {
      const body = `FROM segment_person p WHERE ${alive} AND ${where}`;
      const prefix = w ? `WITH ${w}\n` : '';
      return [
        id,
        {
          members: `${prefix}SELECT p.patient_id ${body} ORDER BY p.patient_id`,
          count: `${prefix}SELECT count(*) AS n ${body}`,
        },
      ];
    }),
  );
}
