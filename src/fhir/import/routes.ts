import path from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audit } from '../../auth/audit/hooks.ts';
import { FhirError, information } from '../outcome.ts';
import { FHIR_PREFIX, fhirBase } from '../routes.ts';
import type { FhirStore } from '../store.ts';
import { streamToTempFile } from './fetch-input.ts';
import { type ImportJob, type ImportJobInput, type ImportJobOptions, ImportJobRunner } from './jobs.ts';
import { ImportJobSummary } from './schemas.ts';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const NDJSON_TYPES = ['application/fhir+ndjson', 'application/x-ndjson', 'application/ndjson'];
/** An uploaded NDJSON body goes to disk as it arrives, so it may be far larger than memory. */
const NDJSON_BODY_LIMIT = 10 * 1024 ** 3;

export interface ImportRouteOptions extends ImportJobOptions {
  store: FhirStore;
  baseUrl?: string;
}

const runners = new WeakMap<FastifyInstance, ImportJobRunner>();

/** The job runner of an app (tests await jobs through it). */
export function importJobs(app: FastifyInstance): ImportJobRunner {
  const r = runners.get(app);
  if (!r) throw new Error('registerImportRoutes has not been called on this app');
  return r;
}

/**
 * Asynchronous FHIR `$import`: kick-off answers 202 with a status URL at once,
 * the job runs in the background (one at a time), the status URL reports
 * progress and then the per-type counts and every rejected line.
 */
export function registerImportRoutes(app: FastifyInstance, opts: ImportRouteOptions): ImportJobRunner {
  const runner = new ImportJobRunner(opts.store, opts);
  runners.set(app, runner);
  const base = (req: FastifyRequest) => fhirBase(req, opts.baseUrl);
  app.addHook('onReady', async () => runner.start());
  app.addHook('onClose', async () => runner.close());

  // The NDJSON body is not parsed: the handler streams it to a temp file.
  app.addContentTypeParser(NDJSON_TYPES, (_req, payload, done) => done(null, payload));

  app.post(
    `${FHIR_PREFIX}/$import`,
    { bodyLimit: NDJSON_BODY_LIMIT, config: { access: { permission: 'import:write' } } },
    async (req, reply) => {
      const kickoff = `${base(req)}/$import`;
      const type = String(req.headers['content-type'] ?? '')
        .split(';')[0]
        .trim()
        .toLowerCase();
      let job: ImportJob;
      if (NDJSON_TYPES.includes(type)) {
        const gz = /gzip/i.test(String(req.headers['content-encoding'] ?? ''));
        const file = await streamToTempFile(req.body as Readable, gz ? '.ndjson.gz' : '.ndjson');
        job = await runner.submit({
          kickoff,
          inputFormat: 'application/fhir+ndjson',
          inputs: [{ url: pathToFileURL(file).href, label: 'request body' }],
          temp: [file],
        });
      } else {
        const inputs = parseParameters(req.body, req.principal?.role === 'admin');
        job = await runner.submit({ kickoff, inputFormat: 'application/fhir+ndjson', inputs, temp: [] });
      }
      const status = `${base(req)}/$import-status/${job.id}`;
      // The job's writes reach the change feed resource by resource; the audit log names the job and who started it.
      audit(req, {
        action: 'create',
        outcome: 'success',
        resourceType: 'Bundle',
        resourceIds: [job.id],
        detail: `$import job ${job.id}: ${job.request.inputs.map((i) => i.label ?? i.url).join(' ')}`,
      });
      return reply
        .status(202)
        .header('Content-Location', status)
        .type(FHIR_JSON)
        .send(information(`import job ${job.id} accepted; poll ${status} for progress and the result`));
    },
  );

  const readJobs = { config: { access: { permission: 'import:read' as const } } };
  app.get<{ Params: { jobId: string } }>(
    `${FHIR_PREFIX}/$import-status/:jobId`,
    readJobs,
    async (req, reply) => {
      const job = await runner.get(req.params.jobId);
      if (!job) throw unknownJob(req.params.jobId);
      return sendStatus(reply, runner, job);
    },
  );

  app.delete<{ Params: { jobId: string } }>(
    `${FHIR_PREFIX}/$import-status/:jobId`,
    { config: { access: { permission: 'import:write' } } },
    async (req, reply) => {
      const before = await runner.get(req.params.jobId);
      if (!before) throw unknownJob(req.params.jobId);
      if (before.status === 'completed' || before.status === 'failed' || before.status === 'cancelled') {
        throw new FhirError(
          409,
          `import job ${before.id} has already ${before.status === 'completed' ? 'completed' : before.status === 'failed' ? 'failed' : 'been cancelled'}; there is nothing to cancel`,
          'conflict',
        );
      }
      await runner.cancel(before.id);
      return reply
        .status(202)
        .type(FHIR_JSON)
        .send(
          information(`import job ${before.id} is being cancelled; batches already committed stay stored`),
        );
    },
  );

  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/imports',
    {
      ...readJobs,
      schema: {
        summary: 'FHIR import jobs, newest first, with progress, counts per type and the first errors',
        tags: ['import'],
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
        response: { 200: z.array(ImportJobSummary) },
      },
    },
    async (req) => (await runner.list(req.query.limit)).map(summarizeJob),
  );

  return runner;
}

