import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Clock } from '../../config/clock.ts';
import type { Database } from '../../db/database.ts';
import { FhirError } from '../../fhir/outcome.ts';
import { ProblemError } from '../../http/errors.ts';
import type { AuditEntry } from './entry.ts';
import { extractCsv, extractFileName, extractPdf, patientAccessRecords } from './extract.ts';
import { auditEventBundle, parseAuditEventSearch, toAuditEvent } from './fhir.ts';
import { originOf, principalOf } from './hooks.ts';
import type { AuditLog } from './log.ts';
import { purgeAudit } from './purge.ts';
import { type AuditRecord, queryAudit, readAuditRecord, selectAudit } from './query.ts';
import {
  AuditPageSchema,
  AuditQuerySchema,
  ExtractQuerySchema,
  PurgeBodySchema,
  PurgeResultSchema,
  VerifyResultSchema,
} from './schemas.ts';
import { TimeBoundError } from './time.ts';
import { verifyAuditChain } from './verify.ts';

export interface AuditRouteOptions {
  db: Database;
  audit: AuditLog;
  clock: Clock;
  /** Public base URL (config BASE_URL), for FHIR links. */
  baseUrl?: string;
  /** Default retention of POST /api/audit/purge (config AUDIT_RETENTION_DAYS). */
  retentionDays?: number;
}

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const FHIR_PREFIX = '/fhir/R4';
const READ = { access: { permission: 'audit:read' as const } };
const VERIFY = { access: { permission: 'audit:verify' as const } };

const patientsIn = (records: readonly AuditRecord[]) => [...new Set(records.flatMap((r) => r.patientIds))];

/** A bad date or page cursor in the query is the caller's mistake: 400, naming it. */
function badBound(err: unknown): never {
  if (err instanceof TimeBoundError || err instanceof RangeError)
    throw new ProblemError(400, 'Bad Request', err.message);
  throw err;
}

/**
 * The audit log's read side: query and extract for administrators, and the
 * FHIR AuditEvent view. Reading the log is itself an access to the data of
 * the patients it shows, so every route records what it returned before it
 * answers.
 */
