import { ensureContactable } from './contactable.ts';
import type { Definition } from './definition.ts';
import { CLINICAL_TYPES } from './definition.ts';
import { consentAsks, type EvalContext } from './evaluate.ts';
import { explain } from './reference/evaluate.ts';
import type { SegmentRouteDeps } from './routes/context.ts';

/**
 * Why each sampled member matched, rule by rule: the reference evaluator
 * run over that member's own resources (a few patients, so in memory is
 * right). Roles without clinical:read see which rules passed but not the
 * values and dates behind them.
 */
export interface Reason {
  path: string;
  label: string;
  passed: boolean;
  reason: string;
}

export async function explainSample(
  deps: Pick<SegmentRouteDeps, 'db' | 'store'>,
  def: Definition,
  patientIds: readonly string[],
  asOf: number,
  ctx: EvalContext,
  opts: { evidence: boolean },
): Promise<Map<string, Reason[]>> {
  const out = new Map<string, Reason[]>();
  if (patientIds.length === 0) return out;
  const resources = await deps.store.patientResources(patientIds, CLINICAL_TYPES);
  const patients = await deps.store.readMany(deps.db, 'Patient', patientIds);
  // The same consent answers the count used (already computed, so this is a lookup).
  const keys = await ensureContactable(deps.db, consentAsks(def, ctx), asOf);
  const contactable = await deps.db.query<{ key: string; external_id: string }>(
    `SELECT x.key, r.external_id FROM segment_contactable x
     JOIN patient_record r ON r.profile_id = x.profile_id AND r.source = 'ehr' AND NOT r.deleted
     WHERE r.external_id = ANY($1::text[]) AND x.key = ANY($2::text[])`,
    [patientIds, [...keys.values()]],
  );
  const canReach = new Set(contactable.map((c) => `${c.key}#${c.external_id}`));
  const lists = await deps.db.query<{ list_id: string; patient_id: string }>(
    'SELECT list_id, patient_id FROM segment_list_member WHERE patient_id = ANY($1::text[])',
    [patientIds],
  );
  const listOf = new Map<string, Set<string>>();
  for (const l of lists) listOf.set(l.list_id, (listOf.get(l.list_id) ?? new Set()).add(l.patient_id));
  const engagement = await deps.db.query<{ external_id: string; kind: string; ref: string | null; at: Date }>(
    `SELECT r.external_id, e.kind, e.ref, e.at FROM segment_engagement e
     JOIN patient_record r ON r.profile_id = e.profile_id AND r.source = 'ehr' AND NOT r.deleted
     WHERE r.external_id = ANY($1::text[])`,
    [patientIds],
  );
  const engagementOf = new Map<string, Array<{ event: string; ref?: string; at: number }>>();
  for (const e of engagement)
    engagementOf.set(e.external_id, [
      ...(engagementOf.get(e.external_id) ?? []),
      { event: e.kind, ...(e.ref ? { ref: e.ref } : {}), at: new Date(e.at).getTime() },
    ]);
  const all = [...patients, ...resources];
  for (const id of patientIds) {
    const why = explain(def, id, all, {
      asOf,
      segment: (s) => ctx.segments.get(s),
      careUnitRefs: (u) => ctx.careUnits.get(u) ?? [],
      contactable: (pid, channel, purpose, topic) =>
        canReach.has(`${keys.get(`${channel}|${purpose}|${topic ?? ''}`)}#${pid}`),
      listMembers: (l) => listOf.get(l) ?? new Set(),
      engagement: (pid) => engagementOf.get(pid) ?? [],
    });
    if (!why) continue;
    out.set(
      id,
      why.conditions.map((c) => ({
        path: c.path,
        label: c.label,
        passed: c.pass,
        reason: opts.evidence || SAFE_KINDS.has(c.kind) ? c.reason : c.pass ? 'matches' : 'does not match',
      })),
    );
  }
  return out;
}

/**
 * Rules whose reasons never carry clinical values. Everything else — clinical
 * rules, and groups and nested segments, whose reasons repeat their children's —
 * shows only whether it matched to roles without clinical:read.
 */
const SAFE_KINDS = new Set(['age', 'gender', 'place', 'language', 'careUnit', 'deceased', 'consent', 'list']);
