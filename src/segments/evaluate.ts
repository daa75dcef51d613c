import type { SqlClient } from '../db/client.ts';
import type { Database } from '../db/database.ts';
import { type CompiledSegment, compileDefinition } from './compile.ts';
import { type ConsentAsk, ensureContactable } from './contactable.ts';
import { childPaths, type Definition, DefinitionSchema, type Node } from './definition.ts';
import { DefinitionError, validateDefinition } from './validate.ts';

/**
 * Evaluates definitions on the stored segment index: validate, make sure
 * consent answers exist, compile, run one query. Everything a definition may
 * refer to (other segments, lists, care units) is loaded up front so the
 * validator and compiler stay pure.
 */
export interface EvalContext {
  segments: Map<string, Definition>;
  lists: Set<string>;
  careUnits: Map<string, string[]>;
}

export interface FunnelRow {
  path: string;
  label: string;
  alone: number;
  cumulative: number;
}

export interface Evaluation {
  count: number;
  universe: number;
  funnel: FunnelRow[];
  ms: number;
}

export async function loadEvalContext(db: Database): Promise<EvalContext> {
  const segs = await db.query<{ id: string; definition: unknown }>(
    'SELECT id, definition FROM segment_definition WHERE NOT deleted',
  );
  const segments = new Map<string, Definition>();
  for (const s of segs) {
    const parsed = DefinitionSchema.safeParse(s.definition);
    if (parsed.success) segments.set(s.id, parsed.data);
  }
  const lists = new Set((await db.query<{ id: string }>('SELECT id FROM segment_list')).map((r) => r.id));
  const units = await db.query<{ id: string; refs: string[] }>('SELECT id, refs FROM care_unit');
  return { segments, lists, careUnits: new Map(units.map((u) => [u.id, u.refs])) };
}

export function checkDefinition(def: Definition, ctx: EvalContext, selfId?: string): void {
  const problems = validateDefinition(def, {
    segment: (id) => ctx.segments.get(id),
    list: (id) => ctx.lists.has(id),
    careUnit: (id) => ctx.careUnits.has(id),
    selfId,
  });
  if (problems.length > 0) throw new DefinitionError(problems);
}

/** Every consent rule in the tree, nested segments included. */
export function consentAsks(def: Definition, ctx: EvalContext): ConsentAsk[] {
  const out = new Map<string, ConsentAsk>();
  const walk = (n: Node, seen: readonly string[]) => {
    if (n.kind === 'consent') out.set(`${n.channel}|${n.purpose}|${n.topic ?? ''}`, n);
    if (n.kind === 'segment' && !seen.includes(n.segmentId)) {
      const inner = ctx.segments.get(n.segmentId);
      if (inner) walk(inner.root, [...seen, n.segmentId]);
    }
    for (const [c] of childPaths(n, '')) walk(c, seen);
  };
  walk(def.root, []);
  return [...out.values()].map((a) => ({ channel: a.channel, purpose: a.purpose, topic: a.topic }));
}

export async function compileStored(
  db: Database,
  def: Definition,
  asOf: number,
  ctx: EvalContext,
  restrictTo?: readonly string[],
  visible?: string | null,
): Promise<CompiledSegment> {
  const keys = await ensureContactable(db, consentAsks(def, ctx), asOf);
  return compileDefinition(def, {
    asOf,
    dialect: 'postgres',
    segment: (id) => ctx.segments.get(id),
    careUnitRefs: (id) => ctx.careUnits.get(id) ?? [],
    consentKey: (channel, purpose, topic) => keys.get(`${channel}|${purpose}|${topic ?? ''}`) ?? '',
    restrictTo,
    visible,
  });
}

/**
 * Planner settings for segment queries, set per transaction. The queries are
 * joins of patient sets: hash joins are right at every size, while a
 * misestimated nested loop rescans a rule's result once per patient (seen
 * with "latest value" rules, whose row counts the planner cannot guess), so
 * nested loops are off. JIT costs tens of milliseconds to compile what runs
 * in a few; work_mem lets a whole population's ids hash in memory.
 */
export const SEGMENT_QUERY_SETTINGS = [
  "SET LOCAL work_mem = '64MB'",
  'SET LOCAL enable_nestloop = off',
  'SET LOCAL jit = off',
] as const;

export async function applyQuerySettings(c: SqlClient): Promise<void> {
  for (const s of SEGMENT_QUERY_SETTINGS) await c.query(s);
}

/** Runs a compiled query with the segment planner settings. */
export async function runSegmentQuery<R>(db: Database, sql: string): Promise<R[]> {
  return db.transaction(async (c) => {
    await applyQuerySettings(c);
    return (await c.query<R>(sql)).rows;
  });
}

export async function evaluateFunnel(db: Database, compiled: CompiledSegment): Promise<Evaluation> {
  const t0 = performance.now();
  const [row] = await runSegmentQuery<Record<string, string | number>>(db, compiled.funnelSql);
  const funnel = compiled.steps.map((s, i) => ({
    path: s.path,
    label: s.label,
    alone: Number(row[`alone_${i}`]),
    cumulative: Number(row[`cumulative_${i}`]),
  }));
  return {
    count: funnel.length ? funnel[funnel.length - 1].cumulative : Number(row.universe),
    universe: Number(row.universe),
    funnel,
    ms: performance.now() - t0,
  };
}

export async function evaluateMembers(db: Database, compiled: CompiledSegment): Promise<string[]> {
  return (await runSegmentQuery<{ patient_id: string }>(db, compiled.membersSql)).map((r) => r.patient_id);
}

export { DefinitionError };
