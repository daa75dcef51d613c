/**
 * Name similarity in 0..1 on folded names. Jaro-Winkler, because it counts a
 * transposition as one small error and weighs the start of a name, which
 * clerks get right most often. On top of it: spelling variants compare equal,
 * sound-alikes, nicknames and initials as likely, and two different common
 * names are capped below every rule threshold however alike they look
 * (Maria/Marie, Johansson/Jonsson).
 */
import { isKnownFamilyName, isKnownGivenName, soundKey } from './common-names.ts';
import { canonicalGivenName, nicknameFor, nicknamesOfName } from './nicknames.ts';
import { foldName } from './normalise.ts';

/** A nickname says "probably registered as"; not as strong as the same name. */
export const NICKNAME_SIMILARITY = 0.92;
/** Spelt differently, sounds the same (Wilma/Vilma, Carlsson/Karlsson). */
export const SOUND_ALIKE_SIMILARITY = 0.95;
/** An initial agrees with a name but cannot tell Karl from Kristoffer. */
export const INITIAL_SIMILARITY = 0.85;
/** Two different common given names: alike in spelling, still different people. */
export const DISTINCT_NAME_CAP = 0.75;
/** Two different common family names (Johansson/Jonsson). */
export const DISTINCT_FAMILY_CAP = 0.8;
/** A person called by one part of a double name ("Karl" for Karl-Johan), or a part of it. */
export const PART_OF_DOUBLE_NAME_SIMILARITY = 0.85;
/** One family name contained in a double-barrelled one ("Lind" in "Andersson Lind"). */
export const FAMILY_PART_SIMILARITY = 0.9;

let flagsA = new Uint8Array(64);
let flagsB = new Uint8Array(64);

export function jaroWinkler(a: string, b: string): number {
  if (a === b) return 1;
  const la = a.length;
  const lb = b.length;
  if (la === 0 || lb === 0) return 0;
  if (la > flagsA.length || lb > flagsB.length) {
    flagsA = new Uint8Array(Math.max(la, lb) * 2);
    flagsB = new Uint8Array(Math.max(la, lb) * 2);
  }
  flagsA.fill(0, 0, la);
  flagsB.fill(0, 0, lb);
  const window = Math.max(0, (Math.max(la, lb) >> 1) - 1);
  let matches = 0;
  for (let i = 0; i < la; i++) {
    const lo = Math.max(0, i - window);
    const hi = Math.min(lb - 1, i + window);
    const c = a.charCodeAt(i);
    for (let j = lo; j <= hi; j++) {
      if (flagsB[j] === 0 && b.charCodeAt(j) === c) {
        flagsA[i] = 1;
        flagsB[j] = 1;
        matches++;
        break;
      }
    }
  }
  if (matches === 0) return 0;
  let halfTranspositions = 0;
  let k = 0;
  for (let i = 0; i < la; i++) {
    if (flagsA[i] === 0) continue;
    while (flagsB[k] === 0) k++;
    if (a.charCodeAt(i) !== b.charCodeAt(k)) halfTranspositions++;
    k++;
  }
  const m = matches;
  const jaro = (m / la + m / lb + (m - halfTranspositions / 2) / m) / 3;
  let prefix = 0;
  const maxPrefix = Math.min(4, la, lb);
  while (prefix < maxPrefix && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  return jaro + prefix * 0.1 * (1 - jaro);
}

/** A folded given-name token with what the comparisons need precomputed. */
interface GivenToken {
  raw: string;
  /** A hyphenated double name ("Anna-Karin") is one token of several parts. */
  parts: GivenToken[];
  canonical: string;
  sound: string;
  /** Canonical names this token is a nickname of. */
  nicknameOf: readonly string[];
  /** Nicknames of the canonical form, to compare a misspelt nickname against. */
  nicknames: readonly string[];
  known: boolean;
}

export interface PreparedGiven {
  tokens: GivenToken[];
  /** All tokens run together: "Anna-Karin", "Anna Karin" and "Annakarin" are one name. */
  joined: string;
}

export interface PreparedFamily {
  folded: string;
  compact: string;
  sound: string;
  known: boolean;
  parts: string[];
}

/**
 * Names repeat across records far more than records do: each distinct name
 * is prepared once and shared. Bounded so a long-running server does not grow
 * the cache without end; clearing only costs re-preparing.
 */
const CACHE_LIMIT = 200_000;
const givenCache = new Map<string, PreparedGiven>();
const familyCache = new Map<string, PreparedFamily | null>();

function cached<V>(cache: Map<string, V>, key: string, make: () => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    value = make();
    cache.set(key, value);
  }
  return value;
}

function simpleToken(raw: string): GivenToken {
  const canonical = canonicalGivenName(raw);
  return {
    raw,
    parts: [],
    canonical,
    sound: soundKey(canonical),
    nicknameOf: nicknameFor(raw),
    nicknames: nicknamesOfName(canonical),
    known: isKnownGivenName(canonical) || isKnownGivenName(raw),
  };
}

/** Words are given names; hyphens join the parts of one double name. */
function givenToken(word: string): GivenToken | undefined {
  const partNames = foldName(word)
    .split(' ')
    .filter((p) => p !== '');
  if (partNames.length <= 1) return partNames.length === 0 ? undefined : simpleToken(partNames[0]);
  const parts = partNames.map(simpleToken);
  const canonical = parts.map((p) => p.canonical).join('');
  return {
    raw: partNames.join(''),
    parts,
    canonical,
    sound: parts.map((p) => p.sound).join(''),
    nicknameOf: [],
    nicknames: [],
    known: parts.every((p) => p.known),
  };
}

