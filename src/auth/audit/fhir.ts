import { MAX_TIME, MIN_TIME, parseDateRange } from '../../fhir/dates.ts';
import { isResourceType } from '../../fhir/definitions.ts';
import { FhirError } from '../../fhir/outcome.ts';
import { AUDIT_ACTIONS, type AuditAction } from './entry.ts';
import { type AuditFilter, type AuditRecord, DEFAULT_LIMIT, MAX_LIMIT } from './query.ts';

/**
 * Audit records seen as FHIR R4 AuditEvent resources (read-only; the log is
 * written by the server only). The mapping follows the FHIR AuditEvent
 * guidance and IHE BALP where they apply: DICOM event types, the restful
 * interaction as subtype, requestor agent with network address, the patient
 * as an entity with role Patient.
 */
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const RESTFUL = 'http://hl7.org/fhir/restful-interaction';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const OUR = 'https://patient-outreach.dev/fhir';
export const ACTION_SYSTEM = `${OUR}/CodeSystem/audit-action`;
export const CARE_UNIT_EXTENSION = `${OUR}/StructureDefinition/care-unit`;

type Coding = { system: string; code: string; display?: string };

export const FHIR_ACTION: Record<AuditAction, 'C' | 'R' | 'U' | 'D' | 'E'> = {
  create: 'C',
  read: 'R',
  export: 'R',
  update: 'U',
  delete: 'D',
  // FHIR: E is "execute … or perform a query/search operation".
  search: 'E',
  'sign-in': 'E',
  'sign-in-failed': 'E',
  'sign-out': 'E',
  'emergency-access': 'E',
  administer: 'E',
};

const OUTCOME = { success: '0', denied: '4', error: '8' } as const;

const RESTFUL_SUBTYPE: Partial<Record<AuditAction, Coding>> = {
  read: { system: RESTFUL, code: 'read', display: 'read' },
  search: { system: RESTFUL, code: 'search-type', display: 'search type' },
  create: { system: RESTFUL, code: 'create', display: 'create' },
  update: { system: RESTFUL, code: 'update', display: 'update' },
  delete: { system: RESTFUL, code: 'delete', display: 'delete' },
  export: { system: RESTFUL, code: 'operation', display: 'operation' },
  'sign-in': { system: DCM, code: '110122', display: 'Login' },
  'sign-in-failed': { system: DCM, code: '110122', display: 'Login' },
  'sign-out': { system: DCM, code: '110123', display: 'Logout' },
};

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

function eventType(r: AuditRecord): Coding {
  if (r.action === 'sign-in' || r.action === 'sign-in-failed' || r.action === 'sign-out')
    return { system: DCM, code: '110114', display: 'User Authentication' };
  if (r.patientIds.length > 0) return { system: DCM, code: '110110', display: 'Patient Record' };
  return { system: EVENT_TYPE, code: 'rest', display: 'RESTful Operation' };
}

function what(type: string, id: string): Record<string, unknown> {
  return isResourceType(type) && FHIR_ID.test(id)
    ? { reference: `${type}/${id}` }
    : {
        identifier: { system: `${OUR}/NamingSystem/${encodeURIComponent(type)}`, value: id },
        display: `${type} ${id}`,
      };
}

export function toAuditEvent(r: AuditRecord): Record<string, unknown> {
  const subtype = [
    RESTFUL_SUBTYPE[r.action],
    { system: ACTION_SYSTEM, code: r.action, display: r.action },
  ].filter((c): c is Coding => c !== undefined);
  const requestor: Record<string, unknown> = {
    ...(r.careUnits.length
      ? { extension: r.careUnits.map((u) => ({ url: CARE_UNIT_EXTENSION, valueString: u })) }
      : {}),
    ...(r.role ? { role: [{ text: r.role }] } : {}),
    who: {
      identifier: { system: `${OUR}/NamingSystem/actor`, value: r.actorId },
      display: r.actorName,
    },
    name: r.actorName,
    requestor: true,
    ...(r.ip ? { network: { address: r.ip, type: '2' } } : {}),
  };
  const agents: Record<string, unknown>[] = [requestor];
  if (r.client)
    agents.push({
      type: { coding: [{ system: DCM, code: '110150', display: 'Application' }] },
      who: { display: r.client },
      requestor: false,
    });

  const entities: Record<string, unknown>[] = r.patientIds.map((p) => ({
    what: FHIR_ID.test(p) ? { reference: `Patient/${p}` } : what('Patient', p),
    type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
    role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
  }));
  if (r.resourceType) {
    const patients = new Set(r.patientIds);
    for (const id of r.resourceIds) {
      if (r.resourceType === 'Patient' && patients.has(id)) continue;
      entities.push({
        what: what(r.resourceType, id),
        type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      });
    }
  }
  const failed = r.outcome !== 'success';
  if (r.detail && r.action === 'search')
    entities.push({
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      role: { system: OBJECT_ROLE, code: '24', display: 'Query' },
      query: Buffer.from(r.detail, 'utf8').toString('base64'),
    });
  else if (r.detail && !failed)
    entities.push({
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      description: r.detail,
    });

  const purpose = r.emergency
    ? [
        {
          coding: [{ system: ACT_REASON, code: 'ETREAT', display: 'Emergency Treatment' }],
          ...(r.purpose ? { text: r.purpose } : {}),
        },
      ]
    : r.purpose
      ? [{ text: r.purpose }]
      : [];

  return {
    resourceType: 'AuditEvent',
    id: String(r.seq),
    meta: { lastUpdated: r.at },
    type: eventType(r),
    subtype,
    action: FHIR_ACTION[r.action],
    recorded: r.at,
    outcome: OUTCOME[r.outcome],
    ...(failed && r.detail ? { outcomeDesc: r.detail } : {}),
    ...(purpose.length ? { purposeOfEvent: purpose } : {}),
    agent: agents,
    source: {
      observer: { display: 'Patient Outreach' },
      type: [{ system: SOURCE_TYPE, code: '4', display: 'Application Server' }],
    },
    ...(entities.length ? { entity: entities } : {}),
  };
}

