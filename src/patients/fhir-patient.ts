import { PERSONNUMMER_SYSTEM, SAMORDNINGSNUMMER_SYSTEM } from '../generate/personnummer.ts';
import {
  normaliseDate,
  normaliseEmail,
  normalisePersonnummer,
  normalisePhone,
  normalisePostalCode,
} from './match/normalise.ts';
import type { Gender, PostalAddress, SourceRecord } from './model.ts';

/** Identifier systems that carry a Swedish personnummer or samordningsnummer. */
const PNR_SYSTEMS = new Set([
  PERSONNUMMER_SYSTEM,
  SAMORDNINGSNUMMER_SYSTEM,
  // Inera's system URI, used by many Swedish FHIR servers (and our own web app's search).
  'http://electronichealth.se/identifier/personnummer',
  'http://electronichealth.se/identifier/samordningsnummer',
]);

interface FhirPatient {
  resourceType: 'Patient';
  id: string;
  meta?: { lastUpdated?: string };
  identifier?: Array<{ system?: string; value?: string }>;
  name?: Array<{ use?: string; family?: string; given?: string[]; period?: { end?: string } }>;
  telecom?: Array<{ system?: string; value?: string; use?: string; period?: { end?: string } }>;
  gender?: string;
  birthDate?: string;
  deceasedBoolean?: boolean;
  deceasedDateTime?: string;
  address?: Array<{
    use?: string;
    line?: string[];
    city?: string;
    postalCode?: string;
    country?: string;
    period?: { start?: string; end?: string };
  }>;
  communication?: Array<{ language?: { coding?: Array<{ code?: string }> }; preferred?: boolean }>;
}

const ended = (p?: { end?: string }, at?: string) => p?.end !== undefined && (at === undefined || p.end < at);

/**
 * What the EHR's Patient says, as a source record. Values the store accepted
 * but that do not normalise (a malformed phone) are left out rather than
 * guessed: the clinical record stays the truth, outreach just cannot use them.
 */
export function recordFromPatient(p: FhirPatient, source: string, at: Date): SourceRecord {
  const now = at.toISOString();
  let personnummer: string | undefined;
  const identifiers: SourceRecord['identifiers'] = [];
  for (const id of p.identifier ?? []) {
    if (!id.system || !id.value) continue;
    if (PNR_SYSTEMS.has(id.system) && !personnummer) {
      const n = normalisePersonnummer(id.value, at);
      if (n.ok) personnummer = n.value;
      continue;
    }
    identifiers.push({ system: id.system, value: id.value });
  }
  const name =
    p.name?.find((n) => n.use === 'official' && !ended(n.period, now)) ??
    p.name?.find((n) => !ended(n.period, now) && n.use !== 'old');
  const emails: string[] = [];
  const phones: string[] = [];
  for (const t of p.telecom ?? []) {
    if (!t.value || ended(t.period, now)) continue;
    if (t.system === 'email') {
      const e = normaliseEmail(t.value);
      if (e.ok && !emails.includes(e.value)) emails.push(e.value);
    } else if (t.system === 'phone' || t.system === 'sms') {
      const ph = normalisePhone(t.value);
      if (ph.ok && !phones.includes(ph.value)) phones.push(ph.value);
    }
  }
  const addresses: PostalAddress[] = [];
  for (const a of p.address ?? []) {
    if (a.use === 'old' || ended(a.period, now) || !(a.line?.length || a.postalCode)) continue;
    addresses.push({
      lines: a.line ?? [],
      postalCode: a.postalCode ? normalisePostalCode(a.postalCode) : undefined,
      city: a.city,
      country: a.country ?? 'SE',
      since: a.period?.start?.slice(0, 10),
    });
  }
  const language =
    p.communication?.find((c) => c.preferred)?.language?.coding?.[0]?.code ??
    p.communication?.[0]?.language?.coding?.[0]?.code;
  const birth = p.birthDate ? normaliseDate(p.birthDate) : undefined;
  return {
    source,
    externalId: p.id,
    updatedAt: p.meta?.lastUpdated ?? now,
    personnummer,
    identifiers,
    given: (name?.given ?? []).map((g) => g.trim()).filter(Boolean),
    family: name?.family?.trim() || undefined,
    birthDate: birth?.ok ? birth.value : undefined,
    gender: (['male', 'female', 'other', 'unknown'] as const).includes(p.gender as Gender)
      ? (p.gender as Gender)
      : undefined,
    emails,
    phones,
    addresses,
    language,
    deceased: p.deceasedBoolean === true || p.deceasedDateTime !== undefined ? true : undefined,
  };
}
