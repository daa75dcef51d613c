import { type Resource, ref } from './fhir.ts';
import { asciiLower, LANGUAGE_DISPLAY } from './names.ts';
import type { Person } from './person.ts';
import { PERSONNUMMER_SYSTEM, SAMORDNINGSNUMMER_SYSTEM } from './personnummer.ts';
import { formatPostalCode, STREETS } from './places.ts';
import { date, dateTime, YEAR } from './time.ts';

const MOBILE_PREFIXES = ['70', '72', '73', '76', '79'];
// Reserved example domains (RFC 2606): synthetic addresses must never reach a real mailbox.
const MAIL_DOMAINS = ['example.com', 'example.org', 'example.net'];

export interface ContactPoints {
  phone: string | undefined;
  email: string | undefined;
}

function contactPoints(p: Person): ContactPoints {
  const { rng, age, index } = p;
  const phoneShare = age < 13 ? 0 : age >= 80 ? 0.75 : 0.96;
  const emailShare = age < 13 ? 0 : age < 18 ? 0.5 : age < 65 ? 0.85 : age < 80 ? 0.65 : 0.35;
  // index × 7919 mod 10^7 is a bijection, so no two patients share a number under one prefix.
  const subscriber = String((index * 7919 + 1_234_567) % 10_000_000).padStart(7, '0');
  const phone = rng.chance(phoneShare) ? `+46${rng.pick(MOBILE_PREFIXES)}${subscriber}` : undefined;
  const first = asciiLower(p.name.given[0]);
  const last = asciiLower(p.name.family);
  const local = rng.chance(0.7) ? `${first}.${last}${index}` : `${first[0]}${last}${index}`;
  const email = rng.chance(emailShare) ? `${local}@${rng.pick(MAIL_DOMAINS)}` : undefined;
  return { phone, email };
}

export function addPatient(p: Person, out: Resource[]): ContactPoints {
  const { rng } = p;
  const contacts = contactPoints(p);
  const flat = rng.chance(0.55) ? ` lgh ${rng.int(10, 16)}0${rng.int(1, 6)}` : '';
  const telecom: Array<Record<string, unknown>> = [];
  if (contacts.phone) telecom.push({ system: 'phone', value: contacts.phone, use: 'mobile', rank: 1 });
  if (contacts.email) telecom.push({ system: 'email', value: contacts.email, use: 'home' });
  const moved = Math.max(p.birthMs, p.asOfMs - rng.int(1, 30) * YEAR);
  out.push({
    resourceType: 'Patient',
    id: p.id,
    identifier: [
      {
        use: 'official',
        system: p.coordination ? SAMORDNINGSNUMMER_SYSTEM : PERSONNUMMER_SYSTEM,
        value: p.identifier,
      },
    ],
    active: true,
    name: [
      {
        use: 'official',
        family: p.name.family,
        given: p.name.given,
        text: `${p.name.given.join(' ')} ${p.name.family}`,
      },
    ],
    ...(telecom.length ? { telecom } : {}),
    gender: p.male ? 'male' : 'female',
    birthDate: date(p.birthMs),
    ...(p.deathMs !== undefined ? { deceasedDateTime: dateTime(p.deathMs) } : {}),
    address: [
      {
        use: 'home',
        type: 'both',
        line: [`${rng.pick(STREETS)} ${rng.int(1, 120)}${flat}`],
        city: p.municipality.postTown,
        district: p.municipality.name,
        postalCode: formatPostalCode(rng.int(p.municipality.postal[0], p.municipality.postal[1])),
        country: 'SE',
        period: { start: date(moved) },
      },
    ],
    communication: [
      {
        language: {
          coding: [{ system: 'urn:ietf:bcp:47', code: p.language, display: LANGUAGE_DISPLAY[p.language] }],
        },
        preferred: true,
      },
    ],
    generalPractitioner: [ref('Practitioner', p.gp.id, p.gp.display)],
    managingOrganization: ref('Organization', p.centre.orgId, p.centre.name),
  });
  return contacts;
}
