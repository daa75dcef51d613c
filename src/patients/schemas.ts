import { z } from 'zod';
import {
  CHANNELS,
  CONSENT_STATES,
  CONTACT_KINDS,
  CONTACT_STATUSES,
  DENY_REASONS,
  ENFORCEMENTS,
  PROFILE_STATUSES,
  PURPOSES,
  SOURCE_KINDS,
} from './model.ts';

/** One schema set for the patients API, the OpenAPI document and the web app. No server imports here. */

export const Channel = z.enum(CHANNELS);
export const Purpose = z.enum(PURPOSES);
export const ProfileId = z.object({ id: z.uuid().describe('Profile id') });

const Address = z.object({
  lines: z.array(z.string()),
  postalCode: z.string().optional(),
  city: z.string().optional(),
  country: z.string().optional(),
  since: z.string().optional(),
});

export const SourceRecordSchema = z.object({
  source: z.string(),
  externalId: z.string(),
  updatedAt: z.string(),
  personnummer: z.string().optional(),
  identifiers: z.array(z.object({ system: z.string(), value: z.string() })),
  given: z.array(z.string()),
  family: z.string().optional(),
  birthDate: z.string().optional(),
  gender: z.string().optional(),
  emails: z.array(z.string()),
  phones: z.array(z.string()),
  addresses: z.array(Address),
  language: z.string().optional(),
  deceased: z.boolean().optional(),
});

export const GoldenSchema = z.object({
  given: z.array(z.string()).optional(),
  family: z.string().optional(),
  birthDate: z.string().optional(),
  gender: z.string().optional(),
  personnummer: z.string().optional(),
  identifiers: z.array(z.object({ system: z.string(), value: z.string() })).optional(),
  emails: z.array(z.string()).optional(),
  phones: z.array(z.string()).optional(),
  address: Address.optional(),
  addresses: z.array(Address).optional(),
  language: z.string().optional(),
  deceased: z.boolean().optional(),
  provenance: z.record(z.string(), z.object({ source: z.string(), externalId: z.string() })).optional(),
});

export const ProfileSchema = z.object({
  id: z.string(),
  status: z
    .enum(PROFILE_STATUSES)
    .describe(
      'merged: see mergedInto; dissolved: its records all moved to other profiles (the 360 answers 410 naming them)',
    ),
  mergedInto: z.string().nullable(),
  golden: GoldenSchema,
  restricted: z.boolean(),
  restrictedReason: z.string().nullable(),
  suppressed: z
    .boolean()
    .describe(
      'Carries the identifiers of an erased person (suppression list): canContact refuses everything',
    ),
  doNotContact: z.boolean(),
  language: z.string().nullable(),
  timeZone: z.string(),
  preferredChannel: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number(),
});

export const ContactPointSchema = z.object({
  id: z.string(),
  profileId: z.string(),
  kind: z.enum(CONTACT_KINDS),
  value: z.string(),
  display: z.string(),
  mobile: z.boolean().optional(),
  sources: z.array(z.string()),
  verifiedAt: z.string().nullable(),
  verifiedOwn: z.boolean(),
  status: z.enum(CONTACT_STATUSES),
  failures: z.array(
    z.object({ at: z.string(), kind: z.enum(['bounce', 'failure', 'complaint']), detail: z.string() }),
  ),
  sharedWith: z.number(),
  preferred: z.boolean(),
});

export const EvidenceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fhir-consent'), reference: z.string() }),
  z.object({ kind: z.literal('form'), form: z.string(), ip: z.string().optional() }),
  z.object({ kind: z.literal('reply'), channel: Channel, from: z.string(), text: z.string() }),
  z.object({ kind: z.literal('staff'), note: z.string() }),
  z.object({ kind: z.literal('double-opt-in'), confirmedAt: z.string(), ip: z.string().optional() }),
  z.object({ kind: z.literal('import'), source: z.string(), row: z.number().optional() }),
]);

export const ConsentEventSchema = z.object({
  id: z.string(),
  profileId: z.string(),
  channel: Channel.nullable(),
  contactValue: z.string().nullable(),
  purpose: Purpose,
  topic: z.string().nullable(),
  state: z.enum(CONSENT_STATES),
  objection: z.boolean(),
  source: z.string(),
  actor: z.string(),
  evidence: EvidenceSchema,
  at: z.string(),
  recordedAt: z.string(),
  expiresAt: z.string().optional().describe('Pending double opt-ins: when the confirmation link expires'),
});

export const ConsentSummaryRowSchema = z.object({
  purpose: Purpose,
  channel: Channel,
  topic: z.string().nullable(),
  contactValue: z.string().nullable(),
  enforcement: z.enum(ENFORCEMENTS),
  state: z
    .enum([...CONSENT_STATES, 'none', 'expired'])
    .describe('expired: a double opt-in whose link lapsed unconfirmed; send a new one'),
  objected: z.boolean(),
  eventId: z.string().nullable(),
  since: z.string().nullable(),
  expiresAt: z
    .string()
    .nullable()
    .describe('Pending or expired opt-ins: when the confirmation link expires(d)'),
  permits: z.boolean(),
});

