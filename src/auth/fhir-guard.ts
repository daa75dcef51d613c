import type { FastifyRequest } from 'fastify';
import type { Clock } from '../config/clock.ts';
import type { Database } from '../db/database.ts';
import { compartmentPatient } from '../fhir/index-extract.ts';
import type { FhirResource } from '../fhir/resource-row.ts';
import type { Bundle } from '../fhir/search/execute.ts';
import type { FhirStore } from '../fhir/store.ts';
import {
  careUnitDenied,
  fhirPermission,
  forbidden,
  type PatientAccess,
  type PatientScope,
  patientAccess,
  patientScope,
  requireFhir,
  requirePermission,
  scopeSql,
  unitPatients,
  unitSql,
} from './access.ts';
import type { AccessCache } from './access-cache.ts';
import type { AuditAction } from './audit/entry.ts';
import { audit } from './audit/hooks.ts';

/** The patient a resource belongs to: its own id for a Patient, else its compartment's patient. */
export function patientOf(r: { resourceType?: string; id?: string }): string | null {
  if (r.resourceType === 'Patient') return r.id ?? null;
  return compartmentPatient(r as never);
}

/**
 * Access checks and audit records for the FHIR API: the permission by
 * resource type, the care-unit scope by patient, and one audit record per
 * request naming every patient touched or returned.
 */
export class FhirGuard {
  private readonly db: Database;
  private readonly clock: Clock;
  private readonly cache: AccessCache;

  constructor(db: Database, clock: Clock, cache: AccessCache) {
    this.db = db;
    this.clock = clock;
    this.cache = cache;
  }

  private scopeKey(req: FastifyRequest): string {
    const p = req.principal!;
    return `scope:${p.actorId}:${p.role}:${p.careUnits.join(',')}`;
  }

  private async scope(req: FastifyRequest): Promise<PatientScope> {
    return this.cache.through(this.scopeKey(req), () => patientScope(this.db, this.clock, req.principal!));
  }

  private async access(req: FastifyRequest, pid: string): Promise<PatientAccess> {
    const scope = await this.scope(req);
    if (scope.all) return { kind: 'unit' };
    return this.cache.through(`${this.scopeKey(req)}|${pid}`, () => patientAccess(this.db, scope, pid));
  }

  /**
   * GET Type/id: one query reads the resource and tells whether it is in the
   * caller's care units; then the permission, emergency grants and the audit record.
   */
  async readOne(req: FastifyRequest, store: FhirStore, type: string, id: string): Promise<FhirResource> {
    const scope = await this.scope(req);
    const { resource, test: inUnits } = await store.readWith(
      type,
      id,
      scope.all ? null : (add) => unitSql(scope, add),
    );
    const pid = patientOf(resource);
    const known: PatientAccess =
      scope.all || inUnits
        ? { kind: 'unit' }
        : pid && scope.emergency.has(pid)
          ? { kind: 'emergency', reason: scope.emergency.get(pid)! }
          : { kind: 'denied' };
    if (pid) this.cache.set(`${this.scopeKey(req)}|${pid}`, known);
    await this.read(req, type, [resource]);
    return resource;
  }

  /** After reading one resource (read, vread, instance history): may the caller see it? Audits the read. */
  async read(req: FastifyRequest, type: string, resources: FhirResource[], detail?: string): Promise<void> {
    const patients = [...new Set(resources.map(patientOf).filter((p): p is string => p !== null))];
    try {
      requireFhir(req, type, 'read');
    } catch (err) {
      audit(req, {
        action: 'read',
        outcome: 'denied',
        resourceType: type,
        resourceIds: resources.map((r) => r.id!),
        patientIds: patients,
        detail: 'permission',
      });
      throw err;
    }
    let emergency: string | undefined;
    for (const pid of patients) {
      const access = await this.access(req, pid);
      if (access.kind === 'denied') {
        audit(req, {
          action: 'read',
          outcome: 'denied',
          resourceType: type,
          resourceIds: resources.map((r) => r.id!),
          patientIds: [pid],
          detail: 'outside care units',
        });
        throw careUnitDenied(req, pid);
      }
      if (access.kind === 'emergency') emergency = access.reason;
    }
    audit(req, {
      action: 'read',
      outcome: 'success',
      resourceType: type,
      resourceIds: [...new Set(resources.map((r) => r.id!))],
      patientIds: patients,
      ...(emergency ? { emergency: true, purpose: emergency } : {}),
      ...(detail ? { detail } : {}),
    });
  }

  /** Before a search: the permission, and the SQL that narrows matches to visible patients. */
  async beforeSearch(
    req: FastifyRequest,
    type: string,
  ): Promise<(add: (v: unknown) => string) => string | null> {
    requireFhir(req, type, 'read');
    const scope = await this.scope(req);
    return (add) => scopeSql(scope, add);
  }

