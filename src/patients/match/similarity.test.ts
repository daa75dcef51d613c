import { describe, expect, it } from 'vitest';
import { soundKey } from './common-names.ts';
import { canonicalGivenName, nicknameFor, nicknamesOfName } from './nicknames.ts';
import {
  DISTINCT_FAMILY_CAP,
  DISTINCT_NAME_CAP,
  familySimilarity,
  givenNameSimilarity,
  INITIAL_SIMILARITY,
  jaroWinkler,
  NICKNAME_SIMILARITY,
  PART_OF_DOUBLE_NAME_SIMILARITY,
  SOUND_ALIKE_SIMILARITY,
} from './similarity.ts';

describe('nicknames', () => {
  it.each([
    ['kalle', 'karl'],
    ['lasse', 'lars'],
    ['bosse', 'bo'],
    ['pelle', 'per'],
    ['janne', 'jan'],
    ['nisse', 'nils'],
    ['olle', 'olof'],
    ['kicki', 'kristina'],
    ['stina', 'kristina'],
    ['lisa', 'elisabet'],
    ['lisbeth', 'elisabet'],
    ['maja', 'maria'],
    ['sussie', 'susanne'],
    ['micke', 'mikael'],
    ['jocke', 'joakim'],
    ['fredde', 'fredrik'],
    ['totte', 'torsten'],
    ['bettan', 'elisabet'],
    ['gittan', 'birgitta'],
    ['matte', 'mattias'],
    ['bill', 'william'],
    ['will', 'william'],
    ['bob', 'robert'],
    ['jim', 'james'],
    ['mike', 'mikael'],
    ['dave', 'david'],
    ['tom', 'tomas'],
    ['chris', 'kristoffer'],
    ['kate', 'katarina'],
    ['liz', 'elisabet'],
  ])('%s is short for %s', (nick, canonical) => {
    expect(nicknameFor(nick)).toContain(canonical);
    expect(nicknamesOfName(canonical)).toContain(nick);
  });

  it('leaves names that are registered in their own right alone', () => {
    for (const name of ['elsa', 'liam', 'mats', 'lena', 'greta', 'karin'])
      expect(nicknameFor(name)).toEqual([]);
  });

  it.each([
    ['carl', 'karl'],
    ['elisabeth', 'elisabet'],
    ['elizabeth', 'elisabet'],
    ['michael', 'mikael'],
    ['christopher', 'kristoffer'],
    ['catherine', 'katarina'],
    ['thomas', 'tomas'],
    ['mohamed', 'mohammed'],
    ['anna', 'anna'],
  ])('spelling %s folds to %s', (name, canonical) => {
    expect(canonicalGivenName(name)).toBe(canonical);
  });

  it('gives sound-alike spellings one key', () => {
    expect(soundKey('wilma')).toBe(soundKey('vilma'));
    expect(soundKey('karlsson')).toBe(soundKey('carlsson'));
    expect(soundKey('lindqvist')).toBe(soundKey('lindquist'));
    expect(soundKey('johansson')).not.toBe(soundKey('jonsson'));
  });
});

describe('jaroWinkler', () => {
  it.each([
    ['martha', 'marhta', 0.961],
    ['dixon', 'dicksonx', 0.813],
    ['jellyfish', 'smellyfish', 0.896],
    ['abc', 'abc', 1],
    ['abc', 'xyz', 0],
    ['', 'abc', 0],
  ])('%s ~ %s = %f', (a, b, expected) => {
    expect(jaroWinkler(a, b)).toBeCloseTo(expected, 3);
    expect(jaroWinkler(b, a)).toBeCloseTo(expected, 3);
  });
});

