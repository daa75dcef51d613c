/**
 * What the builder offers: the rule catalogue by category, a new rule of
 * each type, each rule's title and a short description in the reader's
 * language (the funnel's label when the editor gave none).
 */
import { isMessageKey, type MessageKey, type Translate } from '../../i18n/index.tsx';
import type { ClinicalType, SegmentCondition, SegmentNode, SegmentWindow } from '../../types.ts';

export type RuleType =
  | 'age'
  | 'gender'
  | 'place'
  | 'language'
  | 'careUnit'
  | 'deceased'
  | 'diagnosis'
  | 'observation'
  | 'procedure'
  | 'medication'
  | 'vaccination'
  | 'allergy'
  | 'encounter'
  | 'episode'
  | 'appointment'
  | 'appointmentSoon'
  | 'noShows'
  | 'encounters'
  | 'engagement'
  | 'consent'
  | 'segment'
  | 'list'
  | 'groupAnd'
  | 'groupOr';

export const CATEGORIES: readonly { label: MessageKey; rules: readonly RuleType[] }[] = [
  { label: 'seg.cat.demography', rules: ['age', 'gender', 'place', 'language', 'careUnit', 'deceased'] },
  {
    label: 'seg.cat.clinical',
    rules: [
      'diagnosis',
      'observation',
      'procedure',
      'medication',
      'vaccination',
      'allergy',
      'encounter',
      'episode',
      'appointment',
      'appointmentSoon',
    ],
  },
  { label: 'seg.cat.count', rules: ['noShows', 'encounters'] },
  { label: 'seg.cat.engagement', rules: ['engagement'] },
  { label: 'seg.cat.consent', rules: ['consent'] },
  { label: 'seg.cat.segment', rules: ['segment'] },
  { label: 'seg.cat.list', rules: ['list'] },
  { label: 'seg.cat.group', rules: ['groupAnd', 'groupOr'] },
];

export const RULE_LABEL: Record<RuleType, MessageKey> = {
  age: 'seg.rule.age',
  gender: 'seg.rule.gender',
  place: 'seg.rule.place',
  language: 'seg.rule.language',
  careUnit: 'seg.rule.careUnit',
  deceased: 'seg.rule.deceased',
  diagnosis: 'seg.resource.Condition',
  observation: 'seg.rule.observation',
  procedure: 'seg.resource.Procedure',
  medication: 'seg.resource.MedicationRequest',
  vaccination: 'seg.resource.Immunization',
  allergy: 'seg.resource.AllergyIntolerance',
  encounter: 'seg.resource.Encounter',
  episode: 'seg.resource.EpisodeOfCare',
  appointment: 'seg.resource.Appointment',
  appointmentSoon: 'seg.rule.appointmentSoon',
  noShows: 'seg.rule.noShows',
  encounters: 'seg.rule.encounters',
  engagement: 'seg.rule.engagement',
  consent: 'seg.rule.consent',
  segment: 'seg.rule.segment',
  list: 'seg.rule.list',
  groupAnd: 'seg.group.and',
  groupOr: 'seg.group.or',
};

const clinical = (resource: ClinicalType, extra: Partial<SegmentCondition> = {}): SegmentNode =>
  ({ kind: 'clinical', resource, ...extra }) as SegmentNode;