  /** After a search: drop included resources the caller may not see, and audit the patients returned. */
  async afterSearch(req: FastifyRequest, type: string, bundle: Bundle): Promise<Bundle> {
    const p = req.principal!;
    const scope = await this.scope(req);
    const includedPatients = bundle.entry
      ?.filter((e) => e.search?.mode === 'include' && e.resource)
      .map((e) => patientOf(e.resource!))
      .filter((x): x is string => x !== null);
    const visible = await unitPatients(this.db, scope, includedPatients ?? []);
    const entry = bundle.entry?.filter((e) => {
      if (e.search?.mode !== 'include' || !e.resource) return true;
      const perm = fhirPermission(e.resource.resourceType, 'read');
      if (!perm || !p.permissions.has(perm)) return false;
      const pid = patientOf(e.resource);
      return pid === null || visible.has(pid) || scope.emergency.has(pid);
    });
    const returned = (entry ?? [])
      .filter((e) => e.resource && e.search?.mode !== 'outcome')
      .map((e) => e.resource!);
    const patients = [...new Set(returned.map(patientOf).filter((x): x is string => x !== null))];
    const emergency = patients.filter((pid) => scope.emergency.has(pid));
    audit(req, {
      action: 'search',
      outcome: 'success',
      resourceType: type,
      resourceIds: returned.map((r) => `${r.resourceType}/${r.id}`),
      patientIds: patients,
      detail: readableUrl(req.url),
      ...(emergency.length
        ? { emergency: true, purpose: emergency.map((pid) => scope.emergency.get(pid)).join('; ') }
        : {}),
    });
    return entry ? { ...bundle, entry } : bundle;
  }

  /** Patient/{id}/$everything: the patient must be visible; types narrow to what the role may read. */
  async everything(
    req: FastifyRequest,
    patientId: string,
    requested: string[] | undefined,
  ): Promise<{ types: string[] | undefined; emergency?: string }> {
    requireFhir(req, 'Patient', 'read');
    const access = await this.access(req, patientId);
    if (access.kind === 'denied') {
      audit(req, {
        action: 'read',
        outcome: 'denied',
        resourceType: 'Patient',
        resourceIds: [patientId],
        patientIds: [patientId],
        detail: '$everything outside care units',
      });
      throw careUnitDenied(req, patientId);
    }
    const p = req.principal!;
    if (p.permissions.has('clinical:read'))
      return { types: requested, emergency: access.kind === 'emergency' ? access.reason : undefined };
    // Without clinical:read the compartment shrinks to the demographic types.
    const allowed = ['Patient', 'RelatedPerson', 'Person'];
    if (p.permissions.has('directory:read'))
      allowed.push('Practitioner', 'PractitionerRole', 'Organization', 'Location');
    // An empty filter must never mean "every type": what the role may not read narrows to the Patient alone.
    const types = requested ? requested.filter((t) => allowed.includes(t)) : allowed;
    return {
      types: types.length ? types : ['Patient'],
      emergency: access.kind === 'emergency' ? access.reason : undefined,
    };
  }

