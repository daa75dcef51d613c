/**
 * Placement: which profile a new record belongs to, given the records that
 * share a blocking key with it. The same decision serves batch clustering
 * (clusterRecords, in memory) and incremental unification (candidates read
 * from the database), so both produce the same profiles.
 */
import type { SourceRecord } from '../model.ts';
import { computeFeatures, featuresOf, type RecordFeatures } from './features.ts';
import { blockingKeysOf } from './keys.ts';
import {
  conflictBetweenOf,
  DEFAULT_RULES,
  firstMatchingRuleOf,
  type MatchExplanation,
  type MatchRule,
} from './rules.ts';

export interface Candidate {
  recordKey: string;
  record: SourceRecord;
  profileId: string;
  /** The record's features when the caller has them (batch clustering); derived and cached otherwise. */
  features?: RecordFeatures;
  /**
   * A person decided that this record and the one being placed are the same
   * person (a merge, patient_same_person): the profile is joined even without
   * a matching rule and across a birth-date or gender disagreement, never
   * across two personnummer.
   */
  confirmed?: boolean;
}

/** No rule: a person confirmed the record and `via` are one person; the caller explains it by that decision. */
export interface ConfirmedExplanation {
  rule: 'confirmed';
  kind: 'confirmed';
  score: 1;
  threshold: 1;
  fields: [];
}

export const CONFIRMED: ConfirmedExplanation = Object.freeze({
  rule: 'confirmed',
  kind: 'confirmed',
  score: 1,
  threshold: 1,
  fields: [],
}) as ConfirmedExplanation;

export type PlacementExplanation = MatchExplanation | ConfirmedExplanation;

export interface ProfileSummary {
  profileId: string;
  personnummers: ReadonlySet<string>;
  birthDates: ReadonlySet<string>;
}

export interface PlacementConflict {
  profileId: string;
  reason: string;
}

export interface PlacementLink {
  profileId: string;
  recordKey: string;
  explanation: PlacementExplanation;
}

export type Placement =
  | { kind: 'new'; conflicts: PlacementConflict[] }
  | {
      kind: 'join';
      profileId: string;
      via: string;
      explanation: PlacementExplanation;
      conflicts: PlacementConflict[];
    }
  | { kind: 'merge'; profileIds: string[]; via: PlacementLink[]; conflicts: PlacementConflict[] };

/**
 * Why the record cannot join the profile as a whole (records of it that were
 * not candidates included). `confirmed`: a person decided it is this person,
 * so only another personnummer stands in the way.
 */
function profileConflict(
  f: RecordFeatures,
  summary: ProfileSummary | undefined,
  confirmed = false,
): string | null {
  if (summary === undefined) return null;
  if (f.personnummer !== undefined) {
    if (summary.personnummers.has(f.personnummer)) return null;
    if (summary.personnummers.size > 0) {
      const other = [...summary.personnummers].join(', ');
      return `profile ${summary.profileId} has personnummer ${other}, the record ${f.personnummer}`;
    }
  }
  if (confirmed) return null;
  if (f.birthDate !== undefined && summary.birthDates.size > 0 && !summary.birthDates.has(f.birthDate)) {
    const dates = [...summary.birthDates].join(', ');
    return `profile ${summary.profileId} has birth date ${dates}, the record ${f.birthDate}`;
  }
  return null;
}

interface Accumulated {
  personnummers: Set<string>;
  birthDates: Set<string>;
}

/** Why a profile cannot be merged into the ones already chosen. */
function mergeConflict(
  chosen: Accumulated,
  summary: ProfileSummary | undefined,
  confirmed = false,
): string | null {
  if (summary === undefined) return null;
  for (const p of summary.personnummers) {
    if (chosen.personnummers.size > 0 && !chosen.personnummers.has(p)) {
      return `merging would give one profile two personnummer (${[...chosen.personnummers][0]} and ${p})`;
    }
  }
  if (confirmed) return null;
  const sharesNumber = [...summary.personnummers].some((p) => chosen.personnummers.has(p));
  if (!sharesNumber && chosen.birthDates.size > 0 && summary.birthDates.size > 0) {
    if (![...summary.birthDates].some((d) => chosen.birthDates.has(d))) {
      return `merging would give one profile two birth dates (${[...chosen.birthDates][0]} and ${[...summary.birthDates][0]})`;
    }
  }
  return null;
}

