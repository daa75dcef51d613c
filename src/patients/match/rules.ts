/**
 * Match rules: each looks at one kind of evidence and scores a pair of records
 * in 0..1. Precision comes first: a wrong merge sends one patient's results to
 * another, so every fuzzy rule needs a shared contact point or address AND
 * agreeing names AND agreeing birth dates, and hard negatives (conflictBetween)
 * veto everything.
 */
import type { SourceRecord } from '../model.ts';
import { featuresOf, firstShared, type RecordFeatures } from './features.ts';
import { preparedFamilySimilarity, preparedGivenSimilarity } from './similarity.ts';

export const MATCH_RULE_KINDS = [
  'personnummer',
  'identifier',
  'email-birthdate',
  'phone-family',
  'fuzzy-name',
] as const;
export type MatchRuleKind = (typeof MATCH_RULE_KINDS)[number];

export interface MatchRule {
  id: string;
  kind: MatchRuleKind;
  threshold: number;
  enabled: boolean;
}

export const DEFAULT_RULES: readonly MatchRule[] = Object.freeze([
  { id: 'personnummer', kind: 'personnummer', threshold: 1, enabled: true },
  { id: 'identifier', kind: 'identifier', threshold: 1, enabled: true },
  { id: 'email-birthdate', kind: 'email-birthdate', threshold: 0.85, enabled: true },
  { id: 'phone-family', kind: 'phone-family', threshold: 0.88, enabled: true },
  { id: 'fuzzy-name', kind: 'fuzzy-name', threshold: 0.88, enabled: true },
]);

export interface FieldEvidence {
  field: string;
  a: string;
  b: string;
  similarity: number;
}

export interface MatchExplanation {
  rule: string;
  kind: MatchRuleKind;
  score: number;
  threshold: number;
  fields: FieldEvidence[];
}

/**
 * A missing birth date on one side of a shared phone: a father and son with
 * the same name share the home phone too, so the names must then agree better
 * than a nickname does to reach the default threshold.
 */
const MISSING_BIRTH_DATE_FACTOR = 0.95;
/** Same post town but no shared postal code: the town is a big place. */
const CITY_ONLY_FACTOR = 0.96;

interface NameAgreement {
  given: number;
  family: number;
  /** Set when one record has given and family swapped: the two cross similarities. */
  transposed?: { givenFamily: number; familyGiven: number };
}

/**
 * Best of reading the names as written or with given and family swapped in
 * one record. Which record is swapped is unknown, so a swap counts only as
 * well as its weaker cross comparison, for given and family alike.
 */
function nameAgreement(a: RecordFeatures, b: RecordFeatures): NameAgreement {
  const given = preparedGivenSimilarity(a.given, b.given);
  const family = preparedFamilySimilarity(a.family, b.family);
  const straight = Math.min(given, family);
  if (straight >= 0.9) return { given, family };
  const givenFamily = preparedGivenSimilarity(a.given, b.familyAsGiven);
  const familyGiven = preparedGivenSimilarity(a.familyAsGiven, b.given);
  const crossed = Math.min(givenFamily, familyGiven);
  if (crossed > straight)
    return { given: crossed, family: crossed, transposed: { givenFamily, familyGiven } };
  return { given, family };
}

