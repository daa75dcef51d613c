import { describe, expect, it } from 'vitest';
import { previewContactCsv, readContactCsv } from './rows.ts';
import { encodeWindows1252, utf8 } from './testing.ts';

const at = new Date('2026-11-01T00:00:00Z');
const opts = { source: 'crm-2026', at };
const read = (text: string, more: { overrides?: Record<string, string>; maxRows?: number } = {}) =>
  readContactCsv(utf8(text), { ...opts, ...more });

// Luhn-valid: 19800101-1231, 19451224-1235; samordningsnummer 19800161-1238.
describe('readContactCsv', () => {
  it('reads a UTF-8 file with a BOM into source records', () => {
    const text =
      '\uFEFFExternal id,First name,Last name,Personal number,Email,Mobile,Street,Postal code,City,Gender,Language\n' +
      'C1,Anna Karin,Berg,19800101-1231, Anna.Berg@Example.COM ,070-123 45 67,Storgatan  1,114 32,Stockholm,kvinna,svenska\n';
    const r = readContactCsv(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(text.slice(1))]), opts);
    expect(r.encoding).toBe('utf-8');
    expect(r.delimiter).toBe(',');
    expect(r.errors).toEqual([]);
    expect(r.unmapped).toEqual([]);
    expect(r.mapping[0]).toEqual({ column: 'External id', index: 0, field: 'externalId' });
    expect(r.total).toBe(1);
    expect(r.rows).toEqual([
      {
        row: 2,
        record: {
          source: 'crm-2026',
          externalId: 'C1',
          updatedAt: '2026-11-01T00:00:00.000Z',
          personnummer: '198001011231',
          identifiers: [],
          given: ['Anna', 'Karin'],
          family: 'Berg',
          birthDate: '1980-01-01',
          gender: 'female',
          emails: ['anna.berg@example.com'],
          phones: ['+46701234567'],
          addresses: [{ lines: ['Storgatan 1'], postalCode: '11432', city: 'Stockholm' }],
          language: 'sv',
        },
        consent: {},
        warnings: [],
      },
    ]);
  });

  it('reads a Windows-1252 file from Swedish Excel: semicolons, CRLF, Swedish headers', () => {
    const text =
      'Förnamn;Efternamn;Personnr;Födelsedatum;E-post;Mobil;Postnummer;Ort;Samtycke e-post;Samtycke SMS\r\n' +
      'Åsa;Öberg;451224-1235;;asa@example.se;0701234567;752 36;Uppsala;ja;nej\r\n' +
      'Örjan;Ström;;1990-05-17;;;;Västerås;x;\r\n';
    const r = readContactCsv(encodeWindows1252(text), opts);
    expect(r.encoding).toBe('windows-1252');
    expect(r.delimiter).toBe(';');
    expect(r.errors).toEqual([]);
    expect(r.rows.map((x) => x.row)).toEqual([2, 3]);
    const [asa, orjan] = r.rows;
    expect(asa.record).toMatchObject({
      given: ['Åsa'],
      family: 'Öberg',
      personnummer: '194512241235',
      birthDate: '1945-12-24',
      emails: ['asa@example.se'],
      phones: ['+46701234567'],
      addresses: [{ lines: [], postalCode: '75236', city: 'Uppsala' }],
    });
    expect(asa.consent).toEqual({ email: true, sms: false });
    expect(orjan.record).toMatchObject({ given: ['Örjan'], family: 'Ström', birthDate: '1990-05-17' });
    expect(orjan.consent).toEqual({ email: true });
    expect(orjan.warnings).toEqual(['consent to e-mail, but the row has no e-mail address']);
  });

  it('reads quoted cells with delimiters, quotes and line breaks, numbering rows as a spreadsheet does', () => {
    const text = [
      'Namn,Adress,Ort',
      '"Berg, Anna","c/o Lind',
      'Storgatan 1",Umeå',
      '',
      '"Per ""Pelle"" Ek","Ringvägen 2, lgh 1101",Luleå',
      ',,',
      'Eva Lind,Parkvägen 3,Kiruna',
    ].join('\r\n');
    const r = read(text);
    expect(r.errors).toEqual([]);
    expect(r.total).toBe(3);
    expect(
      r.rows.map((x) => [x.row, x.record.given, x.record.family, x.record.addresses[0].lines[0]]),
    ).toEqual([
      [2, ['Anna'], 'Berg', 'c/o Lind Storgatan 1'],
      [4, ['Per', '"Pelle"'], 'Ek', 'Ringvägen 2, lgh 1101'],
      [6, ['Eva'], 'Lind', 'Parkvägen 3'],
    ]);
  });

  it('applies --map overrides', () => {
    const text = 'Kund,Anteckning,Tel2,Patient-id\nAnna Berg,ring efter 17,070-123 45 67,urn:oid:1.2.3|42\n';
    const r = read(text, {
      overrides: { Kund: 'fullName', Anteckning: 'ignore', Tel2: 'mobile', 'Patient-id': 'identifier' },
    });
    expect(r.errors).toEqual([]);
    expect(r.unmapped).toEqual([]);
    expect(r.rows[0].record).toMatchObject({
      given: ['Anna'],
      family: 'Berg',
      phones: ['+46701234567'],
      identifiers: [{ system: 'urn:oid:1.2.3', value: '42' }],
    });
  });

  it('reads no rows when an override is wrong, and says so at the header row', () => {
    const r = read('Förnamn,Tel\nAnna,070-123 45 67\n', { overrides: { Telefon: 'phone', Tel: 'fax' } });
    expect(r.rows).toEqual([]);
    expect(r.errors.map((e) => [e.row, e.error])).toEqual([
      [1, '--map Telefon=phone: the file has no column "Telefon"; columns are "Förnamn", "Tel"'],
      [1, expect.stringContaining('"fax" is not a field; fields are personnummer, givenName')],
    ]);
  });

  it('rejects a file with no column that can identify anyone', () => {
    const r = read('E-post,Ort\na@example.se,Umeå\n');
    expect(r.rows).toEqual([]);
    expect(r.errors).toEqual([
      {
        row: 1,
        error:
          'no column holds a name, personnummer or identifier (columns: E-post, Ort); rename one or use --map <column>=givenName',
      },
    ]);
  });

  it('rejects each bad row whole, naming row, column and fix', () => {
    const text = [
      'Förnamn;Efternamn;Personnummer;Födelsedatum;E-post;Telefon;Id;Samtycke SMS',
      'Anna;Berg;19800101-1232;;;;;',
      'Bo;Ek;;;bo@@example.se;;;',
      'Cia;Al;;;;12345;;',
      'Dan;Ek;;1980-02-30;;;;',
      'Eva;Ek;;2030-01-01;;;;',
      'Fia;Ek;;;;;nope;',
      'Gun;Ek;;;;;;kanske',
      ';;;1980-01-01;gun@example.se;;;',
      'Hans;Ek;19800101-1231;;;;;',
    ].join('\n');
    const r = read(text, { overrides: { Id: 'identifier' } });
    expect(r.total).toBe(9);
    expect(r.rejected).toBe(8);
    expect(r.rows.map((x) => x.row)).toEqual([10]);
    expect(r.errors.map(({ row, column, field, value }) => ({ row, column, field, value }))).toEqual([
      { row: 2, column: 'Personnummer', field: 'personnummer', value: '19800101-1232' },
      { row: 3, column: 'E-post', field: 'email', value: 'bo@@example.se' },
      { row: 4, column: 'Telefon', field: 'phone', value: '12345' },
      { row: 5, column: 'Födelsedatum', field: 'birthDate', value: '1980-02-30' },
      { row: 6, column: 'Födelsedatum', field: 'birthDate', value: '2030-01-01' },
      { row: 7, column: 'Id', field: 'identifier', value: 'nope' },
      { row: 8, column: 'Samtycke SMS', field: 'consentSms', value: 'kanske' },
      { row: 9, column: undefined, field: undefined, value: undefined },
    ]);
    expect(r.errors.map((e) => e.error)).toEqual([
      'Personnummer (personnummer): 19800101-1232 fails the Luhn check (last digit should be 1); check the number',
      'E-post (email): "bo@@example.se" is not an e-mail address: it needs exactly one @, as in name@example.se',
      'Telefon (phone): "12345" is not a valid phone number for SE; check the digits or add the country code (+46 …)',
      'Födelsedatum (birthDate): "1980-02-30" is not a real date (month 2, day 30); check the day and month',
      'Födelsedatum (birthDate): "2030-01-01" is after 2026-11-01; check the year',
      'Id (identifier): "nope" must be written system|value, such as urn:oid:1.2.3|12345',
      'Samtycke SMS (consentSms): "kanske" is neither yes nor no; write ja/nej, yes/no, 1/0 or x',
      'the row has no name, personnummer or identifier; fill in at least a name or a personnummer',
    ]);
  });

  it('reports every bad cell of a rejected row', () => {
    const r = read('Namn,E-post,Mobil\nAnna Berg,anna@,070\n');
    expect(r.rejected).toBe(1);
    expect(r.errors.map((e) => [e.row, e.column])).toEqual([
      [2, 'E-post'],
      [2, 'Mobil'],
    ]);
  });

  it('rejects a repeated id, naming the row that has it first', () => {
    const r = read('Kundnummer,Namn\nK1,Anna Berg\nK2,Bo Ek\nK1,Anna Lind\n');
    expect(r.rows.map((x) => x.record.externalId)).toEqual(['K1', 'K2']);
    expect(r.errors).toEqual([
      {
        row: 4,
        column: 'Kundnummer',
        field: 'externalId',
        value: 'K1',
        error:
          'Kundnummer (externalId): "K1" is already used by row 2; give each row its own id or remove the duplicate',
      },
    ]);
  });

  it('keeps going with warnings for cells it can leave out', () => {
    const text =
      'Namn,Personnummer,Födelsedatum,Postnummer,Mobil,Kön\nAnna Berg,19800101-1231,1980-01-02,1234,08-123 456 78,q,extra\n';
    const r = read(text);
    expect(r.errors).toEqual([]);
    expect(r.rows[0].record.birthDate).toBe('1980-01-02');
    expect(r.rows[0].record.addresses).toEqual([]);
    expect(r.rows[0].warnings).toEqual([
      'Mobil (mobile): 08-123 456 78 is not a mobile number; SMS cannot reach it',
      'Kön (gender): "q" is not a gender we know (man/kvinna, male/female, other); left out',
      'the row has 7 cells but the header only 6; the extra cells were ignored',
      "birth date 1980-01-02 differs from the personnummer's 1980-01-01; check which is right",
      'Postnummer (postalCode): "1234" is not a five-digit postal code; left out',
    ]);
  });

  it('reports an unclosed quote and an empty file instead of guessing', () => {
    const unclosed = read('Namn,Ort\nAnna Berg,Umeå\n"Bo Ek,Luleå\nEva Lind,Kiruna\n');
    expect(unclosed.rows).toEqual([]);
    expect(unclosed.errors).toEqual([
      {
        row: 3,
        error:
          'a quoted cell starting in row 3 or just after is never closed; remove the stray " or close the quote',
      },
    ]);
    expect(read('\n\n').errors).toEqual([
      { row: 1, error: 'the file has no header row; the first row must name the columns' },
    ]);
  });

  it('stops at maxRows and says where', () => {
    const r = read('Namn\nA B\nC D\n\nE F\nG H\n', { maxRows: 2 });
    expect(r.rows).toHaveLength(2);
    expect(r.total).toBe(4);
    expect(r.errors).toEqual([
      {
        row: 5,
        error: 'the file has 4 rows, more than the 2 allowed; rows from 5 on were not read, split the file',
      },
    ]);
  });
});