interface ProfileEvidence {
  profileId: string;
  best?: { recordKey: string; explanation: MatchExplanation; ruleIndex: number };
  conflict?: string;
  /** Two different personnummer: not even a person's decision overrides it. */
  legal?: string;
  /** A record of the profile a person confirmed to be the same person. */
  confirmed?: string;
  /** Only the person's decision admits the record (no rule, or a disagreement): it explains the placement. */
  byDecision?: boolean;
}

/** Confirmed by a person first, then earlier rules, then higher scores. */
const rank = (e: ProfileEvidence): number => (e.confirmed !== undefined ? -1 : e.best!.ruleIndex);
const scoreOf = (e: ProfileEvidence): number => e.best?.explanation.score ?? 1;

function linkOf(e: ProfileEvidence): { recordKey: string; explanation: PlacementExplanation } {
  if (e.byDecision || e.best === undefined) return { recordKey: e.confirmed!, explanation: CONFIRMED };
  return { recordKey: e.best.recordKey, explanation: e.best.explanation };
}

function better(
  a: { explanation: MatchExplanation; ruleIndex: number },
  b: ProfileEvidence['best'],
): boolean {
  if (b === undefined) return true;
  if (a.ruleIndex !== b.ruleIndex) return a.ruleIndex < b.ruleIndex;
  return a.explanation.score > b.explanation.score;
}

/**
 * Decides where a record goes. A profile some rule matches is joined unless
 * it conflicts with the record (a different personnummer or birth date, in any
 * of its records) or with the other profiles the record would tie together;
 * refused profiles go to `conflicts` for a human to review. Profiles that no
 * rule matches (a family member sharing the phone) are not mentioned.
 */
export function placeRecord(
  record: SourceRecord,
  candidates: readonly Candidate[],
  profiles: ReadonlyMap<string, ProfileSummary>,
  rules: readonly MatchRule[],
): Placement {
  return placeRecordOf(record, featuresOf(record), candidates, (id) => profiles.get(id), rules);
}

/** Summaries are looked up only for profiles a rule matched: most candidates are not. */
type SummaryLookup = (profileId: string) => ProfileSummary | undefined;