  auditEverything(req: FastifyRequest, patientId: string, bundle: Bundle, emergency?: string): void {
    audit(req, {
      action: 'read',
      outcome: 'success',
      resourceType: 'Patient',
      resourceIds: (bundle.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`),
      patientIds: [patientId],
      detail: '$everything',
      ...(emergency ? { emergency: true, purpose: emergency } : {}),
    });
  }

  /** Type-level and system-level history cross every patient: they need an organisation-wide role. */
  history(req: FastifyRequest, type: string | undefined): void {
    const types = type ? [type] : ['Patient', 'Observation', 'Organization'];
    for (const t of types) requireFhir(req, t, 'read');
    if (!type || fhirPermission(type, 'read') !== 'directory:read')
      requirePermission(
        req,
        'patient:all-units',
        `the history of ${type ?? 'all resources'} (it spans every care unit)`,
      );
  }

  /** The versions a history page returned, with their patients. */
  auditHistory(
    req: FastifyRequest,
    type: string | undefined,
    entries: { resource?: unknown; fullUrl?: string }[],
  ): void {
    const resources = entries.flatMap((e) => (e.resource ? [e.resource as FhirResource] : []));
    audit(req, {
      action: 'read',
      outcome: 'success',
      resourceType: type ?? 'Resource',
      resourceIds: [...new Set(entries.map((e) => e.fullUrl?.split('/').slice(-2).join('/') ?? ''))].filter(
        Boolean,
      ),
      patientIds: [...new Set(resources.map(patientOf).filter((x): x is string => x !== null))],
      detail: readableUrl(req.url),
    });
  }

  /** Before a write: the permission by type, and for an existing patient's data, the care-unit scope. */
  async write(
    req: FastifyRequest,
    type: string,
    resource: unknown,
    action: 'create' | 'update' | 'delete',
    id?: string,
  ): Promise<void> {
    requireFhir(req, type, 'write');
    const pid =
      resource && typeof resource === 'object'
        ? patientOf({ resourceType: type, id, ...(resource as object) })
        : null;
    if (pid) await this.requirePatient(req, pid, action);
  }

  private async requirePatient(req: FastifyRequest, pid: string, action: AuditAction): Promise<void> {
    const access = await this.access(req, pid);
    // A patient not stored yet belongs to no unit: creating them is allowed.
    if (access.kind === 'denied') {
      const exists = await this.db.query('SELECT 1 FROM fhir_resource WHERE resource_type = $1 AND id = $2', [
        'Patient',
        pid,
      ]);
      if (exists.length === 0) return;
      audit(req, { action, outcome: 'denied', patientIds: [pid], detail: 'outside care units' });
      throw careUnitDenied(req, pid);
    }
  }

  auditWrite(
    req: FastifyRequest,
    action: 'create' | 'update' | 'delete',
    resources: { resourceType: string; id: string; patient: string | null }[],
  ): void {
    if (resources.length === 0) return;
    audit(req, {
      action,
      outcome: 'success',
      resourceType: resources[0].resourceType,
      resourceIds: resources.map((r) => `${r.resourceType}/${r.id}`),
      patientIds: [...new Set(resources.map((r) => r.patient).filter((x): x is string => x !== null))],
    });
  }

  /**
   * Transaction and batch: one bundle may touch many patients, and its
   * conditional references and matches resolve across every unit, so bundles
   * are for organisation-wide roles (integrations, administrators). Each
   * entry's type — from its URL and its body — and method must be allowed,
   * else nothing runs.
   */
  bundle(req: FastifyRequest, bundle: { entry?: unknown }): void {
    const p = req.principal!;
    if (!p.permissions.has('patient:all-units'))
      throw forbidden(
        req,
        `transaction and batch bundles need an organisation-wide role (patient:all-units), which role '${p.role}' does not have; send the requests one by one instead`,
      );
    if (!Array.isArray(bundle.entry)) return; // the bundle processor names what is wrong
    for (const [i, e] of bundle.entry.entries()) {
      if (!e || typeof e !== 'object') continue;
      const entry = e as {
        resource?: { resourceType?: unknown };
        request?: { method?: unknown; url?: unknown };
      };
      const method = String(entry.request?.method ?? '').toUpperCase();
      const urlType = String(entry.request?.url ?? '').split(/[/?]/)[0];
      const bodyType = typeof entry.resource?.resourceType === 'string' ? entry.resource.resourceType : '';
      const op = method === 'GET' || method === 'HEAD' ? 'read' : 'write';
      for (const type of new Set([urlType, bodyType].filter(Boolean))) {
        const perm = fhirPermission(type, op);
        if (!perm || !p.permissions.has(perm))
          throw forbidden(
            req,
            `Bundle.entry[${i}]: ${method} ${type} needs ${perm ?? 'a permission nobody has'}, which role '${p.role}' does not have; nothing in the bundle was processed`,
          );
      }
    }
  }

  /** One record per bundle: every resource written or returned, and their patients. */
  auditBundle(req: FastifyRequest, request: { entry?: unknown }, response: Bundle): void {
    const resources: FhirResource[] = [];
    const collect = (r: unknown) => {
      if (!r || typeof r !== 'object') return;
      const res = r as FhirResource & { entry?: { resource?: unknown }[] };
      if (res.resourceType === 'Bundle') for (const e of res.entry ?? []) collect(e.resource);
      else if (typeof res.resourceType === 'string' && res.resourceType !== 'OperationOutcome')
        resources.push(res);
    };
    if (Array.isArray(request.entry))
      for (const e of request.entry) collect((e as { resource?: unknown })?.resource);
    for (const e of response.entry ?? []) collect(e.resource);
    const keys: string[] = [];
    for (const e of response.entry ?? []) {
      const loc = e.response?.location;
      if (loc)
        keys.push(
          loc
            .replace(/\/_history\/.*$/, '')
            .split('/')
            .slice(-2)
            .join('/'),
        );
    }
    for (const r of resources) if (r.id) keys.push(`${r.resourceType}/${r.id}`);
    audit(req, {
      action: 'update',
      outcome: 'success',
      resourceType: 'Bundle',
      resourceIds: [...new Set(keys)],
      patientIds: [...new Set(resources.map(patientOf).filter((x): x is string => x !== null))],
      detail: `${response.type} with ${response.entry?.length ?? 0} entries`,
    });
  }
}

/** The request as a person reads it in the audit log: decoded where it decodes. */
function readableUrl(url: string): string {
  let out = url;
  try {
    out = decodeURIComponent(url);
  } catch {
    // Malformed escapes: keep the raw form.
  }
  return out.slice(0, 500);
}