const unknownJob = (id: string) =>
  new FhirError(
    404,
    `there is no import job ${id}; the id comes from the Content-Location of the $import kick-off response`,
    'not-found',
  );

async function sendStatus(
  reply: FastifyReply,
  runner: ImportJobRunner,
  job: ImportJob,
): Promise<FastifyReply> {
  switch (job.status) {
    case 'completed':
      return reply.status(200).type('application/json').send(job.outcome);
    case 'failed':
      return reply.status(500).type(FHIR_JSON).send(job.outcome);
    case 'cancelled':
      return reply
        .status(404)
        .type(FHIR_JSON)
        .send({
          resourceType: 'OperationOutcome',
          issue: [
            {
              severity: 'error',
              code: 'not-found',
              diagnostics: `import job ${job.id} was cancelled at ${job.updatedAt}; resources committed before that are stored`,
            },
          ],
        });
    default: {
      const p = job.progress;
      const text =
        job.status === 'queued'
          ? `queued, ${await runner.position(job)} job(s) ahead`
          : `${fmt(p.resources ?? 0)} resources, ${fmt(p.errors ?? 0)} errors`;
      return reply
        .status(202)
        .header('X-Progress', text)
        .header('Retry-After', '2')
        .type('application/json')
        .send({
          id: job.id,
          status: job.status,
          createdAt: job.createdAt,
          updatedAt: job.updatedAt,
          progress: p,
        });
    }
  }
}