export const ProfileRecordSchema = z.object({
  id: z.string(),
  source: z.string(),
  sourceKind: z.enum(SOURCE_KINDS),
  externalId: z.string(),
  data: SourceRecordSchema.nullable(),
  deleted: z.boolean(),
  suppressed: z.boolean(),
  match: z
    .unknown()
    .describe(
      'How the record came into the profile: { rule, via (a record id), explanation: { rule, kind, score, threshold, fields }, placedBy? } where placedBy ({ action: merge | manual-merge | split, actor, reason, at, otherProfiles }) says a merge or split placed it; null for the record the profile started from',
    ),
  receivedAt: z.string(),
  updatedAt: z.string(),
});

export const HistoryItemSchema = z.object({
  seq: z.number(),
  at: z.string(),
  kind: z.string(),
  otherProfiles: z.array(z.string()),
  recordIds: z.array(z.string()),
  actor: z.string(),
  reason: z.string().nullable(),
  detail: z.unknown(),
});

const ClinicalItem = z.object({
  id: z.string(),
  type: z.string(),
  text: z.string(),
  code: z.string().nullable(),
  status: z.string().nullable(),
  date: z.string().nullable(),
});
const ObsPoint = z.object({
  at: z.string(),
  value: z.number(),
  value2: z.number().optional(),
  unit: z.string(),
});

export const ClinicalSummarySchema = z.object({
  conditions: z.array(ClinicalItem),
  observations: z.array(
    z.object({
      key: z.string(),
      label: z.string(),
      latest: ObsPoint.nullable(),
      series: z.array(ObsPoint),
      trend: z.enum(['up', 'down', 'same']).nullable(),
    }),
  ),
  medications: z.array(ClinicalItem),
  allergies: z.array(ClinicalItem),
  appointments: z.array(ClinicalItem),
  episodes: z.array(ClinicalItem),
});

export const TimelineItemSchema = z.object({
  at: z.string(),
  kind: z.enum(['clinical', 'consent', 'profile']),
  title: z.string(),
  detail: z.string().nullable(),
  ref: z.string().nullable(),
});

/** The profile a conflict's record belongs to now, for a link and a merge; null when the caller may not see it. */
const OtherProfileId = z
  .string()
  .nullable()
  .describe(
    'The active profile the record belongs to now (merge it with POST /api/profiles/merge); null when the record is in no profile or the caller may not see that profile',
  );

export const Patient360Schema = z.object({
  profile: ProfileSchema,
  fhirPatients: z.array(z.string()),
  contactPoints: z.array(ContactPointSchema),
  consent: z.array(ConsentSummaryRowSchema),
  consentHistory: z.array(ConsentEventSchema),
  /** null when the caller's role may not see clinical data. */
  clinical: ClinicalSummarySchema.nullable(),
  timeline: z.array(TimelineItemSchema),
  memberships: z.object({
    /** null when the caller's role may not see segments (segment:read). */
    segments: z.array(z.object({ id: z.string(), name: z.string(), since: z.string() })).nullable(),
    journeys: z.array(z.object({ id: z.string(), name: z.string(), since: z.string() })),
  }),
  records: z.array(ProfileRecordSchema),
  history: z.array(HistoryItemSchema),
  conflicts: z.array(
    z.object({
      id: z.string(),
      recordId: z.string(),
      otherProfileId: OtherProfileId,
      reason: z.string(),
      at: z.string(),
    }),
  ),
  warnings: z.array(z.string()),
});

export const ProfileSearchQuery = z.object({
  q: z
    .string()
    .min(1)
    .max(200)
    .describe('Personnummer, e-mail, phone number or name ("Anna Svensson", "Svens")'),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});

export const ProfileSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  birthDate: z.string().nullable(),
  personnummer: z.string().nullable(),
  sources: z.array(z.string()),
  fhirPatients: z.array(z.string()),
  restricted: z.boolean(),
});

export const Reason = z
  .string()
  .trim()
  .min(3)
  .max(500)
  .describe('Why: kept in the profile history and the audit log');

export const SplitBody = z.object({
  recordIds: z.array(z.uuid()).min(1).max(100).describe('The records to move out into their own profile'),
  reason: Reason,
});
export const MergeBody = z.object({
  profileIds: z.array(z.uuid()).min(2).max(20),
  reason: Reason,
});
export const PreferencesBody = z
  .object({
    language: z.string().min(2).max(20).nullable().optional(),
    preferredChannel: Channel.nullable().optional(),
    timeZone: z.string().min(1).max(64).optional(),
    doNotContact: z.boolean().optional(),
  })
  .strict();

export const CanContactQuery = z.object({
  channel: Channel,
  purpose: Purpose,
  topic: z.string().max(64).optional(),
  at: z.iso.datetime({ offset: true }).optional().describe('When the message would go out (default now)'),
  clinical: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true'))
    .describe(
      'The message carries clinical content, so it may not go to a phone or e-mail another profile shares unless verified as the patient’s own. Default: true for purpose=care, false otherwise',
    ),
});

