import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { registerAuth } from '../auth/plugin.ts';
import { registerTokenRoutes } from '../auth/routes.ts';
import type { Clock } from '../config/clock.ts';
import type { Config } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import { registerChangeRoutes } from '../fhir/changes-routes.ts';
import { registerImportRoutes } from '../fhir/import/routes.ts';
import { FhirError } from '../fhir/outcome.ts';
import { registerFhirRoutes } from '../fhir/routes.ts';
import type { FhirStore } from '../fhir/store.ts';
import { errorHandler } from './errors.ts';
import { VERSION } from './version.ts';

export interface AppDeps {
  config: Config;
  db: Database;
  clock: Clock;
  store: FhirStore;
  logger?: Logger | false;
  localControlToken?: string;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger || undefined,
    logger: deps.logger === false ? false : undefined,
    bodyLimit: deps.config.bodyLimit,
    // Query strings are parsed per route in order (FHIR repeats and orders parameters).
    // ignoreTrailingSlash: clients such as fhir-kit-client POST bundles to the base as "/fhir/R4/".
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: true },
  }) as unknown as FastifyInstance;
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

  app.get('/healthz', async () => {
    await deps.db.query('SELECT 1');
    return { status: 'ok', database: deps.db.dialect, version: VERSION };
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  registerAuth(app, { db: deps.db, clock: deps.clock, localControlToken: deps.localControlToken });
  registerFhirRoutes(app, { store: deps.store, version: VERSION, baseUrl: deps.config.baseUrl });
  registerImportRoutes(app, { store: deps.store, baseUrl: deps.config.baseUrl });
  registerChangeRoutes(app, deps.db);
  registerTokenRoutes(app, deps.db, deps.clock);
  return app;
}
