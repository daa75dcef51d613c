import { describe, expect, it } from 'vitest';
import { BirthNumberAllocator, luhnCheckDigit, parsePersonnummer } from './personnummer.ts';

describe('personnummer', () => {
  it('computes the Luhn check digit on the 10-digit form', () => {
    // Skatteverket's documentation example 811218-9876.
    expect(luhnCheckDigit('811218987')).toBe(6);
    expect(parsePersonnummer('198112189876')).toEqual({
      birthDate: '1981-12-18',
      male: true,
      coordination: false,
    });
    expect(parsePersonnummer('198112189877')).toBeUndefined();
  });

  it('reads samordningsnummer (day + 60) and rejects impossible dates', () => {
    const allocator = new BirthNumberAllocator();
    const sam = allocator.allocate('1990-02-28', false, true, 5)!;
    expect(sam.slice(6, 8)).toBe('88');
    expect(parsePersonnummer(sam)).toEqual({ birthDate: '1990-02-28', male: false, coordination: true });
    expect(parsePersonnummer('199002300004')).toBeUndefined();
  });

  it('hands out unique, valid, sex-consistent numbers per birth date until all 499 are used', () => {
    const allocator = new BirthNumberAllocator();
    const seen = new Set<string>();
    for (let i = 0; i < 499; i++) {
      const value = allocator.allocate('2001-07-04', true, false, 123)!;
      const parsed = parsePersonnummer(value);
      expect(parsed?.male).toBe(true);
      expect(parsed?.birthDate).toBe('2001-07-04');
      seen.add(value);
    }
    expect(seen.size).toBe(499);
    expect(allocator.allocate('2001-07-04', true, false, 123)).toBeUndefined();
    expect(parsePersonnummer(allocator.allocate('2001-07-04', false, false, 0)!)?.male).toBe(false);
  });
});

describe('BirthNumberAllocator with a different salt per call', () => {
  it('never hands out one number twice for a date', () => {
    const a = new BirthNumberAllocator();
    const seen = new Set<string>();
    for (let i = 0; i < 499; i++) {
      const n = a.allocate('1980-05-05', i % 2 === 0, false, i * 7919);
      if (n) {
        expect(seen.has(n)).toBe(false);
        seen.add(n);
      }
    }
    expect(seen.size).toBeGreaterThan(400);
  });
});