function placeRecordOf(
  record: SourceRecord,
  f: RecordFeatures,
  candidates: readonly Candidate[],
  profiles: SummaryLookup,
  rules: readonly MatchRule[],
): Placement {
  const evidence = new Map<string, ProfileEvidence>();
  for (const c of candidates) {
    const fc = c.features ?? featuresOf(c.record);
    let e = evidence.get(c.profileId);
    if (e === undefined) {
      e = { profileId: c.profileId };
      evidence.set(c.profileId, e);
    }
    const conflict = conflictBetweenOf(record, c.record, f, fc);
    if (conflict !== null) {
      e.conflict ??= conflict;
      if (f.personnummer !== undefined && fc.personnummer !== undefined) e.legal ??= conflict;
    }
    if (c.confirmed) e.confirmed ??= c.recordKey;
    const m = firstMatchingRuleOf(record, c.record, f, fc, rules);
    if (m !== null && better(m, e.best)) e.best = { recordKey: c.recordKey, ...m };
  }

  const conflicts: PlacementConflict[] = [];
  const matched: ProfileEvidence[] = [];
  for (const e of evidence.values()) {
    if (e.confirmed !== undefined) {
      const summary = profiles(e.profileId);
      const reason = e.legal ?? profileConflict(f, summary, true);
      if (reason !== null) {
        conflicts.push({ profileId: e.profileId, reason });
        continue;
      }
      e.byDecision = e.best === undefined || e.conflict !== undefined || profileConflict(f, summary) !== null;
      matched.push(e);
      continue;
    }
    if (e.best === undefined) continue;
    const reason = e.conflict ?? profileConflict(f, profiles(e.profileId));
    if (reason === null) matched.push(e);
    else conflicts.push({ profileId: e.profileId, reason });
  }
  if (matched.length === 0) return { kind: 'new', conflicts };

  // Strongest evidence first, so a conflict between profiles refuses the weaker link.
  matched.sort(
    (x, y) =>
      rank(x) - rank(y) ||
      scoreOf(y) - scoreOf(x) ||
      (x.profileId < y.profileId ? -1 : x.profileId > y.profileId ? 1 : 0),
  );
  const chosen: Accumulated = { personnummers: new Set(), birthDates: new Set() };
  if (f.personnummer) chosen.personnummers.add(f.personnummer);
  if (f.birthDate) chosen.birthDates.add(f.birthDate);
  const accepted: ProfileEvidence[] = [];
  for (const e of matched) {
    const summary = profiles(e.profileId);
    const reason = accepted.length === 0 ? null : mergeConflict(chosen, summary, e.confirmed !== undefined);
    if (reason !== null) {
      conflicts.push({ profileId: e.profileId, reason });
      continue;
    }
    accepted.push(e);
    for (const p of summary?.personnummers ?? []) chosen.personnummers.add(p);
    for (const d of summary?.birthDates ?? []) chosen.birthDates.add(d);
  }
  if (accepted.length === 1) {
    const link = linkOf(accepted[0]);
    return {
      kind: 'join',
      profileId: accepted[0].profileId,
      via: link.recordKey,
      explanation: link.explanation,
      conflicts,
    };
  }
  return {
    kind: 'merge',
    profileIds: accepted.map((e) => e.profileId),
    via: accepted.map((e) => ({ profileId: e.profileId, ...linkOf(e) })),
    conflicts,
  };
}

export interface ClusterLink {
  recordKey: string;
  profileId: string;
  via: string;
  explanation: PlacementExplanation;
}

export interface ClusterResult {
  /** recordKey → profileId (the recordKey of the profile's first record). */
  profileOf: Map<string, string>;
  links: ClusterLink[];
  /** Profiles absorbed into another because a record tied them together. */
  merges: number;
  /** Matches refused and reported for review. */
  conflicts: number;
}

/**
 * Records per blocking key kept as candidates. A key shared by hundreds of
 * records (a clinic switchboard number, a care home's address and a common
 * birth date) says little about identity and would make clustering quadratic;
 * past the cap new records still compare against the first ones but are not
 * added, and they are found through their other keys.
 */
export const MAX_CANDIDATES_PER_KEY = 50;

/**
 * The in-memory index hashes keys to 30-bit integers (small integers, which
 * V8 keeps unboxed): five million key strings would dominate the heap and the
 * garbage collector's work. A collision only adds a candidate, which the rules
 * then reject.
 */
function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h & 0x3fffffff;
}

/** One value, several, or none: most profiles hold one personnummer and one birth date. */
type Values = string | string[] | undefined;

function valuesOf(v: Values): string[] {
  return v === undefined ? [] : typeof v === 'string' ? [v] : v;
}

function withValue(v: Values, value: string | undefined): Values {
  if (value === undefined || v === value) return v;
  if (v === undefined) return value;
  if (typeof v === 'string') return [v, value];
  if (!v.includes(value)) v.push(value);
  return v;
}

/**
 * Batch clustering in input order with an in-memory key index, placing each
 * record with placeRecord exactly as incremental unification does.
 */