function nameEvidence(a: SourceRecord, b: SourceRecord, n: NameAgreement): FieldEvidence[] {
  const aGiven = a.given.join(' ');
  const bGiven = b.given.join(' ');
  if (n.transposed) {
    return [
      { field: 'given~family', a: aGiven, b: b.family ?? '', similarity: n.transposed.givenFamily },
      { field: 'family~given', a: a.family ?? '', b: bGiven, similarity: n.transposed.familyGiven },
    ];
  }
  return [
    { field: 'given', a: aGiven, b: bGiven, similarity: n.given },
    { field: 'family', a: a.family ?? '', b: b.family ?? '', similarity: n.family },
  ];
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

type Scored = { score: number; fields: FieldEvidence[] } | null;

interface Pair {
  a: SourceRecord;
  b: SourceRecord;
  fa: RecordFeatures;
  fb: RecordFeatures;
  names: () => NameAgreement;
}

const evaluators: Record<MatchRuleKind, (p: Pair) => Scored> = {
  personnummer({ fa, fb }) {
    if (fa.personnummer === undefined || fa.personnummer !== fb.personnummer) return null;
    return {
      score: 1,
      fields: [{ field: 'personnummer', a: fa.personnummer, b: fb.personnummer, similarity: 1 }],
    };
  },

  identifier({ fa, fb }) {
    const shared = firstShared(fa.identifiers, fb.identifiers);
    if (shared === undefined) return null;
    return { score: 1, fields: [{ field: 'identifier', a: shared, b: shared, similarity: 1 }] };
  },

  // Parents register children with their own e-mail, so the birth date must
  // agree and the given name carries most of the weight; the family name
  // weighs little because it changes with marriage.
  'email-birthdate'(p) {
    const { fa, fb } = p;
    const email = firstShared(fa.emails, fb.emails);
    if (email === undefined || fa.birthDate === undefined || fa.birthDate !== fb.birthDate) return null;
    const n = p.names();
    return {
      score: round(n.given * (0.8 + 0.2 * n.family)),
      fields: [
        { field: 'email', a: email, b: email, similarity: 1 },
        { field: 'birthDate', a: fa.birthDate, b: fb.birthDate, similarity: 1 },
        ...nameEvidence(p.a, p.b, n),
      ],
    };
  },

  // A family shares the phone, the family name and often the address: only
  // the given name and the birth date tell its members apart, so both must
  // agree (the weaker of given and family decides).
  'phone-family'(p) {
    const { fa, fb } = p;
    const phone = firstShared(fa.phones, fb.phones);
    if (phone === undefined) return null;
    const bothDates = fa.birthDate !== undefined && fb.birthDate !== undefined;
    if (bothDates && fa.birthDate !== fb.birthDate) return null;
    const n = p.names();
    const fields: FieldEvidence[] = [{ field: 'phone', a: phone, b: phone, similarity: 1 }];
    fields.push({
      field: 'birthDate',
      a: fa.birthDate ?? '',
      b: fb.birthDate ?? '',
      similarity: bothDates ? 1 : MISSING_BIRTH_DATE_FACTOR,
    });
    fields.push(...nameEvidence(p.a, p.b, n));
    return {
      score: round(Math.min(n.given, n.family) * (bothDates ? 1 : MISSING_BIRTH_DATE_FACTOR)),
      fields,
    };
  },

  // No shared contact point: names, birth date and where they live. Addresses
  // are compared across all known (old) addresses of both records.
  'fuzzy-name'(p) {
    const { fa, fb } = p;
    if (fa.birthDate === undefined || fa.birthDate !== fb.birthDate) return null;
    const postal = firstShared(fa.postalCodes, fb.postalCodes);
    const city = postal === undefined ? firstShared(fa.cities, fb.cities) : undefined;
    if (postal === undefined && city === undefined) return null;
    const n = p.names();
    const place = postal ?? city ?? '';
    const factor = postal === undefined ? CITY_ONLY_FACTOR : 1;
    return {
      score: round(Math.min(n.given, n.family) * factor),
      fields: [
        { field: 'birthDate', a: fa.birthDate, b: fb.birthDate, similarity: 1 },
        { field: postal === undefined ? 'city' : 'postalCode', a: place, b: place, similarity: factor },
        ...nameEvidence(p.a, p.b, n),
      ],
    };
  },
};

export interface RuleMatch {
  explanation: MatchExplanation;
  /** Position of the rule in the list: earlier rules are stronger evidence. */
  ruleIndex: number;
}

/** The first enabled rule that accepts the pair, ignoring hard negatives (placement reports those itself). */
export function firstMatchingRule(
  a: SourceRecord,
  b: SourceRecord,
  rules: readonly MatchRule[],
): RuleMatch | null {
  const fa = featuresOf(a);
  const fb = featuresOf(b);
  let names: NameAgreement | undefined;
  const pair: Pair = { a, b, fa, fb, names: () => (names ??= nameAgreement(fa, fb)) };
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    if (!rule.enabled) continue;
    const scored = evaluators[rule.kind](pair);
    if (scored !== null && scored.score >= rule.threshold) {
      return {
        ruleIndex: i,
        explanation: {
          rule: rule.id,
          kind: rule.kind,
          score: scored.score,
          threshold: rule.threshold,
          fields: scored.fields,
        },
      };
    }
  }
  return null;
}