export interface AuditEventSearch {
  filter: AuditFilter;
  /** The parameters that shaped this page, for the self and next links. */
  params: [string, string][];
}

const SUPPORTED = ['patient', 'agent', 'date', 'action', '_count', '_before', '_format', '_pretty'];

/** FHIR search parameters of AuditEvent onto the audit filter; unknown ones are refused unless lenient. */
export function parseAuditEventSearch(pairs: readonly [string, string][], lenient = false): AuditEventSearch {
  const filter: AuditFilter = { order: 'newest', limit: DEFAULT_LIMIT };
  const params: [string, string][] = [];
  const bad = (param: string, message: string) => new FhirError(400, message, 'invalid', param);
  const list = (v: string) =>
    v
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  let from = MIN_TIME;
  let to = MAX_TIME;
  for (const [rawName, value] of pairs) {
    const name = rawName.split(':')[0];
    switch (name) {
      case 'patient':
        filter.patients = [
          ...(filter.patients ?? []),
          ...list(value).map((p) => p.replace(/^Patient\//, '')),
        ];
        break;
      case 'agent':
        filter.actors = [
          ...(filter.actors ?? []),
          ...list(value).map((a) => a.slice(a.lastIndexOf('/') + 1)),
        ];
        break;
      case 'action': {
        const codes = list(value);
        const wrong = codes.find((c) => !['C', 'R', 'U', 'D', 'E'].includes(c));
        if (wrong) throw bad('action', `action=${wrong} is not an AuditEvent action; use C, R, U, D or E`);
        filter.actions = AUDIT_ACTIONS.filter((a) => codes.includes(FHIR_ACTION[a]));
        break;
      }
      case 'date': {
        const m = /^(eq|gt|lt|ge|le|sa|eb)?(.*)$/.exec(value)!;
        const prefix = m[1] ?? 'eq';
        const range = parseDateRange(m[2]);
        if (!range)
          throw bad(
            'date',
            `date=${value} is not a FHIR date; use e.g. ge2026-01-01 or le2026-01-31T23:59:59Z`,
          );
        // Records carry millisecond instants: "after hi" is "from hi + 1 ms".
        if (prefix === 'eq' || prefix === 'ge') from = Math.max(from, range.lo);
        if (prefix === 'eq' || prefix === 'le') to = Math.min(to, range.hi + 1);
        if (prefix === 'gt' || prefix === 'sa') from = Math.max(from, range.hi + 1);
        if (prefix === 'lt' || prefix === 'eb') to = Math.min(to, range.lo);
        break;
      }
      case '_count': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0)
          throw bad('_count', `_count=${value} must be a whole number from 1 to ${MAX_LIMIT}`);
        filter.limit = Math.min(Math.max(n, 1), MAX_LIMIT);
        break;
      }
      case '_before': {
        const n = Number(value);
        if (!Number.isInteger(n))
          throw bad('_before', `_before=${value} is not a record number; follow the next link`);
        filter.beforeSeq = n;
        break;
      }
      case '_format':
      case '_pretty':
        continue;
      default:
        if (lenient) continue;
        throw bad(
          name,
          `AuditEvent cannot be searched by '${name}' here; use ${SUPPORTED.filter((s) => !s.startsWith('_f') && !s.startsWith('_p')).join(', ')} (or send Prefer: handling=lenient to ignore unknown parameters)`,
        );
    }
    params.push([rawName, value]);
  }
  if (from > MIN_TIME) filter.from = new Date(from);
  if (to < MAX_TIME) filter.to = new Date(to);
  return { filter, params };
}

/** A searchset Bundle, newest first, with a next link while there is more. */
export function auditEventBundle(
  records: readonly AuditRecord[],
  more: boolean,
  base: string,
  params: readonly [string, string][],
): Record<string, unknown> {
  const qs = (extra: [string, string][]) => {
    const kept = extra.length ? params.filter(([k]) => k !== '_before') : params;
    const s = new URLSearchParams([...kept, ...extra]).toString();
    return `${base}/AuditEvent${s ? `?${s}` : ''}`;
  };
  const link = [{ relation: 'self', url: qs([]) }];
  if (more && records.length)
    link.push({ relation: 'next', url: qs([['_before', String(records[records.length - 1].seq)]]) });
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    link,
    entry: records.map((r) => ({
      fullUrl: `${base}/AuditEvent/${r.seq}`,
      resource: toAuditEvent(r),
      search: { mode: 'match' },
    })),
  };
}
