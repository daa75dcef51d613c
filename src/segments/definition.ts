import { z } from 'zod';

/**
 * The segment definition language, version 1: one schema for the API, the
 * OpenAPI document, the web builder and docs/segments.md. A definition is a
 * tree of groups (and / or / not) over conditions; every condition is a
 * tagged object (`kind`) so compilers and evaluators switch exhaustively.
 * No server imports here: the web app imports this file.
 *
 * Meaning (the reference evaluator in reference/ is the executable form):
 * - Members are FHIR patients alive at the as-of instant (unless
 *   includeDeceased) and born on or before it.
 * - Clinical conditions count resources whose clinical time is at or before
 *   the as-of instant; only `next` windows look ahead. Resources marked
 *   entered-in-error never count.
 */

export const DEFINITION_VERSION = 1;

export const CLINICAL_TYPES = [
  'Condition',
  'Observation',
  'Procedure',
  'MedicationRequest',
  'Immunization',
  'AllergyIntolerance',
  'Encounter',
  'EpisodeOfCare',
  'Appointment',
] as const;
export type ClinicalType = (typeof CLINICAL_TYPES)[number];

export const GENDERS = ['female', 'male', 'other', 'unknown'] as const;
export const PLACE_FIELDS = ['postalCode', 'municipality', 'region'] as const;
export const TIME_UNITS = ['hours', 'days', 'months', 'years'] as const;
export const COMPARATORS = ['gt', 'ge', 'lt', 'le', 'eq'] as const;
export const AGGREGATES = ['latest', 'any', 'min', 'max', 'avg'] as const;
export const ENGAGEMENT_EVENTS = [
  'received',
  'opened',
  'clicked',
  'replied',
  'registered',
  'attended',
  'journey-member',
] as const;
export const CONSENT_CHANNELS = ['email', 'sms', 'letter', 'push'] as const;
export const CONSENT_PURPOSES = ['care', 'outreach', 'tracking'] as const;

const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
  .describe('A calendar date, YYYY-MM-DD (read as the start of that day, UTC)');

/** Which time a window looks at: the resource's start (onset, effective, start) or its end (discharge). */
export const TimeOf = z.enum(['start', 'end']);

export const Window = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('last'),
      amount: z.int().min(1).max(1200),
      unit: z.enum(TIME_UNITS),
    }),
    z.object({
      kind: z.literal('next'),
      amount: z.int().min(1).max(1200),
      unit: z.enum(TIME_UNITS),
    }),
    z.object({ kind: z.literal('between'), from: IsoDate, to: IsoDate }),
    z.object({ kind: z.literal('since'), date: IsoDate }),
    z.object({
      kind: z.literal('season'),
      month: z.int().min(1).max(12),
      day: z.int().min(1).max(31),
    }),
  ])
  .describe(
    'A time window relative to the as-of instant: last N units, next N units (appointments ahead), between two dates, since a date, or since the latest start of a season (e.g. 1 October for influenza).',
  );
export type Window = z.infer<typeof Window>;

export const CodeFilter = z.object({
  system: z
    .string()
    .min(1)
    .max(200)
    .describe('Code system URI or a known alias (snomed, icd10, atc, loinc, cvx, kva, cpt, rxnorm)'),
  codes: z.array(z.string().min(1).max(64)).min(1).max(5000),
  descendants: z
    .boolean()
    .optional()
    .describe('Also match codes below these ones (code-prefix systems: ICD-10, ATC, KVÅ)'),
});
export type CodeFilter = z.infer<typeof CodeFilter>;

const Count = z.object({
  min: z.int().min(0).max(10_000).optional(),
  max: z.int().min(0).max(10_000).optional(),
});

const label = z
  .string()
  .max(200)
  .optional()
  .describe('What the editor calls this rule (shown in the funnel)');

export const AgeCondition = z.object({
  kind: z.literal('age'),
  label,
  min: z.int().min(0).max(130).optional(),
  max: z.int().min(0).max(130).optional(),
});
export const GenderCondition = z.object({
  kind: z.literal('gender'),
  label,
  values: z.array(z.enum(GENDERS)).min(1).max(4),
});
export const PlaceCondition = z.object({
  kind: z.literal('place'),
  label,
  field: z.enum(PLACE_FIELDS),
  values: z
    .array(z.string().min(1).max(100))
    .min(1)
    .max(5000)
    .describe(
      'Postal codes match by prefix ("413" matches 413 01); municipalities and regions by name, any case',
    ),
});
export const LanguageCondition = z.object({
  kind: z.literal('language'),
  label,
  values: z.array(z.string().min(2).max(20)).min(1).max(50).describe('BCP 47 codes: sv, en, ar, fi…'),
});
export const CareUnitCondition = z.object({
  kind: z.literal('careUnit'),
  label,
  units: z.array(z.string().min(1).max(100)).min(1).max(500).describe('Care unit ids (see /api/care-units)'),
});
export const DeceasedCondition = z.object({ kind: z.literal('deceased'), label });

