import { consentKey } from './contactable.ts';
import type { Definition } from './definition.ts';
import { CLINICAL_TYPES } from './definition.ts';
import type { EvalContext } from './evaluate.ts';
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
  const contactable = await deps.db.query<{ key: string; external_id: string }>(
    `SELECT x.key, r.external_id FROM segment_contactable x
     JOIN patient_record r ON r.profile_id = x.profile_id AND r.source = 'ehr' AND NOT r.deleted
     WHERE r.external_id = ANY($1::text[]) AND x.key LIKE '%|' || $2`,
    [patientIds, new Date(Math.floor(asOf / 60_000) * 60_000).toISOString()],
  );
  const canReach = new Set(contactable.map((c) => `${c.key}#${c.external_id}`));
  const lists = await deps.db.query<{ list_id: string; patient_id: string }>(
    'SELECT list_id, patient_id FROM segment_list_member WHERE patient_id = ANY($1::text[])',
    [patientIds],
  );
  const listOf = new Map<string, Set<string>>();
  for (const l of lists) listOf.set(l.list_id, (listOf.get(l.list_id) ?? new Set()).add(l.patient_id));
  const all = [...patients, ...resources];
  for (const id of patientIds) {
    const why = explain(def, id, all, {
      asOf,
      segment: (s) => ctx.segments.get(s),
      careUnitRefs: (u) => ctx.careUnits.get(u) ?? [],
      contactable: (pid, channel, purpose, topic) =>
        canReach.has(
          `${consentKey({ channel: channel as never, purpose: purpose as never, topic }, asOf)}#${pid}`,
        ),
      listMembers: (l) => listOf.get(l) ?? new Set(),
    });
    if (!why) continue;
    out.set(
      id,
      why.conditions.map((c) => ({
        path: c.path,
        label: c.label,
        passed: c.pass,
        reason:
          opts.evidence || !CLINICAL_KINDS.has(c.kind) ? c.reason : c.pass ? 'matches' : 'does not match',
      })),
    );
  }
  return out;
}

const CLINICAL_KINDS = new Set(['clinical', 'observation']);
