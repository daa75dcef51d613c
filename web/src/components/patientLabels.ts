/**
 * Labels for the patients module's codes (channels, purposes, consent states,
 * evidence), shared by the profile pages. Codes come from the server's schemas;
 * every text comes from the catalogues.
 */
import type { Lang, MessageKey, Translate } from '../i18n/index.tsx';
import type {
  Channel,
  ConsentEvent,
  ConsentPolicy,
  ConsentRow,
  ContactKind,
  Golden,
  ObservationPoint,
  Purpose,
} from '../types.ts';

export const CHANNELS: readonly Channel[] = ['email', 'sms', 'letter', 'push'];
export const PURPOSES: readonly Purpose[] = ['care', 'outreach', 'tracking'];

export const CHANNEL_LABEL: Record<Channel, MessageKey> = {
  email: 'channel.email',
  sms: 'channel.sms',
  letter: 'channel.letter',
  push: 'channel.push',
};

/** A channel inside a sentence ("outreach by e-mail"): lower case where the language writes it so. */
export const CHANNEL_IN_TEXT: Record<Channel, MessageKey> = {
  email: 'channel.inText.email',
  sms: 'channel.inText.sms',
  letter: 'channel.inText.letter',
  push: 'channel.inText.push',
};

export const PURPOSE_LABEL: Record<Purpose, MessageKey> = {
  care: 'purpose.care',
  outreach: 'purpose.outreach',
  tracking: 'purpose.tracking',
};

export const KIND_LABEL: Record<ContactKind, MessageKey> = {
  email: 'contactKind.email',
  phone: 'contactKind.phone',
  postal: 'contactKind.postal',
  push: 'contactKind.push',
};

/** The channel that delivers to a contact point of each kind. */
export const KIND_CHANNEL: Record<ContactKind, Channel> = {
  email: 'email',
  phone: 'sms',
  postal: 'letter',
  push: 'push',
};

export function isPurpose(p: string): p is Purpose {
  return (PURPOSES as readonly string[]).includes(p);
}

/** "one other person", "3 other people". */
export function others(n: number, t: Translate): string {
  return n === 1 ? t('people.oneOther') : t('people.others', { n });
}

/** "Anna Maria Svensson" from the golden record. */
export function goldenName(g: Golden): string {
  return [...(g.given ?? []), g.family].filter(Boolean).join(' ');
}

/** Whole years from a YYYY-MM-DD birth date to today in Sweden. */
export function ageOf(birthDate: string | undefined | null, today = swedishToday()): number | null {
  if (!birthDate || !/^\d{4}-\d{2}-\d{2}$/.test(birthDate)) return null;
  const years = Number(today.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return today.slice(5) < birthDate.slice(5) ? years - 1 : years;
}

export function swedishToday(): string {
  // sv-SE formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm' }).format(new Date());
}

/** A topic's label from the consent policy; "all topics" for null; the id when the policy no longer has it. */
export function topicLabel(
  policy: ConsentPolicy | undefined,
  lang: Lang,
  t: Translate,
  topic: string | null,
): string {
  if (topic === null) return t('consent.allTopics');
  return policy?.topics.find((x) => x.id === topic)?.label[lang] ?? topic;
}

export type Tone = 'yes' | 'no' | 'wait' | 'neutral';

/** What a consent matrix cell says: the state, read with the enforcement (opt-in, opt-out, not required). */
export function consentCell(row: Pick<ConsentRow, 'state' | 'enforcement' | 'objected' | 'permits'>): {
  label: MessageKey;
  tone: Tone;
} {
  const tone: Tone = row.permits ? 'yes' : row.state === 'pending' ? 'wait' : 'no';
  if (row.objected) return { label: 'consent.state.objected', tone };
  switch (row.state) {
    case 'granted':
      return { label: 'consent.state.granted', tone };
    case 'withdrawn':
      return { label: 'consent.state.withdrawn', tone };
    case 'pending':
      return { label: 'consent.state.pending', tone };
    case 'expired':
      return { label: 'consent.state.expired', tone };
    default:
      if (row.enforcement === 'not-required') return { label: 'consent.state.notRequired', tone };
      if (row.enforcement === 'opt-out') return { label: 'consent.state.notOptedOut', tone };
      return { label: 'consent.state.none', tone };
  }
}

/** A cell's words: as consentCell says, an expired opt-in with the day its link expired. */
export function consentCellText(
  row: Pick<ConsentRow, 'state' | 'enforcement' | 'objected' | 'permits' | 'expiresAt'>,
  t: Translate,
  date: (v: string) => string,
): string {
  if (!row.objected && row.state === 'expired' && row.expiresAt)
    return t('consent.state.expiredAt', { at: date(row.expiresAt) });
  return t(consentCell(row).label);
}

/**
 * The double opt-ins whose confirmation link expired unconfirmed, by consent
 * event id with the expiry. The server folds them to "expired" in the consent
 * rows by its own clock; a pending event no row shows any more (a newer one
 * decides) is expired when its expiry has passed.
 */
export function expiredOptIns(
  rows: readonly ConsentRow[],
  events: readonly ConsentEvent[],
  now = Date.now(),
): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of rows)
    if (r.state === 'expired' && r.eventId && r.expiresAt) out.set(r.eventId, r.expiresAt);
  for (const e of events)
    if (e.state === 'pending' && e.expiresAt && !out.has(e.id) && Date.parse(e.expiresAt) <= now)
      out.set(e.id, e.expiresAt);
  return out;
}

