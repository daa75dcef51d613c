import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireFhir, requirePermission } from '../auth/access.ts';
import { type FhirGuard, patientOf } from '../auth/fhir-guard.ts';
import { processBatch, processTransaction } from './bundle.ts';
import { capabilityStatement } from './capability.ts';
import { conditionalCreate, conditionalUpdate } from './conditional.ts';
import { patientEverything } from './everything.ts';
import { FhirError, information } from './outcome.ts';
import type { FhirResource } from './resource-row.ts';
import { search } from './search/execute.ts';
import { parseSearch } from './search/parse.ts';
import { assertId, assertType, type FhirStore, type WriteResult } from './store.ts';

export interface FhirRouteOptions {
  store: FhirStore;
  guard: FhirGuard;
  version: string;
  baseUrl?: string;
}

export const FHIR_PREFIX = '/fhir/R4';
const FHIR_JSON = 'application/fhir+json; charset=utf-8';

export function fhirBase(req: FastifyRequest, configured?: string): string {
  return configured ? `${configured}${FHIR_PREFIX}` : `${req.protocol}://${req.host}${FHIR_PREFIX}`;
}

function queryPairs(req: FastifyRequest): [string, string][] {
  const i = req.url.indexOf('?');
  return i < 0 ? [] : [...new URLSearchParams(req.url.slice(i + 1)).entries()];
}

const lenient = (req: FastifyRequest) => /handling=lenient/.test(String(req.headers.prefer ?? ''));

function sendResource(
  reply: FastifyReply,
  req: FastifyRequest,
  status: number,
  r: FhirResource,
  base: string,
): FastifyReply {
  const vid = r.meta?.versionId;
  if (vid) void reply.header('ETag', `W/"${vid}"`);
  if (r.meta?.lastUpdated) void reply.header('Last-Modified', new Date(r.meta.lastUpdated).toUTCString());
  if (status === 201) void reply.header('Location', `${base}/${r.resourceType}/${r.id}/_history/${vid}`);
  const prefer = String(req.headers.prefer ?? '');
  if (/return=minimal/.test(prefer)) return reply.status(status).send();
  if (/return=OperationOutcome/.test(prefer)) {
    return reply
      .status(status)
      .type(FHIR_JSON)
      .send(information(`${r.resourceType}/${r.id} version ${vid}`));
  }
  return reply.status(status).type(FHIR_JSON).send(r);
}

const writeStatus = (w: WriteResult) => (w.outcome === 'created' ? 201 : 200);

function bodyResource(req: FastifyRequest): unknown {
  if (req.body === undefined || req.body === null || req.body === '') {
    throw new FhirError(400, 'the request body is empty; send a FHIR resource as JSON', 'required');
  }
  return req.body;
}

/** A whole-number query parameter ≥ min, or a 400 naming it. */
function wholeParam(q: URLSearchParams, name: string, fallback: number, min: number): number {
  const raw = q.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min)
    throw new FhirError(400, `${name}=${raw} must be a whole number ≥ ${min}`, 'invalid', name);
  return n;
}

