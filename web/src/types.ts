/**
 * Shapes of the server's /api answers: inferred from the very zod schemas the
 * server validates and documents them with (OpenAPI), so the app and the API
 * cannot drift apart. Type-only imports: nothing of the server is bundled.
 */
import type { z } from 'zod';
import type { AuditRecordSchema } from '../../src/auth/audit/schemas.ts';
import type {
  CareUnitSchema,
  Label as LabelSchema,
  MeSchema,
  RoleSchema,
  TokenInfoSchema,
  UserSchema,
} from '../../src/auth/schemas.ts';
import type { ImportJobSummary } from '../../src/fhir/import/schemas.ts';
import type {
  ClinicalSummarySchema,
  ConsentBody,
  ConsentEventSchema,
  ConsentSummaryRowSchema,
  ContactDecisionSchema,
  ContactPointSchema,
  EvidenceSchema,
  GoldenSchema,
  HistoryItemSchema,
  ImportResultSchema,
  OptInResult,
  Patient360Schema,
  PreferencesBody,
  ProfileRecordSchema,
  ProfileSchema,
  ProfileSummarySchema,
  RowErrorSchema,
  SourceRecordSchema,
  SourceSchema,
  TimelineItemSchema,
} from '../../src/patients/schemas.ts';

export type Label = z.infer<typeof LabelSchema>;
export type Me = z.infer<typeof MeSchema>;
export type Role = z.infer<typeof RoleSchema>;
export type CareUnit = z.infer<typeof CareUnitSchema>;
export type User = z.infer<typeof UserSchema>;
export type ApiToken = z.infer<typeof TokenInfoSchema>;
export type AuditRecord = z.infer<typeof AuditRecordSchema>;
export type ImportJob = z.infer<typeof ImportJobSummary>;

export interface Providers {
  local: boolean;
  oidc: { enabled: boolean; label: string };
}

export interface PermissionInfo {
  id: string;
  description: string;
}

/** The FHIR R4 parts the app reads; resources stay loosely typed. */
export interface FhirResource {
  resourceType: string;
  id?: string;
  [key: string]: unknown;
}

export interface Bundle {
  resourceType: 'Bundle';
  total?: number;
  link?: { relation: string; url: string }[];
  entry?: { resource?: FhirResource }[];
}

export type { FieldName as ImportField } from '../../src/patients/csv/fields.ts';
// Patients: unified profiles, patient 360, consent, contact lists (src/patients/schemas.ts).
export type {
  Channel,
  ConsentPolicy,
  ConsentState,
  ContactKind,
  DenyReason,
  Enforcement,
  Purpose,
} from '../../src/patients/model.ts';

export type ProfileSummary = z.infer<typeof ProfileSummarySchema>;
export type Patient360 = z.infer<typeof Patient360Schema>;
export type Profile = z.infer<typeof ProfileSchema>;
export type Golden = z.infer<typeof GoldenSchema>;
export type ContactPoint = z.infer<typeof ContactPointSchema>;
export type ConsentRow = z.infer<typeof ConsentSummaryRowSchema>;
export type ConsentEvent = z.infer<typeof ConsentEventSchema>;
export type ConsentEvidence = z.infer<typeof EvidenceSchema>;
export type ClinicalSummary = z.infer<typeof ClinicalSummarySchema>;
export type KeyObservation = ClinicalSummary['observations'][number];
export type ObservationPoint = KeyObservation['series'][number];
export type ClinicalItem = ClinicalSummary['conditions'][number];
export type TimelineItem = z.infer<typeof TimelineItemSchema>;
export type ProfileRecord = z.infer<typeof ProfileRecordSchema>;
export type SourceRecord = z.infer<typeof SourceRecordSchema>;
export type HistoryItem = z.infer<typeof HistoryItemSchema>;
export type ContactDecision = z.infer<typeof ContactDecisionSchema>;
export type OptInStarted = z.infer<typeof OptInResult>;
export type ImportResult = z.infer<typeof ImportResultSchema>;
export type ImportRowError = z.infer<typeof RowErrorSchema>;
export type PersonSource = z.infer<typeof SourceSchema>;
export type ConsentBodyInput = z.input<typeof ConsentBody>;
export type PreferencesInput = z.input<typeof PreferencesBody>;

/**
 * ProfileRecordSchema.match is z.unknown(): how a record came into its profile
 * (src/patients/unify/explain.ts RecordMatch). A rule's explanation when one
 * matched; a merge or a split that placed it says so in placedBy, and then
 * the rule may be the action itself (no fields compared). Null for the record
 * a profile started from.
 */
export interface RecordMatch {
  /** The rule id, or the action that placed the record (merge, manual-merge, split). */
  rule: string;
  /** The id of the record of the same profile it was compared with or placed beside. */
  via: string;
  explanation: {
    rule: string;
    kind: string;
    score: number;
    threshold: number;
    fields: { field: string; a: string; b: string; similarity: number }[];
  };
  placedBy?: PlacedBy;
}

/** A merge or split that put a record where it is (src/patients/unify/explain.ts PlacedBy). */
export interface PlacedBy {
  action: 'merge' | 'manual-merge' | 'split';
  actor: string;
  /** Null when the reason was cleared (one of the profiles was erased) or none was given. */
  reason: string | null;
  at: string;
  otherProfiles: string[];
}

/** GET /api/opt-in/:token (public; its schema lives in src/patients/routes/consent.ts). */
export interface OptInStatus {
  state: 'pending' | 'confirmed' | 'expired';
  /** Masked: a***@example.com */
  email: string;
  purpose: string;
  topic: string | null;
  expiresAt: string;
}

// Segments: definitions, preview, members, templates (src/segments/schemas.ts, definition.ts).
export type {
  ClinicalType,
  CodeFilter,
  Condition as SegmentCondition,
  Definition,
  Group as SegmentGroup,
  Node as SegmentNode,
  Window as SegmentWindow,
} from '../../src/segments/definition.ts';

import type {
  CodeInUse,
  CodeSystemSchema,
  CountPoint as CountPointSchema,
  ListSchema,
  ListSummary,
  MemberSchema,
  MembershipChangeSchema,
  PreviewSchema,
  ProblemSchema,
  SegmentSchema,
  TemplateSchema,
} from '../../src/segments/schemas.ts';

export type Segment = z.infer<typeof SegmentSchema>;
export type SegmentPreview = z.infer<typeof PreviewSchema>;
export type SegmentTemplate = z.infer<typeof TemplateSchema>;
export type SegmentMember = z.infer<typeof MemberSchema>;
export type CountPoint = z.infer<typeof CountPointSchema>;
export type MembershipChange = z.infer<typeof MembershipChangeSchema>;
export type DefinitionProblem = z.infer<typeof ProblemSchema>;
export type CodeOption = z.infer<typeof CodeInUse>;
export type CodeSystem = z.infer<typeof CodeSystemSchema>;
export type SegmentList = z.infer<typeof ListSummary>;
export type SegmentListResult = z.infer<typeof ListSchema>;
