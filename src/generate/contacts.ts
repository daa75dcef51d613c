// Noisy contact lists (a CRM export and event sign-ups) about the same people as the
// generated Patient resources, with a ground-truth file, for testing identity matching.

import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { mapColumns } from '../patients/csv/fields.ts';
import { createRowReader } from '../patients/csv/record.ts';
import type { Resource } from './fhir.ts';
import { asciiLower, type Language, pickName } from './names.ts';
import { addPatient } from './patient.ts';
import { createPerson } from './person.ts';
import { BirthNumberAllocator } from './personnummer.ts';
import { formatPostalCode, MUNICIPALITIES, STREETS } from './places.ts';
import { DEFAULT_AS_OF } from './population.ts';
import { Rng, Weighted } from './prng.ts';
import { buildReferenceData } from './reference.ts';
import { DAY, date, YEAR } from './time.ts';

export interface NoisyContactsOptions {
  patients: number;
  seed: string | number;
  /** Must equal the FHIR run's asOf for the same people; also the `at` to read the files with. */
  asOf?: Date;
  outDir: string;
  /** Share of persons in the CRM export (default 0.6). */
  crmShare?: number;
  /** Share of persons in the event sign-ups (default 0.3). */
  eventShare?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface NoisyContactsSummary {
  files: { crm: string; events: string; truth: string };
  /** Data rows per file, household members included. */
  rows: { crm: number; events: number };
  /** Distinct people behind the rows: patients in at least one file plus household members. */
  persons: number;
}

export const CRM_HEADERS = [
  'External id',
  'First name',
  'Last name',
  'Personal number',
  'Date of birth',
  'Email',
  'Mobile',
  'Street',
  'Postal code',
  'City',
];
export const EVENT_HEADERS = [
  'Förnamn',
  'Efternamn',
  'Personnummer',
  'Födelsedatum',
  'E-post',
  'Mobil',
  'Postnummer',
  'Ort',
];

const RATES = {
  crmNoPersonnummer: 0.4,
  eventNoPersonnummer: 0.8,
  typo: 0.08,
  nickname: 0.1,
  emailFormat: 0.1,
  oldAddress: 0.15,
  swappedNames: 0.03,
  noBirthDate: 0.2,
  secondSignup: 0.05,
  household: 0.05,
};

// Short forms Swedes write on sign-up sheets; the matcher must not expect the registered name.
const NICKNAMES: Record<string, string> = {
  Karl: 'Kalle',
  Lars: 'Lasse',
  Kristina: 'Stina',
  Per: 'Pelle',
  Nils: 'Nisse',
  Olof: 'Olle',
  Mikael: 'Micke',
  Maria: 'Maja',
  Hans: 'Hasse',
  Gustav: 'Gurra',
  Magnus: 'Manne',
  Lennart: 'Lelle',
  Jan: 'Janne',
  Sven: 'Svenne',
  Fredrik: 'Freddie',
  Sebastian: 'Sebbe',
  Margareta: 'Greta',
  Birgitta: 'Gittan',
  Elisabeth: 'Lisa',
  Kerstin: 'Kicki',
};

/** What the Patient resource says, in the shape the contact rows need. */
interface Contact {
  id: string;
  given: string[];
  family: string;
  personnummer: string;
  birthDate: string;
  male: boolean;
  language: Language;
  email?: string;
  /** E.164. */
  phone?: string;
  street: string;
  /** "NNN NN", as on the Patient. */
  postalCode: string;
  city: string;
  postalRange: readonly [number, number];
}

const RANGES = new Map(MUNICIPALITIES.map((m) => [m.name, m.postal]));

function contactOf(patient: Resource): Contact {
  const name = (patient.name as Array<{ given: string[]; family: string }>)[0];
  const telecom = (patient.telecom ?? []) as Array<{ system: string; value: string }>;
  const address = (
    patient.address as Array<{ line: string[]; postalCode: string; city: string; district: string }>
  )[0];
  const language = (patient.communication as Array<{ language: { coding: Array<{ code: Language }> } }>)[0]
    .language.coding[0].code;
  return {
    id: patient.id as string,
    given: name.given,
    family: name.family,
    personnummer: (patient.identifier as Array<{ value: string }>)[0].value,
    birthDate: patient.birthDate as string,
    male: patient.gender === 'male',
    language,
    email: telecom.find((t) => t.system === 'email')?.value,
    phone: telecom.find((t) => t.system === 'phone')?.value,
    street: address.line[0],
    postalCode: address.postalCode,
    city: address.city,
    postalRange: RANGES.get(address.district)!,
  };
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzåäö';
const isLetter = (c: string) => /\p{L}/u.test(c);

/** One substitution, deletion or adjacent transposition, keeping case and at least two letters. */
function typo(word: string, rng: Rng): string {
  for (let attempt = 0; attempt < 10; attempt++) {
    const i = rng.int(0, word.length - 1);
    if (!isLetter(word[i])) continue;
    const kind = rng.int(0, 2);
    let out = word;
    if (kind === 0) {
      const c = rng.pick([...LETTERS]);
      out = word.slice(0, i) + (word[i] === word[i].toUpperCase() ? c.toUpperCase() : c) + word.slice(i + 1);
    } else if (kind === 1 && word.replace(/\P{L}/gu, '').length > 2 && i > 0) {
      out = word.slice(0, i) + word.slice(i + 1);
    } else if (kind === 2 && i > 0 && i + 1 < word.length && isLetter(word[i + 1])) {
      out = word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
    }
    if (out !== word) return out;
  }
  return word;
}

/** 12 digits as stored, or a way people write it; '+' for the 10-digit form of a centenarian. */
function writePersonnummer(c: Contact, asOf: string, rng: Rng): { text: string; reformatted: boolean } {
  const n = c.personnummer;
  const centenarian = `${Number(c.birthDate.slice(0, 4)) + 100}${c.birthDate.slice(4)}` <= asOf;
  const form = rng.int(0, 9);
  if (form < 4) return { text: `${n.slice(2, 8)}${centenarian ? '+' : '-'}${n.slice(8)}`, reformatted: true };
  if (form < 7) return { text: n, reformatted: false };
  if (form < 9) return { text: `${n.slice(0, 8)}-${n.slice(8)}`, reformatted: true };
  // Without a separator the century of a 10-digit number is ambiguous past 100.
  return {
    text: centenarian ? `${n.slice(0, 8)} ${n.slice(8)}` : `${n.slice(2, 8)} ${n.slice(8)}`,
    reformatted: true,
  };
}

/** E.164 as stored, or a Swedish way of writing a mobile number. */
function writePhone(e164: string, rng: Rng): { text: string; reformatted: boolean } {
  const sub = e164.slice(3); // "701234567"
  const spaced = `${sub.slice(2, 5)} ${sub.slice(5, 7)} ${sub.slice(7)}`;
  const form = rng.int(0, 9);
  if (form < 4) return { text: e164, reformatted: false };
  if (form < 7) return { text: `0${sub.slice(0, 2)}-${spaced}`, reformatted: true };
  if (form < 8) return { text: `0${sub}`, reformatted: true };
  if (form < 9) return { text: `+46 ${sub.slice(0, 2)}-${spaced}`, reformatted: true };
  return { text: `0046 ${sub.slice(0, 2)} ${spaced}`, reformatted: true };
}

function writeEmail(email: string, rng: Rng): string {
  const form = rng.int(0, 2);
  if (form === 0) return email.toUpperCase();
  if (form === 1)
    return email.replace(/(^|[.@])([a-z])/g, (_, sep: string, c: string) => sep + c.toUpperCase());
  return ` ${email} `;
}

interface NoisyFields {
  given: string;
  family: string;
  personnummer: string;
  birthDate: string;
  email: string;
  phone: string;
  street: string;
  postalCode: string;
  city: string;
  noise: string[];
}

function noisy(c: Contact, rng: Rng, noPersonnummer: number, asOf: string): NoisyFields {
  const noise: string[] = [];
  let given = c.given.join(' ');
  let family = c.family;
  const nickname = NICKNAMES[c.given[0]];
  if (nickname && rng.chance(RATES.nickname)) {
    given = nickname;
    noise.push('nickname');
  }
  if (rng.chance(RATES.typo)) {
    const inGiven = rng.chance(0.5);
    const before = inGiven ? given : family;
    const after = typo(before, rng);
    if (after !== before) {
      if (inGiven) given = after;
      else family = after;
      noise.push(inGiven ? 'typo-given' : 'typo-family');
    }
  }
  if (rng.chance(RATES.swappedNames)) {
    [given, family] = [family, given];
    noise.push('swapped-names');
  }

  let personnummer = '';
  if (rng.chance(noPersonnummer)) noise.push('no-personnummer');
  else {
    const written = writePersonnummer(c, asOf, rng);
    personnummer = written.text;
    if (written.reformatted) noise.push('personnummer-format');
  }
  let birthDate = c.birthDate;
  if (personnummer && rng.chance(RATES.noBirthDate)) {
    birthDate = '';
    noise.push('no-birth-date');
  }

  let email = c.email ?? '';
  if (email && rng.chance(RATES.emailFormat)) {
    email = writeEmail(email, rng);
    noise.push('email-format');
  }
  let phone = '';
  if (c.phone) {
    const written = writePhone(c.phone, rng);
    phone = written.text;
    if (written.reformatted) noise.push('phone-format');
  }

  let street = c.street;
  let postalCode = c.postalCode;
  if (rng.chance(RATES.oldAddress)) {
    const current = c.street.slice(0, c.street.search(/ \d/));
    const others = STREETS.filter((s) => s !== current);
    street = `${rng.pick(others)} ${rng.int(1, 120)}`;
    const [lo, hi] = c.postalRange;
    let code = rng.int(lo, hi);
    if (formatPostalCode(code) === c.postalCode) code = code === hi ? lo : code + 1;
    postalCode = formatPostalCode(code);
    noise.push('old-address');
  }
  return { given, family, personnummer, birthDate, email, phone, street, postalCode, city: c.city, noise };
}

/** A family member sharing the phone and address, not a patient: the case a matcher must not merge. */
function householdMember(c: Contact, n: number, rng: Rng, asOfMs: number): NoisyFields {
  const male = rng.chance(0.5);
  let given = c.given[0];
  for (let i = 0; i < 10 && (given === c.given[0] || given === c.given[1]); i++) {
    given = pickName(rng, male, c.language).given[0];
  }
  const birthMs = Date.parse(`${c.birthDate}T00:00:00Z`);
  // A partner of about the same age, or a grown child or parent; at least 16 and never the same day.
  const years = rng.chance(0.6) ? rng.between(0.1, 8) : rng.between(20, 35);
  const offset = Math.floor((years * YEAR) / DAY) * DAY;
  const candidates = [birthMs + offset, birthMs - offset].filter(
    (ms) => ms <= asOfMs - 16 * YEAR && ms >= asOfMs - 100 * YEAR,
  );
  const born = candidates.length > 0 ? rng.pick(candidates) : birthMs - offset;
  const email = rng.chance(0.5) ? `${asciiLower(given)}.${asciiLower(c.family)}.h${n}@example.net` : '';
  return {
    given,
    family: c.family,
    personnummer: '',
    birthDate: date(born),
    email,
    phone: writePhone(c.phone!, rng).text,
    street: c.street,
    postalCode: c.postalCode,
    city: c.city,
    noise: ['household'],
  };
}

const crmCells = (id: string, f: NoisyFields) => [
  id,
  f.given,
  f.family,
  f.personnummer,
  f.birthDate,
  f.email,
  f.phone,
  f.street,
  f.postalCode,
  f.city,
];

function eventCells(f: NoisyFields, rng: Rng): string[] {
  // Typed into a form, the postal code often loses its space.
  const postal = rng.chance(0.3) ? f.postalCode.replace(' ', '') : f.postalCode;
  return [f.given, f.family, f.personnummer, f.birthDate, f.email, f.phone, postal, f.city];
}

const CHUNK_CHARS = 256 * 1024;

/** Rows joined and written in chunks; 'drain' is awaited so memory stays bounded. */
class CsvFile {
  readonly path: string;
  rows = 0;
  private readonly stream: WriteStream;
  private readonly delimiter: string;
  private readonly newline: string;
  private readonly encode: (text: string) => Buffer;
  private pending = '';

  constructor(path: string, delimiter: string, newline: string, encode: (text: string) => Buffer) {
    this.path = path;
    this.stream = createWriteStream(path);
    this.delimiter = delimiter;
    this.newline = newline;
    this.encode = encode;
  }

  write(cells: string[]): Promise<void> | undefined {
    this.pending += cells.map((c) => this.quote(c)).join(this.delimiter) + this.newline;
    return this.pending.length >= CHUNK_CHARS ? this.flush() : undefined;
  }

  private quote(cell: string): string {
    return /["\r\n]/.test(cell) || cell.includes(this.delimiter) ? `"${cell.replaceAll('"', '""')}"` : cell;
  }

  private async flush(): Promise<void> {
    const chunk = this.encode(this.pending);
    this.pending = '';
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    const finished = once(this.stream, 'finish');
    this.stream.end();
    await finished;
  }

  destroy(): void {
    this.stream.destroy();
  }
}

const utf8 = (text: string) => Buffer.from(text, 'utf8');

/** Windows-1252 agrees with Latin-1 outside 0x80–0x9F; every generated name is Latin-1. */
function windows1252(text: string): Buffer {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff || (code >= 0x80 && code < 0xa0)) {
      throw new Error(`"${text[i]}" cannot be written in Windows-1252`);
    }
  }
  return Buffer.from(text, 'latin1');
}

const PROGRESS_EVERY = 1000;
/** A second sign-up lands up to this many persons later, not next to the first. */
const SECOND_SIGNUP_SPREAD = 40;

/**
 * Writes crm.csv (UTF-8, comma), events.csv (Windows-1252, semicolon, CRLF) and
 * truth.csv (source,externalId,personId,noise) into outDir. The people are the
 * generator's patients for the same seed and asOf, re-created one at a time (only
 * the Patient resource is built), plus household members who are not patients.
 * events.csv has no id column, so its externalIds are the importer's row hashes,
 * computed here with the importer's own row reader.
 */
export async function generateNoisyContacts(opts: NoisyContactsOptions): Promise<NoisyContactsSummary> {
  if (!Number.isInteger(opts.patients) || opts.patients < 0) {
    throw new RangeError(`patients must be a non-negative integer, got ${opts.patients}`);
  }
  const crmShare = opts.crmShare ?? 0.6;
  const eventShare = opts.eventShare ?? 0.3;
  for (const [name, share] of [
    ['crmShare', crmShare],
    ['eventShare', eventShare],
  ] as const) {
    if (!(share >= 0 && share <= 1)) throw new RangeError(`${name} must be between 0 and 1, got ${share}`);
  }
  const seed = String(opts.seed);
  const asOf = opts.asOf ?? DEFAULT_AS_OF;
  const asOfDate = asOf.toISOString().slice(0, 10);
  await mkdir(opts.outDir, { recursive: true });

  // The same factory createPopulation builds, so createPerson + addPatient give its Patient resources.
  const factory = {
    seed,
    asOfMs: asOf.getTime(),
    reference: buildReferenceData(seed),
    birthNumbers: new BirthNumberAllocator(),
  };
  const eventMapping = mapColumns(EVENT_HEADERS, {}).mapping;
  const readEventRow = createRowReader(eventMapping, EVENT_HEADERS.length, { source: 'events', at: asOf });
  const householdIn = new Weighted<'crm' | 'events'>([
    ['crm', crmShare],
    ['events', eventShare],
  ]);

  const crm = new CsvFile(join(opts.outDir, 'crm.csv'), ',', '\n', utf8);
  const events = new CsvFile(join(opts.outDir, 'events.csv'), ';', '\r\n', windows1252);
  const truth = new CsvFile(join(opts.outDir, 'truth.csv'), ',', '\n', utf8);
  const files = [crm, events, truth];
  const pendingSignups: Array<{ due: number; cells: string[]; personId: string; noise: string[] }> = [];
  let persons = 0;
  let households = 0;

  const writeEvent = async (cells: string[], personId: string, noise: string[]) => {
    const outcome = readEventRow(cells, events.rows + 2);
    if (!outcome.ok)
      throw new Error(`generated an event row the importer rejects: ${outcome.errors[0].error}`);
    events.rows++;
    await events.write(cells);
    await truth.write(['events', outcome.row.record.externalId, personId, noise.join(' ')]);
  };
  const eventId = (cells: string[]) => {
    const outcome = readEventRow(cells, 0);
    return outcome.ok ? outcome.row.record.externalId : undefined;
  };
  const writeCrm = async (f: NoisyFields, personId: string) => {
    crm.rows++;
    const id = `CRM-${String(crm.rows).padStart(6, '0')}`;
    await crm.write(crmCells(id, f));
    await truth.write(['crm', id, personId, f.noise.join(' ')]);
  };

  try {
    await crm.write(CRM_HEADERS);
    await events.write(EVENT_HEADERS);
    await truth.write(['source', 'externalId', 'personId', 'noise']);
    for (let i = 0; i < opts.patients; i++) {
      while (pendingSignups.length > 0 && pendingSignups[0].due <= i) {
        const s = pendingSignups.shift()!;
        await writeEvent(s.cells, s.personId, s.noise);
      }
      const out: Resource[] = [];
      addPatient(createPerson(factory, i), out);
      const c = contactOf(out[0]);
      const rng = new Rng(`${seed}/contacts/${i}`);
      const inCrm = rng.chance(crmShare);
      const inEvents = rng.chance(eventShare);
      if (inCrm || inEvents) persons++;
      if (inCrm) await writeCrm(noisy(c, rng, RATES.crmNoPersonnummer, asOfDate), c.id);
      if (inEvents) {
        const first = noisy(c, rng, RATES.eventNoPersonnummer, asOfDate);
        const firstCells = eventCells(first, rng);
        await writeEvent(firstCells, c.id, first.noise);
        if (rng.chance(RATES.secondSignup)) {
          // Two sign-ups with identical data would be one row to the importer; try other noise.
          const firstId = eventId(firstCells);
          for (let attempt = 0; attempt < 5; attempt++) {
            const again = noisy(c, rng, RATES.eventNoPersonnummer, asOfDate);
            const cells = eventCells(again, rng);
            if (eventId(cells) === firstId) continue;
            const due = i + rng.int(1, SECOND_SIGNUP_SPREAD);
            pendingSignups.push({ due, cells, personId: c.id, noise: [...again.noise, 'second-signup'] });
            pendingSignups.sort((a, b) => a.due - b.due);
            break;
          }
        }
      }
      if (c.phone && crmShare + eventShare > 0 && rng.chance(RATES.household)) {
        households++;
        persons++;
        const member = householdMember(c, households, rng, asOf.getTime());
        const personId = `household:${households}`;
        if (householdIn.pick(rng) === 'crm') await writeCrm(member, personId);
        else await writeEvent(eventCells(member, rng), personId, member.noise);
      }
      if (opts.onProgress && ((i + 1) % PROGRESS_EVERY === 0 || i + 1 === opts.patients)) {
        opts.onProgress(i + 1, opts.patients);
      }
    }
    for (const s of pendingSignups) await writeEvent(s.cells, s.personId, s.noise);
    for (const f of files) await f.close();
  } catch (error) {
    for (const f of files) f.destroy();
    throw error;
  }
  return {
    files: { crm: crm.path, events: events.path, truth: truth.path },
    rows: { crm: crm.rows, events: events.rows },
    persons,
  };
}
