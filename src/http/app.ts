import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { recordRoutes } from '../auth/access.ts';
import { AccessCache } from '../auth/access-cache.ts';
import { registerAdminRoutes } from '../auth/admin-routes.ts';
import { registerAuditHooks } from '../auth/audit/hooks.ts';
import { AuditLog } from '../auth/audit/log.ts';
import { registerAuditRoutes } from '../auth/audit/routes.ts';
import { FhirGuard } from '../auth/fhir-guard.ts';
import { registerOidc } from '../auth/oidc.ts';
import { type AuthContext, localPrincipal, registerAuth } from '../auth/plugin.ts';
import { RoleRegistry } from '../auth/roles.ts';
import { registerSessionRoutes } from '../auth/session-routes.ts';
import type { Clock } from '../config/clock.ts';
import type { Config } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import { registerChangeRoutes } from '../fhir/changes-routes.ts';
import { registerImportRoutes } from '../fhir/import/routes.ts';
import { FhirError } from '../fhir/outcome.ts';
import { registerFhirRoutes } from '../fhir/routes.ts';
import type { FhirStore } from '../fhir/store.ts';
import { registerPatientRoutes } from '../patients/routes/index.ts';
import { patientSegments } from '../segments/membership.ts';
import { registerSegmentRoutes } from '../segments/routes/index.ts';
import { SegmentService } from '../segments/service.ts';
import { errorHandler } from './errors.ts';
import { VERSION } from './version.ts';

export interface AppDeps {
  config: Config;
  db: Database;
  clock: Clock;
  store: FhirStore;
  logger?: Logger | false;
  localControlToken?: string;
  /** Shared with the CLI and background work; created here when not given. */
  audit?: AuditLog;
  /** The segments module at run time (index subscription, refreshes); created here when not given. */
  segments?: SegmentService;
  /** Where the built web app is (default web/dist beside the package). */
  webRoot?: string;
  /** See AuthContext.bootstrapHash. */
  bootstrapHash?: string;
  /**
   * For bench/auth.ts only, to measure what access control costs: every
   * request acts as the local operator without a credential, and nothing is
   * audited. Not reachable from configuration or the CLI.
   */
  benchmarkBaseline?: boolean;
}