export const ENFORCEMENT_LABEL: Record<ConsentRow['enforcement'], MessageKey> = {
  'opt-in': 'consent.enforcement.opt-in',
  'opt-out': 'consent.enforcement.opt-out',
  'not-required': 'consent.enforcement.not-required',
};

/**
 * "Consent given: outreach by e-mail, newsletter (anna@example.se)";
 * `expired` (a formatted date): a double opt-in whose link expired unconfirmed.
 */
export function consentEventText(
  e: ConsentEvent,
  t: Translate,
  topic: (id: string | null) => string,
  expired?: string,
): string {
  if (e.objection) return t('consent.event.objection');
  const state =
    e.state === 'granted'
      ? t('consent.event.granted')
      : e.state === 'withdrawn'
        ? t('consent.event.withdrawn')
        : expired
          ? t('consent.event.expired', { at: expired })
          : t('consent.event.pending');
  return `${state}: ${consentScopeText(e, t, topic)}`;
}

/** "outreach by e-mail, newsletter (anna@example.se)": what a consent event is about. */
export function consentScopeText(
  e: Pick<ConsentEvent, 'purpose' | 'channel' | 'topic' | 'contactValue'>,
  t: Translate,
  topic: (id: string | null) => string,
): string {
  const scope = t('consent.event.scope', {
    purpose: t(PURPOSE_LABEL[e.purpose]).toLowerCase(),
    channel: e.channel ? t(CHANNEL_IN_TEXT[e.channel]) : t('consent.allChannels'),
    topic: topic(e.topic).toLowerCase(),
  });
  return `${scope}${e.contactValue ? ` (${e.contactValue})` : ''}`;
}

/** How the change is proven. */
export function evidenceText(e: ConsentEvent, t: Translate, dateTime: (v: string) => string): string {
  const ev = e.evidence;
  switch (ev.kind) {
    case 'fhir-consent':
      return t('evidence.fhir', { ref: ev.reference });
    case 'form':
      return t('evidence.form', { form: ev.form });
    case 'reply':
      return t('evidence.reply', { text: ev.text, from: ev.from });
    case 'staff': {
      // The server's own note when staff start a double opt-in (src/patients/routes/consent.ts).
      const optIn = /^double opt-in started for (\S+)$/.exec(ev.note);
      return optIn ? t('evidence.optInStarted', { email: optIn[1] }) : t('evidence.staff', { note: ev.note });
    }
    case 'double-opt-in':
      return t('evidence.doubleOptIn', { at: dateTime(ev.confirmedAt) });
    case 'import':
      return ev.row === undefined
        ? t('evidence.import', { source: ev.source })
        : t('evidence.importRow', { source: ev.source, row: ev.row });
  }
}

const UNITS: Record<string, string> = { 'mm[Hg]': 'mmHg', 'kg/m2': 'kg/m²' };

/** "53 mmol/mol", "142/88 mmHg". */
export function observationValue(p: ObservationPoint, number: (n: number) => string): string {
  const unit = UNITS[p.unit] ?? p.unit;
  const value = p.value2 === undefined ? number(p.value) : `${number(p.value)}/${number(p.value2)}`;
  return unit ? `${value} ${unit}` : value;
}

/** Identifier systems people know by name (Inera's URIs and the Swedish OIDs); others are shown as their URI. */
const IDENTIFIER_SYSTEM: Record<string, MessageKey> = {
  'urn:oid:1.2.752.129.2.1.3.1': 'identifier.personnummer',
  'http://electronichealth.se/identifier/personnummer': 'identifier.personnummer',
  'urn:oid:1.2.752.129.2.1.3.3': 'identifier.samordningsnummer',
  'http://electronichealth.se/identifier/samordningsnummer': 'identifier.samordningsnummer',
  'urn:oid:1.2.752.129.2.1.4.1': 'identifier.hsaId',
  'urn:oid:1.2.752.29.4.19': 'identifier.hsaId',
  'http://electronichealth.se/identifier/hsaid': 'identifier.hsaId',
};

const PNR_KEYS: readonly MessageKey[] = ['identifier.personnummer', 'identifier.samordningsnummer'];

/** An identifier as people read it: the system's name (or its URI when unknown) and the value. */
export function identifierText(
  id: { system: string; value: string },
  t: Translate,
): { system: string; known: boolean; value: string } {
  const key = IDENTIFIER_SYSTEM[id.system];
  const value =
    key && PNR_KEYS.includes(key) && /^\d{12}$/.test(id.value)
      ? `${id.value.slice(0, 8)}-${id.value.slice(8)}`
      : id.value;
  return key ? { system: t(key), known: true, value } : { system: id.system, known: false, value };
}

export const FAILURE_LABEL: Record<'bounce' | 'failure' | 'complaint', MessageKey> = {
  bounce: 'contacts.failure.bounce',
  failure: 'contacts.failure.failure',
  complaint: 'contacts.failure.complaint',
};

/**
 * What a possible duplicate's reason is about, in the reader's language. The
 * server's reason is an English sentence (src/patients/match/rules.ts and
 * cluster.ts); the page shows it too, as it came.
 */
export function conflictKind(reason: string): MessageKey | null {
  if (/personnummer/i.test(reason)) return 'duplicates.reason.personnummer';
  if (/birth date/i.test(reason)) return 'duplicates.reason.birthDate';
  if (/gender/i.test(reason)) return 'duplicates.reason.gender';
  return null;
}
