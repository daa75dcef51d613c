import { z } from 'zod';
import { CONSENT_CHANNELS, CONSENT_PURPOSES, DefinitionSchema } from './definition.ts';

/** One schema set for the segments API, the OpenAPI document and the web app. No server imports here. */
export { DefinitionSchema };

export const SegmentKind = z.enum(['dynamic', 'static']);

export const SegmentInput = z.object({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).optional(),
  kind: SegmentKind.default('dynamic').describe(
    'dynamic: refreshed on a schedule and on changes; static: frozen when saved',
  ),
  definition: DefinitionSchema,
  refreshMinutes: z
    .int()
    .min(5)
    .max(7 * 24 * 60)
    .optional()
    .describe('How often a dynamic segment is recomputed in full'),
  template: z.string().max(80).optional(),
});

export const SegmentUpdate = SegmentInput.extend({
  version: z
    .int()
    .min(1)
    .describe('The version you edited; a newer one on the server means someone else saved first (409)'),
});

export const SegmentSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string(),
  kind: SegmentKind,
  definition: DefinitionSchema,
  version: z.int(),
  template: z.string().nullable(),
  refreshMinutes: z.int().nullable(),
  frozenAt: z.string().nullable(),
  refreshedAt: z.string().nullable(),
  memberCount: z.int().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const SegmentIdParams = z.object({ id: z.uuid().describe('Segment id') });

export const AsOf = z
  .string()
  .refine((s) => Number.isFinite(Date.parse(s)), 'an ISO 8601 instant, e.g. 2020-05-06T00:00:00Z')
  .optional()
  .describe('Evaluate as of this instant (default now)');

export const PreviewBody = z.object({
  definition: DefinitionSchema,
  asOf: AsOf,
  sample: z.int().min(0).max(50).default(10).describe('How many members to show, with why they matched'),
});

export const ReasonSchema = z.object({
  path: z.string(),
  label: z.string(),
  passed: z.boolean(),
  reason: z.string(),
});

export const SampleMember = z.object({
  patientId: z.string(),
  profileId: z.string().nullable(),
  name: z.string().nullable(),
  birthDate: z.string().nullable(),
  why: z.array(ReasonSchema),
});

export const FunnelRowSchema = z.object({
  path: z.string(),
  label: z.string(),
  alone: z.int().describe('How many pass this rule alone'),
  cumulative: z.int().describe('How many pass this rule and every rule before it'),
});

export const PreviewSchema = z.object({
  asOf: z.string(),
  count: z.int(),
  universe: z.int().describe('Everyone alive and born at the as-of instant'),
  funnel: z.array(FunnelRowSchema),
  sample: z.array(SampleMember),
  scoped: z.boolean().describe('True when counts cover only the care units the caller may see'),
  ms: z.number(),
});

export const ProblemSchema = z.object({ path: z.string(), message: z.string() });
export const ValidationSchema = z.object({ valid: z.boolean(), problems: z.array(ProblemSchema) });

export const MembershipChangeSchema = z.object({ members: z.int(), entered: z.int(), exited: z.int() });

export const CountPoint = z.object({
  at: z.string(),
  members: z.int(),
  entered: z.int(),
  exited: z.int(),
  version: z.int(),
});

export const MemberSchema = z.object({
  patientId: z.string(),
  profileId: z.string().nullable(),
  name: z.string().nullable(),
  birthDate: z.string().nullable(),
  enteredAt: z.string(),
});

export const MembersQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.string().max(64).optional().describe('The last patient id of the previous page'),
});

export const EventsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
  segment: z.uuid().optional(),
});

export const SegmentEventSchema = z.object({
  seq: z.int(),
  segmentId: z.string(),
  patientId: z.string(),
  kind: z.enum(['enter', 'exit']),
  version: z.int(),
  at: z.string(),
});

export const TemplateSchema = z.object({
  id: z.string(),
  name: z.object({ sv: z.string(), en: z.string() }),
  description: z.object({ sv: z.string(), en: z.string() }),
  category: z.string(),
  definition: DefinitionSchema,
  codes: z.array(
    z.object({
      system: z.string(),
      codes: z.array(z.string()),
      descendants: z.boolean().optional(),
      meaning: z.string(),
    }),
  ),
  guideline: z.object({
    title: z.string(),
    publisher: z.string(),
    url: z.string().optional(),
    note: z.string(),
  }),
});

export const FromTemplateBody = z.object({
  template: z.string().min(1).max(80),
  name: z.string().trim().min(1).max(200).optional(),
  lang: z
    .enum(['sv', 'en'])
    .default('sv')
    .describe('The language of the copy’s name, description and rule labels'),
});

export const CodeSystemSchema = z.object({
  alias: z.string(),
  uri: z.string(),
  label: z.string(),
  prefixHierarchy: z.boolean(),
});

export const CodeSearchQuery = z.object({
  resource: z.string().max(40).optional(),
  system: z.string().max(200).optional(),
  q: z.string().max(100).default(''),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const CodeInUse = z.object({
  resourceType: z.string(),
  system: z.string(),
  systemLabel: z.string(),
  code: z.string(),
  display: z.string().nullable(),
});

export const ListBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    identifiers: z.array(z.string().max(100)).max(200_000).optional(),
    csv: z
      .string()
      .max(8_000_000)
      .optional()
      .describe('CSV text: the first column holds personnummer or patient ids'),
  })
  .refine((b) => (b.identifiers === undefined) !== (b.csv === undefined), {
    message: 'give either identifiers (an array) or csv (text), not both',
  });

export const ListSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  size: z.int(),
  received: z.int(),
  unmatched: z.int(),
  problems: z.array(z.object({ line: z.int(), value: z.string(), reason: z.string() })),
});

export const ListSummary = z.object({
  id: z.uuid(),
  name: z.string(),
  size: z.int(),
  unmatched: z.int(),
  createdBy: z.string(),
  createdAt: z.string(),
});

export const ConsentOptions = z.object({
  channels: z.array(z.enum(CONSENT_CHANNELS)),
  purposes: z.array(z.enum(CONSENT_PURPOSES)),
});
