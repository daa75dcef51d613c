/** The fields a contact-list column can map to. */
export const FIELD_NAMES = [
  'personnummer',
  'givenName',
  'familyName',
  'fullName',
  'birthDate',
  'gender',
  'email',
  'phone',
  'mobile',
  'street',
  'postalCode',
  'city',
  'country',
  'language',
  'externalId',
  'identifier',
  'consentEmail',
  'consentSms',
  'ignore',
] as const;
export type FieldName = (typeof FIELD_NAMES)[number];

/** Fields a row can hold several of (a list with home and work e-mail has two columns). */
const MULTI: ReadonlySet<FieldName> = new Set(['email', 'phone', 'mobile', 'identifier', 'ignore']);

/** Header texts, Swedish and English, as spreadsheets name the columns; compared folded. */
const ALIASES: Record<Exclude<FieldName, 'ignore'>, string[]> = {
  personnummer: [
    'Personnummer',
    'Personnr',
    'Pnr',
    'Person number',
    'Personal number',
    'Personal identity number',
    'Personal id',
    'SSN',
    'Samordningsnummer',
  ],
  givenName: ['Förnamn', 'Tilltalsnamn', 'First name', 'Given name', 'Firstname', 'Forename'],
  familyName: ['Efternamn', 'Last name', 'Surname', 'Family name', 'Lastname'],
  fullName: ['Namn', 'Name', 'Fullständigt namn', 'Full name', 'För- och efternamn'],
  birthDate: ['Födelsedatum', 'Födelsedag', 'Date of birth', 'DOB', 'Birth date', 'Birthdate', 'Birthday'],
  gender: ['Kön', 'Gender', 'Sex'],
  email: [
    'E-post',
    'Epost',
    'E-postadress',
    'E-mail',
    'Email',
    'Email address',
    'E-mail address',
    'Mejl',
    'Mail',
  ],
  mobile: ['Mobil', 'Mobilnummer', 'Mobilnr', 'Mobiltelefon', 'Mobile', 'Mobile phone', 'Cell', 'Cell phone'],
  phone: ['Telefon', 'Telefonnummer', 'Telefonnr', 'Phone', 'Phone number', 'Tel', 'Telnr', 'Telephone'],
  street: ['Adress', 'Gatuadress', 'Utdelningsadress', 'Street', 'Address', 'Street address'],
  postalCode: ['Postnummer', 'Postnr', 'Zip', 'Zip code', 'Postal code', 'Postcode'],
  city: ['Ort', 'Postort', 'Stad', 'City', 'Town'],
  country: ['Land', 'Country'],
  language: ['Språk', 'Language'],
  externalId: ['Id', 'Kundnummer', 'Kundnr', 'Medlemsnummer', 'Medlemsnr', 'External id', 'Externt id'],
  identifier: ['Identifier', 'Identifierare'],
  consentEmail: ['Samtycke e-post', 'Samtycke epost', 'Samtycke mejl', 'Consent email', 'Email consent'],
  consentSms: ['Samtycke SMS', 'Consent SMS', 'SMS consent'],
};

/** Case, diacritics, spaces and punctuation do not matter: "E-post" = "epost", "Fodelsedatum" = "Födelsedatum". */
export function foldHeader(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}

const BY_ALIAS = new Map<string, FieldName>();
for (const field of FIELD_NAMES) {
  // The field's own name works as a header too, so exported files read back unchanged.
  BY_ALIAS.set(foldHeader(field), field);
  if (field !== 'ignore') for (const alias of ALIASES[field]) BY_ALIAS.set(foldHeader(alias), field);
}

export function fieldForHeader(header: string): FieldName | undefined {
  return BY_ALIAS.get(foldHeader(header));
}

export interface ColumnMapping {
  column: string;
  /** 0-based position in the row; two columns may share a header text. */
  index: number;
  field: FieldName;
}

export interface MappingResult {
  mapping: ColumnMapping[];
  /** Columns no alias or override names; they are not imported. */
  unmapped: string[];
  errors: string[];
}

const quoteList = (items: readonly string[]) => items.map((s) => `"${s}"`).join(', ');

/**
 * Maps header cells to fields by alias, then applies overrides (`--map column=field`).
 * When two headers alias the same single-valued field the first wins and the other is
 * left unmapped, so an export with both Förnamn and Tilltalsnamn still imports; an
 * override can choose the other one. Overrides are strict: an unknown column or field,
 * or two overrides for one single-valued field, is an error listing the valid choices.
 */
export function mapColumns(headers: string[], overrides: Record<string, string>): MappingResult {
  const errors: string[] = [];
  const names = headers.map((h, i) => h.trim() || `column ${i + 1}`);
  const chosen: Array<FieldName | undefined> = names.map(() => undefined);
  const overridden = new Set<number>();

  for (const [rawColumn, rawField] of Object.entries(overrides)) {
    const column = rawColumn.trim();
    let index = names.indexOf(column);
    if (index < 0) index = names.findIndex((n) => foldHeader(n) === foldHeader(column));
    const field = FIELD_NAMES.find((f) => f.toLowerCase() === rawField.trim().toLowerCase());
    if (index < 0) {
      errors.push(
        `--map ${rawColumn}=${rawField}: the file has no column "${column}"; columns are ${quoteList(names)}`,
      );
    }
    if (!field) {
      errors.push(
        `--map ${rawColumn}=${rawField}: "${rawField}" is not a field; fields are ${FIELD_NAMES.join(', ')}`,
      );
    }
    if (index < 0 || !field) continue;
    if (!MULTI.has(field)) {
      const other = [...overridden].find((i) => chosen[i] === field && i !== index);
      if (other !== undefined) {
        errors.push(
          `--map: both "${names[other]}" and "${names[index]}" are mapped to ${field}; map one of them to ignore`,
        );
        continue;
      }
    }
    chosen[index] = field;
    overridden.add(index);
  }

  const taken = new Set<FieldName>([...overridden].map((i) => chosen[i]!).filter((f) => !MULTI.has(f)));
  const unmapped: string[] = [];
  names.forEach((name, i) => {
    if (overridden.has(i)) return;
    const field = fieldForHeader(name);
    if (!field || taken.has(field)) {
      // Excel leaves headerless columns after the last one; they are not worth a warning.
      if (headers[i].trim()) unmapped.push(name);
      return;
    }
    chosen[i] = field;
    if (!MULTI.has(field)) taken.add(field);
  });

  const mapping: ColumnMapping[] = [];
  chosen.forEach((field, index) => {
    if (field) mapping.push({ column: names[index], index, field });
  });
  return { mapping, unmapped, errors };
}

/** One `column=field` override (the CLI's --map, the API's map=), or null when it is not that shape. */
export function splitOverride(m: string): [column: string, field: string] | null {
  const i = m.lastIndexOf('=');
  if (i <= 0 || i === m.length - 1) return null;
  return [m.slice(0, i).trim(), m.slice(i + 1).trim()];
}
