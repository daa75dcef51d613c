import type { Queryable } from '../../db/client.ts';
import type { OutcomeIssue } from '../outcome.ts';
import type { FhirResource } from '../resource-row.ts';
import { isCompartmentParam } from '../search-params.ts';
import type { IncludeSpec, SearchRequest } from './parse.ts';
import { orderClause, Params, whereClause } from './sql.ts';

export interface BundleEntry {
  fullUrl?: string;
  resource?: FhirResource;
  search?: { mode: 'match' | 'include' | 'outcome' };
  request?: { method: string; url: string };
  response?: { status: string; location?: string; etag?: string; lastModified?: string; outcome?: unknown };
}

export interface Bundle {
  resourceType: 'Bundle';
  id?: string;
  type: 'searchset' | 'history' | 'transaction-response' | 'batch-response';
  total?: number;
  link?: { relation: string; url: string }[];
  entry?: BundleEntry[];
}

/** Results beyond this many included resources are cut, with a warning in the bundle. */
const MAX_INCLUDES = 5000;

/** Ids of the matches only, in order (conditional operations and counts use this). */
export async function searchIds(db: Queryable, req: SearchRequest, limit: number): Promise<string[]> {
  const p = new Params();
  const rows = await db.query<{ id: string }>(
    `SELECT r.id FROM fhir_resource r WHERE ${whereClause(req, p)} ORDER BY ${orderClause(req.sort, p)} LIMIT ${limit}`,
    p.values,
  );
  return rows.map((r) => r.id);
}

export async function countMatches(db: Queryable, req: SearchRequest): Promise<number> {
  const p = new Params();
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM fhir_resource r WHERE ${whereClause(req, p)}`,
    p.values,
  );
  return row.n;
}

export async function search(
  db: Queryable,
  req: SearchRequest,
  base: string,
  query: [string, string][],
): Promise<Bundle> {
  const self = linkFor(base, req.type, query, req.offset);
  if (req.summaryCount) {
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      total: await countMatches(db, req),
      link: [{ relation: 'self', url: self }],
    };
  }
  const p = new Params();
  const rows = await db.query<{ content: FhirResource }>(
    `SELECT r.content FROM fhir_resource r WHERE ${whereClause(req, p)}
     ORDER BY ${orderClause(req.sort, p)} LIMIT ${req.count + 1} OFFSET ${req.offset}`,
    p.values,
  );
  const hasMore = rows.length > req.count;
  const matches = rows.slice(0, req.count).map((r) => r.content);
  let total: number | undefined;
  if (req.totalAccurate) total = await countMatches(db, req);
  else if (!hasMore) total = req.offset + matches.length;

  const warnings: OutcomeIssue[] = [...req.warnings];
  const included = await includes(db, req, matches, warnings);
  const link = [{ relation: 'self', url: self }];
  if (hasMore) link.push({ relation: 'next', url: linkFor(base, req.type, query, req.offset + req.count) });
  if (req.offset > 0)
    link.push({
      relation: 'previous',
      url: linkFor(base, req.type, query, Math.max(0, req.offset - req.count)),
    });

  const entry: BundleEntry[] = [
    ...matches.map((r) => ({
      fullUrl: `${base}/${r.resourceType}/${r.id}`,
      resource: r,
      search: { mode: 'match' as const },
    })),
    ...included.map((r) => ({
      fullUrl: `${base}/${r.resourceType}/${r.id}`,
      resource: r,
      search: { mode: 'include' as const },
    })),
  ];
  if (warnings.length) {
    entry.push({
      resource: { resourceType: 'OperationOutcome', issue: warnings },
      search: { mode: 'outcome' },
    });
  }
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(total !== undefined ? { total } : {}),
    link,
    entry,
  };
}

async function includes(
  db: Queryable,
  req: SearchRequest,
  matches: FhirResource[],
  warnings: OutcomeIssue[],
): Promise<FhirResource[]> {
  if (matches.length === 0 || (req.include.length === 0 && req.revinclude.length === 0)) return [];
  const seen = new Set(matches.map((r) => `${r.resourceType}/${r.id}`));
  const out: FhirResource[] = [];
  const add = (rows: { content: FhirResource }[]) => {
    for (const { content } of rows) {
      const key = `${content.resourceType}/${content.id}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push(content);
      }
    }
  };
  for (const inc of req.include) {
    const targets = await includeTargets(db, req.type, matches, inc);
    if (targets.length === 0) continue;
    add(await readByKeys(db, targets.slice(0, MAX_INCLUDES)));
  }
  for (const inc of req.revinclude) {
    const keys = matches.map((m) => `${inc.param.name}=${m.resourceType}/${m.id}`);
    // A compartment's own patient is the patient_id column, not a token (isCompartmentParam).
    const patients = isCompartmentParam(inc.sourceType, inc.param)
      ? matches.filter((m) => m.resourceType === 'Patient').map((m) => m.id)
      : [];
    const rows = await db.query<{ content: FhirResource }>(
      `SELECT content FROM fhir_resource WHERE resource_type = $1 AND NOT deleted
       AND (tokens && $2::text[] OR patient_id = ANY($3::text[])) ORDER BY id LIMIT ${MAX_INCLUDES + 1}`,
      [inc.sourceType, keys, patients],
    );
    if (rows.length > MAX_INCLUDES) {
      warnings.push({
        severity: 'warning',
        code: 'too-costly',
        diagnostics: `_revinclude=${inc.sourceType}:${inc.param.name} matched more than ${MAX_INCLUDES} resources; only the first ${MAX_INCLUDES} are included. Search ${inc.sourceType} directly to page through all.`,
      });
    }
    add(rows.slice(0, MAX_INCLUDES));
  }
  return out;
}

