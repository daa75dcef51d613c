// Spreadsheet cell values for the fields normalise.ts does not cover: yes/no flags,
// gender, language, country and a name written in one cell.

import type { Gender } from '../model.ts';
import { foldHeader } from './fields.ts';

const YES = new Set(['ja', 'j', 'yes', 'y', '1', 'x', 'true', 'sant']);
const NO = new Set(['nej', 'n', 'no', '0', 'false', 'falskt']);

/** undefined: the cell says nothing; null: it says something we cannot read. */
export function parseYesNo(raw: string): boolean | undefined | null {
  const v = foldHeader(raw);
  if (v === '') return undefined;
  if (YES.has(v)) return true;
  if (NO.has(v)) return false;
  return null;
}

const GENDERS: Record<string, Gender> = {
  m: 'male',
  man: 'male',
  male: 'male',
  manlig: 'male',
  k: 'female',
  f: 'female',
  w: 'female',
  kvinna: 'female',
  kvinnlig: 'female',
  female: 'female',
  woman: 'female',
  annat: 'other',
  annan: 'other',
  other: 'other',
  x: 'other',
  okant: 'unknown',
  unknown: 'unknown',
  u: 'unknown',
};

export function parseGender(raw: string): Gender | undefined {
  return GENDERS[foldHeader(raw)];
}

const LANGUAGES: Record<string, string> = {
  svenska: 'sv',
  swedish: 'sv',
  engelska: 'en',
  english: 'en',
  arabiska: 'ar',
  arabic: 'ar',
  finska: 'fi',
  finnish: 'fi',
  somaliska: 'so',
  somali: 'so',
  persiska: 'fa',
  persian: 'fa',
  farsi: 'fa',
  dari: 'prs',
  kurdiska: 'ku',
  kurdish: 'ku',
  tigrinja: 'ti',
  tigrinya: 'ti',
  polska: 'pl',
  polish: 'pl',
  spanska: 'es',
  spanish: 'es',
  tyska: 'de',
  german: 'de',
  norska: 'no',
  norwegian: 'no',
  danska: 'da',
  danish: 'da',
  bosniska: 'bs',
  bosnian: 'bs',
  turkiska: 'tr',
  turkish: 'tr',
  ukrainska: 'uk',
  ukrainian: 'uk',
  ryska: 'ru',
  russian: 'ru',
};

/** A BCP 47 tag ("sv", "en-GB") as written, or a language name in Swedish or English. */
export function parseLanguage(raw: string): string | undefined {
  const text = raw.trim();
  const tag = /^([a-z]{2,3})(?:[-_]([a-z0-9]{2,8}))?$/i.exec(text);
  if (tag) return tag[2] ? `${tag[1].toLowerCase()}-${tag[2].toUpperCase()}` : tag[1].toLowerCase();
  return LANGUAGES[foldHeader(text)];
}

const COUNTRIES: Record<string, string> = {
  sverige: 'SE',
  sweden: 'SE',
  norge: 'NO',
  norway: 'NO',
  danmark: 'DK',
  denmark: 'DK',
  finland: 'FI',
  island: 'IS',
  iceland: 'IS',
  tyskland: 'DE',
  germany: 'DE',
};

/** ISO 3166-1 alpha-2, or a Nordic country's name. */
export function parseCountry(raw: string): string | undefined {
  const text = raw.trim();
  if (/^[a-z]{2}$/i.test(text)) return text.toUpperCase();
  return COUNTRIES[foldHeader(text)];
}

const PARTICLES = new Set(['af', 'av', 'von', 'van', 'der', 'den', 'de', 'la', 'al', 'el', 'bin', 'ibn']);

/**
 * "Efternamn, Förnamn" when there is a comma, else "Förnamn Efternamn" with the last
 * word as family name (plus lower-case particles before it: "Carl von Linné"). Double
 * family names without a hyphen cannot be told from a second given name; the matcher
 * compares names loosely for that reason.
 */
export function splitFullName(raw: string): { given: string[]; family?: string } {
  const text = raw.trim().replace(/\s+/g, ' ');
  if (text === '') return { given: [] };
  const comma = text.indexOf(',');
  if (comma >= 0) {
    const family = text.slice(0, comma).trim();
    const given = text
      .slice(comma + 1)
      .split(' ')
      .filter((w) => w !== '');
    return family ? { given, family } : { given };
  }
  const words = text.split(' ');
  if (words.length === 1) return { given: words };
  let start = words.length - 1;
  while (start > 1 && PARTICLES.has(words[start - 1])) start--;
  return { given: words.slice(0, start), family: words.slice(start).join(' ') };
}
