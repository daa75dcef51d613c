import { createHash } from 'node:crypto';
import {
  normaliseDate,
  normaliseEmail,
  normalisePersonnummer,
  normalisePhone,
  normalisePostalCode,
} from '../match/normalise.ts';
import type { Gender, PostalAddress, SourceRecord } from '../model.ts';
import type { ColumnMapping, FieldName } from './fields.ts';
import { parseCountry, parseGender, parseLanguage, parseYesNo, splitFullName } from './values.ts';

export interface ContactRow {
  /** The row number a spreadsheet shows: the header is row 1 (when it is the first line). */
  row: number;
  record: SourceRecord;
  consent: { email?: boolean; sms?: boolean };
  warnings: string[];
}

export interface RowError {
  /** Spreadsheet row number, as in ContactRow. */
  row: number;
  column?: string;
  field?: FieldName;
  value?: string;
  /** Names the field, what is wrong and how to fix it. */
  error: string;
}

export type RowOutcome = { ok: true; row: ContactRow } | { ok: false; errors: RowError[] };

export interface RowReaderOptions {
  source: string;
  /** Decides the century of 10-digit personnummer; also every record's updatedAt. */
  at: Date;
}

const HASH_PREFIX = 'hash-';

/**
 * The externalId of a row without an id column: a hash of what the row says about
 * the person (identifiers, names, birth date, gender, e-mails, phones, addresses;
 * not consent or language), after normalisation. Importing the same file again
 * gives the same ids, so it updates instead of duplicating, and reformatting a
 * phone number or the case of an e-mail does not change the id. A row whose
 * identity data changed gets a new id; matching links it to the same person.
 */
export function identityHash(r: Omit<SourceRecord, 'source' | 'externalId' | 'updatedAt'>): string {
  const key = JSON.stringify([
    r.personnummer ?? '',
    r.identifiers.map((i) => `${i.system}|${i.value}`),
    r.given,
    r.family ?? '',
    r.birthDate ?? '',
    r.gender ?? '',
    r.emails,
    r.phones,
    r.addresses.map((a) => [a.lines, a.postalCode ?? '', a.city ?? '', a.country ?? '']),
  ]);
  return HASH_PREFIX + createHash('sha256').update(key).digest('hex').slice(0, 24);
}

const collapse = (s: string) => s.replace(/\s+/g, ' ');

/**
 * Builds the function that turns one row's cells into a SourceRecord, or rejects the
 * whole row with one error per bad cell. Shared by the file reader and the synthetic
 * contact generator, whose ground truth must carry the ids the importer will compute.
 */
