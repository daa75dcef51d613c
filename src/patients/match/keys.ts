/**
 * Blocking keys: candidate generation. Two records are only compared when
 * they share a key, so for every enabled rule the keys are chosen from what
 * that rule requires to be equal: any pair the rule could accept shares at
 * least one key, whatever the names look like (typos, nicknames and swapped
 * given/family names never hide a candidate). No key holds a name for the
 * same reason.
 */
import type { SourceRecord } from '../model.ts';
import { featuresOf, type RecordFeatures } from './features.ts';
import type { MatchRule } from './rules.ts';

/**
 * Keys for one record: 'p:<personnummer>', 'i:<system|value>',
 * 'e:<birth date>:<email>', 'ph:<E.164>', 'z:<birth date>:<postal code>',
 * 'c:<birth date>:<city>'. Birth dates are written YYYYMMDD.
 */
export function blockingKeys(r: SourceRecord, rules: readonly MatchRule[]): string[] {
  return blockingKeysOf(featuresOf(r), rules);
}

/** blockingKeys for callers that hold the features already. */
export function blockingKeysOf(f: RecordFeatures, rules: readonly MatchRule[]): string[] {
  const keys = new Set<string>();
  const birth = f.birthDate?.replaceAll('-', '');
  for (const rule of rules) {
    if (!rule.enabled) continue;
    switch (rule.kind) {
      case 'personnummer':
        if (f.personnummer) keys.add(`p:${f.personnummer}`);
        break;
      case 'identifier':
        for (const id of f.identifiers) keys.add(`i:${id}`);
        break;
      case 'email-birthdate':
        // The rule needs equal birth dates, so the date narrows the block of a family e-mail.
        if (birth) for (const e of f.emails) keys.add(`e:${birth}:${e}`);
        break;
      case 'phone-family':
        // Not narrowed by birth date: the rule accepts a pair where one date is missing.
        for (const p of f.phones) keys.add(`ph:${p}`);
        break;
      case 'fuzzy-name':
        if (birth) {
          for (const z of f.postalCodes) keys.add(`z:${birth}:${z}`);
          for (const c of f.cities) keys.add(`c:${birth}:${c}`);
        }
        break;
    }
  }
  return [...keys];
}