export const ClinicalCondition = z.object({
  kind: z.literal('clinical'),
  label,
  resource: z.enum(CLINICAL_TYPES),
  codes: z.array(CodeFilter).max(50).optional().describe('Any of these codes; omit for any code'),
  status: z
    .array(z.string().min(1).max(40))
    .max(20)
    .optional()
    .describe('Condition clinical status or the resource status (active, completed, booked, noshow…)'),
  window: Window.optional(),
  timeOf: TimeOf.optional(),
  count: Count.optional().describe('How many matching resources; default at least 1. {max: 0} means never.'),
});

export const ObservationCondition = z.object({
  kind: z.literal('observation'),
  label,
  codes: z.array(CodeFilter).min(1).max(50),
  window: Window.optional(),
  aggregate: z.enum(AGGREGATES).describe('latest value, any value, or min / max / average over the window'),
  comparator: z.enum(COMPARATORS),
  value: z.number().finite(),
  unit: z
    .string()
    .min(1)
    .max(40)
    .describe('UCUM unit of `value`; HbA1c % ↔ mmol/mol and glucose mg/dL ↔ mmol/L convert'),
});

export const EngagementCondition = z.object({
  kind: z.literal('engagement'),
  label,
  event: z.enum(ENGAGEMENT_EVENTS),
  ref: z.string().max(200).optional().describe('A campaign, event or journey id; omit for any'),
  window: Window.optional(),
});

export const ConsentCondition = z.object({
  kind: z.literal('consent'),
  label,
  channel: z.enum(CONSENT_CHANNELS),
  purpose: z.enum(CONSENT_PURPOSES),
  topic: z.string().min(1).max(80).optional(),
});

export const SegmentRef = z.object({
  kind: z.literal('segment'),
  label,
  segmentId: z.uuid(),
});
export const ListRef = z.object({ kind: z.literal('list'), label, listId: z.uuid() });

export type Condition =
  | z.infer<typeof AgeCondition>
  | z.infer<typeof GenderCondition>
  | z.infer<typeof PlaceCondition>
  | z.infer<typeof LanguageCondition>
  | z.infer<typeof CareUnitCondition>
  | z.infer<typeof DeceasedCondition>
  | z.infer<typeof ClinicalCondition>
  | z.infer<typeof ObservationCondition>
  | z.infer<typeof EngagementCondition>
  | z.infer<typeof ConsentCondition>
  | z.infer<typeof SegmentRef>
  | z.infer<typeof ListRef>;

export type Group =
  | { kind: 'and'; label?: string; children: Node[] }
  | { kind: 'or'; label?: string; children: Node[] }
  | { kind: 'not'; label?: string; child: Node };

export type Node = Group | Condition;
export type NodeKind = Node['kind'];

export const NodeSchema: z.ZodType<Node> = z.lazy(() =>
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('and'), label, children: z.array(NodeSchema).min(1) }),
    z.object({ kind: z.literal('or'), label, children: z.array(NodeSchema).min(1) }),
    z.object({ kind: z.literal('not'), label, child: NodeSchema }),
    AgeCondition,
    GenderCondition,
    PlaceCondition,
    LanguageCondition,
    CareUnitCondition,
    DeceasedCondition,
    ClinicalCondition,
    ObservationCondition,
    EngagementCondition,
    ConsentCondition,
    SegmentRef,
    ListRef,
  ]),
);

export const DefinitionSchema = z.object({
  version: z.literal(DEFINITION_VERSION),
  root: NodeSchema,
  includeDeceased: z.boolean().optional().describe('Also count people who had died by the as-of instant'),
});
export type Definition = z.infer<typeof DefinitionSchema>;

/** Node paths name a node in errors and in the funnel: "root", "root.children[1]", "root.children[0].child". */
export function childPaths(node: Node, path: string): Array<[Node, string]> {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.children.map((c, i) => [c, `${path}.children[${i}]`]);
    case 'not':
      return [[node.child, `${path}.child`]];
    default:
      return [];
  }
}
