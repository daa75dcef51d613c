/**
 * The one fetch wrapper: JSON in and out, the CSRF header on every non-GET,
 * errors as ApiError (from problem+json or a FHIR OperationOutcome), and a
 * 401 anywhere sends the user to the sign-in page.
 */

export class ApiError extends Error {
  readonly status: number;
  /** The problem type URI (/api) or the OperationOutcome issue code (/fhir). */
  readonly type: string;
  readonly detail: string;
  /** The whole problem document, for its extensions (a segment definition's `problems`). */
  readonly body: unknown;

  constructor(status: number, type: string, title: string, detail: string, body?: unknown) {
    super(detail || title || `HTTP ${status}`);
    this.status = status;
    this.type = type;
    this.detail = detail;
    this.body = body;
  }

  /** A 403 because the patient belongs to other care units (nödåtkomst may open it). */
  get careUnitDenied(): boolean {
    if (this.status !== 403) return false;
    return /care-unit/i.test(this.type) || /care unit/i.test(this.detail);
  }
}

let csrfToken = '';
let onUnauthorized: () => void = () => {};

/** Null when the session is not a cookie session (a bearer token needs no CSRF token). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token ?? '';
}

export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** Answer a 401 as an error instead of redirecting (sign-in, password change). */
  noRedirect?: boolean;
  /** A body sent as it is (a file the user picked), with its content type, instead of JSON. */
  raw?: { body: Blob; contentType: string };
}

async function toError(res: Response): Promise<ApiError> {
  let body: any;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if (body?.resourceType === 'OperationOutcome') {
    const issue = body.issue?.[0] ?? {};
    return new ApiError(res.status, issue.code ?? '', '', issue.diagnostics ?? issue.details?.text ?? '');
  }
  return new ApiError(res.status, body?.type ?? '', body?.title ?? res.statusText, body?.detail ?? '', body);
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json, application/fhir+json' };
  if (opts.raw) headers['content-type'] = opts.raw.contentType;
  else if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: opts.raw ? opts.raw.body : opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  if (res.status === 401 && !opts.noRedirect) onUnauthorized();
  if (!res.ok) throw await toError(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  get: <T>(path: string) => request<T>(path),
  post: <T>(path: string, body?: unknown, opts: Omit<RequestOptions, 'method' | 'body'> = {}) =>
    request<T>(path, { ...opts, method: 'POST', body: body ?? {} }),
  patch: <T>(path: string, body: unknown) => request<T>(path, { method: 'PATCH', body }),
  put: <T>(path: string, body: unknown) => request<T>(path, { method: 'PUT', body }),
  /** POST a file as the request body (a CSV contact list). */
  upload: <T>(path: string, file: Blob, contentType: string) =>
    request<T>(path, { method: 'POST', raw: { body: file, contentType } }),
  delete: (path: string) => request<void>(path, { method: 'DELETE' }),
};

/** A query string from the non-empty values only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