function makeGiven(names: readonly string[]): PreparedGiven {
  const tokens: GivenToken[] = [];
  for (const name of names) {
    for (const word of name.split(/\s+/)) {
      const token = givenToken(word);
      if (token) tokens.push(token);
    }
  }
  return { tokens, joined: tokens.map((t) => t.canonical).join('') };
}

/** Prepared given names; the result is shared between callers and must not be modified. */
export function prepareGiven(names: readonly string[]): PreparedGiven {
  const key = names.length === 1 ? names[0] : names.join('\u0001');
  return cached(givenCache, key, () => makeGiven(names));
}

function makeFamily(name: string): PreparedFamily | null {
  const folded = foldName(name);
  if (folded === '') return null;
  const compact = folded.replaceAll(' ', '');
  return {
    folded,
    compact,
    sound: soundKey(compact),
    known: isKnownFamilyName(compact),
    parts: folded.split(' '),
  };
}

/** Prepared family name, undefined when there is none; shared, must not be modified. */
export function prepareFamily(name: string | undefined): PreparedFamily | undefined {
  if (name === undefined) return undefined;
  return cached(familyCache, name, () => makeFamily(name)) ?? undefined;
}

/**
 * Double names: Anna-Karin and Anna-Lena share a part but are different
 * names, so parts are compared pairwise and the weakest decides. Against a
 * single name, the double name may be written as one word (a typo away) or
 * the person may go by one part of it.
 */
function doubleNameSimilarity(x: GivenToken, y: GivenToken): number {
  if (x.parts.length === y.parts.length) {
    let weakest = 1;
    for (let i = 0; i < x.parts.length; i++)
      weakest = Math.min(weakest, tokenSimilarity(x.parts[i], y.parts[i]));
    return weakest;
  }
  let best = x.known && y.known ? 0 : jaroWinkler(x.canonical, y.canonical);
  const [single, double] = x.parts.length < y.parts.length ? [x, y] : [y, x];
  if (single.parts.length === 0) {
    for (const part of double.parts) {
      best = Math.max(best, Math.min(PART_OF_DOUBLE_NAME_SIMILARITY, tokenSimilarity(single, part)));
    }
  }
  return best;
}

function tokenSimilarity(x: GivenToken, y: GivenToken): number {
  if (x.raw === y.raw || x.canonical === y.canonical) return 1;
  if (x.parts.length > 0 || y.parts.length > 0) return doubleNameSimilarity(x, y);
  if (x.raw.length === 1 || y.raw.length === 1) {
    return x.raw[0] === y.raw[0] ? INITIAL_SIMILARITY : 0;
  }
  if (
    x.nicknameOf.includes(y.canonical) ||
    y.nicknameOf.includes(x.canonical) ||
    x.nicknameOf.some((n) => y.nicknameOf.includes(n))
  ) {
    return NICKNAME_SIMILARITY;
  }
  if (x.sound === y.sound) return SOUND_ALIKE_SIMILARITY;
  let best = jaroWinkler(x.canonical, y.canonical);
  if (x.known && y.known) return Math.min(best, DISTINCT_NAME_CAP);
  // A misspelt nickname ("Kale" for Kalle) or a nickname against a misspelt name.
  for (const n of y.nicknames) best = Math.max(best, NICKNAME_SIMILARITY * jaroWinkler(x.raw, n));
  for (const n of x.nicknames) best = Math.max(best, NICKNAME_SIMILARITY * jaroWinkler(y.raw, n));
  for (const n of x.nicknameOf) best = Math.max(best, NICKNAME_SIMILARITY * jaroWinkler(n, y.canonical));
  for (const n of y.nicknameOf) best = Math.max(best, NICKNAME_SIMILARITY * jaroWinkler(n, x.canonical));
  return best;
}

/**
 * The best agreement between any given name of one and any of the other:
 * people are called by one of their given names and sources record one, some
 * or all of them.
 */
export function preparedGivenSimilarity(a: PreparedGiven, b: PreparedGiven): number {
  if (a.tokens.length === 0 || b.tokens.length === 0) return 0;
  if (a.joined === b.joined) return 1;
  let best = 0;
  for (const x of a.tokens) {
    for (const y of b.tokens) {
      const s = tokenSimilarity(x, y);
      if (s > best) {
        best = s;
        if (best === 1) return 1;
      }
    }
  }
  return best;
}

export function preparedFamilySimilarity(
  a: PreparedFamily | undefined,
  b: PreparedFamily | undefined,
): number {
  if (a === undefined || b === undefined) return 0;
  if (a.compact === b.compact) return 1;
  if (a.sound === b.sound) return SOUND_ALIKE_SIMILARITY;
  let best = jaroWinkler(a.compact, b.compact);
  if (a.known && b.known) best = Math.min(best, DISTINCT_FAMILY_CAP);
  if (a.parts.length > 1 || b.parts.length > 1) {
    const [short, long] = a.parts.length <= b.parts.length ? [a, b] : [b, a];
    if (short.parts.every((p) => long.parts.includes(p))) best = Math.max(best, FAMILY_PART_SIMILARITY);
  }
  return best;
}

/** Given-name similarity of two lists of raw or folded names; 0 when either is empty. */
export function givenNameSimilarity(aGiven: readonly string[], bGiven: readonly string[]): number {
  return preparedGivenSimilarity(prepareGiven(aGiven), prepareGiven(bGiven));
}

/** Family-name similarity of two raw or folded names; 0 when either is missing. */
export function familySimilarity(a: string | undefined, b: string | undefined): number {
  return preparedFamilySimilarity(prepareFamily(a), prepareFamily(b));
}