export function createRowReader(
  mapping: ColumnMapping[],
  width: number,
  opts: RowReaderOptions,
): (cells: string[], row: number) => RowOutcome {
  const today = opts.at.toISOString().slice(0, 10);
  const updatedAt = opts.at.toISOString();

  return (cells, row) => {
    const errors: RowError[] = [];
    const warnings: string[] = [];
    const fail = (m: ColumnMapping, value: string, error: string) =>
      errors.push({
        row,
        column: m.column,
        field: m.field,
        value,
        error: `${m.column} (${m.field}): ${error}`,
      });
    const note = (m: ColumnMapping, text: string) => warnings.push(`${m.column} (${m.field}): ${text}`);

    let personnummer: { value: string; birthDate: string } | undefined;
    let given: string[] = [];
    let family: string | undefined;
    let full: { given: string[]; family?: string } | undefined;
    let birthDate: string | undefined;
    let gender: Gender | undefined;
    const emails: string[] = [];
    const phones: string[] = [];
    const identifiers: Array<{ system: string; value: string }> = [];
    let street: string | undefined;
    let rawPostal: ColumnMapping | undefined;
    let postal = '';
    let city: string | undefined;
    let country: string | undefined;
    let language: string | undefined;
    let externalId: string | undefined;
    const consent: ContactRow['consent'] = {};

    for (const m of mapping) {
      const value = (cells[m.index] ?? '').trim();
      if (value === '') continue;
      switch (m.field) {
        case 'personnummer': {
          const r = normalisePersonnummer(value, opts.at);
          if (r.ok) personnummer = r;
          else fail(m, value, r.error);
          break;
        }
        case 'givenName':
          given = value.split(/\s+/);
          break;
        case 'familyName':
          family = collapse(value);
          break;
        case 'fullName':
          full = splitFullName(value);
          break;
        case 'birthDate': {
          const r = normaliseDate(value);
          if (!r.ok) fail(m, value, r.error);
          else if (r.value > today) fail(m, value, `"${value}" is after ${today}; check the year`);
          else birthDate = r.value;
          break;
        }
        case 'gender':
          gender = parseGender(value);
          if (!gender)
            note(m, `"${value}" is not a gender we know (man/kvinna, male/female, other); left out`);
          break;
        case 'email': {
          const r = normaliseEmail(value);
          if (!r.ok) fail(m, value, r.error);
          else if (!emails.includes(r.value)) emails.push(r.value);
          break;
        }
        case 'phone':
        case 'mobile': {
          const r = normalisePhone(value);
          if (!r.ok) {
            fail(m, value, r.error);
            break;
          }
          if (m.field === 'mobile' && !r.mobile)
            note(m, `${r.display} is not a mobile number; SMS cannot reach it`);
          if (!phones.includes(r.value)) phones.push(r.value);
          break;
        }
        case 'street':
          street = collapse(value);
          break;
        case 'postalCode':
          rawPostal = m;
          postal = value;
          break;
        case 'city':
          city = collapse(value);
          break;
        case 'country':
          country = parseCountry(value);
          if (!country) note(m, `"${value}" is not a country code such as SE; left out`);
          break;
        case 'language':
          language = parseLanguage(value);
          if (!language) note(m, `"${value}" is not a language code such as sv or en; left out`);
          break;
        case 'externalId':
          externalId = value;
          break;
        case 'identifier': {
          const bar = value.indexOf('|');
          const system = bar > 0 ? value.slice(0, bar).trim() : '';
          const id = bar > 0 ? value.slice(bar + 1).trim() : '';
          if (system && id) identifiers.push({ system, value: id });
          else fail(m, value, `"${value}" must be written system|value, such as urn:oid:1.2.3|12345`);
          break;
        }
        case 'consentEmail':
        case 'consentSms': {
          const yes = parseYesNo(value);
          if (yes === null)
            fail(m, value, `"${value}" is neither yes nor no; write ja/nej, yes/no, 1/0 or x`);
          else consent[m.field === 'consentEmail' ? 'email' : 'sms'] = yes;
          break;
        }
        case 'ignore':
          break;
      }
    }

    if (cells.length > width && cells.slice(width).some((c) => c.trim() !== '')) {
      warnings.push(
        `the row has ${cells.length} cells but the header only ${width}; the extra cells were ignored`,
      );
    }

    if (given.length === 0 && full) given = full.given;
    if (family === undefined && full) family = full.family;
    if (given.length === 0 && !family && !personnummer && identifiers.length === 0) {
      errors.push({
        row,
        error: 'the row has no name, personnummer or identifier; fill in at least a name or a personnummer',
      });
    }
    if (errors.length > 0) return { ok: false, errors };

    if (personnummer) {
      if (!birthDate) birthDate = personnummer.birthDate;
      else if (birthDate !== personnummer.birthDate) {
        warnings.push(
          `birth date ${birthDate} differs from the personnummer's ${personnummer.birthDate}; check which is right`,
        );
      }
    }

    let postalCode: string | undefined;
    if (rawPostal) {
      // normalisePostalCode knows Swedish codes only; foreign ones are kept as written.
      postalCode = country && country !== 'SE' ? postal : normalisePostalCode(postal);
      if (!postalCode) note(rawPostal, `"${postal}" is not a five-digit postal code; left out`);
    }
    const addresses: PostalAddress[] = [];
    if (street || postalCode || city) {
      addresses.push({
        lines: street ? [street] : [],
        ...(postalCode ? { postalCode } : {}),
        ...(city ? { city } : {}),
        ...(country ? { country } : {}),
      });
    }
    if (consent.email && emails.length === 0)
      warnings.push('consent to e-mail, but the row has no e-mail address');
    if (consent.sms && phones.length === 0) warnings.push('consent to SMS, but the row has no phone number');

    const body = {
      ...(personnummer ? { personnummer: personnummer.value } : {}),
      identifiers,
      given,
      ...(family ? { family } : {}),
      ...(birthDate ? { birthDate } : {}),
      ...(gender ? { gender } : {}),
      emails,
      phones,
      addresses,
      ...(language ? { language } : {}),
    };
    const record: SourceRecord = {
      source: opts.source,
      externalId: externalId ?? identityHash(body),
      updatedAt,
      ...body,
    };
    return { ok: true, row: { row, record, consent, warnings } };
  };
}
