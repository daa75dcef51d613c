import { ACT_CODE, type Resource, ref, SERVICE_TYPE, SNOMED } from './fhir.ts';
import type { Visit } from './observations.ts';
import type { Person } from './person.ts';
import { Rng } from './prng.ts';
import type { CareSite, StaffMember } from './reference.ts';
import { DAY, dateTime, officeHours, YEAR } from './time.ts';

const HOUR = 3_600_000;
const PERFORMER = [
  {
    coding: [
      {
        system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
        code: 'PPRF',
        display: 'primary performer',
      },
    ],
  },
];
const DISCHARGE = 'http://terminology.hl7.org/CodeSystem/discharge-disposition';
/** Appointments are kept by booking systems for about two years; older visits have none. */
const APPOINTMENT_HISTORY_MS = 2 * YEAR;

/** Counts events at a yearly rate: the whole part always happens, the fraction by chance. */
function timesIn(p: Person, ratePerYear: number, fromMs: number, toMs: number, rng: Rng = p.rng): number[] {
  const times: number[] = [];
  for (let start = fromMs; start < toMs; start += YEAR) {
    const span = Math.min(YEAR, toMs - start);
    const expected = (ratePerYear * span) / YEAR;
    const n = Math.floor(expected) + (rng.chance(expected % 1) ? 1 : 0);
    for (let i = 0; i < n; i++) times.push(start + rng.next() * span);
  }
  return times.sort((a, b) => a - b);
}

/**
 * Care habits that only some people have, drawn from a stream of their own so
 * that everyone else's output stays as it was: a few people miss many of their
 * bookings (no-shows cluster in few patients), and some people with a chronic
 * condition drop out of follow-up for a year or more (which is what "diabetics
 * without HbA1c in 12 months" and "asthma/COPD without follow-up" look for).
 * Shares are assumptions; see docs/generator.md.
 */
const HABITUAL_NO_SHOW_SHARE = 0.05;
const HABITUAL_NO_SHOW_RATE = 0.35;
const NO_SHOW_RATE = 0.03;
const LAPSED_SHARE = 0.08;

interface CareHabits {
  noShowRate: number;
  /** Visits from this instant on are not kept (the person stopped coming), or undefined. */
  lapsedFromMs: number | undefined;
}

function careHabits(p: Person): CareHabits {
  const habits = new Rng(`${p.id}/care-habits`);
  const noShowRate = habits.chance(HABITUAL_NO_SHOW_SHARE) ? HABITUAL_NO_SHOW_RATE : NO_SHOW_RATE;
  const lapsed = p.conditions.size > 0 && habits.chance(LAPSED_SHARE);
  const lapsedFromMs = lapsed ? p.endMs - habits.between(12, 18) * (YEAR / 12) : undefined;
  return { noShowRate, lapsedFromMs };
}

function primaryCareRate(p: Person): number {
  const base = p.age < 18 ? 0.6 : p.age < 65 ? 0.9 : p.age < 80 ? 1.6 : 2.2;
  let chronic = 0;
  for (const key of p.conditions.keys()) chronic += key === 'diabetes' ? 1.5 : 1;
  return Math.min(5, base + chronic);
}

export function addDiabetesEpisode(p: Person, out: Resource[]): string | undefined {
  const diabetes = p.conditions.get('diabetes');
  if (!diabetes) return undefined;
  const id = p.newId('EpisodeOfCare');
  out.push({
    resourceType: 'EpisodeOfCare',
    id,
    status: p.deathMs === undefined ? 'active' : 'finished',
    type: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/episodeofcare-type',
            code: 'diab',
            display: 'Post co-ordinated diabetes program',
          },
        ],
        text: 'Diabetesvård',
      },
    ],
    diagnosis: [{ condition: ref('Condition', diabetes.id), rank: 1 }],
    patient: ref('Patient', p.id),
    managingOrganization: ref('Organization', p.centre.orgId, p.centre.name),
    period: {
      start: dateTime(diabetes.onsetMs),
      ...(p.deathMs === undefined ? {} : { end: dateTime(p.deathMs) }),
    },
    careManager: ref('Practitioner', p.gp.id),
  });
  return id;
}

function appointment(
  p: Person,
  status: 'booked' | 'fulfilled' | 'noshow' | 'cancelled',
  startMs: number,
  staff: StaffMember,
  service: { code: string; display: string },
  createdMs: number,
): Resource {
  const minutes = service.code === 'gp-visit' ? 30 : 20;
  return {
    resourceType: 'Appointment',
    id: p.newId('Appointment'),
    status,
    ...(status === 'cancelled'
      ? {
          cancelationReason: {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason',
                code: 'pat',
                display: 'Patient',
              },
            ],
          },
        }
      : {}),
    serviceType: [{ coding: [{ system: SERVICE_TYPE, ...service }], text: service.display }],
    appointmentType: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/v2-0276',
          code: service.code === 'gp-visit' ? 'ROUTINE' : 'FOLLOWUP',
        },
      ],
    },
    start: dateTime(startMs),
    end: dateTime(startMs + minutes * 60_000),
    minutesDuration: minutes,
    created: dateTime(Math.min(createdMs, startMs)),
    participant: [
      { actor: ref('Patient', p.id), required: 'required', status: 'accepted' },
      { actor: ref('Practitioner', staff.id, staff.display), required: 'required', status: 'accepted' },
      {
        actor: ref('Location', p.centre.locationId, p.centre.name),
        required: 'required',
        status: 'accepted',
      },
    ],
  };
}

