import type { Database } from '../db/database.ts';
import { notFound } from './outcome.ts';
import type { FhirResource } from './resource-row.ts';
import { type Bundle, readByKeys } from './search/execute.ts';

/** Types a patient's resources point at that belong in $everything although outside the compartment. */
const REFERENCED_TYPES = ['Practitioner', 'PractitionerRole', 'Organization', 'Location', 'Medication'];

/**
 * Patient/{id}/$everything: the patient, every resource in their compartment,
 * and the practitioners, organisations, locations and medications those refer to.
 */
export async function patientEverything(
  db: Database,
  id: string,
  base: string,
  opts: { types?: string[]; since?: string; count: number; offset: number },
): Promise<Bundle> {
  const [patient] = await db.query<{ content: FhirResource }>(
    `SELECT content FROM fhir_resource WHERE resource_type = 'Patient' AND id = $1 AND NOT deleted`,
    [id],
  );
  if (!patient) throw notFound('Patient', id);
  const params: unknown[] = [id];
  let filter = '';
  if (opts.types?.length) {
    params.push(opts.types);
    filter += ` AND resource_type = ANY($${params.length}::text[])`;
  }
  if (opts.since) {
    params.push(opts.since);
    filter += ` AND last_updated >= $${params.length}`;
  }
  const [{ n }] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM fhir_resource WHERE patient_id = $1 AND NOT deleted${filter}`,
    params,
  );
  const rows = await db.query<{ content: FhirResource; tokens: string[] }>(
    `SELECT content, tokens FROM fhir_resource WHERE patient_id = $1 AND NOT deleted${filter}
     ORDER BY resource_type = 'Patient' DESC, resource_type, id LIMIT ${opts.count} OFFSET ${opts.offset}`,
    params,
  );
  const refs = new Set<string>();
  for (const { tokens } of rows) {
    for (const t of tokens) {
      const ref = t.slice(t.indexOf('=') + 1);
      if (REFERENCED_TYPES.some((type) => ref.startsWith(`${type}/`))) refs.add(ref);
    }
  }
  const wanted = [...refs].filter((r) => !opts.types?.length || opts.types.includes(r.split('/')[0]));
  const referenced = opts.offset === 0 ? await readByKeys(db, wanted) : [];
  const link = [{ relation: 'self', url: pageUrl(base, id, opts, opts.offset) }];
  if (opts.offset + rows.length < n)
    link.push({ relation: 'next', url: pageUrl(base, id, opts, opts.offset + opts.count) });
  const entry = [...rows, ...referenced].map(({ content }) => ({
    fullUrl: `${base}/${content.resourceType}/${content.id}`,
    resource: content,
    search: { mode: 'match' as const },
  }));
  return { resourceType: 'Bundle', type: 'searchset', total: n, link, entry };
}

function pageUrl(
  base: string,
  id: string,
  opts: { types?: string[]; since?: string; count: number },
  offset: number,
): string {
  const qs = new URLSearchParams();
  if (opts.types?.length) qs.set('_type', opts.types.join(','));
  if (opts.since) qs.set('_since', opts.since);
  qs.set('_count', String(opts.count));
  if (offset) qs.set('_offset', String(offset));
  return `${base}/Patient/${id}/$everything?${qs}`;
}