export const ContactDecisionSchema = z.object({
  allowed: z.boolean(),
  reason: z.string(),
  basis: z.enum(['not-required', 'not-opted-out', 'consent']).optional(),
  denyReason: z.enum(DENY_REASONS).optional(),
  detail: z.string().optional(),
  contactPoint: ContactPointSchema.optional(),
  consentId: z.string().optional(),
});

export const ConsentBody = z.object({
  channel: Channel.nullable().describe('null: every channel'),
  contactValue: z
    .string()
    .max(320)
    .nullable()
    .default(null)
    .describe('A contact point value, or null for all'),
  purpose: Purpose,
  topic: z.string().max(64).nullable().default(null),
  state: z.enum(['granted', 'withdrawn']),
  at: z.iso.datetime({ offset: true }).optional().describe('When the patient said so (default now)'),
  evidence: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('staff'), note: z.string().min(3).max(1000) }),
      z.object({
        kind: z.literal('form'),
        form: z.string().min(1).max(200),
        ip: z.string().max(64).optional(),
      }),
    ])
    .optional()
    .describe(
      'A staff note or a form. Replies, e-mail confirmations and EHR consents are recorded by the system that received them, never typed in.',
    ),
  note: z.string().max(1000).optional(),
});

export const ObjectionBody = z.object({
  note: z.string().min(3).max(1000).describe('How the patient objected (call, letter, form)'),
  at: z.iso.datetime({ offset: true }).optional(),
});

export const OptInBody = z.object({
  email: z.string().max(320),
  purpose: Purpose.default('outreach'),
  topic: z.string().max(64).nullable().default(null),
});
export const OptInResult = z.object({
  consentId: z.string(),
  expiresAt: z.string(),
  confirmUrl: z.string().describe('The link to send to the patient; it works once'),
});

export const NewContactPointBody = z.object({
  kind: z.enum(['email', 'phone', 'postal', 'push']),
  value: z.string().min(1).max(2000),
  preferred: z.boolean().default(false),
  verifiedOwn: z.boolean().default(false),
  push: z.object({ p256dh: z.string(), auth: z.string() }).optional(),
});
export const ContactPointPatch = z
  .object({
    verified: z.boolean().optional(),
    verifiedOwn: z.boolean().optional(),
    preferred: z.boolean().optional(),
    status: z.enum(CONTACT_STATUSES).optional(),
  })
  .strict();
export const FailureBody = z.object({
  kind: z.enum(['bounce', 'failure', 'complaint']),
  detail: z.string().min(1).max(1000),
  at: z.iso.datetime({ offset: true }).optional(),
});

export const SourceSchema = z.object({
  name: z.string(),
  kind: z.enum(SOURCE_KINDS),
  label: z.string(),
  priority: z.number(),
  createdAt: z.string(),
  records: z.number().optional(),
});
export const NewSourceBody = z.object({
  name: z.string().min(1).max(63),
  kind: z.enum(SOURCE_KINDS),
  label: z.string().max(200).optional(),
  priority: z.number().int().min(0).max(1000).optional(),
});
export const SourcePatch = z.object({
  label: z.string().max(200).optional(),
  priority: z.number().int().min(0).max(1000).optional(),
});

export const ImportQuery = z.object({
  map: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .describe('Column mappings "Column=field", repeated'),
  dryRun: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true')
    .describe('Only parse and preview; store nothing'),
});

export const RowErrorSchema = z.object({
  row: z.number(),
  column: z.string().optional(),
  field: z.string().optional(),
  value: z.string().optional(),
  error: z.string(),
});

export const ImportResultSchema = z.object({
  source: z.string(),
  encoding: z.string(),
  delimiter: z.string(),
  mapping: z.array(z.object({ column: z.string(), field: z.string() })),
  unmapped: z.array(z.string()),
  total: z.number(),
  accepted: z.number(),
  rejected: z.number(),
  errors: z.array(RowErrorSchema),
  preview: z.array(z.object({ row: z.number(), record: SourceRecordSchema, warnings: z.array(z.string()) })),
  stats: z
    .object({
      received: z.number(),
      created: z.number(),
      updated: z.number(),
      unchanged: z.number(),
      suppressed: z.number(),
      profilesCreated: z.number(),
      joined: z.number(),
      merged: z.number(),
      conflicts: z.number(),
      consents: z.number(),
    })
    .nullable(),
});

export const ConflictSchema = z.object({
  id: z.string(),
  recordId: z.string(),
  profileId: z.string(),
  otherProfileId: OtherProfileId,
  reason: z.string(),
  at: z.string(),
});

export const ExportQuery = z.object({ format: z.enum(['json', 'pdf']).default('json') });
export const EraseBody = z.object({
  reason: Reason,
  confirm: z.literal(true).describe('Must be true: erasure is final'),
});
export const RestrictBody = z.object({ restricted: z.boolean(), reason: Reason });
