/**
 * The default consent policy (Swedish and EU law) and the check that a
 * tenant's stored policy is well formed before anything relies on it.
 */
import {
  CHANNELS,
  type Channel,
  type ConsentPolicy,
  ENFORCEMENTS,
  type Enforcement,
  PURPOSES,
  type Purpose,
  type TopicDefinition,
} from '../model.ts';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Frozen: every decision shares it, and a caller mutating it would silently
 * change the law for everyone else in the process.
 */
export const DEFAULT_POLICY: ConsentPolicy = deepFreeze({
  enforcement: {
    // Vårdkommunikation (appointments, screening calls, results) is healthcare,
    // not marketing: its legal ground is the care relationship (Patientdatalagen,
    // GDPR art. 9.2 h), so no consent is asked on any channel.
    care: { email: 'not-required', sms: 'not-required', letter: 'not-required', push: 'not-required' },
    outreach: {
      // Marknadsföringslagen (2008:486) 19 §: marketing by electronic mail
      // (e-mail, SMS/MMS) to a natural person needs prior consent.
      email: 'opt-in',
      sms: 'opt-in',
      // Addressed mail is not electronic mail: Swedish law lets it go out until the
      // person says no (NIX-Adresserat, an objection under GDPR art. 21).
      letter: 'opt-out',
      // Push is opt-in: the browser/app permission only lets us notify, it is not a
      // yes to marketing, and a push message stored on the device fits the ePrivacy
      // definition of electronic mail that 19 § builds on. The subscribe flow
      // records a push grant when the patient also ticks news/events.
      push: 'opt-in',
    },
    // Open pixels and click redirects read from and store on the terminal
    // equipment: LEK (2022:482) 9 kap. 28 § / ePrivacy art. 5.3 need consent.
    tracking: { email: 'opt-in', sms: 'opt-in', letter: 'opt-in', push: 'opt-in' },
  },
  topics: [
    { id: 'screening', label: { en: 'Screening', sv: 'Screening' }, purpose: 'care' },
    { id: 'vaccination', label: { en: 'Vaccination', sv: 'Vaccination' }, purpose: 'care' },
    { id: 'events', label: { en: 'Events', sv: 'Evenemang' }, purpose: 'outreach' },
    { id: 'newsletter', label: { en: 'Newsletter', sv: 'Nyhetsbrev' }, purpose: 'outreach' },
  ],
});

/** The law behind each default cell, quoted in decision reasons while a policy keeps the default. */
const CITATIONS: Partial<Record<Purpose, Partial<Record<Channel, string>>>> = {
  care: {
    email: 'vårdkommunikation',
    sms: 'vårdkommunikation',
    letter: 'vårdkommunikation',
    push: 'vårdkommunikation',
  },
  outreach: {
    email: 'Marknadsföringslagen 19 §',
    sms: 'Marknadsföringslagen 19 §',
    letter: 'addressed mail is opt-out, NIX',
    push: 'push treated as electronic mail, Marknadsföringslagen 19 §',
  },
  tracking: {
    email: 'LEK 9 kap. 28 §',
    sms: 'LEK 9 kap. 28 §',
    letter: 'LEK 9 kap. 28 §',
    push: 'LEK 9 kap. 28 §',
  },
};

/** "outreach by sms needs prior opt-in (Marknadsföringslagen 19 §)": the rule a decision applied. */
export function enforcementNote(policy: ConsentPolicy, purpose: Purpose, channel: Channel): string {
  const enforcement = policy.enforcement[purpose][channel];
  const rule =
    enforcement === 'opt-in'
      ? 'needs prior opt-in'
      : enforcement === 'opt-out'
        ? 'is allowed unless the patient opted out'
        : 'needs no consent';
  // A tenant that changed a cell must not be seen quoting a law for its own choice.
  const source =
    enforcement === DEFAULT_POLICY.enforcement[purpose][channel]
      ? CITATIONS[purpose]?.[channel]
      : 'tenant policy';
  return `${purpose} by ${channel} ${rule}${source ? ` (${source})` : ''}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const list = (values: readonly string[]) => values.join(', ');

/** Parses a stored or uploaded policy; every error names the field and how to fix it. */
export function validatePolicy(input: unknown): ConsentPolicy {
  if (!isRecord(input)) throw new Error('policy: expected an object with "enforcement" and "topics"');
  const { enforcement, topics } = input;
  if (!isRecord(enforcement)) {
    throw new Error(`policy.enforcement: expected an object keyed by purpose (${list(PURPOSES)})`);
  }
  for (const key of Object.keys(enforcement)) {
    if (!(PURPOSES as readonly string[]).includes(key)) {
      throw new Error(`policy.enforcement.${key}: unknown purpose; use one of ${list(PURPOSES)}`);
    }
  }
  const out = {} as Record<Purpose, Record<Channel, Enforcement>>;
  for (const purpose of PURPOSES) {
    const byChannel = enforcement[purpose];
    if (!isRecord(byChannel)) {
      throw new Error(
        `policy.enforcement.${purpose}: missing; give an enforcement for each channel (${list(CHANNELS)})`,
      );
    }
    for (const key of Object.keys(byChannel)) {
      if (!(CHANNELS as readonly string[]).includes(key)) {
        throw new Error(
          `policy.enforcement.${purpose}.${key}: unknown channel; use one of ${list(CHANNELS)}`,
        );
      }
    }
    const row = {} as Record<Channel, Enforcement>;
    for (const channel of CHANNELS) {
      const value = byChannel[channel];
      if (value === undefined) {
        throw new Error(
          `policy.enforcement.${purpose}.${channel}: missing; set one of ${list(ENFORCEMENTS)}`,
        );
      }
      if (typeof value !== 'string' || !(ENFORCEMENTS as readonly string[]).includes(value)) {
        throw new Error(
          `policy.enforcement.${purpose}.${channel}: unknown enforcement ${JSON.stringify(value)}; use one of ${list(ENFORCEMENTS)}`,
        );
      }
      row[channel] = value as Enforcement;
    }
    out[purpose] = row;
  }
  if (!Array.isArray(topics)) throw new Error('policy.topics: expected an array of topics');
  const seen = new Map<string, number>();
  const outTopics: TopicDefinition[] = topics.map((topic: unknown, i): TopicDefinition => {
    const at = `policy.topics[${i}]`;
    if (!isRecord(topic)) throw new Error(`${at}: expected an object with id, label and purpose`);
    const { id, label, purpose } = topic;
    if (typeof id !== 'string' || id.trim() === '') throw new Error(`${at}.id: give a non-empty topic id`);
    const first = seen.get(id);
    if (first !== undefined) {
      throw new Error(
        `${at}.id: duplicate topic id "${id}" (also policy.topics[${first}]); topic ids must be unique`,
      );
    }
    seen.set(id, i);
    if (!isRecord(label) || typeof label.en !== 'string' || typeof label.sv !== 'string') {
      throw new Error(`${at}.label: give both labels as text, { "en": "...", "sv": "..." }`);
    }
    if (typeof purpose !== 'string' || !(PURPOSES as readonly string[]).includes(purpose)) {
      throw new Error(
        `${at}.purpose: unknown purpose ${JSON.stringify(purpose)} for topic "${id}"; use one of ${list(PURPOSES)}`,
      );
    }
    return { id, label: { en: label.en, sv: label.sv }, purpose: purpose as Purpose };
  });
  return { enforcement: out, topics: outTopics };
}
