/** Shapes of the server's /api answers (the contract in docs/web.md). */

export interface Label {
  en: string;
  sv: string;
}

export interface Me {
  id: string;
  email: string;
  name: string;
  role: string;
  roleLabel: Label;
  permissions: string[];
  careUnits: { id: string; name: string }[];
  orgWide: boolean;
  method: 'password' | 'oidc' | 'token';
  csrfToken: string;
  expiresAt: string;
}

export interface Providers {
  local: boolean;
  oidc: { enabled: boolean; label: string };
}

export interface PermissionInfo {
  id: string;
  description: string;
}

export interface Role {
  name: string;
  label: Label;
  permissions: string[];
  builtin: boolean;
}

export interface CareUnit {
  id: string;
  name: string;
  refs: string[];
}

export interface User {
  id: string;
  email: string;
  name: string;
  role: string;
  careUnits: string[];
  disabled: boolean;
  method: 'password' | 'oidc';
  lastSignInAt: string | null;
  createdAt: string;
}

export interface ApiToken {
  id: string;
  name: string;
  role: string;
  userId: string | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface AuditRecord {
  seq: number;
  at: string;
  actorId: string;
  actorName: string;
  role: string;
  careUnits: string[];
  action: string;
  outcome: 'success' | 'denied' | 'error';
  resourceType: string | null;
  resourceIds: string[];
  patientIds: string[];
  ip: string | null;
  client: string | null;
  purpose: string | null;
  emergency: boolean;
  detail: string | null;
}

export interface ImportJob {
  id: string;
  status: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
  createdAt: string;
  finishedAt: string | null;
  progress: {
    linesRead: number;
    resourcesWritten: number;
    errors: number;
    bytes?: number;
    totalBytes?: number;
  };
  counts: Record<string, number>;
  errors: { source: string; line: number; message: string }[];
  /** Why a job failed, when it did. */
  message?: string | null;
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
