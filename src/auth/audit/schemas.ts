import { z } from 'zod';
import { AUDIT_ACTIONS, MAX_AUDIT_PAGE as MAX_LIMIT } from './entry.ts';

const bound = (side: 'from' | 'to') =>
  z
    .string()
    .regex(
      /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/,
      `use YYYY-MM-DD (a Swedish calendar day) or an ISO 8601 instant with its zone, e.g. 2026-01-31T23:00:00Z`,
    )
    .optional()
    .describe(
      side === 'from'
        ? 'Earliest time, inclusive: YYYY-MM-DD (Europe/Stockholm day) or an ISO 8601 instant'
        : 'Latest time: YYYY-MM-DD (that Europe/Stockholm day included) or an ISO 8601 instant (exclusive)',
    );

export const AuditQuerySchema = z.object({
  user: z.string().min(1).optional().describe('Actor id, or actor name (a user’s e-mail)'),
  patient: z.string().min(1).optional().describe('Patient id: records that touched this patient'),
  action: z.enum(AUDIT_ACTIONS).optional(),
  from: bound('from'),
  to: bound('to'),
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(100).describe('Records per page'),
  before: z.coerce.number().int().min(1).optional().describe('Paging: the `next` value of the previous page'),
});
export type AuditQueryInput = z.infer<typeof AuditQuerySchema>;

export const AuditRecordSchema = z.object({
  seq: z.number().int(),
  at: z.string().describe('ISO 8601 UTC'),
  actorId: z.string(),
  actorName: z.string(),
  actorKind: z.string().describe('user, integration, local or anonymous'),
  method: z.string().nullable().describe('How the actor authenticated'),
  role: z.string(),
  careUnits: z.array(z.string()),
  action: z.enum(AUDIT_ACTIONS),
  outcome: z.enum(['success', 'denied', 'error']),
  resourceType: z.string().nullable(),
  resourceIds: z.array(z.string()),
  patientIds: z.array(z.string()),
  ip: z.string().nullable(),
  client: z.string().nullable(),
  purpose: z.string().nullable(),
  emergency: z.boolean(),
  detail: z.string().nullable(),
});

export const AuditPageSchema = z.object({
  records: z.array(AuditRecordSchema).describe('Newest first'),
  next: z.string().nullable().describe('Pass as `before` for the next page; null on the last'),
});

export const ExtractQuerySchema = z.object({
  patient: z.string().min(1).describe('Patient id'),
  format: z.enum(['csv', 'pdf']).default('pdf'),
  from: bound('from'),
  to: bound('to'),
});
export type ExtractQueryInput = z.infer<typeof ExtractQuerySchema>;

export const VerifyResultSchema = z.union([
  z.object({ ok: z.literal(true), records: z.number(), lastSeq: z.number(), lastHash: z.string() }),
  z.object({
    ok: z.literal(false),
    records: z.number(),
    brokenAt: z.number(),
    reason: z.enum(['hash mismatch', 'gap in sequence', 'prev_hash does not match', 'purge not recorded']),
  }),
]);

export const PurgeBodySchema = z.object({
  retentionDays: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('Keep this many days (default AUDIT_RETENTION_DAYS, 1826 = 5 years)'),
});

export const PurgeResultSchema = z.object({
  purged: z.number().int(),
  before: z.string().describe('Records older than this instant were removed'),
  throughSeq: z.number().int().describe('The new anchor: the last removed record'),
});
