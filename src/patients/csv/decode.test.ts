import { describe, expect, it } from 'vitest';
import { decodeCsvBytes } from './decode.ts';
import { sniffDelimiter } from './dialect.ts';
import { encodeWindows1252 } from './testing.ts';

describe('decodeCsvBytes', () => {
  it('reads UTF-8 and drops its BOM', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('Förnamn,Åsa')]);
    expect(decodeCsvBytes(bytes)).toEqual({ text: 'Förnamn,Åsa', encoding: 'utf-8' });
  });

  it('takes plain ASCII as UTF-8', () => {
    expect(decodeCsvBytes(new TextEncoder().encode('a,b'))).toEqual({ text: 'a,b', encoding: 'utf-8' });
  });

  it('falls back to Windows-1252 when the bytes are not UTF-8', () => {
    const bytes = encodeWindows1252('Förnamn;Efternamn;Kön\r\nÅsa;Öberg;kvinna €');
    expect(bytes[1]).toBe(0xf6);
    expect(decodeCsvBytes(bytes)).toEqual({
      text: 'Förnamn;Efternamn;Kön\r\nÅsa;Öberg;kvinna €',
      encoding: 'windows-1252',
    });
  });
  it('drops a UTF-8 BOM in front of Windows-1252 text', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...encodeWindows1252('Kön;Ort')]);
    expect(decodeCsvBytes(bytes)).toEqual({ text: 'Kön;Ort', encoding: 'windows-1252' });
  });
});

describe('sniffDelimiter', () => {
  it('counts delimiters in the header line only', () => {
    expect(sniffDelimiter('a,b,c\n1;2;3;4;5')).toBe(',');
    expect(sniffDelimiter('Förnamn;Efternamn;Ort\r\nAnna;Berg;Umeå, centrum')).toBe(';');
    expect(sniffDelimiter('a\tb\tc\n')).toBe('\t');
  });

  it('ignores delimiters inside quotes, even a quoted line break', () => {
    expect(sniffDelimiter('"Efternamn, Förnamn";"Ort"\n')).toBe(';');
    expect(sniffDelimiter('"a;b;c\nd;e",f,g\n')).toBe(',');
    expect(sniffDelimiter('"say ""a;b""",x,y')).toBe(',');
  });

  it('skips blank lines before the header and defaults to comma', () => {
    expect(sniffDelimiter('\r\n\r\na;b\n')).toBe(';');
    expect(sniffDelimiter('Namn\nAnna')).toBe(',');
  });
});