const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const GUARDED = /^\/(api|fhir|auth)(\/|$)/;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger || undefined,
    logger: deps.logger === false ? false : undefined,
    bodyLimit: deps.config.bodyLimit,
    // A hop count is valid at run time (Fastify docs) though its types omit it.
    trustProxy: deps.config.trustProxy as boolean,
    // Query strings are parsed per route in order (FHIR repeats and orders parameters).
    // ignoreTrailingSlash: clients such as fhir-kit-client POST bundles to the base as "/fhir/R4/".
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: true },
  }) as unknown as FastifyInstance;
  recordRoutes(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler(deps.config.bodyLimit));

  // FHIR JSON and plain JSON: parsed here so malformed input becomes an OperationOutcome naming the position.
  app.addContentTypeParser(
    ['application/json', 'application/fhir+json'],
    { parseAs: 'string' },
    (_req, body, done) => {
      if (body === '') return done(null, undefined);
      try {
        done(null, JSON.parse(body as string));
      } catch (err) {
        done(
          new FhirError(
            400,
            `malformed JSON: ${(err as Error).message}; check the request body`,
            'structure',
          ),
          undefined,
        );
      }
    },
  );
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Patient Outreach API',
        version: VERSION,
        description:
          'The /api routes. The FHIR R4 API at /fhir/R4 is described by its CapabilityStatement (/fhir/R4/metadata).',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    hideUntagged: true,
  });

  app.get('/healthz', { config: { access: { public: true } } }, async () => {
    await deps.db.query('SELECT 1');
    return { status: 'ok', database: deps.db.dialect, version: VERSION };
  });
  app.get('/api/openapi.json', { schema: { hide: true }, config: { access: { public: true } } }, async () =>
    app.swagger(),
  );

  await app.register(fastifyCookie);
  const audit = deps.audit ?? new AuditLog(deps.db, deps.clock);
  if (!deps.audit) app.addHook('onClose', async () => audit.close());
  const ctx: AuthContext = {
    db: deps.db,
    clock: deps.clock,
    roles: new RoleRegistry(deps.db, deps.clock),
    sessions: {
      ttlMs: deps.config.sessionTtlMinutes * 60_000,
      idleMs: deps.config.sessionIdleMinutes * 60_000,
    },
    localControlToken: deps.localControlToken,
    bootstrapHash: deps.bootstrapHash,
    cache: new AccessCache(deps.clock),
  };
  const publicBase = (req: { protocol: string; host: string }) =>
    deps.config.baseUrl ?? `${req.protocol}://${req.host}`;
  if (deps.benchmarkBaseline) {
    app.addHook('onRequest', async (req) => {
      req.principal = localPrincipal();
    });
    registerAuditHooks(app, new UnrecordedLog(deps.db, deps.clock));
  } else {
    registerAuth(app, ctx);
    registerAuditHooks(app, audit);
  }
  const oidc = await registerOidc(app, ctx, deps.config.oidc, publicBase);
  registerSessionRoutes(app, ctx, oidc);
  registerAdminRoutes(app, ctx, publicBase);
  registerAuditRoutes(app, {
    db: deps.db,
    audit,
    clock: deps.clock,
    baseUrl: deps.config.baseUrl,
    retentionDays: deps.config.auditRetentionDays,
  });
  const guard = new FhirGuard(deps.db, deps.clock, ctx.cache);
  registerFhirRoutes(app, { store: deps.store, guard, version: VERSION, baseUrl: deps.config.baseUrl });
  registerImportRoutes(app, { store: deps.store, baseUrl: deps.config.baseUrl });
  registerChangeRoutes(app, deps.db);
  registerPatientRoutes(app, {
    db: deps.db,
    clock: deps.clock,
    store: deps.store,
    baseUrl: deps.config.baseUrl,
    segmentMemberships: (ids) => patientSegments(deps.db, ids),
  });
  const segments = deps.segments ?? new SegmentService(deps.db, deps.store, deps.clock);
  if (!deps.segments) app.addHook('onClose', async () => segments.stop());
  registerSegmentRoutes(app, { db: deps.db, clock: deps.clock, store: deps.store, segments });
  await registerWebApp(app, deps.webRoot ?? path.join(PACKAGE_ROOT, 'web', 'dist'));
  return app;
}

/**
 * The web app on the same port: built files from web/dist, and index.html for
 * every other GET outside the API so client-side routes survive a reload.
 */
async function registerWebApp(app: FastifyInstance, root: string): Promise<void> {
  const built = existsSync(path.join(root, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, { root, wildcard: false, index: false, serve: false });
    app.get('/assets/*', { config: { access: { public: true } } }, (req, reply) =>
      reply.sendFile((req.params as { '*': string })['*'], path.join(root, 'assets'), {
        immutable: true,
        maxAge: '365d',
      }),
    );
  }
  app.setNotFoundHandler((req: FastifyRequest, reply) => {
    const p = req.url.split('?')[0];
    const file = built && req.method === 'GET' ? path.join(root, path.normalize(p)) : '';
    if (file.startsWith(`${root}${path.sep}`) && /\.[a-z0-9]+$/i.test(p) && existsSync(file))
      return reply.sendFile(path.relative(root, file), root);
    if (req.method !== 'GET' || GUARDED.test(p) || p === '/healthz' || /\.[a-z0-9]+$/i.test(p)) {
      const fhir = p.startsWith('/fhir');
      const detail = `${req.method} ${p} does not exist${fhir ? '; see /fhir/R4/metadata' : '; see /api/openapi.json'}`;
      return fhir
        ? reply
            .status(404)
            .type('application/fhir+json')
            .send({
              resourceType: 'OperationOutcome',
              issue: [{ severity: 'error', code: 'not-found', diagnostics: detail }],
            })
        : reply
            .status(404)
            .type('application/problem+json')
            .send({ type: 'about:blank', title: 'Not Found', status: 404, detail });
    }
    if (!built)
      return reply
        .status(503)
        .type('text/plain; charset=utf-8')
        .send('The web app is not built yet: run `npm run build:web` (npm install does it), then reload.');
    return reply.header('Cache-Control', 'no-cache').sendFile('index.html', root);
  });
}

/** The benchmark baseline's audit log: records nothing. */
class UnrecordedLog extends AuditLog {
  override record(): Promise<void> {
    return Promise.resolve();
  }
}
