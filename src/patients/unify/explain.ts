/**
 * How each source record came to be in its profile, as patient_record.match
 * stores it and the API shows it. Unification writes a rule's explanation
 * when a record joins; a person's merge, an automatic merge of two profiles
 * and a split move records without a rule deciding, so they write what
 * happened instead. Only the record a profile started from has none (null).
 */
import { conflictBetween, firstMatchingRule, type MatchExplanation, type MatchRule } from '../match/rules.ts';
import type { SourceRecord } from '../model.ts';

export type PlacementAction = 'merge' | 'manual-merge' | 'split';

/** Who moved the record, when, why, and which other profiles took part (an erasure of one of them clears the reason). */
export interface PlacedBy {
  action: PlacementAction;
  actor: string;
  reason: string | null;
  at: string;
  otherProfiles: string[];
}

/** A placement no rule made: the decision stands in for a score (1 of 1), and no fields were compared. */
export interface ActionExplanation {
  rule: PlacementAction;
  kind: PlacementAction;
  score: 1;
  threshold: 1;
  fields: [];
}

export interface RecordMatch {
  /** The rule id, or the action that placed it. */
  rule: string;
  /** The record of the same profile it was compared with or placed beside. */
  via: string;
  explanation: MatchExplanation | ActionExplanation;
  /** Set when a merge or a split, not a rule alone, put it where it is. */
  placedBy?: PlacedBy;
}

export function actionMatch(via: string, by: PlacedBy): RecordMatch {
  return {
    rule: by.action,
    via,
    explanation: { rule: by.action, kind: by.action, score: 1, threshold: 1, fields: [] },
    placedBy: by,
  };
}

export interface SideRecord {
  id: string;
  data: SourceRecord;
}

/**
 * After a split, explains again the records of one side whose explanation no
 * longer holds (it named a record now in the other profile, or none): each is
 * compared with the other records of its side and takes the strongest rule
 * that accepts one of them, so it never quotes a record that left. A record
 * no rule ties to its side stays because the person splitting left it there,
 * and says so. `founder`, on the split-off side, is the record the new
 * profile starts from (null explanation).
 */
export function explainAfterSplit(
  side: readonly SideRecord[],
  needing: readonly string[],
  rules: readonly MatchRule[],
  by: PlacedBy,
  founder: string | null,
): Map<string, RecordMatch | null> {
  const out = new Map<string, RecordMatch | null>();
  const settled = side.filter((r) => !needing.includes(r.id) || r.id === founder);
  for (const id of needing) {
    if (id === founder) {
      out.set(id, null);
      continue;
    }
    const r = side.find((x) => x.id === id);
    if (!r) throw new Error(`record ${id} is not on this side of the split`);
    let best: { via: string; explanation: MatchExplanation; index: number } | null = null;
    for (const s of side) {
      if (s.id === id || conflictBetween(r.data, s.data) !== null) continue;
      const m = firstMatchingRule(r.data, s.data, rules);
      if (
        m &&
        (!best ||
          m.ruleIndex < best.index ||
          (m.ruleIndex === best.index && m.explanation.score > best.explanation.score))
      )
        best = { via: s.id, explanation: m.explanation, index: m.ruleIndex };
    }
    if (best) {
      out.set(id, {
        rule: best.explanation.rule,
        via: best.via,
        explanation: best.explanation,
        placedBy: by,
      });
      continue;
    }
    const beside = settled.find((x) => x.id !== id) ?? side.find((x) => x.id !== id) ?? r;
    out.set(id, actionMatch(beside.id, by));
  }
  return out;
}
