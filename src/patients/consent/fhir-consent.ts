/**
 * FHIR R4 Consent → consent events, for the contact consents our EHR keeps
 * (src/generate/consent.ts): one Consent per channel, provision.action coded
 * in our contact-channel system.
 *
 * - active: each provision grants (permit) or withdraws (deny) its scope;
 *   without provision.type, policyRule OPTIN grants and OPTOUT withdraws.
 *   A permit with period.end also withdraws at the end.
 * - inactive: a withdrawn consent, so every scope it named is withdrawn.
 * - rejected (never valid), draft/proposed (not in force), entered-in-error
 *   (never true): no events; the reason is returned as `ignored`.
 * - No provision.purpose means outreach on that channel, every topic: these
 *   are the EHR's "you may contact me by SMS/e-mail" consents, and care needs
 *   none anyway. v3-ActReason HMARKT is outreach; TREAT and HOPERAT are care.
 * - No provision.action means every channel; actions coded only in other
 *   systems (access, disclose…) are not about contacting and are skipped.
 * - Nested provisions are exceptions to their parent: they inherit what they
 *   leave out and take effect 1 ms per level later, because the history fold
 *   lets the latest event win and a parent and its exception share an instant.
 * newId gets a key unique within the resource (provision path, purpose,
 * channel); the caller scopes it by resource id and version, so importing the
 * same version twice yields the same ids.
 */
import { ACT_CODE, CONTACT_CHANNEL } from '../../generate/fhir.ts';
import { CHANNELS, type Channel, type ConsentEvent, type ConsentState, type Purpose } from '../model.ts';

const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const PURPOSE_CODES: Record<string, Purpose> = { HMARKT: 'outreach', TREAT: 'care', HOPERAT: 'care' };

export interface FhirConsentMapping {
  events: ConsentEvent[];
  /** Why the resource, or part of it, produced no events. */
  ignored?: string;
}

export interface FhirConsentOptions {
  /** ConsentEvent.source; default "ehr". */
  source?: string;
  /** ConsentEvent.actor; default "fhir-import". */
  actor?: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const array = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function codings(concept: unknown): Json[] {
  return isObject(concept) ? array(concept.coding).filter(isObject) : [];
}

function instant(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}

interface Scope {
  type: 'permit' | 'deny';
  channels: (Channel | null)[];
  purposes: Purpose[];
  start?: number;
  end?: number;
  depth: number;
  path: string;
}

export function consentEventsFromFhir(
  resource: unknown,
  profileId: string,
  recordedAt: string,
  newId: (key: string) => string,
  options: FhirConsentOptions = {},
): FhirConsentMapping {
  const none = (ignored: string): FhirConsentMapping => ({ events: [], ignored });
  if (!isObject(resource) || resource.resourceType !== 'Consent') return none('not a FHIR Consent resource');
  const id = resource.id;
  if (typeof id !== 'string' || id === '')
    return none('Consent without an id: no reference to cite as evidence');
  const reference = `Consent/${id}`;
  const status = resource.status;
  if (status === 'rejected') return none(`${reference} is rejected: it was never valid`);
  if (status === 'draft' || status === 'proposed') return none(`${reference} is ${status}: not in force yet`);
  if (status === 'entered-in-error') {
    return none(`${reference} is entered-in-error: review events imported from its earlier versions`);
  }
  if (status !== 'active' && status !== 'inactive') {
    return none(`${reference} has unknown status ${JSON.stringify(status)}`);
  }
  const rule = codings(resource.policyRule).find((c) => c.system === ACT_CODE)?.code;
  const ruleType = rule === 'OPTIN' ? 'permit' : rule === 'OPTOUT' ? 'deny' : undefined;
  const recordedMs = instant(recordedAt);
  if (recordedMs === undefined)
    throw new Error(`recordedAt: ${JSON.stringify(recordedAt)} is not an ISO instant`);

  const skipped: string[] = [];
  const scopes: Scope[] = [];
  const walk = (prov: Json, parent: Omit<Scope, 'path' | 'depth'> | null, depth: number, path: string) => {
    const type = prov.type === 'permit' || prov.type === 'deny' ? prov.type : (parent?.type ?? ruleType);
    if (type === undefined) {
      skipped.push(`${path}: neither provision.type nor an OPTIN/OPTOUT policyRule says permit or deny`);
      return;
    }
    let channels = parent?.channels ?? [null];
    if (Array.isArray(prov.action)) {
      const codes = prov.action.flatMap(codings).filter((c) => c.system === CONTACT_CHANNEL);
      channels = [
        ...new Set(
          codes.flatMap((c) =>
            (CHANNELS as readonly unknown[]).includes(c.code) ? [c.code as Channel] : [],
          ),
        ),
      ];
      if (channels.length === 0) {
        skipped.push(`${path}: no action in ${CONTACT_CHANNEL} with a known channel`);
        return;
      }
    }
    let purposes = parent?.purposes ?? ['outreach'];
    if (Array.isArray(prov.purpose)) {
      const mapped = prov.purpose
        .filter(isObject)
        .flatMap((c) =>
          c.system === ACT_REASON && typeof c.code === 'string' ? [PURPOSE_CODES[c.code]] : [],
        )
        .filter((p): p is Purpose => p !== undefined);
      purposes = [...new Set(mapped)];
      if (purposes.length === 0) {
        skipped.push(`${path}: purpose has no HMARKT, TREAT or HOPERAT code`);
        return;
      }
    }
    const period = isObject(prov.period) ? prov.period : {};
    const scope = {
      type,
      channels,
      purposes,
      start: instant(period.start) ?? parent?.start,
      end: instant(period.end) ?? parent?.end,
    };
    scopes.push({ ...scope, depth, path });
    array(prov.provision).forEach((child, i) => {
      if (isObject(child)) walk(child, scope, depth + 1, `${path}.${i}`);
    });
  };
  walk(isObject(resource.provision) ? resource.provision : {}, null, 0, 'provision');

  const dateTime = instant(resource.dateTime);
  const lastUpdated = isObject(resource.meta) ? instant(resource.meta.lastUpdated) : undefined;
  const base = {
    profileId,
    contactValue: null,
    topic: null,
    objection: false,
    source: options.source ?? 'ehr',
    actor: options.actor ?? 'fhir-import',
    evidence: { kind: 'fhir-consent', reference } as const,
    recordedAt,
  };
  const events: ConsentEvent[] = [];
  const emit = (s: Scope, state: ConsentState, atMs: number, suffix: string) => {
    for (const purpose of s.purposes) {
      for (const channel of s.channels) {
        events.push({
          ...base,
          id: newId(`${s.path}/${purpose}/${channel ?? 'all'}${suffix}`),
          channel,
          purpose,
          state,
          at: new Date(atMs + s.depth).toISOString(),
        });
      }
    }
  };
  for (const s of scopes) {
    if (status === 'inactive') {
      // When it stopped is rarely recorded: the period end, else the version's
      // last update, else the consent's own date.
      emit(s, 'withdrawn', s.end ?? lastUpdated ?? dateTime ?? s.start ?? recordedMs, '');
      continue;
    }
    const start = s.start ?? dateTime ?? lastUpdated ?? recordedMs;
    emit(s, s.type === 'permit' ? 'granted' : 'withdrawn', start, '');
    if (s.type === 'permit' && s.end !== undefined) emit(s, 'withdrawn', s.end, '/end');
  }
  const ignored = skipped.length > 0 ? `${reference}: ${skipped.join('; ')}` : undefined;
  return ignored === undefined ? { events } : { events, ignored };
}