export function registerFhirRoutes(app: FastifyInstance, opts: FhirRouteOptions): void {
  const { store, guard } = opts;
  const read = { config: { access: { fhir: 'read' as const } } };
  const write = { config: { access: { fhir: 'write' as const } } };
  const searchRule = { config: { access: { fhir: 'search' as const } } };
  const base = (req: FastifyRequest) => fhirBase(req, opts.baseUrl);

  app.get(`${FHIR_PREFIX}/metadata`, { config: { access: { public: true } } }, async (req, reply) =>
    reply.type(FHIR_JSON).send(capabilityStatement(base(req), opts.version, store.clock.now())),
  );

  app.post(FHIR_PREFIX, { config: { access: { fhir: 'bundle' } } }, async (req, reply) => {
    const bundle = bodyResource(req) as any;
    if (bundle?.resourceType !== 'Bundle') {
      throw new FhirError(
        400,
        `POST ${FHIR_PREFIX} takes a Bundle of type transaction or batch, not ${bundle?.resourceType ?? 'a non-resource'}`,
        'invalid',
        'resourceType',
      );
    }
    if (bundle.type === 'transaction' || bundle.type === 'batch') {
      guard.bundle(req, bundle);
      const response =
        bundle.type === 'transaction'
          ? await processTransaction(store, bundle, base(req))
          : await processBatch(store, bundle, base(req));
      guard.auditBundle(req, bundle, response);
      return reply.type(FHIR_JSON).send(response);
    }
    throw new FhirError(
      400,
      `Bundle.type '${bundle.type}' cannot be posted here; use 'transaction' (all or nothing) or 'batch' (each entry alone), or load collections with $import`,
      'invalid',
      'Bundle.type',
    );
  });

  app.get(`${FHIR_PREFIX}/_history`, read, async (req, reply) => {
    guard.history(req, undefined);
    const bundle = await history(req, {});
    guard.auditHistory(req, undefined, bundle.entry);
    return reply.type(FHIR_JSON).send(bundle);
  });

  async function guardedSearch(req: FastifyRequest, type: string, query: [string, string][]) {
    assertType(type);
    const parsed = parseSearch(type, query, lenient(req));
    parsed.restrict = await guard.beforeSearch(req, type);
    return guard.afterSearch(req, type, await search(store.db, parsed, base(req), query));
  }

  app.get<{ Params: { type: string } }>(`${FHIR_PREFIX}/:type`, searchRule, async (req, reply) =>
    reply.type(FHIR_JSON).send(await guardedSearch(req, req.params.type, queryPairs(req))),
  );

  app.post<{ Params: { type: string } }>(`${FHIR_PREFIX}/:type/_search`, searchRule, async (req, reply) => {
    const form = typeof req.body === 'string' ? [...new URLSearchParams(req.body).entries()] : [];
    return reply
      .type(FHIR_JSON)
      .send(await guardedSearch(req, req.params.type, [...queryPairs(req), ...form]));
  });

  app.post<{ Params: { type: string } }>(`${FHIR_PREFIX}/:type`, write, async (req, reply) => {
    const { type } = req.params;
    assertType(type);
    const resource = bodyResource(req) as FhirResource;
    if (resource?.resourceType !== type) {
      throw new FhirError(
        400,
        `the body is ${resource?.resourceType ? `a ${resource.resourceType}` : 'not a FHIR resource'} but the URL names ${type}; POST it to ${FHIR_PREFIX}/${resource?.resourceType ?? type}`,
        'invalid',
        'resourceType',
      );
    }
    await guard.write(req, type, resource, 'create');
    const ifNoneExist = req.headers['if-none-exist'];
    if (typeof ifNoneExist === 'string') {
      // The match is searched across every unit and returned whole: organisation-wide roles only, and a read.
      requirePermission(
        req,
        'patient:all-units',
        'conditional create (If-None-Exist searches every care unit)',
      );
      requireFhir(req, type, 'read');
    }
    const result =
      typeof ifNoneExist === 'string'
        ? await conditionalCreate(store, resource, ifNoneExist)
        : await store.create(resource);
    if (result.outcome === 'created') auditWritten(req, result);
    else await guard.read(req, type, [result.resource], `If-None-Exist: ${ifNoneExist}`);
    return sendResource(reply, req, result.outcome === 'created' ? 201 : 200, result.resource, base(req));
  });

  app.put<{ Params: { type: string } }>(`${FHIR_PREFIX}/:type`, write, async (req, reply) => {
    const { type } = req.params;
    assertType(type);
    // Conditional update searches: it needs the organisation-wide scope a search across units implies.
    await guard.write(req, type, bodyResource(req), 'update');
    requirePermission(req, 'patient:all-units', 'conditional update (it searches every care unit)');
    const query = new URLSearchParams(queryPairs(req));
    const ifMatch = req.headers['if-match'];
    const result = await conditionalUpdate(
      store,
      type,
      query,
      bodyResource(req),
      typeof ifMatch === 'string' ? ifMatch : undefined,
    );
    auditWritten(req, result);
    return sendResource(reply, req, writeStatus(result), result.resource, base(req));
  });

  app.get<{ Params: { type: string } }>(`${FHIR_PREFIX}/:type/_history`, read, async (req, reply) => {
    assertType(req.params.type);
    guard.history(req, req.params.type);
    const bundle = await history(req, { type: req.params.type });
    guard.auditHistory(req, req.params.type, bundle.entry);
    return reply.type(FHIR_JSON).send(bundle);
  });

  app.get<{ Params: { id: string } }>(`${FHIR_PREFIX}/Patient/:id/$everything`, read, async (req, reply) => {
    const q = new URLSearchParams(queryPairs(req));
    const count = Math.min(wholeParam(q, '_count', 1000, 1), 5000);
    const offset = wholeParam(q, '_offset', 0, 0);
    const since = q.get('_since') ?? undefined;
    if (since !== undefined && Number.isNaN(Date.parse(since)))
      throw new FhirError(
        400,
        `_since=${since} is not an instant; use e.g. 2024-01-01T00:00:00Z`,
        'invalid',
        '_since',
      );
    const types = q.get('_type')?.split(',').filter(Boolean);
    for (const t of types ?? []) assertType(t);
    const scope = await guard.everything(req, req.params.id, types);
    const bundle = await patientEverything(store.db, req.params.id, base(req), {
      types: scope.types,
      since,
      count,
      offset,
    });
    guard.auditEverything(req, req.params.id, bundle, scope.emergency);
    return reply.type(FHIR_JSON).send(bundle);
  });

  app.get<{ Params: { type: string; id: string } }>(`${FHIR_PREFIX}/:type/:id`, read, async (req, reply) => {
    assertType(req.params.type);
    const r = await guard.readOne(req, store, req.params.type, req.params.id);
    return sendResource(reply, req, 200, r, base(req));
  });

  app.put<{ Params: { type: string; id: string } }>(`${FHIR_PREFIX}/:type/:id`, write, async (req, reply) => {
    assertType(req.params.type);
    await guard.write(req, req.params.type, bodyResource(req), 'update', req.params.id);
    await guardExisting(req, req.params.type, req.params.id, 'update');
    const ifMatch = req.headers['if-match'];
    const result = await store.update(
      req.params.type,
      req.params.id,
      bodyResource(req),
      typeof ifMatch === 'string' ? ifMatch : undefined,
    );
    auditWritten(req, result);
    return sendResource(reply, req, writeStatus(result), result.resource, base(req));
  });

  app.delete<{ Params: { type: string; id: string } }>(
    `${FHIR_PREFIX}/:type/:id`,
    write,
    async (req, reply) => {
      assertType(req.params.type);
      assertId(req.params.id);
      requireFhir(req, req.params.type, 'write');
      const before = await guardExisting(req, req.params.type, req.params.id, 'delete');
      const result = await store.delete(req.params.type, req.params.id);
      if (result.deleted)
        guard.auditWrite(req, 'delete', [
          { resourceType: req.params.type, id: req.params.id, patient: before },
        ]);
      if (result.versionId) void reply.header('ETag', `W/"${result.versionId}"`);
      return reply
        .status(result.deleted ? 200 : 200)
        .type(FHIR_JSON)
        .send(
          information(
            result.deleted
              ? `${req.params.type}/${req.params.id} deleted`
              : `${req.params.type}/${req.params.id} did not exist or was already deleted`,
          ),
        );
    },
  );

  app.get<{ Params: { type: string; id: string } }>(
    `${FHIR_PREFIX}/:type/:id/_history`,
    read,
    async (req, reply) => {
      assertType(req.params.type);
      requireFhir(req, req.params.type, 'read');
      const bundle = await history(req, { type: req.params.type, id: req.params.id });
      if (bundle.total === 0)
        throw new FhirError(404, `${req.params.type}/${req.params.id} has never existed`, 'not-found');
      const versions = bundle.entry.flatMap((e) => (e.resource ? [e.resource as FhirResource] : []));
      await guard.read(
        req,
        req.params.type,
        versions.length ? versions : [{ resourceType: req.params.type, id: req.params.id }],
        '_history',
      );
      return reply.type(FHIR_JSON).send(bundle);
    },
  );

  app.get<{ Params: { type: string; id: string; vid: string } }>(
    `${FHIR_PREFIX}/:type/:id/_history/:vid`,
    read,
    async (req, reply) => {
      assertType(req.params.type);
      const r = await store.vread(req.params.type, req.params.id, req.params.vid);
      await guard.read(req, req.params.type, [r], `version ${req.params.vid}`);
      return sendResource(reply, req, 200, r, base(req));
    },
  );

  /** The stored version's patient must be visible too, so a write cannot move a resource out of another unit. */
  async function guardExisting(req: FastifyRequest, type: string, id: string, action: 'update' | 'delete') {
    const rows = await store.db.query<{ content: FhirResource }>(
      'SELECT content FROM fhir_resource WHERE resource_type = $1 AND id = $2 AND NOT deleted',
      [type, id],
    );
    if (rows.length === 0) return null;
    await guard.write(req, type, rows[0].content, action, id);
    return patientOf(rows[0].content);
  }

  function auditWritten(req: FastifyRequest, result: WriteResult) {
    if (result.outcome === 'unchanged') return;
    guard.auditWrite(req, result.outcome === 'created' ? 'create' : 'update', [
      {
        resourceType: result.resource.resourceType,
        id: result.resource.id!,
        patient: patientOf(result.resource),
      },
    ]);
  }

  async function history(req: FastifyRequest, where: { type?: string; id?: string }) {
    const q = new URLSearchParams(queryPairs(req));
    const count = Math.min(Math.max(Number(q.get('_count') ?? 50) || 50, 1), 1000);
    const offset = Math.max(Number(q.get('_offset') ?? 0) || 0, 0);
    const since = q.get('_since') ?? undefined;
    if (since && Number.isNaN(Date.parse(since))) {
      throw new FhirError(
        400,
        `_since=${since} is not an instant; use e.g. 2024-01-01T00:00:00Z`,
        'invalid',
        '_since',
      );
    }
    const { entries, total } = await store.history({ ...where, since, count, offset });
    const b = base(req);
    const path = [b, where.type, where.id, '_history'].filter(Boolean).join('/');
    const link = [{ relation: 'self', url: path }];
    if (offset + entries.length < total) {
      const next = new URLSearchParams(q);
      next.set('_offset', String(offset + count));
      link.push({ relation: 'next', url: `${path}?${next}` });
    }
    return {
      resourceType: 'Bundle' as const,
      type: 'history' as const,
      total,
      link,
      entry: entries.map((e) => ({
        fullUrl: `${b}/${e.type}/${e.id}`,
        ...(e.resource ? { resource: e.resource } : {}),
        request: { method: e.method, url: e.method === 'POST' ? e.type : `${e.type}/${e.id}` },
        response: {
          status: e.deleted ? '204' : e.method === 'POST' ? '201' : '200',
          etag: `W/"${e.versionId}"`,
          lastModified: e.lastUpdated,
        },
      })),
    };
  }
}
