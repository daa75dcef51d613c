/**
 * A tiny HTTP client for the FHIR tests: sends JSON the way a FHIR client
 * does and gives back status, headers and the parsed body.
 */
export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export interface FhirHttp {
  base: string;
  get(path: string, headers?: Record<string, string>): Promise<HttpResult>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<HttpResult>;
  put(path: string, body: unknown, headers?: Record<string, string>): Promise<HttpResult>;
  delete(path: string, headers?: Record<string, string>): Promise<HttpResult>;
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<HttpResult>;
}

/**
 * `path` is relative to `${url}/fhir/R4` ("Patient/1", "" for the base),
 * absolute when it starts with "/" ("/api/changes") or with "http".
 */
export function fhirHttp(server: { url: string; auth: { authorization: string } }): FhirHttp {
  const base = `${server.url}/fhir/R4`;
  const resolve = (path: string) =>
    path.startsWith('http')
      ? path
      : path.startsWith('/')
        ? `${server.url}${path}`
        : path === ''
          ? base
          : `${base}/${path}`;
  async function request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpResult> {
    const init: RequestInit = {
      method,
      headers: { ...server.auth, accept: 'application/fhir+json', ...headers },
    };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/fhir+json';
    }
    const res = await fetch(resolve(path), init);
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, text, body: parsed };
  }
  return {
    base,
    request,
    get: (p, h) => request('GET', p, undefined, h),
    post: (p, b, h) => request('POST', p, b, h),
    put: (p, b, h) => request('PUT', p, b, h),
    delete: (p, h) => request('DELETE', p, undefined, h),
  };
}

/** The `diagnostics` and `expression`s of an OperationOutcome, as one searchable string. */
export function outcomeText(oo: any): string {
  return (oo?.issue ?? [])
    .map(
      (i: { diagnostics?: string; expression?: string[] }) =>
        `${(i.expression ?? []).join(',')} ${i.diagnostics ?? ''}`,
    )
    .join('\n');
}

/** Count of a type's current resources, as `_summary=count` reports it. */
export async function countOf(http: FhirHttp, typeAndQuery: string): Promise<number> {
  const sep = typeAndQuery.includes('?') ? '&' : '?';
  const r = await http.get(`${typeAndQuery}${sep}_summary=count`);
  if (r.status !== 200) throw new Error(`count ${typeAndQuery}: ${r.status} ${r.text}`);
  return r.body.total;
}

/** Follows `link[next]` and returns every match entry's resource, in order. */
export async function searchAll(http: FhirHttp, query: string): Promise<any[]> {
  const out: any[] = [];
  let next: string | undefined = query;
  let pages = 0;
  while (next) {
    const r = await http.get(next);
    if (r.status !== 200) throw new Error(`search ${next}: ${r.status} ${r.text}`);
    for (const e of r.body.entry ?? [])
      if (e.search?.mode !== 'include' && e.search?.mode !== 'outcome') out.push(e.resource);
    next = r.body.link?.find((l: { relation: string }) => l.relation === 'next')?.url;
    if (++pages > 10_000) throw new Error('too many pages');
  }
  return out;
}