const GP_VISIT = { code: 'gp-visit', display: 'Läkarbesök' };
const NURSE_VISIT = { code: 'nurse-visit', display: 'Sjuksköterskebesök' };
const DIABETES_CHECK = { code: 'diabetes-check', display: 'Diabeteskontroll' };

/**
 * Primary-care visits at the patient's vårdcentral over the history window, each an
 * Encounter; recent ones come with their fulfilled Appointment, plus no-shows,
 * cancellations and (for the living) future bookings.
 */
export function addPrimaryCare(
  p: Person,
  kept: Resource[],
  episodeId: string | undefined,
  measure: (visit: Visit, out: Resource[]) => void,
): void {
  const { rng } = p;
  const chronicIds = [...p.conditions.values()].map((c) => c.id);
  const diabetes = p.conditions.get('diabetes');
  const habits = careHabits(p);
  for (const t of timesIn(p, primaryCareRate(p), p.historyStartMs, p.endMs)) {
    const startMs = officeHours(t, rng.int(0, 31));
    if (startMs >= p.endMs) continue;
    // A visit after the person stopped coming is still drawn (so the rest of their
    // history is unchanged) but not kept.
    const out = habits.lapsedFromMs !== undefined && startMs >= habits.lapsedFromMs ? [] : kept;
    const followUp = chronicIds.length > 0 && rng.chance(0.7);
    const byNurse = followUp && diabetes !== undefined && rng.chance(0.5);
    const staff = byNurse ? rng.pick(p.centre.nurses) : rng.chance(0.8) ? p.gp : rng.pick(p.centre.doctors);
    const service = byNurse ? DIABETES_CHECK : followUp ? NURSE_VISIT : GP_VISIT;
    const encounterId = p.newId('Encounter');
    let appointmentId: string | undefined;
    if (startMs > p.asOfMs - APPOINTMENT_HISTORY_MS) {
      if (rng.chance(habits.noShowRate))
        out.push(
          appointment(p, 'noshow', startMs - rng.int(14, 60) * DAY, staff, service, startMs - 90 * DAY),
        );
      if (rng.chance(0.07))
        out.push(
          appointment(p, 'cancelled', startMs - rng.int(7, 40) * DAY, staff, service, startMs - 60 * DAY),
        );
      const booked = appointment(p, 'fulfilled', startMs, staff, service, startMs - rng.int(1, 45) * DAY);
      appointmentId = booked.id;
      out.push(booked);
    }
    const reason = followUp ? (byNurse ? diabetes!.id : rng.pick(chronicIds)) : undefined;
    out.push({
      resourceType: 'Encounter',
      id: encounterId,
      status: 'finished',
      class: { system: ACT_CODE, code: 'AMB', display: 'ambulatory' },
      type: [
        followUp
          ? {
              coding: [{ system: SNOMED, code: '390906007', display: 'Follow-up encounter' }],
              text: 'Uppföljning',
            }
          : {
              coding: [{ system: SNOMED, code: '185349003', display: 'Encounter for check up' }],
              text: 'Läkarbesök',
            },
      ],
      subject: ref('Patient', p.id),
      ...(byNurse && episodeId ? { episodeOfCare: [ref('EpisodeOfCare', episodeId)] } : {}),
      participant: [{ type: PERFORMER, individual: ref('Practitioner', staff.id, staff.display) }],
      ...(appointmentId ? { appointment: [ref('Appointment', appointmentId)] } : {}),
      period: { start: dateTime(startMs), end: dateTime(startMs + 25 * 60_000) },
      ...(reason ? { reasonReference: [ref('Condition', reason)] } : {}),
      location: [{ location: ref('Location', p.centre.locationId, p.centre.name), status: 'completed' }],
      serviceProvider: ref('Organization', p.centre.orgId, p.centre.name),
    });
    measure({ encounterId, startMs, performerId: staff.id }, out);
  }

  if (p.deathMs !== undefined) return;
  const futureCount = diabetes
    ? 1 + (rng.chance(0.4) ? 1 : 0)
    : chronicIds.length > 0
      ? rng.chance(0.7)
        ? 1
        : 0
      : rng.chance(0.2)
        ? 1
        : 0;
  for (let i = 0; i < futureCount; i++) {
    // Most bookings are for the coming weeks: days ahead fall off exponentially (mean about a month).
    const daysAhead = Math.min(180, 1 + Math.floor(-Math.log(1 - rng.next()) * 30));
    const startMs = officeHours(p.asOfMs + daysAhead * DAY, rng.int(0, 31));
    const service = diabetes && i === 0 ? DIABETES_CHECK : chronicIds.length > 0 ? NURSE_VISIT : GP_VISIT;
    const staff = service === DIABETES_CHECK ? rng.pick(p.centre.nurses) : p.gp;
    const status = rng.chance(0.05) ? 'cancelled' : 'booked';
    kept.push(appointment(p, status, startMs, staff, service, p.asOfMs - rng.int(1, 60) * DAY));
  }
}

