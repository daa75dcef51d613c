import { randomUUID } from 'node:crypto';
import { inTransaction, type SqlClient } from '../db/client.ts';
import { bulkUpsertIn } from './bulk-write.ts';
import { FhirError, type OutcomeIssue } from './outcome.ts';
import { forEachReference } from './references.ts';
import type { FhirResource } from './resource-row.ts';
import { withServerMeta } from './resource-row.ts';
import { type Bundle, type BundleEntry, searchIds } from './search/execute.ts';
import { parseSearch } from './search/parse.ts';
import type { FhirStore } from './store.ts';
import { assertId, assertType, assertValid } from './store.ts';

interface RequestEntry {
  index: number;
  fullUrl?: string;
  resource?: FhirResource;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  ifNoneExist?: string;
  ifMatch?: string;
}

/** FHIR's processing order inside a transaction. */
const ORDER = { DELETE: 0, POST: 1, PUT: 2, GET: 3 } as const;

function parseEntries(bundle: any): RequestEntry[] {
  if (!Array.isArray(bundle.entry)) return [];
  const issues: OutcomeIssue[] = [];
  const entries: RequestEntry[] = [];
  bundle.entry.forEach((e: any, index: number) => {
    const at = `Bundle.entry[${index}]`;
    const method = e?.request?.method;
    const url = e?.request?.url;
    if (!['GET', 'POST', 'PUT', 'DELETE'].includes(method)) {
      issues.push({
        severity: 'error',
        code: 'required',
        diagnostics: `${at}.request.method must be GET, POST, PUT or DELETE`,
        expression: [`${at}.request.method`],
      });
      return;
    }
    if (typeof url !== 'string' || url === '') {
      issues.push({
        severity: 'error',
        code: 'required',
        diagnostics: `${at}.request.url is required (e.g. "Patient" for POST, "Patient/123" for PUT)`,
        expression: [`${at}.request.url`],
      });
      return;
    }
    if ((method === 'POST' || method === 'PUT') && (e.resource === null || typeof e.resource !== 'object')) {
      issues.push({
        severity: 'error',
        code: 'required',
        diagnostics: `${at}.resource is required for ${method}`,
        expression: [`${at}.resource`],
      });
      return;
    }
    entries.push({
      index,
      fullUrl: typeof e.fullUrl === 'string' ? e.fullUrl : undefined,
      resource: e.resource,
      method,
      url: url.replace(/^\//, ''),
      ifNoneExist: e.request.ifNoneExist,
      ifMatch: e.request.ifMatch,
    });
  });
  if (issues.length) throw new FhirError(400, issues);
  return entries;
}

function splitUrl(url: string): { type: string; id?: string; query?: URLSearchParams } {
  const [path, qs] = url.split('?', 2);
  const [type, id] = path.split('/');
  return { type, ...(id ? { id } : {}), ...(qs !== undefined ? { query: new URLSearchParams(qs) } : {}) };
}

/** Resolves a conditional URL (`Patient?identifier=x`) to the ids it matches. */
async function matchConditional(
  c: SqlClient,
  type: string,
  query: URLSearchParams,
  limit = 2,
): Promise<string[]> {
  const req = parseSearch(type, query.entries());
  return searchIds(inTransaction(c), req, limit);
}

/**
 * `transaction`: all entries succeed together or nothing is stored; `urn:uuid:`
 * and other fullUrls are replaced by the ids assigned, and conditional
 * references (`Patient?identifier=...`) by the one resource they match.
 */
export async function processTransaction(store: FhirStore, bundle: any, base: string): Promise<Bundle> {
  const entries = parseEntries(bundle);
  for (const e of entries) {
    const { type, id } = splitUrl(e.url);
    assertType(type);
    if (id) assertId(id, `Bundle.entry[${e.index}].request.url id`);
    if (e.resource) assertValid(e.resource, `Bundle.entry[${e.index}].resource`);
    if (e.resource && e.resource.resourceType !== type && e.method !== 'GET') {
      throw new FhirError(
        400,
        `Bundle.entry[${e.index}]: request.url names ${type} but the resource is a ${e.resource.resourceType}`,
        'invalid',
        `Bundle.entry[${e.index}].request.url`,
      );
    }
  }
  const responses = new Map<number, BundleEntry>();
  await store.db.transaction(async (c) => {
    const ids = new Map<number, string>();
    const skip = new Set<number>();
    const fullUrls = new Map<string, string>();
    // Every Type/id this transaction writes, with or without a fullUrl: references to them need no stored target.
    const written = new Set<string>();
    // First settle every entry's target id, so references can be rewritten before anything is written.
    for (const e of entries) {
      const { type, id, query } = splitUrl(e.url);
      if (e.method === 'POST') {
        let target: string = randomUUID();
        if (e.ifNoneExist) {
          const found = await matchConditional(c, type, new URLSearchParams(e.ifNoneExist));
          if (found.length > 1)
            throw new FhirError(
              412,
              `Bundle.entry[${e.index}].request.ifNoneExist matched ${found.length} ${type} resources; make the criteria specific to one`,
              'multiple-matches',
            );
          if (found.length === 1) {
            target = found[0];
            skip.add(e.index);
          }
        }
        ids.set(e.index, target);
      } else if (e.method === 'PUT') {
        if (id) ids.set(e.index, id);
        else if (query) {
          const found = await matchConditional(c, type, query);
          if (found.length > 1)
            throw new FhirError(
              412,
              `Bundle.entry[${e.index}]: conditional update ${e.url} matched ${found.length} resources; make it match one`,
              'multiple-matches',
            );
          ids.set(e.index, found[0] ?? e.resource?.id ?? randomUUID());
        } else
          throw new FhirError(
            400,
            `Bundle.entry[${e.index}]: PUT needs Type/id or Type?criteria in request.url`,
            'invalid',
            `Bundle.entry[${e.index}].request.url`,
          );
      }
      const target = ids.get(e.index);
      if (target) written.add(`${type}/${target}`);
      if (e.fullUrl && target) fullUrls.set(e.fullUrl, `${type}/${target}`);
    }
    // Rewrite references: fullUrls of this bundle, then conditional references.
    const missing: OutcomeIssue[] = [];
    const existenceChecks: { key: string; at: string }[] = [];
    for (const e of entries) {
      if (!e.resource) continue;
      const at = `Bundle.entry[${e.index}].resource`;
      const refs: { reference: string }[] = [];
      forEachReference(e.resource, (r) => refs.push(r));
      for (const r of refs) {
        const mapped = fullUrls.get(r.reference);
        if (mapped) {
          r.reference = mapped;
        } else if (r.reference.startsWith('urn:uuid:') || r.reference.startsWith('urn:oid:')) {
          missing.push({
            severity: 'error',
            code: 'not-found',
            diagnostics: `${at} refers to ${r.reference}, which is not the fullUrl of any entry in this transaction; add that entry or refer to an existing resource as Type/id`,
            expression: [at],
          });
        } else if (/^[A-Z][A-Za-z]+\?/.test(r.reference)) {
          const [type, qs] = r.reference.split('?', 2);
          assertType(type);
          const found = await matchConditional(c, type, new URLSearchParams(qs));
          if (found.length !== 1) {
            missing.push({
              severity: 'error',
              code: found.length ? 'multiple-matches' : 'not-found',
              diagnostics: `${at}: conditional reference ${r.reference} matched ${found.length} resources; it must match exactly one`,
              expression: [at],
            });
          } else r.reference = `${type}/${found[0]}`;
        } else if (/^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(r.reference)) {
          existenceChecks.push({ key: r.reference, at });
        }
      }
    }
    // Relative references must point at something that exists, in the store or in this bundle.
    const toCheck = existenceChecks.filter((x) => !written.has(x.key));
    if (toCheck.length) {
      const { rows } = await c.query<{ key: string }>(
        `SELECT resource_type || '/' || id AS key FROM fhir_resource r
         JOIN unnest($1::text[], $2::text[]) AS k(t, i) ON r.resource_type = k.t AND r.id = k.i WHERE NOT r.deleted`,
        [toCheck.map((x) => x.key.split('/')[0]), toCheck.map((x) => x.key.split('/')[1])],
      );
      const found = new Set(rows.map((r) => r.key));
      for (const x of toCheck) {
        if (!found.has(x.key))
          missing.push({
            severity: 'error',
            code: 'not-found',
            diagnostics: `${x.at} refers to ${x.key}, which does not exist; create it first or include it in the transaction`,
            expression: [x.at],
          });
      }
    }
    if (missing.length) throw new FhirError(400, missing);

    const ordered = [...entries].sort((a, b) => ORDER[a.method] - ORDER[b.method]);
    for (const e of ordered.filter((x) => x.method === 'DELETE')) {
      responses.set(e.index, await executeEntry(store, c, e, ids.get(e.index), false, base));
    }
    // Creates have fresh ids, so they go in together through the bulk path (COPY) rather than one by one.
    const creates = ordered.filter((x) => x.method === 'POST' && !skip.has(x.index));
    if (creates.length > 0) {
      const now = store.clock.now();
      const nowIso = now.toISOString();
      const items = creates.map((e) => ({
        type: e.resource!.resourceType,
        id: ids.get(e.index)!,
        resource: { ...e.resource!, id: ids.get(e.index)! },
      }));
      await bulkUpsertIn(c, now, items);
      items.forEach((item, i) => {
        const stored = withServerMeta(item.resource, 1, nowIso);
        responses.set(creates[i].index, {
          fullUrl: `${base}/${item.type}/${item.id}`,
          resource: stored,
          response: {
            status: '201 Created',
            location: `${item.type}/${item.id}/_history/1`,
            etag: 'W/"1"',
            lastModified: nowIso,
          },
        });
      });
    }
    for (const e of ordered.filter(
      (x) => x.method !== 'DELETE' && !(x.method === 'POST' && !skip.has(x.index)),
    )) {
      responses.set(e.index, await executeEntry(store, c, e, ids.get(e.index), skip.has(e.index), base));
    }
  });
  store.feed.notify();
  return {
    resourceType: 'Bundle',
    type: 'transaction-response',
    entry: entries.map((e) => responses.get(e.index)!),
  };
}

async function executeEntry(
  store: FhirStore,
  c: SqlClient,
  e: RequestEntry,
  id: string | undefined,
  existing: boolean,
  base: string,
): Promise<BundleEntry> {
  const { type, id: urlId, query } = splitUrl(e.url);
  switch (e.method) {
    case 'POST':
    case 'PUT': {
      if (existing) {
        const { rows } = await c.query<{ content: FhirResource }>(
          'SELECT content FROM fhir_resource WHERE resource_type = $1 AND id = $2',
          [type, id],
        );
        return {
          response: {
            status: '200 OK',
            location: `${type}/${id}/_history/${rows[0].content.meta?.versionId}`,
          },
          resource: rows[0].content,
        };
      }
      const res = await store.writeIn(
        c,
        { ...e.resource!, id },
        { mode: e.method === 'POST' ? 'create' : 'update', ifMatch: e.ifMatch },
      );
      const vid = res.resource.meta!.versionId;
      return {
        fullUrl: `${base}/${type}/${id}`,
        resource: res.resource,
        response: {
          status: res.outcome === 'created' ? '201 Created' : '200 OK',
          location: `${type}/${id}/_history/${vid}`,
          etag: `W/"${vid}"`,
          lastModified: res.resource.meta!.lastUpdated,
        },
      };
    }
    case 'DELETE': {
      const ids = urlId ? [urlId] : query ? await matchConditional(c, type, query, 100) : [];
      for (const target of ids) await store.deleteIn(c, type, target);
      return { response: { status: '204 No Content' } };
    }
    case 'GET': {
      if (urlId) {
        const { rows } = await c.query<{ content: FhirResource; deleted: boolean }>(
          'SELECT content, deleted FROM fhir_resource WHERE resource_type = $1 AND id = $2',
          [type, urlId],
        );
        if (!rows[0] || rows[0].deleted) return { response: { status: '404 Not Found' } };
        return { resource: rows[0].content, response: { status: '200 OK' } };
      }
      const req = parseSearch(type, (query ?? new URLSearchParams()).entries());
      const ids = await searchIds(inTransaction(c), req, req.count);
      const { rows } = await c.query<{ content: FhirResource }>(
        'SELECT content FROM fhir_resource WHERE resource_type = $1 AND id = ANY($2::text[])',
        [type, ids],
      );
      return {
        resource: {
          resourceType: 'Bundle',
          type: 'searchset',
          total: rows.length,
          entry: rows.map((r) => ({ resource: r.content, search: { mode: 'match' } })),
        },
        response: { status: '200 OK' },
      };
    }
  }
}

/** `batch`: each entry stands alone; one entry's failure is reported in its response and stops nothing else. */
export async function processBatch(store: FhirStore, bundle: any, base: string): Promise<Bundle> {
  const raw: any[] = Array.isArray(bundle.entry) ? bundle.entry : [];
  const out: BundleEntry[] = [];
  for (let i = 0; i < raw.length; i++) {
    try {
      const response = await processTransaction(store, { entry: [{ ...raw[i], fullUrl: undefined }] }, base);
      out.push(response.entry![0]);
    } catch (err) {
      const fe = err instanceof FhirError ? err : new FhirError(500, (err as Error).message, 'exception');
      const issues = fe.issues.map((iss) => ({
        ...iss,
        diagnostics: iss.diagnostics.replaceAll('Bundle.entry[0]', `Bundle.entry[${i}]`),
        ...(iss.expression
          ? { expression: iss.expression.map((x) => x.replaceAll('Bundle.entry[0]', `Bundle.entry[${i}]`)) }
          : {}),
      }));
      out.push({
        response: {
          status: `${fe.status} ${statusText(fe.status)}`,
          outcome: { resourceType: 'OperationOutcome', issue: issues },
        },
      });
    }
  }
  return { resourceType: 'Bundle', type: 'batch-response', entry: out };
}

function statusText(status: number): string {
  return (
    {
      400: 'Bad Request',
      404: 'Not Found',
      409: 'Conflict',
      410: 'Gone',
      412: 'Precondition Failed',
      422: 'Unprocessable Entity',
      500: 'Internal Server Error',
    }[status] ?? ''
  );
}
