/** Row shapes of the store's tables and the conversions to FHIR JSON. */
export interface ResourceRow {
  resource_type: string;
  id: string;
  version_id: number;
  last_updated: Date | string;
  deleted: boolean;
  content: any;
}

export type FhirResource = {
  resourceType: string;
  id?: string;
  meta?: Record<string, any>;
  [k: string]: any;
};

export function isoTime(v: Date | string): string {
  return (v instanceof Date ? v : new Date(v)).toISOString();
}

/** Strips what the server owns (meta.versionId, meta.lastUpdated) so content can be compared. */
export function withoutServerMeta(r: FhirResource): FhirResource {
  if (!r.meta) return r;
  const { versionId: _v, lastUpdated: _l, ...meta } = r.meta;
  const copy = { ...r };
  if (Object.keys(meta).length) copy.meta = meta;
  else delete copy.meta;
  return copy;
}

/** Structural equality, ignoring object key order. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!sameJson((a as any)[k], (b as any)[k])) return false;
  return true;
}

export function sameContent(a: FhirResource, b: FhirResource): boolean {
  return sameJson(withoutServerMeta(a), withoutServerMeta(b));
}

/**
 * The resource as stored: the server's versionId and lastUpdated in meta, and
 * resourceType, id and meta first, the order people expect to read (content
 * is kept as written, so this order is what clients get back).
 */
export function withServerMeta(
  r: FhirResource,
  versionId: number | string,
  lastUpdated: string,
): FhirResource {
  const { resourceType, id, meta, ...rest } = r;
  return { resourceType, id, meta: { ...(meta ?? {}), versionId: String(versionId), lastUpdated }, ...rest };
}
