import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { FhirError, type IssueCode } from '../fhir/outcome.ts';

/** An RFC 9457 problem for the /api routes. */
export class ProblemError extends Error {
  readonly status: number;
  readonly title: string;
  readonly extra: Record<string, unknown>;
  constructor(status: number, title: string, detail: string, extra: Record<string, unknown> = {}) {
    super(detail);
    this.status = status;
    this.title = title;
    this.extra = extra;
  }
}

const isFhir = (req: FastifyRequest) => req.url.startsWith('/fhir');

/** Renders every error as the caller's format: OperationOutcome under /fhir, problem+json elsewhere. */
export const errorHandler =
  (bodyLimitBytes: number) =>
  (err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): void => {
    const { status, code, message, fields } = classify(err, bodyLimitBytes);
    if (status >= 500) req.log.error({ err }, 'request failed');
    if (isFhir(req)) {
      const issues =
        err instanceof FhirError
          ? err.issues
          : [
              {
                severity: 'error' as const,
                code,
                diagnostics: message,
                ...(fields ? { expression: fields } : {}),
              },
            ];
      void reply
        .status(status)
        .type('application/fhir+json')
        .send({ resourceType: 'OperationOutcome', issue: issues });
      return;
    }
    const problem: Record<string, unknown> = {
      type: 'about:blank',
      title: err instanceof ProblemError ? err.title : httpTitle(status),
      status,
      detail: message,
      ...(err instanceof ProblemError ? err.extra : {}),
    };
    if (fields)
      problem.errors = fields.map((f, i) => ({
        field: f,
        detail: (err as any).validation?.[i]?.message ?? message,
      }));
    void reply.status(status).type('application/problem+json').send(problem);
  };

function classify(
  err: FastifyError | Error,
  bodyLimitBytes: number,
): {
  status: number;
  code: IssueCode;
  message: string;
  fields?: string[];
} {
  if (err instanceof FhirError)
    return { status: err.status, code: err.issues[0]?.code ?? 'processing', message: err.message };
  if (err instanceof ProblemError) return { status: err.status, code: 'processing', message: err.message };
  if (hasZodFastifySchemaValidationErrors(err)) {
    const fields = err.validation.map(
      (v) => `${err.validationContext ?? 'body'}${v.instancePath.replaceAll('/', '.')}`,
    );
    const message = err.validation.map((v, i) => `${fields[i]}: ${v.message}`).join('; ');
    return { status: 400, code: 'invalid', message, fields };
  }
  const fe = err as FastifyError;
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        code: 'too-long',
        message: `request body is larger than the ${Math.round(bodyLimitBytes / 2 ** 20)} MiB this server accepts (BODY_LIMIT_BYTES); split it into smaller requests, or use $import / outreach import for bulk data`,
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        code: 'not-supported',
        message: `unsupported Content-Type; send application/fhir+json (or application/json)`,
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: 'required', message: 'the request body is empty; send a JSON resource' };
  }
  if (fe.statusCode && fe.statusCode < 500)
    return { status: fe.statusCode, code: 'invalid', message: fe.message };
  return { status: 500, code: 'exception', message: 'internal error; the server log has the details' };
}

function httpTitle(status: number): string {
  return (
    {
      400: 'Bad Request',
      401: 'Unauthorized',
      403: 'Forbidden',
      404: 'Not Found',
      409: 'Conflict',
      413: 'Content Too Large',
      415: 'Unsupported Media Type',
      422: 'Unprocessable Content',
    }[status] ?? (status >= 500 ? 'Internal Server Error' : 'Error')
  );
}
