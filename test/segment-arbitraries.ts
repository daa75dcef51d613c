import fc from 'fast-check';
import type { ClinicalType, Definition, Node, Window } from '../src/segments/definition.ts';
import { addMonthsUtc, resolveWindow } from '../src/segments/windows.ts';

/**
 * fast-check generators of segment definitions over a pool of codes, values
 * and places, so that conditions hit often enough to mean something. The
 * same generator serves generated patients (segments-properties) and the
 * Synthea corpus (segments-synthea), each with its own pool.
 */
export interface RulePool {
  asOf: number;
  /** Codes a clinical rule may ask for, per type: [system alias or URI, code]. */
  codes: Partial<Record<ClinicalType, Array<[string, string]>>>;
  statuses: Partial<Record<ClinicalType, string[]>>;
  /** Observation rules: the codes of one analyte and thresholds per unit. */
  observations: Array<{ codes: Array<[string, string]>; thresholds: Array<[string, number[]]> }>;
  postalCodes: string[];
  municipalities: string[];
  regions: string[];
  languages: string[];
  careUnits: string[];
  /** Segments a rule may nest (their definitions are given to the evaluators). */
  segments: string[];
  /** Windows rules may use (see windowsFor); "next" ones only for appointments. */
  windows: Window[];
}

const DAY = 86_400_000;
const PREFIX_SYSTEMS = new Set([
  'icd10',
  'atc',
  'kva',
  'http://hl7.org/fhir/sid/icd-10',
  'http://www.whocc.no/atc',
]);
const END_TYPES: ClinicalType[] = ['Condition', 'Procedure', 'Encounter', 'EpisodeOfCare', 'Appointment'];

export const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The windows rules use; few, so that generated times can sit on their edges. */
export function windowsFor(asOf: number): Window[] {
  const d = (ms: number) => isoDay(ms);
  const m = (n: number) => addMonthsUtc(asOf, n);
  const today = new Date(asOf);
  return [
    { kind: 'last', amount: 3, unit: 'months' },
    { kind: 'last', amount: 12, unit: 'months' },
    { kind: 'last', amount: 24, unit: 'months' },
    { kind: 'last', amount: 30, unit: 'days' },
    { kind: 'last', amount: 48, unit: 'hours' },
    { kind: 'last', amount: 5, unit: 'years' },
    { kind: 'between', from: d(m(-24)), to: d(m(-12)) },
    { kind: 'between', from: d(m(-12)), to: d(asOf) },
    { kind: 'between', from: d(asOf), to: d(asOf + DAY) },
    { kind: 'since', date: d(m(-3)) },
    { kind: 'since', date: d(m(-12)) },
    { kind: 'season', month: 10, day: 1 },
    { kind: 'season', month: 9, day: 1 },
    { kind: 'season', month: today.getUTCMonth() + 1, day: today.getUTCDate() },
    { kind: 'next', amount: 48, unit: 'hours' },
    { kind: 'next', amount: 1, unit: 'days' },
    { kind: 'next', amount: 7, unit: 'days' },
  ];
}

/** Each window's first and last instant and the instants just outside them. */
export function windowEdges(asOf: number, windows: readonly Window[]): number[] {
  const edges = windows.flatMap((w) => {
    const r = resolveWindow(w, asOf);
    return [r.from - 1, r.from, r.to, r.to + 1];
  });
  return [...new Set([...edges, asOf, asOf - 4 * 365 * DAY])].sort((a, b) => a - b);
}

function windowArb(pool: RulePool, ahead: boolean): fc.Arbitrary<Window | undefined> {
  const ws = pool.windows.filter((w) => ahead || w.kind !== 'next');
  return ws.length ? fc.constantFrom(...ws) : fc.constant(undefined);
}

const nonEmpty = <T>(xs: T[]) => fc.subarray(xs, { minLength: 1, maxLength: Math.min(3, xs.length) });

function clinicalArb(pool: RulePool): fc.Arbitrary<Node> {
  const types = Object.keys(pool.codes) as ClinicalType[];
  return fc.constantFrom(...types).chain((resource) => {
    const codes = pool.codes[resource] ?? [];
    const filter = (codes.length ? fc.constantFrom(...codes) : fc.constant(['', ''])).chain(
      ([system, code]) =>
        PREFIX_SYSTEMS.has(system) && code.length > 3
          ? fc.oneof(fc.constant({ system, codes: [code] }), {
              arbitrary: fc.constant({ system, codes: [code.slice(0, 3)], descendants: true }),
              weight: 2,
            })
          : fc.constant({ system, codes: [code] }),
    );
    const statuses = pool.statuses[resource] ?? [];
    return fc.record(
      {
        kind: fc.constant('clinical' as const),
        resource: fc.constant(resource),
        codes: codes.length ? fc.array(filter, { minLength: 1, maxLength: 2 }) : fc.constant(undefined),
        status: statuses.length ? nonEmpty(statuses) : fc.constant(undefined),
        window: windowArb(pool, resource === 'Appointment'),
        timeOf: END_TYPES.includes(resource)
          ? fc.constantFrom('start' as const, 'end' as const)
          : fc.constant(undefined),
        count: fc.oneof(
          fc.record({ min: fc.constantFrom(0, 1, 2, 3) }),
          fc.record({ max: fc.constantFrom(0, 1, 2) }),
          fc.constantFrom({ min: 1, max: 1 }, { min: 0, max: 2 }, { min: 2, max: 4 }),
        ),
      },
      { requiredKeys: ['kind', 'resource'] },
    ) as fc.Arbitrary<Node>;
  });
}