describe('givenNameSimilarity', () => {
  it.each([
    // Same name, spelling variants, folding.
    [['Karl'], ['Karl'], 1],
    [['Carl'], ['Karl'], 1],
    [['Elisabeth'], ['Elizabeth'], 1],
    [['Linnéa'], ['LINNEA'], 1],
    [['Anna', 'Karin'], ['Anna Karin'], 1],
    // Any given name matches: people go by one of theirs.
    [['Karl', 'Johan'], ['Johan'], 1],
    [['Lars', 'Erik'], ['Erik', 'Gustav'], 1],
    // Nicknames, including a misspelt one.
    [['Kalle'], ['Karl'], NICKNAME_SIMILARITY],
    [['Bill'], ['William'], NICKNAME_SIMILARITY],
    [['Mike'], ['Mikael'], NICKNAME_SIMILARITY],
    [['Chris'], ['Christian'], NICKNAME_SIMILARITY],
    // Sound-alikes and initials.
    [['Wilma'], ['Vilma'], SOUND_ALIKE_SIMILARITY],
    [['K.'], ['Karl'], INITIAL_SIMILARITY],
    [['K'], ['Lars'], 0],
    // Nothing to compare.
    [[], ['Karl'], 0],
  ])('%j ~ %j = %f', (a, b, expected) => {
    expect(givenNameSimilarity(a, b)).toBeCloseTo(expected, 3);
    expect(givenNameSimilarity(b, a)).toBeCloseTo(expected, 3);
  });

  it('tolerates typos, transpositions included', () => {
    expect(givenNameSimilarity(['Fredirk'], ['Fredrik'])).toBeGreaterThan(0.95);
    expect(givenNameSimilarity(['Sebastain'], ['Sebastian'])).toBeGreaterThan(0.95);
    expect(givenNameSimilarity(['Kristna'], ['Kristina'])).toBeGreaterThan(0.95);
    expect(givenNameSimilarity(['Kale'], ['Karl'])).toBeGreaterThan(0.85);
  });

  it('compares double names part by part', () => {
    expect(givenNameSimilarity(['Anna-Karin'], ['Anna Karin'])).toBe(1);
    expect(givenNameSimilarity(['Anna-Karin'], ['ANNAKARIN'])).toBe(1);
    expect(givenNameSimilarity(['Anna-Karin'], ['Anna-Lena'])).toBeLessThanOrEqual(DISTINCT_NAME_CAP);
    expect(givenNameSimilarity(['Karl-Johan'], ['Karl-Erik'])).toBeLessThanOrEqual(DISTINCT_NAME_CAP);
    expect(givenNameSimilarity(['Anna-Karin'], ['Anna-Karn'])).toBeGreaterThan(0.9);
    expect(givenNameSimilarity(['Karl-Johan'], ['Karl'])).toBe(PART_OF_DOUBLE_NAME_SIMILARITY);
    expect(givenNameSimilarity(['Karl-Johan'], ['Kalle'])).toBe(PART_OF_DOUBLE_NAME_SIMILARITY);
    expect(givenNameSimilarity(['Karl-Johan'], ['Erik'])).toBeLessThan(0.8);
  });

  it('keeps two different common names apart however alike they look', () => {
    for (const [a, b] of [
      ['Maria', 'Marie'],
      ['Anna', 'Hanna'],
      ['Johan', 'Johanna'],
      ['Anders', 'Andreas'],
      ['Erik', 'Emil'],
    ]) {
      expect(givenNameSimilarity([a], [b])).toBeLessThanOrEqual(DISTINCT_NAME_CAP);
    }
    expect(givenNameSimilarity(['Elsa'], ['Elisabet'])).toBeLessThan(0.8);
  });
});

describe('familySimilarity', () => {
  it.each([
    ['Andersson', 'ANDERSSON', 1],
    ['Söderberg', 'Soderberg', 1],
    ['Af Klercker', 'Afklercker', 1],
    ['Karlsson', 'Carlsson', SOUND_ALIKE_SIMILARITY],
    ['Andersson', 'Anderson', SOUND_ALIKE_SIMILARITY],
    ['Andersson Lind', 'Lind', 0.9],
    [undefined, 'Lind', 0],
  ])('%j ~ %j = %f', (a, b, expected) => {
    expect(familySimilarity(a, b)).toBeCloseTo(expected, 3);
    expect(familySimilarity(b, a)).toBeCloseTo(expected, 3);
  });

  it('tolerates typos but keeps different common family names apart', () => {
    expect(familySimilarity('Andersson', 'Andresson')).toBeGreaterThan(0.95);
    expect(familySimilarity('Lindström', 'Lindstrm')).toBeGreaterThan(0.95);
    expect(familySimilarity('Johansson', 'Jonsson')).toBeLessThanOrEqual(DISTINCT_FAMILY_CAP);
    expect(familySimilarity('Nilsson', 'Olsson')).toBeLessThanOrEqual(DISTINCT_FAMILY_CAP);
    expect(familySimilarity('Andersson', 'Lindberg')).toBeLessThan(0.7);
  });
});