const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * Reads a kick-off Parameters resource: `inputFormat` (FHIR NDJSON) and one
 * or more `input` parts, each with a `url` (file:// for local files, an
 * administrator's privilege; http(s):// fetched by the server) and an
 * optional `type`.
 */
export function parseParameters(body: unknown, mayReadFiles: boolean): ImportJobInput[] {
  const p = body as { resourceType?: unknown; parameter?: unknown } | undefined;
  if (!p || typeof p !== 'object' || p.resourceType !== 'Parameters') {
    throw new FhirError(
      415,
      'send either FHIR NDJSON (Content-Type: application/fhir+ndjson) or a Parameters resource (application/fhir+json) with inputFormat and input.url parts',
      'not-supported',
    );
  }
  const params = Array.isArray(p.parameter) ? (p.parameter as any[]) : [];
  const issues: {
    severity: 'error';
    code: 'required' | 'value' | 'not-supported' | 'forbidden';
    diagnostics: string;
    expression: string[];
  }[] = [];
  const bad = (code: (typeof issues)[number]['code'], at: string, text: string) =>
    issues.push({ severity: 'error', code, diagnostics: `${at}: ${text}`, expression: [at] });
  const value = (x: any) => x?.valueUrl ?? x?.valueUri ?? x?.valueString ?? x?.valueCode;

  const formatAt = params.findIndex((x) => x?.name === 'inputFormat');
  const format = formatAt >= 0 ? value(params[formatAt]) : undefined;
  if (format === undefined)
    bad(
      'required',
      'Parameters.parameter',
      "an 'inputFormat' parameter is required (valueCode application/fhir+ndjson)",
    );
  else if (
    !['application/fhir+ndjson', 'application/x-ndjson', 'application/ndjson'].includes(String(format))
  ) {
    bad(
      'not-supported',
      `Parameters.parameter[${formatAt}].valueCode`,
      `inputFormat '${format}' is not supported; use application/fhir+ndjson`,
    );
  }
  const inputs: ImportJobInput[] = [];
  params.forEach((x, i) => {
    if (x?.name !== 'input') return;
    const parts: any[] = Array.isArray(x.part) ? x.part : [];
    const urlAt = parts.findIndex((y) => y?.name === 'url');
    const at = `Parameters.parameter[${i}]`;
    const url = urlAt >= 0 ? value(parts[urlAt]) : undefined;
    if (typeof url !== 'string' || url === '') {
      bad('required', `${at}.part`, "each input needs a 'url' part (valueUrl file:///path or https://…)");
      return;
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      bad(
        'value',
        `${at}.part[${urlAt}]`,
        `'${url}' is not an absolute URL; use file:///absolute/path or https://host/file.ndjson`,
      );
      return;
    }
    if (parsed.protocol === 'file:') {
      if (!mayReadFiles) {
        bad(
          'forbidden',
          `${at}.part[${urlAt}]`,
          'file:// inputs read the server’s disk and need an administrator token',
        );
        return;
      }
      if (!path.isAbsolute(decodeURIComponent(parsed.pathname))) {
        bad('value', `${at}.part[${urlAt}]`, `'${url}' must be an absolute path`);
        return;
      }
    } else if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      bad(
        'not-supported',
        `${at}.part[${urlAt}]`,
        `'${parsed.protocol}' URLs are not supported; use file://, http:// or https://`,
      );
      return;
    }
    const type = value(parts.find((y) => y?.name === 'type'));
    inputs.push({ url, ...(typeof type === 'string' ? { type } : {}) });
  });
  if (inputs.length === 0 && issues.length === 0) {
    bad('required', 'Parameters.parameter', "at least one 'input' parameter with a 'url' part is required");
  }
  if (issues.length) throw new FhirError(issues.some((i) => i.code === 'forbidden') ? 403 : 400, issues);
  return inputs;
}

function summarizeJob(job: ImportJob): z.infer<typeof ImportJobSummary> {
  const ended = job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled';
  const out = job.outcome as {
    output?: { type: string; count: number; created?: number; updated?: number }[];
    summary?: { errors?: { file: string; line: number; message: string }[] };
    issue?: { diagnostics?: string }[];
  } | null;
  const counts: Record<string, number> = {};
  let written = 0;
  for (const o of out?.output ?? []) {
    counts[o.type] = o.count;
    written += (o.created ?? 0) + (o.updated ?? 0);
  }
  return {
    id: job.id,
    status: job.status,
    createdAt: job.createdAt,
    finishedAt: ended ? job.updatedAt : null,
    progress: {
      linesRead: job.progress.resources ?? 0,
      resourcesWritten: written,
      errors: job.progress.errors ?? 0,
      bytes: job.progress.bytes ?? 0,
      totalBytes: job.progress.totalBytes ?? 0,
    },
    counts,
    errors: (out?.summary?.errors ?? [])
      .slice(0, 100)
      .map((e) => ({ source: e.file, line: e.line, message: e.message })),
    message:
      job.status === 'failed' || job.status === 'cancelled' ? (out?.issue?.[0]?.diagnostics ?? null) : null,
  };
}
