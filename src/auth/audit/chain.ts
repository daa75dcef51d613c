import { createHash } from 'node:crypto';
import type { AuditAction, AuditOutcome } from './entry.ts';

/** prev_hash of the first record ever written. */
export const GENESIS_HASH = '0'.repeat(64);

/** One audit record as stored, without its place in the chain. */
export interface AuditFields {
  at: Date;
  actorId: string;
  actorName: string;
  /** 'user' | 'integration' | 'local', or 'anonymous' when nobody was signed in. */
  actorKind: string;
  role: string;
  careUnits: string[];
  /** How the actor authenticated (password, oidc, token, local-cli); null when anonymous. */
  method: string | null;
  action: AuditAction;
  outcome: AuditOutcome;
  resourceType: string | null;
  resourceIds: string[];
  patientIds: string[];
  ip: string | null;
  client: string | null;
  purpose: string | null;
  emergency: boolean;
  detail: string | null;
}

export interface ChainedRecord extends AuditFields {
  seq: number;
  prevHash: string;
  hash: string;
}

/**
 * The bytes the hash covers: every field in this fixed order, as one JSON
 * array (timestamps as ISO 8601 UTC with milliseconds, arrays as JSON arrays
 * rather than joined with a separator, which would be ambiguous). JSON of
 * strings, numbers, booleans, null and arrays has one spelling, so anyone can
 * recompute it; docs/audit.md gives the recipe.
 */
export function canonical(seq: number, f: AuditFields): string {
  return JSON.stringify([
    seq,
    f.at.toISOString(),
    f.actorId,
    f.actorName,
    f.actorKind,
    f.role,
    f.careUnits,
    f.method,
    f.action,
    f.outcome,
    f.resourceType,
    f.resourceIds,
    f.patientIds,
    f.ip,
    f.client,
    f.purpose,
    f.emergency,
    f.detail,
  ]);
}

/** sha256 hex of prev_hash, a newline, and the canonical serialisation. */
export function chainHash(prevHash: string, seq: number, f: AuditFields): string {
  return createHash('sha256')
    .update(`${prevHash}\n${canonical(seq, f)}`)
    .digest('hex');
}

/** The columns, in the order of AuditFields, as named in the table. */
export const FIELD_COLUMNS = [
  'at',
  'actor_id',
  'actor_name',
  'actor_kind',
  'role',
  'care_units',
  'method',
  'action',
  'outcome',
  'resource_type',
  'resource_ids',
  'patient_ids',
  'ip',
  'client',
  'purpose',
  'emergency',
  'detail',
] as const;

export const SELECT_COLUMNS = `seq, ${FIELD_COLUMNS.join(', ')}, prev_hash, hash`;

export interface AuditRow {
  seq: number | string;
  at: Date | string;
  actor_id: string;
  actor_name: string;
  actor_kind: string;
  role: string;
  care_units: string[];
  method: string | null;
  action: string;
  outcome: string;
  resource_type: string | null;
  resource_ids: string[];
  patient_ids: string[];
  ip: string | null;
  client: string | null;
  purpose: string | null;
  emergency: boolean;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

export function fromRow(r: AuditRow): ChainedRecord {
  return {
    seq: Number(r.seq),
    at: new Date(r.at),
    actorId: r.actor_id,
    actorName: r.actor_name,
    actorKind: r.actor_kind,
    role: r.role,
    careUnits: r.care_units,
    method: r.method,
    action: r.action as AuditAction,
    outcome: r.outcome as AuditOutcome,
    resourceType: r.resource_type,
    resourceIds: r.resource_ids,
    patientIds: r.patient_ids,
    ip: r.ip,
    client: r.client,
    purpose: r.purpose,
    emergency: r.emergency,
    detail: r.detail,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
