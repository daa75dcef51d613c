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
