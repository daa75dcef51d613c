/**
 * Match rules: each looks at one kind of evidence and scores a pair of records
 * in 0..1. Precision comes first: a wrong merge sends one patient's results to
 * another, so every fuzzy rule needs a shared contact point or address AND
 * agreeing names AND a birth date that agrees (or, on a shared phone, is
 * missing on one side), and hard negatives (conflictBetween) veto everything.
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
  const family = preparedFamilySimilarity(a.family, b.family);
  const given = preparedGivenSimilarity(a.given, b.given);
  const straight = Math.min(given, family);
  if (straight >= 0.9) return { given, family };
  const givenFamily = preparedGivenSimilarity(a.given, b.familyAsGiven);
  if (givenFamily <= straight) return { given, family };
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

interface Pair {
  a: SourceRecord;
  b: SourceRecord;
  fa: RecordFeatures;
  fb: RecordFeatures;
  /** Name agreement, computed once per pair by the first rule that needs it. */
  n?: NameAgreement;
}

const names = (p: Pair): NameAgreement => {
  p.n ??= nameAgreement(p.fa, p.fb);
  return p.n;
};

const bothBirthDates = ({ fa, fb }: Pair): boolean =>
  fa.birthDate !== undefined && fb.birthDate !== undefined;

/**
 * Each rule kind scores a pair (null: the rule does not apply) and, only for
 * a pair that reaches the threshold, explains itself: most compared pairs
 * fail, and building their evidence would be wasted work.
 */
interface Evaluator {
  score(p: Pair): number | null;
  explain(p: Pair): FieldEvidence[];
}

const evaluators: Record<MatchRuleKind, Evaluator> = {
  personnummer: {
    score: ({ fa, fb }) => (fa.personnummer !== undefined && fa.personnummer === fb.personnummer ? 1 : null),
    explain: ({ fa, fb }) => [
      { field: 'personnummer', a: fa.personnummer!, b: fb.personnummer!, similarity: 1 },
    ],
  },

  identifier: {
    score: ({ fa, fb }) => (firstShared(fa.identifiers, fb.identifiers) === undefined ? null : 1),
    explain: ({ fa, fb }) => {
      const shared = firstShared(fa.identifiers, fb.identifiers)!;
      return [{ field: 'identifier', a: shared, b: shared, similarity: 1 }];
    },
  },

  // Parents register children with their own e-mail, so the birth date must
  // agree and the given name carries most of the weight; the family name
  // weighs little because it changes with marriage.
  'email-birthdate': {
    score(p) {
      const { fa, fb } = p;
      if (fa.birthDate === undefined || fa.birthDate !== fb.birthDate) return null;
      if (firstShared(fa.emails, fb.emails) === undefined) return null;
      const n = names(p);
      return round(n.given * (0.8 + 0.2 * n.family));
    },
    explain(p) {
      const email = firstShared(p.fa.emails, p.fb.emails)!;
      return [
        { field: 'email', a: email, b: email, similarity: 1 },
        { field: 'birthDate', a: p.fa.birthDate!, b: p.fb.birthDate!, similarity: 1 },
        ...nameEvidence(p.a, p.b, names(p)),
      ];
    },
  },

  // A family shares the phone, the family name and often the address: only
  // the given name and the birth date tell its members apart, so both must
  // agree (the weaker of given and family decides).
  'phone-family': {
    score(p) {
      const { fa, fb } = p;
      const both = bothBirthDates(p);
      if (both && fa.birthDate !== fb.birthDate) return null;
      if (firstShared(fa.phones, fb.phones) === undefined) return null;
      const n = names(p);
      return round(Math.min(n.given, n.family) * (both ? 1 : MISSING_BIRTH_DATE_FACTOR));
    },
    explain(p) {
      const phone = firstShared(p.fa.phones, p.fb.phones)!;
      return [
        { field: 'phone', a: phone, b: phone, similarity: 1 },
        {
          field: 'birthDate',
          a: p.fa.birthDate ?? '',
          b: p.fb.birthDate ?? '',
          similarity: bothBirthDates(p) ? 1 : MISSING_BIRTH_DATE_FACTOR,
        },
        ...nameEvidence(p.a, p.b, names(p)),
      ];
    },
  },

  // No shared contact point: names, birth date and where they live. Addresses
  // are compared across all known (old) addresses of both records.
  'fuzzy-name': {
    score(p) {
      const { fa, fb } = p;
      if (fa.birthDate === undefined || fa.birthDate !== fb.birthDate) return null;
      let factor = 1;
      if (firstShared(fa.postalCodes, fb.postalCodes) === undefined) {
        if (firstShared(fa.cities, fb.cities) === undefined) return null;
        factor = CITY_ONLY_FACTOR;
      }
      const n = names(p);
      return round(Math.min(n.given, n.family) * factor);
    },
    explain(p) {
      const { fa, fb } = p;
      const postal = firstShared(fa.postalCodes, fb.postalCodes);
      const place = postal ?? firstShared(fa.cities, fb.cities)!;
      return [
        { field: 'birthDate', a: fa.birthDate!, b: fb.birthDate!, similarity: 1 },
        postal === undefined
          ? { field: 'city', a: place, b: place, similarity: CITY_ONLY_FACTOR }
          : { field: 'postalCode', a: place, b: place, similarity: 1 },
        ...nameEvidence(p.a, p.b, names(p)),
      ];
    },
  },
};

export interface RuleMatch {
  explanation: MatchExplanation;
  /** Position of the rule in the list: earlier rules are stronger evidence. */
  ruleIndex: number;
}

/** firstMatchingRule for callers that hold the features already. */
export function firstMatchingRuleOf(
  a: SourceRecord,
  b: SourceRecord,
  fa: RecordFeatures,
  fb: RecordFeatures,
  rules: readonly MatchRule[],
): RuleMatch | null {
  const pair: Pair = { a, b, fa, fb };
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    if (!rule.enabled) continue;
    const evaluator = evaluators[rule.kind];
    const score = evaluator.score(pair);
    if (score !== null && score >= rule.threshold) {
      const explanation: MatchExplanation = {
        rule: rule.id,
        kind: rule.kind,
        score,
        threshold: rule.threshold,
        fields: evaluator.explain(pair),
      };
      return { ruleIndex: i, explanation };
    }
  }
  return null;
}

/** The first enabled rule that accepts the pair, ignoring hard negatives (placement reports those itself). */
export function firstMatchingRule(
  a: SourceRecord,
  b: SourceRecord,
  rules: readonly MatchRule[],
): RuleMatch | null {
  return firstMatchingRuleOf(a, b, featuresOf(a), featuresOf(b), rules);
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
  return conflictBetweenOf(a, b, featuresOf(a), featuresOf(b));
}

/**
 * The hard negative a person's decision cannot override: two different
 * personnummer or samordningsnummer are legally two people (the source record
 * must be corrected). A birth date or gender that disagrees is usually a typo
 * in a contact list, and a person who knows may merge across it.
 */
export function personnummerConflict(a: SourceRecord, b: SourceRecord): string | null {
  const fa = featuresOf(a);
  const fb = featuresOf(b);
  if (fa.personnummer === undefined || fb.personnummer === undefined) return null;
  return conflictBetweenOf(a, b, fa, fb);
}

/** conflictBetween for callers that hold the features already. */
export function conflictBetweenOf(
  a: SourceRecord,
  b: SourceRecord,
  fa: RecordFeatures,
  fb: RecordFeatures,
): string | null {
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