function hospitalEncounter(
  p: Person,
  kind: 'IMP' | 'EMER',
  startMs: number,
  endMs: number,
  hospital: CareSite,
  disposition: string | undefined,
  reason: string | undefined,
  rng: Rng = p.rng,
): Resource {
  const doctor = rng.pick(hospital.doctors);
  return {
    resourceType: 'Encounter',
    id: p.newId('Encounter'),
    status: 'finished',
    class:
      kind === 'IMP'
        ? { system: ACT_CODE, code: 'IMP', display: 'inpatient encounter' }
        : { system: ACT_CODE, code: 'EMER', display: 'emergency' },
    type: [
      kind === 'IMP'
        ? {
            coding: [{ system: SNOMED, code: '32485007', display: 'Hospital admission' }],
            text: 'Slutenvård',
          }
        : {
            coding: [{ system: SNOMED, code: '50849002', display: 'Emergency room admission' }],
            text: 'Akutbesök',
          },
    ],
    subject: ref('Patient', p.id),
    participant: [{ type: PERFORMER, individual: ref('Practitioner', doctor.id, doctor.display) }],
    period: { start: dateTime(startMs), end: dateTime(endMs) },
    ...(reason ? { reasonReference: [ref('Condition', reason)] } : {}),
    ...(disposition
      ? { hospitalization: { dischargeDisposition: { coding: [{ system: DISCHARGE, code: disposition }] } } }
      : {}),
    location: [{ location: ref('Location', hospital.locationId, hospital.name), status: 'completed' }],
    serviceProvider: ref('Organization', hospital.orgId, hospital.name),
  };
}

/** Inpatient stays and emergency visits at the region's hospital. */
export function addHospitalCare(p: Person, out: Resource[]): void {
  const { rng, conditions, age } = p;
  const hospital = p.region.hospital;
  const hf = conditions.get('heartFailure');
  const copd = conditions.get('copd');
  const driver = hf ?? copd;
  const impRate =
    (age < 18 ? 0.02 : age < 65 ? 0.03 : age < 80 ? 0.08 : 0.15) + (hf ? 0.4 : 0) + (copd ? 0.2 : 0);
  const emerRate =
    (age < 18 ? 0.1 : age < 65 ? 0.08 : age < 80 ? 0.12 : 0.2) + (hf ? 0.2 : 0) + (copd ? 0.2 : 0);

  for (const t of timesIn(p, impRate, p.historyStartMs, p.endMs)) {
    const days = driver ? rng.int(3, 12) : rng.int(1, 8);
    const endMs = t + days * DAY + rng.int(0, 8) * HOUR;
    if (endMs >= p.endMs) continue;
    const disposition =
      age >= 80 && rng.chance(0.1)
        ? 'snf'
        : rng.chance(0.04)
          ? 'rehab'
          : rng.chance(0.04)
            ? 'other-hcf'
            : 'home';
    out.push(
      hospitalEncounter(
        p,
        'IMP',
        t,
        endMs,
        hospital,
        disposition,
        driver && rng.chance(0.6) ? driver.id : undefined,
      ),
    );
  }
  for (const t of timesIn(p, emerRate, p.historyStartMs, p.endMs)) {
    const endMs = t + rng.int(2, 8) * HOUR;
    if (endMs >= p.endMs) continue;
    out.push(hospitalEncounter(p, 'EMER', t, endMs, hospital, undefined, undefined));
  }
  // Many deaths happen in hospital (assumed 40 % here); those end with an inpatient stay.
  if (p.deathMs !== undefined && rng.chance(0.4)) {
    const start = Math.max(p.historyStartMs, p.deathMs - rng.int(1, 14) * DAY);
    if (start < p.deathMs)
      out.push(hospitalEncounter(p, 'IMP', start, p.deathMs, hospital, 'exp', driver?.id));
  }
  // Stays for causes not modelled here (injuries, infections, surgery, childbirth), from a
  // stream of their own so the rest of the person's history is unchanged. With them there
  // are about 0.1 inpatient stays per person and year (an assumption; the modelled causes
  // alone give about 0.05).
  const other = new Rng(`${p.id}/other-stays`);
  for (const t of timesIn(p, otherInpatientRate(age), p.historyStartMs, p.endMs, other)) {
    const endMs = t + other.int(1, 6) * DAY + other.int(0, 8) * HOUR;
    if (endMs >= p.endMs) continue;
    out.push(hospitalEncounter(p, 'IMP', t, endMs, hospital, 'home', undefined, other));
  }
}

function otherInpatientRate(age: number): number {
  return age < 18 ? 0.03 : age < 65 ? 0.04 : age < 80 ? 0.1 : 0.2;
}