export function registerAuditRoutes(app: FastifyInstance, opts: AuditRouteOptions): void {
  const { db, clock } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const record = (req: FastifyRequest, entry: AuditEntry) =>
    opts.audit.record(principalOf(req), entry, originOf(req));
  const fhirBase = (req: FastifyRequest) =>
    `${opts.baseUrl ?? `${req.protocol}://${req.host}`}${FHIR_PREFIX}`;

  r.get(
    '/api/audit',
    {
      schema: {
        summary: 'Query the audit log, newest first (by user, patient, action, time)',
        tags: ['audit'],
        querystring: AuditQuerySchema,
        response: { 200: AuditPageSchema },
      },
      config: READ,
    },
    async (req) => {
      const page = await queryAudit(db, req.query).catch((err) => badBound(err));
      await record(req, {
        action: 'search',
        outcome: 'success',
        resourceType: 'AuditEvent',
        patientIds: req.query.patient ? [req.query.patient] : patientsIn(page.records),
        detail: req.url,
      });
      return page;
    },
  );

  r.get(
    '/api/audit/extract',
    {
      schema: {
        summary: 'A patient’s access log extract (who accessed my data) as CSV or PDF',
        tags: ['audit'],
        querystring: ExtractQuerySchema,
      },
      config: READ,
    },
    async (req, reply) => {
      const { patient, format, from, to } = req.query;
      const records = await patientAccessRecords(db, patient, { from, to }).catch((err) => badBound(err));
      const generatedAt = clock.now();
      const body =
        format === 'csv'
          ? Buffer.from(extractCsv(patient, records), 'utf8')
          : await extractPdf(patient, records, { range: { from, to }, generatedAt });
      await record(req, {
        action: 'export',
        outcome: 'success',
        resourceType: 'AuditEvent',
        patientIds: [patient],
        detail: `access log extract (${format}, ${records.length} records${from || to ? `, ${from ?? '…'} – ${to ?? '…'}` : ''})`,
      });
      return reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/pdf')
        .header(
          'content-disposition',
          `attachment; filename="${extractFileName(patient, generatedAt, format)}"`,
        )
        .header('cache-control', 'no-store')
        .send(body);
    },
  );

  r.post(
    '/api/audit/verify',
    {
      schema: {
        summary: 'Verify the audit log’s hash chain from its anchor; names the first broken record',
        tags: ['audit'],
        response: { 200: VerifyResultSchema },
      },
      config: VERIFY,
    },
    async (req) => {
      const result = await verifyAuditChain(db);
      await record(req, {
        action: 'administer',
        outcome: 'success',
        resourceType: 'AuditEvent',
        detail: result.ok
          ? `verified the audit chain: intact, ${result.records} records`
          : `verified the audit chain: BROKEN at record ${result.brokenAt} (${result.reason})`,
      });
      return result;
    },
  );

  r.post(
    '/api/audit/purge',
    {
      schema: {
        summary: 'Remove audit records older than the retention period; the purge is itself recorded',
        tags: ['audit'],
        body: PurgeBodySchema.nullish(),
        response: { 200: PurgeResultSchema },
      },
      config: VERIFY,
    },
    async (req) =>
      purgeAudit(db, clock, {
        retentionDays: req.body?.retentionDays ?? opts.retentionDays,
        principal: principalOf(req),
        origin: originOf(req),
      }),
  );

  const search = async (req: FastifyRequest, pairs: [string, string][]) => {
    const lenient = /handling=lenient/.test(String(req.headers.prefer ?? ''));
    const { filter, params } = parseAuditEventSearch(pairs, lenient);
    const records = await selectAudit(db, { ...filter, limit: filter.limit + 1 });
    const more = records.length > filter.limit;
    if (more) records.length = filter.limit;
    await record(req, {
      action: 'search',
      outcome: 'success',
      resourceType: 'AuditEvent',
      patientIds: filter.patients?.length ? filter.patients : patientsIn(records),
      detail: `AuditEvent?${new URLSearchParams(params).toString()}`,
    });
    return auditEventBundle(records, more, fhirBase(req), params);
  };
  const queryPairs = (req: FastifyRequest): [string, string][] => {
    const i = req.url.indexOf('?');
    return i < 0 ? [] : [...new URLSearchParams(req.url.slice(i + 1)).entries()];
  };

  app.get(`${FHIR_PREFIX}/AuditEvent`, { config: READ }, async (req, reply) =>
    reply.type(FHIR_JSON).send(await search(req, queryPairs(req))),
  );
  app.post(`${FHIR_PREFIX}/AuditEvent/_search`, { config: READ }, async (req, reply) => {
    const form = typeof req.body === 'string' ? [...new URLSearchParams(req.body).entries()] : [];
    return reply.type(FHIR_JSON).send(await search(req, [...queryPairs(req), ...form]));
  });
  app.get<{ Params: { id: string } }>(
    `${FHIR_PREFIX}/AuditEvent/:id`,
    { config: READ },
    async (req, reply) => {
      const seq = /^[1-9]\d{0,15}$/.test(req.params.id) ? Number(req.params.id) : null;
      const found = seq === null ? null : await readAuditRecord(db, seq);
      if (!found)
        throw new FhirError(
          404,
          `AuditEvent/${req.params.id} does not exist; AuditEvent ids are audit record numbers (search ${FHIR_PREFIX}/AuditEvent to find them)`,
          'not-found',
        );
      await record(req, {
        action: 'read',
        outcome: 'success',
        resourceType: 'AuditEvent',
        resourceIds: [req.params.id],
        patientIds: found.patientIds,
      });
      return reply.type(FHIR_JSON).send(toAuditEvent(found));
    },
  );
}
