/**
 * The shared vocabulary of the patients module: what a source record says
 * about a person, what a profile holds, contact points and consent. Pure
 * types; the match, consent and storage code all speak these.
 */

export const SOURCE_KINDS = ['fhir', 'csv', 'form', 'manual'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export const GENDERS = ['male', 'female', 'other', 'unknown'] as const;
export type Gender = (typeof GENDERS)[number];

export interface PostalAddress {
  lines: string[];
  /** Five digits, no space ("11432"). */
  postalCode?: string;
  city?: string;
  /** ISO 3166-1 alpha-2, default "SE". */
  country?: string;
  /** When the person lived there from, if the source says (YYYY-MM-DD). */
  since?: string;
}

/**
 * One person as one source knows them, already normalised: names trimmed,
 * personnummer as 12 Luhn-checked digits, e-mail lower-cased, phones E.164.
 * Raw values that fail normalisation never get here (the importer rejects the
 * row and names the field).
 */
export interface SourceRecord {
  /** Source name ("ehr", "crm-2026", "event-signups"). */
  source: string;
  /** The record's key within its source (a FHIR Patient id, a CSV key column or row hash). */
  externalId: string;
  /** When the source last changed the record (ISO instant): "most recent" survivorship uses it. */
  updatedAt: string;
  /** 12 digits (YYYYMMDDNNNC), Luhn-valid; samordningsnummer have day + 60. */
  personnummer?: string;
  /** Other identifiers, exact match as "system|value". */
  identifiers: Array<{ system: string; value: string }>;
  given: string[];
  family?: string;
  /** YYYY-MM-DD. */
  birthDate?: string;
  gender?: Gender;
  emails: string[];
  phones: string[];
  addresses: PostalAddress[];
  /** BCP 47 language tag ("sv", "en", "ar"). */
  language?: string;
  deceased?: boolean;
}

/** Channels a message can go out on to one person. */
export const CHANNELS = ['email', 'sms', 'letter', 'push'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CONTACT_KINDS = ['email', 'phone', 'postal', 'push'] as const;
export type ContactKind = (typeof CONTACT_KINDS)[number];

/** The contact point kind each channel delivers to. */
export const CHANNEL_KIND: Record<Channel, ContactKind> = {
  email: 'email',
  sms: 'phone',
  letter: 'postal',
  push: 'push',
};

export const CONTACT_STATUSES = ['active', 'bouncing', 'invalid', 'removed'] as const;
export type ContactStatus = (typeof CONTACT_STATUSES)[number];

export interface DeliveryFailure {
  at: string;
  kind: 'bounce' | 'failure' | 'complaint';
  detail: string;
}

export interface ContactPoint {
  id: string;
  profileId: string;
  kind: ContactKind;
  /**
   * The normalised value that identifies the point: lower-cased e-mail, E.164
   * phone, a postal address key, a push endpoint URL.
   */
  value: string;
  /** As a person would write it ("070-123 45 67", the address lines). */
  display: string;
  /** Phones: true when libphonenumber-js says mobile (SMS-capable). */
  mobile?: boolean;
  /** Names of the sources that gave this point. */
  sources: string[];
  verifiedAt: string | null;
  /** Verified as this patient's own (not a family member's): clinical content may go to it. */
  verifiedOwn: boolean;
  status: ContactStatus;
  failures: DeliveryFailure[];
  /** How many other active profiles have the same kind and value (families share phones). */
  sharedWith: number;
  /** The patient's preferred point of its kind. */
  preferred: boolean;
  /** Push only: the subscription keys (Web Push p256dh/auth). */
  push?: { p256dh: string; auth: string };
}

/** Why we would contact someone (drives the enforcement model). */
export const PURPOSES = ['care', 'outreach', 'tracking'] as const;
export type Purpose = (typeof PURPOSES)[number];

export const ENFORCEMENTS = ['opt-in', 'opt-out', 'not-required'] as const;
export type Enforcement = (typeof ENFORCEMENTS)[number];

export const CONSENT_STATES = ['granted', 'withdrawn', 'pending'] as const;
/** pending: an e-mail opt-in awaiting its confirmation link (double opt-in); it does not permit yet. */
export type ConsentState = (typeof CONSENT_STATES)[number];

/** What proves a consent change. */
export type ConsentEvidence =
  | { kind: 'fhir-consent'; reference: string }
  | { kind: 'form'; form: string; ip?: string }
  | { kind: 'reply'; channel: Channel; from: string; text: string }
  | { kind: 'staff'; note: string }
  | { kind: 'double-opt-in'; confirmedAt: string; ip?: string }
  | { kind: 'import'; source: string; row?: number };

export interface ConsentEvent {
  id: string;
  profileId: string;
  /** null: every channel. */
  channel: Channel | null;
  /** Normalised contact point value, or null for every point of the channel. */
  contactValue: string | null;
  purpose: Purpose;
  /** Topic id ("screening", "vaccination", "events", "newsletter"), or null for every topic. */
  topic: string | null;
  state: ConsentState;
  /** GDPR art. 21 objection to direct marketing: withdraws outreach on every channel and topic at once. */
  objection: boolean;
  /** Source name or "staff", "patient", "reply". */
  source: string;
  /** Who recorded it: a user e-mail, an integration, "patient". */
  actor: string;
  evidence: ConsentEvidence;
  /** When it takes effect (ISO instant). */
  at: string;
  /** When we stored it. */
  recordedAt: string;
  /**
   * Pending double opt-ins: when the confirmation link expires (ISO instant).
   * Unconfirmed by then, the consent counts as expired, not pending.
   */
  expiresAt?: string;
}

export interface TopicDefinition {
  id: string;
  label: { en: string; sv: string };
  /** The purpose messages of this topic serve. */
  purpose: Purpose;
}

export interface ConsentPolicy {
  enforcement: Record<Purpose, Record<Channel, Enforcement>>;
  topics: TopicDefinition[];
}

/**
 * active; merged (into `mergedInto`: another profile took it over, old links
 * follow); erased (GDPR art. 17); dissolved (its source records all moved to
 * other profiles or were suppressed, so it describes nobody any more).
 */
export const PROFILE_STATUSES = ['active', 'merged', 'erased', 'dissolved'] as const;
export type ProfileStatus = (typeof PROFILE_STATUSES)[number];

/** What the contact decision needs to know about the person. */
export interface ProfileFacts {
  id: string;
  status: ProfileStatus;
  /** GDPR art. 18: stored, not processed for outreach. */
  restricted: boolean;
  deceased: boolean;
  doNotContact: boolean;
  language: string;
  timeZone: string;
  preferredChannel: Channel | null;
}

export interface ContactRequest {
  channel: Channel;
  purpose: Purpose;
  /** Topic id, or null when the message has none. */
  topic: string | null;
  /** ISO instant or Date of the intended send. */
  at: Date;
  /**
   * The message carries clinical content: it must not go to a shared point
   * unless verified as the patient's own. Not given: care communication counts
   * as clinical (fail closed: a test result must not reach a family member's
   * phone because a caller forgot the flag), other purposes do not.
   */
  clinical?: boolean;
}

export const DENY_REASONS = [
  'erased',
  'merged',
  'restricted',
  'deceased',
  'do-not-contact',
  'suppressed',
  'objected',
  'unknown-topic',
  'no-contact-point',
  'contact-point-failing',
  'shared-contact-point',
  'no-consent',
  'withdrawn',
  'pending-confirmation',
] as const;
export type DenyReason = (typeof DENY_REASONS)[number];

export type ContactDecision =
  | {
      allowed: true;
      contactPoint: ContactPoint;
      /** Which rule allowed it: the purpose needs no consent, an opt-out not exercised, or a granted consent. */
      basis: 'not-required' | 'not-opted-out' | 'consent';
      /** The consent event relied on, when basis is "consent". */
      consentId?: string;
      reason: string;
    }
  | { allowed: false; reason: DenyReason; detail: string };