/** A new rule of the type, as far filled in as a sensible default goes. */
export function newRule(type: RuleType): SegmentNode {
  switch (type) {
    case 'age':
      return { kind: 'age' };
    case 'gender':
      return { kind: 'gender', values: ['female'] };
    case 'place':
      return { kind: 'place', field: 'postalCode', values: [] };
    case 'language':
      return { kind: 'language', values: [] };
    case 'careUnit':
      return { kind: 'careUnit', units: [] };
    case 'deceased':
      return { kind: 'deceased' };
    case 'diagnosis':
      return clinical('Condition');
    case 'observation':
      return {
        kind: 'observation',
        codes: [],
        window: { kind: 'last', amount: 12, unit: 'months' },
        aggregate: 'latest',
        comparator: 'gt',
        value: 0,
        unit: '',
      };
    case 'procedure':
      return clinical('Procedure');
    case 'medication':
      return clinical('MedicationRequest', { status: ['active'] });
    case 'vaccination':
      return clinical('Immunization', { status: ['completed'] });
    case 'allergy':
      return clinical('AllergyIntolerance');
    case 'encounter':
      return clinical('Encounter');
    case 'episode':
      return clinical('EpisodeOfCare');
    case 'appointment':
      return clinical('Appointment', { status: ['booked'] });
    case 'appointmentSoon':
      return clinical('Appointment', {
        status: ['booked'],
        window: { kind: 'next', amount: 48, unit: 'hours' },
      });
    case 'noShows':
      return clinical('Appointment', {
        status: ['noshow'],
        window: { kind: 'last', amount: 12, unit: 'months' },
        count: { min: 2 },
      });
    case 'encounters':
      return clinical('Encounter', {
        window: { kind: 'last', amount: 12, unit: 'months' },
        count: { min: 2 },
      });
    case 'engagement':
      return { kind: 'engagement', event: 'opened', window: { kind: 'last', amount: 90, unit: 'days' } };
    case 'consent':
      return { kind: 'consent', channel: 'sms', purpose: 'outreach' };
    case 'segment':
      return { kind: 'segment', segmentId: '' };
    case 'list':
      return { kind: 'list', listId: '' };
    case 'groupAnd':
      return { kind: 'and', children: [] };
    case 'groupOr':
      return { kind: 'or', children: [] };
  }
}

export const RESOURCE_LABEL: Record<ClinicalType, MessageKey> = {
  Condition: 'seg.resource.Condition',
  Observation: 'seg.resource.Observation',
  Procedure: 'seg.resource.Procedure',
  MedicationRequest: 'seg.resource.MedicationRequest',
  Immunization: 'seg.resource.Immunization',
  AllergyIntolerance: 'seg.resource.AllergyIntolerance',
  Encounter: 'seg.resource.Encounter',
  EpisodeOfCare: 'seg.resource.EpisodeOfCare',
  Appointment: 'seg.resource.Appointment',
};

/** The statuses worth offering per resource (Condition: its clinical status). */
export const STATUSES: Record<ClinicalType, readonly string[]> = {
  Condition: ['active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved'],
  Observation: ['final', 'amended', 'corrected', 'preliminary'],
  Procedure: ['completed', 'in-progress', 'not-done'],
  MedicationRequest: ['active', 'completed', 'stopped', 'on-hold'],
  Immunization: ['completed', 'not-done'],
  AllergyIntolerance: ['active', 'inactive', 'resolved'],
  Encounter: ['finished', 'in-progress', 'planned', 'cancelled'],
  EpisodeOfCare: ['active', 'finished', 'planned', 'waitlist'],
  Appointment: ['booked', 'fulfilled', 'noshow', 'cancelled', 'arrived', 'checked-in'],
};

/** Resources with an end time (discharge, resolution) a window may look at. */
export const HAS_END = new Set<ClinicalType>([
  'Condition',
  'Procedure',
  'Encounter',
  'EpisodeOfCare',
  'Appointment',
]);

/** The card's title: what kind of rule it is. */
export function ruleTitle(n: SegmentNode, t: Translate): string {
  switch (n.kind) {
    case 'and':
      return t('seg.group.and');
    case 'or':
      return t('seg.group.or');
    case 'not':
      return t('seg.group.not');
    case 'clinical':
      return t(RESOURCE_LABEL[n.resource]);
    case 'observation':
      return t('seg.rule.observation');
    default:
      return t(RULE_LABEL[n.kind]);
  }
}