describe('externalId without an id column', () => {
  const crm =
    'Förnamn,Efternamn,Personnummer,E-post,Mobil\nAnna,Berg,19800101-1231,anna@example.se,070-123 45 67\n';

  it('is a hash of the normalised identity, the same on every import of the file', () => {
    const a = read(crm).rows[0].record.externalId;
    expect(a).toMatch(/^hash-[0-9a-f]{24}$/);
    expect(read(crm).rows[0].record.externalId).toBe(a);
    // Re-saved from Excel: other encoding, delimiter, number formats and case.
    const resaved =
      'Förnamn;Efternamn;Personnummer;E-post;Mobil\r\nAnna;Berg;198001011231;ANNA@example.se;+46701234567\r\n';
    expect(readContactCsv(encodeWindows1252(resaved), opts).rows[0].record.externalId).toBe(a);
    expect(read(crm.replace('Berg', 'Lind')).rows[0].record.externalId).not.toBe(a);
  });

  it('turns a repeated row into an error naming the first', () => {
    const r = read(`${crm}Anna,Berg,198001011231,ANNA@EXAMPLE.SE,+46 70 123 45 67\n`);
    expect(r.rows).toHaveLength(1);
    expect(r.errors).toEqual([
      {
        row: 3,
        field: 'externalId',
        error: 'the row repeats row 2 (same name, identifiers and contact details); remove one of them',
      },
    ]);
  });
});

