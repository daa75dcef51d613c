import type { SegmentTemplate } from './types.ts';
import { filters, INPATIENT_CLASS, listed } from './value-sets.ts';

export const appointmentNext48Hours: SegmentTemplate = {
  id: 'appointment-next-48-hours',
  name: { sv: 'Bokad tid inom 48 timmar', en: 'Appointment in the next 48 hours' },
  description: {
    sv: 'Personer med en bokad tid som börjar inom de kommande 48 timmarna (för påminnelser).',
    en: 'People with a booked appointment starting in the next 48 hours (for reminders).',
  },
  category: 'appointments',
  definition: {
    version: 1,
    root: {
      kind: 'clinical',
      label: 'Booked appointment in the next 48 hours',
      resource: 'Appointment',
      status: ['booked'],
      window: { kind: 'next', amount: 48, unit: 'hours' },
    },
  },
  codes: [],
  guideline: {
    title: 'No national guideline',
    publisher: 'Patient Outreach',
    note: 'No clinical guideline sets appointment reminders; they are here because they cut no-shows, whose time others wait for. The rule reads the appointment status (booked) and its start; cancelled, fulfilled and no-show appointments never match. Add a consent rule for SMS before sending.',
  },
};

export const dischargedLast7Days: SegmentTemplate = {
  id: 'discharged-last-7-days',
  name: { sv: 'Utskrivna från slutenvård senaste 7 dagarna', en: 'Discharged in the last 7 days' },
  description: {
    sv: 'Personer vars vårdtillfälle i slutenvården avslutades de senaste 7 dagarna (för uppföljning efter utskrivning).',
    en: 'People whose inpatient stay ended in the last 7 days (for follow-up after discharge).',
  },
  category: 'care-transitions',
  definition: {
    version: 1,
    root: {
      kind: 'clinical',
      label: 'Inpatient stay ended in the last 7 days',
      resource: 'Encounter',
      codes: filters(INPATIENT_CLASS),
      status: ['finished'],
      timeOf: 'end',
      window: { kind: 'last', amount: 7, unit: 'days' },
    },
  },
  codes: listed(INPATIENT_CLASS),
  guideline: {
    title: 'Lag (2017:612) om samverkan vid utskrivning från sluten hälso- och sjukvård',
    publisher: 'Sveriges riksdag',
    note: "The law on cooperation at discharge makes the patient's primary care unit name a care contact and plan the follow-up of patients who need care from primary care or the municipality after an inpatient stay; a call in the first week finds problems with medication and self-care early. The rule reads the end of the stay (discharge), not its start, and only finished encounters. People who died in hospital are outside every segment.",
  },
};

export const noShows12Months: SegmentTemplate = {
  id: 'no-shows-12-months',
  name: { sv: 'Två eller fler uteblivna besök på 12 månader', en: 'Two or more no-shows in 12 months' },
  description: {
    sv: 'Personer som har uteblivit från minst två bokade besök de senaste 12 månaderna.',
    en: 'People who missed at least two booked appointments in the last 12 months.',
  },
  category: 'appointments',
  definition: {
    version: 1,
    root: {
      kind: 'clinical',
      label: 'At least 2 no-shows in 12 months',
      resource: 'Appointment',
      status: ['noshow'],
      window: { kind: 'last', amount: 12, unit: 'months' },
      count: { min: 2 },
    },
  },
  codes: [],
  guideline: {
    title: 'No national guideline',
    publisher: 'Patient Outreach',
    note: "Repeated no-shows often mean a barrier (language, transport, the booking did not reach the patient) rather than disinterest; reaching out by another channel helps. The threshold of two in twelve months is this product's choice, not a national rule. Each missed appointment counts once.",
  },
};