export function clusterRecords(
  records: Iterable<{ recordKey: string; record: SourceRecord }>,
  rules: readonly MatchRule[] = DEFAULT_RULES,
): ClusterResult {
  const keys: string[] = [];
  const recs: SourceRecord[] = [];
  const feats: RecordFeatures[] = [];
  // Union-find over record positions; a root is always its profile's first record.
  const parent: number[] = [];
  const personnummers: Values[] = [];
  const birthDates: Values[] = [];
  // Most keys belong to one record: a bare position saves an array each.
  const index = new Map<number, number | number[]>();
  const seenAt: number[] = [];
  const links: ClusterLink[] = [];
  const candidates: Candidate[] = [];
  const rootOf = new Map<string, number>();
  const summaries = new Map<string, ProfileSummary>();
  const lookup: SummaryLookup = (profileId) => {
    let summary = summaries.get(profileId);
    const root = rootOf.get(profileId);
    if (summary === undefined && root !== undefined) {
      summary = {
        profileId,
        personnummers: new Set(valuesOf(personnummers[root])),
        birthDates: new Set(valuesOf(birthDates[root])),
      };
      summaries.set(profileId, summary);
    }
    return summary;
  };
  let merges = 0;
  let conflicts = 0;

  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };

  for (const { recordKey, record } of records) {
    const i = keys.length;
    keys.push(recordKey);
    recs.push(record);
    const f = computeFeatures(record);
    feats.push(f);
    parent.push(i);
    personnummers.push(undefined);
    birthDates.push(undefined);
    seenAt.push(-1);

    const recordKeys = blockingKeysOf(f, rules).map(hashKey);
    // Reused across records: allocation, not comparison, is what limits the batch.
    candidates.length = 0;
    rootOf.clear();
    summaries.clear();
    for (const key of recordKeys) {
      const entry = index.get(key);
      if (entry === undefined) continue;
      const n = typeof entry === 'number' ? 1 : entry.length;
      for (let k = 0; k < n; k++) {
        const j = typeof entry === 'number' ? entry : entry[k];
        if (seenAt[j] === i) continue;
        seenAt[j] = i;
        const root = find(j);
        const profileId = keys[root];
        rootOf.set(profileId, root);
        candidates.push({ recordKey: keys[j], record: recs[j], profileId, features: feats[j] });
      }
    }

    const placement = candidates.length === 0 ? null : placeRecordOf(record, f, candidates, lookup, rules);
    conflicts += placement?.conflicts.length ?? 0;
    let root = i;
    if (placement?.kind === 'join') {
      root = rootOf.get(placement.profileId)!;
      links.push({
        recordKey,
        profileId: placement.profileId,
        via: placement.via,
        explanation: placement.explanation,
      });
    } else if (placement?.kind === 'merge') {
      const roots = placement.profileIds.map((p) => rootOf.get(p)!);
      root = Math.min(...roots);
      for (const r of roots) {
        if (r === root) continue;
        parent[r] = root;
        for (const p of valuesOf(personnummers[r])) personnummers[root] = withValue(personnummers[root], p);
        for (const d of valuesOf(birthDates[r])) birthDates[root] = withValue(birthDates[root], d);
        personnummers[r] = undefined;
        birthDates[r] = undefined;
        merges++;
      }
      for (const v of placement.via) {
        links.push({ recordKey, profileId: v.profileId, via: v.recordKey, explanation: v.explanation });
      }
    }
    parent[i] = root;
    personnummers[root] = withValue(personnummers[root], f.personnummer);
    birthDates[root] = withValue(birthDates[root], f.birthDate);

    for (const key of recordKeys) {
      const entry = index.get(key);
      if (entry === undefined) index.set(key, i);
      else if (typeof entry === 'number') index.set(key, [entry, i]);
      else if (entry.length < MAX_CANDIDATES_PER_KEY) entry.push(i);
    }
  }

  const profileOf = new Map<string, string>();
  for (let i = 0; i < keys.length; i++) profileOf.set(keys[i], keys[find(i)]);
  return { profileOf, links, merges, conflicts };
}