describe('previewContactCsv', () => {
  it('shows the first 20 rows and counts the errors of the whole file', () => {
    const lines = ['Namn;E-post'];
    for (let i = 0; i < 50; i++) lines.push(`Person ${i};${i % 10 === 9 ? 'fel' : `p${i}@example.se`}`);
    const p = previewContactCsv(utf8(lines.join('\n')), opts);
    expect(p.delimiter).toBe(';');
    expect(p.rows).toHaveLength(20);
    expect(p.rows[0].record.family).toBe('0');
    expect(p.total).toBe(50);
    expect(p.errorCount).toBe(5);
    expect(p.rejected).toBe(5);
    expect(p.errors[0].row).toBe(11);
  });
});

describe('a 100,000-row file', () => {
  it('is read whole', () => {
    const lines = ['Förnamn;Efternamn;Personnummer;E-post;Mobil;Postnummer;Ort'];
    for (let i = 0; i < 100_000; i++) {
      const phone =
        i % 2 === 0 ? `070-${String(1_000_000 + i).slice(1, 4)} ${String(i % 100).padStart(2, '0')} 00` : '';
      lines.push(`Anna;Berg${i};;anna${i}@example.se;${phone};114 32;Stockholm`);
    }
    lines.push('Bo;Ek;;fel;;;');
    const r = readContactCsv(encodeWindows1252(lines.join('\r\n')), opts);
    expect(r.total).toBe(100_001);
    expect(r.rows).toHaveLength(100_000);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].row).toBe(100_002);
  });
});
