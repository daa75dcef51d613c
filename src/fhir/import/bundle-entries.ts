import { createHash } from 'node:crypto';
import { forEachReference } from '../references.ts';

/** Bundle types whose entries are resources to store; history and messages mean something else. */
export const IMPORTABLE_BUNDLE_TYPES = ['transaction', 'batch', 'collection', 'searchset'] as const;

/** One entry of a bundle, ready to validate, or the reason it cannot be imported. */
export interface BundleEntryRecord {
  /** 0-based position in Bundle.entry, as FHIRPath counts. */
  entry: number;
  resource?: Record<string, unknown>;
  error?: string;
}

const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;
// RFC 4122 URL namespace: ids derived from a fullUrl are the UUIDv5 of that URL.
const URL_NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');

/** A name-based UUID (version 5): the same name always gives the same id, so re-imports match. */
export function uuidV5(name: string, namespace: Buffer = URL_NAMESPACE): string {
  const hash = createHash('sha1').update(namespace).update(name).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The id a resource without one gets from its fullUrl: the uuid of `urn:uuid:`, the last segment of a RESTful URL, else UUIDv5. */
function idFromFullUrl(fullUrl: string, type: string): string {
  const urn = /^urn:uuid:([0-9a-fA-F-]{36})$/.exec(fullUrl);
  if (urn) return urn[1].toLowerCase();
  const rest = new RegExp(`/${type}/([A-Za-z0-9\\-.]{1,64})(?:/_history/[^/]+)?$`).exec(fullUrl);
  if (rest) return rest[1];
  return uuidV5(fullUrl);
}

/**
 * The resources of an importable bundle. Import keeps each resource's own id
 * (so the same patient imported from two exports is one patient); a resource
 * without one gets a deterministic id from its fullUrl or its PUT url. Every
 * reference equal to another entry's fullUrl becomes `Type/id`; references to
 * anything outside the bundle are left exactly as written.
 */
export function bundleEntries(bundle: Record<string, unknown>): BundleEntryRecord[] {
  const entries = Array.isArray(bundle.entry) ? (bundle.entry as unknown[]) : [];
  const out: BundleEntryRecord[] = [];
  const target = new Map<string, string>();
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as Record<string, any> | null;
    const resource = e?.resource;
    if (resource === null || typeof resource !== 'object' || Array.isArray(resource)) {
      const method = e?.request?.method;
      out.push({
        entry: i,
        error:
          method === 'DELETE' || method === 'GET'
            ? `Bundle.entry[${i}] is a ${method} request; import stores resources only, so apply deletes through the FHIR API`
            : `Bundle.entry[${i}].resource is missing; each entry to import needs a resource`,
      });
      continue;
    }
    const type = resource.resourceType;
    if (typeof type === 'string' && resource.id === undefined) {
      const putId =
        typeof e?.request?.url === 'string'
          ? new RegExp(`^/?${type}/([^/?]+)$`).exec(e.request.url)?.[1]
          : undefined;
      if (putId && ID_RE.test(putId)) resource.id = putId;
      else if (typeof e?.fullUrl === 'string' && e.fullUrl) resource.id = idFromFullUrl(e.fullUrl, type);
    }
    if (typeof e?.fullUrl === 'string' && typeof type === 'string' && typeof resource.id === 'string') {
      target.set(e.fullUrl, `${type}/${resource.id}`);
    }
    out.push({ entry: i, resource });
  }
  if (target.size > 0) {
    for (const rec of out) {
      if (!rec.resource) continue;
      forEachReference(rec.resource, (ref) => {
        const to = target.get(ref.reference);
        if (to !== undefined) ref.reference = to;
      });
    }
  }
  return out;
}