const UNIT_KEY = {
  hours: 'seg.unit.hours',
  days: 'seg.unit.days',
  months: 'seg.unit.months',
  years: 'seg.unit.years',
} as const;

export function windowText(w: SegmentWindow, t: Translate): string {
  switch (w.kind) {
    case 'last':
      return t('seg.window.lastText', { n: w.amount, unit: t(UNIT_KEY[w.unit]) });
    case 'next':
      return t('seg.window.nextText', { n: w.amount, unit: t(UNIT_KEY[w.unit]) });
    case 'between':
      return `${w.from} – ${w.to}`;
    case 'since':
      return t('seg.window.sinceText', { date: w.date });
    case 'season':
      return t('seg.window.seasonText', { day: w.day, month: w.month });
  }
}

export const COMPARATOR_SIGN = { gt: '>', ge: '≥', lt: '<', le: '≤', eq: '=' } as const;

/** A FHIR status in words where the catalogue knows it ("noshow" → "Uteblivet"). */
export function statusText(status: string, t: Translate): string {
  const key = `status.${status}`;
  return isMessageKey(key) ? t(key) : status;
}

const few = (xs: readonly string[]) => `${xs.slice(0, 3).join(', ')}${xs.length > 3 ? '…' : ''}`;

export interface Names {
  segment(id: string): string | undefined;
  list(id: string): string | undefined;
}

/** A short description of the rule in the reader's language; the editor's own label wins. */
export function describeRule(n: SegmentNode, t: Translate, names: Names): string {
  if (n.label) return n.label;
  const title = ruleTitle(n, t);
  switch (n.kind) {
    case 'and':
    case 'or':
      return t('seg.describe.group', { title, n: n.children.length });
    case 'not':
      return `${title}: ${describeRule(n.child, t, names)}`;
    case 'age':
      if (n.min !== undefined && n.max !== undefined) return `${title} ${n.min}–${n.max}`;
      return n.min !== undefined ? `${title} ${n.min}+` : `${title} ≤ ${n.max ?? '?'}`;
    case 'gender':
      return `${title}: ${n.values.map((g) => t(`gender.${g}`)).join(', ')}`;
    case 'place':
      return `${t(`seg.place.${n.field}`)} ${few(n.values)}`;
    case 'language':
    case 'careUnit':
      return `${title}: ${few(n.kind === 'language' ? n.values : n.units)}`;
    case 'deceased':
      return title;
    case 'clinical': {
      const codes = (n.codes ?? []).flatMap((f) => f.codes.map((c) => `${c}${f.descendants ? '*' : ''}`));
      let text = codes.length ? `${title} ${few(codes)}` : title;
      if (n.status?.length) text += ` (${n.status.map((x) => statusText(x, t).toLowerCase()).join(', ')})`;
      if (n.window) text += `, ${windowText(n.window, t)}`;
      if (n.count?.max === 0 && !n.count.min) return t('seg.describe.never', { what: text });
      if (n.count?.min && n.count.min > 1) text = t('seg.describe.atLeast', { n: n.count.min, what: text });
      return text;
    }
    case 'observation': {
      const code = n.codes[0]?.codes[0] ?? '?';
      const text = `${t(`seg.aggregate.${n.aggregate}`)} ${code} ${COMPARATOR_SIGN[n.comparator]} ${n.value} ${n.unit}`;
      return n.window ? `${text}, ${windowText(n.window, t)}` : text;
    }
    case 'engagement':
      return `${title}: ${t(`seg.event.${n.event}`)}${n.window ? `, ${windowText(n.window, t)}` : ''}`;
    case 'consent':
      return `${title}: ${t(`channel.${n.channel}`)}, ${t(`purpose.${n.purpose}`)}`;
    case 'segment':
      return `${title}: ${names.segment(n.segmentId) ?? n.segmentId}`;
    case 'list':
      return `${title}: ${names.list(n.listId) ?? n.listId}`;
  }
}