/** The first enabled rule, in order, whose score reaches its threshold; null when none does or the records conflict. */
export function compareRecords(
  a: SourceRecord,
  b: SourceRecord,
  rules: readonly MatchRule[],
): MatchExplanation | null {
  if (conflictBetween(a, b) !== null) return null;
  return firstMatchingRule(a, b, rules)?.explanation ?? null;
}

function describe(r: SourceRecord): string {
  return `${r.source}/${r.externalId}`;
}

/**
 * Hard negatives: why two records can never be one person, or null. Equal
 * personnummer override everything else: the number is the legal identity and
 * a differing birth date or gender beside it is a typo for survivorship to
 * settle.
 */
export function conflictBetween(a: SourceRecord, b: SourceRecord): string | null {
  const fa = featuresOf(a);
  const fb = featuresOf(b);
  if (fa.personnummer !== undefined && fb.personnummer !== undefined) {
    if (fa.personnummer === fb.personnummer) return null;
    return `different personnummer: ${fa.personnummer} (${describe(a)}) and ${fb.personnummer} (${describe(b)})`;
  }
  if (fa.birthDate !== undefined && fb.birthDate !== undefined && fa.birthDate !== fb.birthDate) {
    return `different birth dates: ${fa.birthDate} (${describe(a)}) and ${fb.birthDate} (${describe(b)})`;
  }
  if (fa.gender !== undefined && fb.gender !== undefined && fa.gender !== fb.gender) {
    return `different gender: ${fa.gender} (${describe(a)}) and ${fb.gender} (${describe(b)})`;
  }
  return null;
}

const RULE_FIELDS = ['id', 'kind', 'threshold', 'enabled'];

/** Checks a rule list from configuration; throws an Error naming the field and the fix. */
export function validateRules(input: unknown): MatchRule[] {
  if (!Array.isArray(input)) {
    throw new Error('match rules must be a list of { id, kind, threshold, enabled } objects');
  }
  const seen = new Set<string>();
  return input.map((raw, i): MatchRule => {
    const where = `rules[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new Error(`${where} must be an object with id, kind, threshold and enabled`);
    }
    const r = raw as Record<string, unknown>;
    for (const key of Object.keys(r)) {
      if (!RULE_FIELDS.includes(key)) {
        throw new Error(`${where} has unknown field "${key}"; the fields are ${RULE_FIELDS.join(', ')}`);
      }
    }
    if (typeof r.id !== 'string' || r.id.trim() === '') {
      throw new Error(`${where}.id must be a non-empty string naming the rule`);
    }
    if (seen.has(r.id)) throw new Error(`${where}.id "${r.id}" is used twice; give each rule its own id`);
    seen.add(r.id);
    if (typeof r.kind !== 'string' || !(MATCH_RULE_KINDS as readonly string[]).includes(r.kind)) {
      throw new Error(
        `${where}.kind ${JSON.stringify(r.kind)} is not a rule kind; use one of ${MATCH_RULE_KINDS.join(', ')}`,
      );
    }
    if (
      typeof r.threshold !== 'number' ||
      !Number.isFinite(r.threshold) ||
      r.threshold < 0 ||
      r.threshold > 1
    ) {
      throw new Error(
        `${where}.threshold ${JSON.stringify(r.threshold)} is outside 0..1; use a number from 0 to 1`,
      );
    }
    if (r.enabled !== undefined && typeof r.enabled !== 'boolean') {
      throw new Error(`${where}.enabled must be true or false`);
    }
    return { id: r.id, kind: r.kind as MatchRuleKind, threshold: r.threshold, enabled: r.enabled ?? true };
  });
}