/** Reads current resources by `Type/id`, one indexed query per type. */
export async function readByKeys(
  db: Queryable,
  keys: readonly string[],
): Promise<{ content: FhirResource }[]> {
  const byType = new Map<string, string[]>();
  for (const key of keys) {
    const [type, id] = key.split('/');
    if (!byType.has(type)) byType.set(type, []);
    byType.get(type)!.push(id);
  }
  const out: { content: FhirResource }[] = [];
  for (const [type, ids] of byType) {
    out.push(
      ...(await db.query<{ content: FhirResource }>(
        'SELECT content FROM fhir_resource WHERE resource_type = $1 AND id = ANY($2::text[]) AND NOT deleted',
        [type, ids],
      )),
    );
  }
  return out;
}

async function includeTargets(
  db: Queryable,
  type: string,
  matches: FhirResource[],
  inc: IncludeSpec,
): Promise<string[]> {
  const prefix = `${inc.param.name}=`;
  const rows = await db.query<{ tokens: string[]; patient_id: string | null }>(
    'SELECT tokens, patient_id FROM fhir_resource WHERE resource_type = $1 AND id = ANY($2::text[])',
    [type, matches.map((m) => m.id)],
  );
  const compartment = isCompartmentParam(type, inc.param);
  const targets = new Set<string>();
  for (const { tokens, patient_id } of rows) {
    if (compartment && patient_id && (!inc.targetType || inc.targetType === 'Patient'))
      targets.add(`Patient/${patient_id}`);
    for (const t of tokens) {
      if (!t.startsWith(prefix)) continue;
      const ref = t.slice(prefix.length);
      if (!inc.targetType || ref.startsWith(`${inc.targetType}/`)) targets.add(ref);
    }
  }
  return [...targets];
}

function linkFor(base: string, type: string, query: [string, string][], offset: number): string {
  const qs = new URLSearchParams(query.filter(([k]) => k !== '_offset'));
  if (offset > 0) qs.set('_offset', String(offset));
  const s = qs.toString();
  return `${base}/${type}${s ? `?${s}` : ''}`;
}
