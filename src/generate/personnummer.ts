// Swedish personal identity numbers (Skatteverket): YYYYMMDD-NNNC, where the third
// birth-number digit is odd for men and even for women, and C is a Luhn check digit
// computed over the 10-digit form YYMMDDNNN. Samordningsnummer add 60 to the day.

export const PERSONNUMMER_SYSTEM = 'urn:oid:1.2.752.129.2.1.3.1';
export const SAMORDNINGSNUMMER_SYSTEM = 'urn:oid:1.2.752.129.2.1.3.3';

/** Luhn check digit for a digit string (weights 2,1,2,1,… from the left, as Skatteverket does). */
export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = (digits.charCodeAt(i) - 48) * (i % 2 === 0 ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export interface ParsedPersonnummer {
  birthDate: string;
  male: boolean;
  coordination: boolean;
}

/** Parses a 12-digit number; returns undefined when the format or check digit is wrong. */
export function parsePersonnummer(value: string): ParsedPersonnummer | undefined {
  if (!/^\d{12}$/.test(value)) return undefined;
  if (luhnCheckDigit(value.slice(2, 11)) !== Number(value[11])) return undefined;
  const rawDay = Number(value.slice(6, 8));
  const coordination = rawDay > 60;
  const day = coordination ? rawDay - 60 : rawDay;
  const birthDate = `${value.slice(0, 4)}-${value.slice(4, 6)}-${String(day).padStart(2, '0')}`;
  const d = new Date(`${birthDate}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== birthDate) return undefined;
  return { birthDate, male: Number(value[10]) % 2 === 1, coordination };
}

/**
 * Hands out unique birth numbers per birth date. Random birth numbers would collide
 * (about 1 % of a million patients), and a duplicate personnummer would make two
 * synthetic people look like one to identity matching. Memory is bounded by the number
 * of distinct birth dates, not the number of patients.
 */
export class BirthNumberAllocator {
  private readonly used = new Map<string, { salt: number; count: number }>();

  /** Returns the 12-digit number, or undefined if all 499 numbers for that date and sex are taken. */
  allocate(birthDate: string, male: boolean, coordination: boolean, salt: number): string | undefined {
    const key = `${birthDate}${male ? 'M' : 'F'}${coordination ? 'S' : 'P'}`;
    // The first salt seen for a date fixes the walk: a new salt per call would restart it
    // elsewhere and hand out a number already given (two people, one personnummer).
    const entry = this.used.get(key) ?? { salt: salt % 499, count: 0 };
    const k = entry.count;
    if (k >= 499) return undefined;
    entry.count = k + 1;
    this.used.set(key, entry);
    // Walk 1..499 in a salted order (263 is coprime with the prime 499) so numbers look random.
    const v = (entry.salt + k * 263) % 499;
    const birthNumber = String((v + 1) * 2 - (male ? 1 : 0)).padStart(3, '0');
    const [y, m, d] = birthDate.split('-');
    const day = coordination ? Number(d) + 60 : Number(d);
    const nine = `${y.slice(2)}${m}${String(day).padStart(2, '0')}${birthNumber}`;
    return `${y}${m}${nine.slice(4, 6)}${birthNumber}${luhnCheckDigit(nine)}`;
  }
}
