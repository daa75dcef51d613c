import { describe, expect, it } from 'vitest';
import { fieldForHeader, mapColumns } from './fields.ts';
import { parseCountry, parseGender, parseLanguage, parseYesNo, splitFullName } from './values.ts';

describe('fieldForHeader', () => {
  it('knows Swedish and English headers, ignoring case, diacritics and punctuation', () => {
    const cases: Array<[string, string]> = [
      ['Personnummer', 'personnummer'],
      ['PNR', 'personnummer'],
      ['Person number', 'personnummer'],
      ['ssn', 'personnummer'],
      ['Fornamn', 'givenName'],
      ['Tilltalsnamn', 'givenName'],
      ['first name', 'givenName'],
      ['EFTERNAMN', 'familyName'],
      ['Surname', 'familyName'],
      ['Fullständigt namn', 'fullName'],
      ['Name', 'fullName'],
      ['Födelsedag', 'birthDate'],
      ['DOB', 'birthDate'],
      ['Kon', 'gender'],
      ['E-post', 'email'],
      ['epost', 'email'],
      ['E-Mail', 'email'],
      ['Mejl', 'email'],
      ['Mobiltelefon', 'mobile'],
      ['Cell', 'mobile'],
      ['Tel', 'phone'],
      ['Utdelningsadress', 'street'],
      ['Postnr', 'postalCode'],
      ['ZIP', 'postalCode'],
      ['Postort', 'city'],
      ['Land', 'country'],
      ['Sprak', 'language'],
      ['Medlemsnummer', 'externalId'],
      ['External ID', 'externalId'],
      ['Samtycke e-post', 'consentEmail'],
      ['Samtycke SMS', 'consentSms'],
      ['givenName', 'givenName'],
    ];
    for (const [header, field] of cases) expect(fieldForHeader(header), header).toBe(field);
    expect(fieldForHeader('Anteckning')).toBeUndefined();
  });
});

describe('mapColumns', () => {
  it('maps by alias and lists the columns it could not map', () => {
    const r = mapColumns(['Förnamn', 'Efternamn', 'Anteckning', 'E-post', ''], {});
    expect(r.mapping).toEqual([
      { column: 'Förnamn', index: 0, field: 'givenName' },
      { column: 'Efternamn', index: 1, field: 'familyName' },
      { column: 'E-post', index: 3, field: 'email' },
    ]);
    expect(r.unmapped).toEqual(['Anteckning']);
    expect(r.errors).toEqual([]);
  });

  it('lets the first of two headers for one field win, and several e-mail columns all count', () => {
    const r = mapColumns(['Förnamn', 'Tilltalsnamn', 'E-post', 'Email'], {});
    expect(r.mapping.map((m) => `${m.column}=${m.field}`)).toEqual([
      'Förnamn=givenName',
      'E-post=email',
      'Email=email',
    ]);
    expect(r.unmapped).toEqual(['Tilltalsnamn']);
  });

  it('applies overrides, which take the field from an aliased column', () => {
    const r = mapColumns(['Förnamn', 'Tilltalsnamn', 'Kundnr', 'Anteckning'], {
      Tilltalsnamn: 'givenName',
      anteckning: 'ignore',
      Kundnr: 'identifier',
    });
    expect(r.errors).toEqual([]);
    expect(r.mapping.map((m) => `${m.column}=${m.field}`)).toEqual([
      'Tilltalsnamn=givenName',
      'Kundnr=identifier',
      'Anteckning=ignore',
    ]);
    expect(r.unmapped).toEqual(['Förnamn']);
  });

  it('rejects an override naming an unknown column or field, listing the choices', () => {
    const r = mapColumns(['Namn', 'Tel'], { Telefon: 'phone', Namn: 'nickname' });
    expect(r.errors).toEqual([
      '--map Telefon=phone: the file has no column "Telefon"; columns are "Namn", "Tel"',
      expect.stringMatching(
        /^--map Namn=nickname: "nickname" is not a field; fields are personnummer, givenName, .*ignore$/,
      ),
    ]);
  });

  it('rejects two overrides for one single-valued field', () => {
    const r = mapColumns(['A', 'B'], { A: 'familyName', B: 'familyName' });
    expect(r.errors).toEqual(['--map: both "A" and "B" are mapped to familyName; map one of them to ignore']);
  });
});

describe('cell values', () => {
  it('splits a full name in either order', () => {
    expect(splitFullName('Anna Karin Berg')).toEqual({ given: ['Anna', 'Karin'], family: 'Berg' });
    expect(splitFullName(' Berg ,  Anna  Karin ')).toEqual({ given: ['Anna', 'Karin'], family: 'Berg' });
    expect(splitFullName('Carl von Linné')).toEqual({ given: ['Carl'], family: 'von Linné' });
    expect(splitFullName('Madonna')).toEqual({ given: ['Madonna'] });
  });

  it('reads yes/no flags in Swedish and English', () => {
    expect(['ja', 'JA', 'yes', '1', 'x', 'X'].map(parseYesNo)).toEqual([true, true, true, true, true, true]);
    expect(['nej', 'No', '0'].map(parseYesNo)).toEqual([false, false, false]);
    expect(parseYesNo('  ')).toBeUndefined();
    expect(parseYesNo('kanske')).toBeNull();
  });

  it('reads gender, language and country', () => {
    expect(['Kvinna', 'K', 'man', 'M', 'annat'].map(parseGender)).toEqual([
      'female',
      'female',
      'male',
      'male',
      'other',
    ]);
    expect(['sv', 'SV', 'svenska', 'Arabic', 'en_gb'].map(parseLanguage)).toEqual([
      'sv',
      'sv',
      'sv',
      'ar',
      'en-GB',
    ]);
    expect(['se', 'Sverige', 'Norway', 'Atlantis'].map(parseCountry)).toEqual(['SE', 'SE', 'NO', undefined]);
  });
});