function observationArb(pool: RulePool): fc.Arbitrary<Node> {
  return fc.constantFrom(...pool.observations).chain((o) =>
    fc.constantFrom(...o.thresholds).chain(([unit, values]) =>
      fc
        .record({
          aggregate: fc.constantFrom(
            'latest' as const,
            'any' as const,
            'min' as const,
            'max' as const,
            'avg' as const,
          ),
          comparator: fc.constantFrom(
            'gt' as const,
            'ge' as const,
            'lt' as const,
            'le' as const,
            'eq' as const,
          ),
          value: fc.constantFrom(...values),
          window: fc.option(windowArb(pool, false), { nil: undefined, freq: 1 }),
          codes: nonEmpty(o.codes),
        })
        .map(({ aggregate, comparator, value, window, codes }) => ({
          kind: 'observation' as const,
          codes: codes.map(([system, code]) => ({ system, codes: [code] })),
          aggregate,
          comparator,
          // An average lands between the values; a threshold off their grid keeps float rounding out of ties.
          value: aggregate === 'avg' ? value + 0.0137 : value,
          unit,
          ...(window ? { window } : {}),
        })),
    ),
  );
}

function leafArb(pool: RulePool): fc.Arbitrary<Node> {
  const leaves: fc.Arbitrary<Node>[] = [
    fc
      .tuple(fc.option(fc.constantFrom(0, 18, 40, 65, 75)), fc.option(fc.constantFrom(17, 39, 64, 74, 130)))
      .filter(([min, max]) => (min !== null || max !== null) && (min === null || max === null || min <= max))
      .map(([min, max]) => ({
        kind: 'age' as const,
        ...(min !== null ? { min } : {}),
        ...(max !== null ? { max } : {}),
      })),
    fc.record({
      kind: fc.constant('gender' as const),
      values: nonEmpty(['female', 'male', 'other', 'unknown'] as const),
    }),
    fc.record({ kind: fc.constant('deceased' as const) }),
    // Clinical and value rules have the most ways to go wrong: draw them more often.
    clinicalArb(pool),
    clinicalArb(pool),
    clinicalArb(pool),
    clinicalArb(pool),
  ];
  const place = (field: 'postalCode' | 'municipality' | 'region', values: string[]) =>
    values.length
      ? [
          fc.record({
            kind: fc.constant('place' as const),
            field: fc.constant(field),
            values: nonEmpty(values),
          }),
        ]
      : [];
  leaves.push(
    ...place('postalCode', pool.postalCodes),
    ...place('municipality', pool.municipalities),
    ...place('region', pool.regions),
  );
  if (pool.languages.length)
    leaves.push(fc.record({ kind: fc.constant('language' as const), values: nonEmpty(pool.languages) }));
  if (pool.careUnits.length)
    leaves.push(fc.record({ kind: fc.constant('careUnit' as const), units: nonEmpty(pool.careUnits) }));
  if (pool.observations.length) leaves.push(observationArb(pool), observationArb(pool), observationArb(pool));
  if (pool.segments.length)
    leaves.push(
      fc.record({ kind: fc.constant('segment' as const), segmentId: fc.constantFrom(...pool.segments) }),
    );
  return fc.oneof(...leaves);
}

export function nodeArb(pool: RulePool, depth: number): fc.Arbitrary<Node> {
  const leaf = leafArb(pool);
  if (depth <= 0) return leaf;
  const child = nodeArb(pool, depth - 1);
  return fc.oneof(
    { arbitrary: leaf, weight: 3 },
    {
      arbitrary: fc
        .array(child, { minLength: 1, maxLength: 3 })
        .map((children) => ({ kind: 'and' as const, children })),
      weight: 1,
    },
    {
      arbitrary: fc
        .array(child, { minLength: 1, maxLength: 3 })
        .map((children) => ({ kind: 'or' as const, children })),
      weight: 1,
    },
    { arbitrary: child.map((c) => ({ kind: 'not' as const, child: c })), weight: 1 },
  );
}

/** An AND of plain rules: the funnel then checks each rule on its own, where nothing can mask a wrong answer. */
export function flatDefinitionArb(pool: RulePool): fc.Arbitrary<Definition> {
  return fc
    .tuple(fc.array(leafArb(pool), { minLength: 3, maxLength: 6 }), fc.boolean())
    .map(([children, dead]) => ({
      version: 1 as const,
      root: { kind: 'and' as const, children },
      ...(dead ? { includeDeceased: true } : {}),
    }));
}

/** A definition whose root is usually an AND of a few rules, as editors build them (the funnel's steps). */
export function definitionArb(pool: RulePool): fc.Arbitrary<Definition> {
  return fc
    .record({
      version: fc.constant(1 as const),
      root: fc.oneof(
        {
          arbitrary: fc
            .array(nodeArb(pool, 2), { minLength: 1, maxLength: 3 })
            .map((children) => ({ kind: 'and' as const, children })),
          weight: 3,
        },
        { arbitrary: nodeArb(pool, 2), weight: 1 },
      ),
      includeDeceased: fc.constantFrom(undefined, undefined, true),
    })
    .map((d) => (d.includeDeceased ? d : { version: d.version, root: d.root })) as fc.Arbitrary<Definition>;
}
