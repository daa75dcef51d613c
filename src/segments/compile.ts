import { codeSystem, normaliseCode } from './codes.ts';
import type { CodeFilter, Definition, Node } from './definition.ts';
import { fold } from './facts.ts';
import { analyteOf, thresholdFor } from './units.ts';
import { assertNever } from './validate.ts';
import { bornOnOrBefore, localDate, rangeOrAll } from './windows.ts';

/**
 * Compiles a definition into one SQL query over segment_person (p) and
 * segment_fact. Each condition that needs other rows becomes a CTE yielding
 * the distinct patients that satisfy it; the CTEs are LEFT JOINed to p and
 * the tree becomes a boolean expression over "cN.patient_id IS NOT NULL".
 * Hash joins of sets, never a subquery per patient. Literals are inlined
 * (quoted) so the planner sees the real codes and dates, which is what lets
 * it choose the code index.
 *
 * Two-valued logic throughout: a person without a birth date is not 40+,
 * and is therefore NOT(40+) — demographic predicates are COALESCEd to false.
 */
export type SqlDialect = 'postgres' | 'duckdb';

export interface CompileOptions {
  asOf: number;
  dialect: SqlDialect;
  /** Definitions of segments this one nests (validated beforehand). */
  segment(id: string): Definition | undefined;
  /** Organisation/practitioner references of a care unit. */
  careUnitRefs(id: string): readonly string[];
  /** The key of the contactability rows a consent condition reads (see contactable.ts). */
  consentKey?(channel: string, purpose: string, topic: string | undefined): string;
  /** Evaluate only these patients (incremental refresh). */
  restrictTo?: readonly string[];
  /** Extra SQL over p.patient_id limiting the universe (a care-unit scope; see scope.ts). */
  visible?: string | null;
}

export interface FunnelStep {
  path: string;
  label: string;
  /** Boolean SQL over p and the CTE aliases. */
  predicate: string;
}

export interface CompiledSegment {
  /** WITH … clause (may be empty). */
  with: string;
  /** FROM segment_person p LEFT JOIN … */
  from: string;
  /** The universe: alive and born at the as-of instant. */
  universe: string;
  predicate: string;
  steps: FunnelStep[];
  /** Members, ordered by patient id. */
  membersSql: string;
  countSql: string;
  /** count(*) of the universe, then alone_i and cumulative_i per step. */
  funnelSql: string;
}

export class UnsupportedInDialect extends Error {}

export function lit(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

function num(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`not a finite number: ${n}`);
  return String(n);
}

export function compileDefinition(def: Definition, opts: CompileOptions): CompiledSegment {
  const ctes: string[] = [];
  const joins: string[] = [];
  const ts = (ms: number) =>
    opts.dialect === 'postgres' ? `${lit(new Date(ms).toISOString())}::timestamptz` : num(ms);
  const restrictFacts = (col: string) =>
    opts.restrictTo
      ? ` AND ${col} IN (${opts.restrictTo.length ? opts.restrictTo.map(lit).join(', ') : 'NULL'})`
      : '';
  const byId = opts.dialect === 'postgres' ? 'f.resource_id COLLATE "C"' : 'f.resource_id';

  const addCte = (body: string): string => {
    const name = `c${ctes.length}`;
    ctes.push(`${name} AS (${body})`);
    joins.push(`LEFT JOIN ${name} ON ${name}.patient_id = p.patient_id`);
    return `${name}.patient_id IS NOT NULL`;
  };

  const codeSql = (filters: readonly CodeFilter[] | undefined): string => {
    if (!filters || filters.length === 0) return 'TRUE';
    const parts = filters.map((f) => {
      const sys = codeSystem(f.system)!.uri;
      const codes = [...new Set(f.codes.map((c) => normaliseCode(sys, c)))];
      const ors = [`f.code IN (${codes.map(lit).join(', ')})`];
      if (f.descendants) for (const c of codes) ors.push(`f.code LIKE ${lit(`${c}%`)}`);
      return `(f.system = ${lit(sys)} AND (${ors.join(' OR ')}))`;
    });
    return parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`;
  };

  const timeSql = (w: Extract<Node, { kind: 'clinical' }>['window'], col: 'at' | 'at_end'): string => {
    const r = rangeOrAll(w, opts.asOf);
    if (!r) return `(f.at IS NULL OR f.at <= ${ts(opts.asOf)})`;
    return `f.${col} >= ${ts(r.from)} AND f.${col} <= ${ts(r.to)}`;
  };

  const profileJoin = (source: string, where: string) => {
    if (opts.dialect !== 'postgres')
      throw new UnsupportedInDialect(
        'consent and engagement conditions need stored profiles; lake mode evaluates clinical and demographic rules',
      );
    return `SELECT DISTINCT r.external_id AS patient_id FROM ${source} JOIN patient_record r ON r.profile_id = x.profile_id AND r.source = 'ehr' AND NOT r.deleted WHERE ${where}${restrictFacts('r.external_id')}`;
  };

  const expanding: string[] = [];
  const pred = (n: Node): string => {
    switch (n.kind) {
      case 'and':
        return `(${n.children.map(pred).join(' AND ')})`;
      case 'or':
        return `(${n.children.map(pred).join(' OR ')})`;
      case 'not':
        return `(NOT ${pred(n.child)})`;
      case 'age': {
        const today = localDate(opts.asOf);
        const parts: string[] = [];
        if (n.min !== undefined) parts.push(`p.birth_date <= ${lit(bornOnOrBefore(today, n.min))}`);
        if (n.max !== undefined) parts.push(`p.birth_date > ${lit(bornOnOrBefore(today, n.max + 1))}`);
        return `COALESCE(${parts.join(' AND ')}, FALSE)`;
      }
      case 'gender':
        return `COALESCE(p.gender IN (${n.values.map(lit).join(', ')}), FALSE)`;
      case 'place': {
        if (n.field === 'postalCode') {
          const ors = n.values.map((v) => `p.postal_code LIKE ${lit(`${v.replace(/\s+/g, '')}%`)}`);
          return `COALESCE(${ors.join(' OR ')}, FALSE)`;
        }
        const col = n.field === 'municipality' ? 'p.municipality' : 'p.region';
        return `COALESCE(${col} IN (${n.values.map((v) => lit(fold(v) ?? '')).join(', ')}), FALSE)`;
      }
      case 'language':
        return `COALESCE(p.language IN (${n.values.map((v) => lit(v.toLowerCase().split('-')[0])).join(', ')}), FALSE)`;
      case 'careUnit': {
        const refs = [...new Set(n.units.flatMap((u) => opts.careUnitRefs(u)))];
        if (refs.length === 0) return 'FALSE';
        const list = refs.map(lit).join(', ');
        return `COALESCE(p.org_ref IN (${list}) OR p.gp_ref IN (${list}), FALSE)`;
      }
      case 'deceased':
        return `COALESCE(p.deceased_at <= ${ts(opts.asOf)}, FALSE)`;
      case 'clinical': {
        const where = [
          `f.resource_type = ${lit(n.resource)}`,
          codeSql(n.codes),
          n.status?.length ? `f.status IN (${n.status.map(lit).join(', ')})` : 'TRUE',
          timeSql(n.window, n.timeOf === 'end' ? 'at_end' : 'at'),
        ]
          .filter((w) => w !== 'TRUE')
          .join(' AND ');
        // A count with only a maximum ("at most N", {max: 0} = never) includes zero.
        const min = n.count?.min ?? (n.count?.max === undefined ? 1 : 0);
        const max = n.count?.max;
        const base = `SELECT f.patient_id FROM segment_fact f WHERE ${where}${restrictFacts('f.patient_id')}`;
        if (min <= 0) {
          // "At most N" (N = 0: never): the complement of "more than N".
          if (max === undefined) return 'TRUE';
          return `(NOT ${addCte(`${base} GROUP BY f.patient_id HAVING count(DISTINCT f.resource_id) > ${num(max)}`)})`;
        }
        if (min === 1 && max === undefined)
          return addCte(
            `SELECT DISTINCT f.patient_id FROM segment_fact f WHERE ${where}${restrictFacts('f.patient_id')}`,
          );
        const having = [`count(DISTINCT f.resource_id) >= ${num(min)}`];
        if (max !== undefined) having.push(`count(DISTINCT f.resource_id) <= ${num(max)}`);
        return addCte(`${base} GROUP BY f.patient_id HAVING ${having.join(' AND ')}`);
      }
      case 'observation': {
        const first = n.codes.flatMap((f) => f.codes.map((c) => analyteOf(codeSystem(f.system)!.uri, c)))[0];
        const t = thresholdFor(first, n.value, n.unit);
        if (!t) return 'FALSE';
        const op = { gt: '>', ge: '>=', lt: '<', le: '<=', eq: '=' }[n.comparator];
        // One value per Observation: the largest of its matching codings (a resource coded twice counts once).
        const matching = `segment_fact f
          WHERE f.resource_type = 'Observation' AND ${codeSql(n.codes)} AND ${timeSql(n.window, 'at')}
            AND f.unit = ${lit(t.unit)} AND f.value IS NOT NULL${restrictFacts('f.patient_id')}`;
        const perResource = `SELECT f.patient_id, f.resource_id, f.at, max(f.value) AS value FROM ${matching}
          GROUP BY f.patient_id, f.resource_id, f.at`;
        const v = num(t.value);
        switch (n.aggregate) {
          case 'any':
            return addCte(`SELECT DISTINCT o.patient_id FROM (${perResource}) o WHERE o.value ${op} ${v}`);
          case 'latest':
            // The latest Observation, and within it the largest matching value: one sort, no grouping.
            return addCte(
              `SELECT l.patient_id FROM (SELECT DISTINCT ON (f.patient_id) f.patient_id, f.value FROM ${matching}
                 AND f.at IS NOT NULL ORDER BY f.patient_id, f.at DESC, ${byId} DESC, f.value DESC) l WHERE l.value ${op} ${v}`,
            );
          case 'min':
          case 'max':
          case 'avg':
            return addCte(
              `SELECT o.patient_id FROM (${perResource}) o GROUP BY o.patient_id HAVING ${n.aggregate}(o.value) ${op} ${v}`,
            );
          default:
            return assertNever(n.aggregate);
        }
      }
      case 'engagement': {
        const r = rangeOrAll(n.window, opts.asOf);
        const time = r ? `x.at >= ${ts(r.from)} AND x.at <= ${ts(r.to)}` : `x.at <= ${ts(opts.asOf)}`;
        const ref = n.ref ? ` AND x.ref = ${lit(n.ref)}` : '';
        return addCte(profileJoin('segment_engagement x', `x.kind = ${lit(n.event)}${ref} AND ${time}`));
      }
      case 'consent': {
        if (!opts.consentKey) throw new UnsupportedInDialect('consent conditions need stored profiles');
        return addCte(
          profileJoin(
            'segment_contactable x',
            `x.key = ${lit(opts.consentKey(n.channel, n.purpose, n.topic))}`,
          ),
        );
      }
      case 'segment': {
        const inner = opts.segment(n.segmentId);
        if (!inner || expanding.includes(n.segmentId))
          throw new Error(`segment ${n.segmentId} cannot be expanded`);
        expanding.push(n.segmentId);
        const s = pred(inner.root);
        expanding.pop();
        return s;
      }
      case 'list':
        if (opts.dialect !== 'postgres')
          throw new UnsupportedInDialect('static lists live in the database; lake mode cannot read them');
        return addCte(
          `SELECT m.patient_id FROM segment_list_member m WHERE m.list_id = ${lit(n.listId)}${restrictFacts('m.patient_id')}`,
        );
      default:
        return assertNever(n);
    }
  };

  const rootChildren: Array<[Node, string]> =
    def.root.kind === 'and'
      ? def.root.children.map((c, i) => [c, `root.children[${i}]`])
      : [[def.root, 'root']];
  const steps: FunnelStep[] = rootChildren.map(([n, path]) => ({
    path,
    label: describe(n),
    predicate: pred(n),
  }));
  const predicate = steps.map((s) => s.predicate).join(' AND ');

  const today = localDate(opts.asOf);
  const universe = [
    def.includeDeceased ? null : `(p.deceased_at IS NULL OR p.deceased_at > ${ts(opts.asOf)})`,
    `(p.birth_date IS NULL OR p.birth_date <= ${lit(today)})`,
    opts.restrictTo
      ? `p.patient_id IN (${opts.restrictTo.length ? opts.restrictTo.map(lit).join(', ') : 'NULL'})`
      : null,
    opts.visible ?? null,
  ]
    .filter(Boolean)
    .join(' AND ');
  const withSql = ctes.length ? `WITH ${ctes.join(',\n')}\n` : '';
  const from = `FROM segment_person p ${joins.join(' ')}`;
  const where = `WHERE ${universe} AND ${predicate}`;
  // The funnel in linear size: each person's rule results once, then how far along the rules they get
  // (the first rule they fail), so "cumulative" needs no repetition of earlier rules.
  const flags = steps.map((st, i) => `(${st.predicate}) AS s${i}`).join(', ');
  const reached = steps.length
    ? `CASE ${steps.map((_, i) => `WHEN NOT s${i} THEN ${i}`).join(' ')} ELSE ${steps.length} END`
    : '0';
  const funnelCols = steps.flatMap((_, i) => [
    `count(*) FILTER (WHERE s${i}) AS alone_${i}`,
    `count(*) FILTER (WHERE reached > ${i}) AS cumulative_${i}`,
  ]);
  const perPerson = `SELECT ${flags || 'TRUE AS s'} ${from} WHERE ${universe}`;
  const funnelSql = `${withSql}SELECT count(*) AS universe${funnelCols.length ? `, ${funnelCols.join(', ')}` : ''}
    FROM (SELECT *, ${reached} AS reached FROM (${perPerson}) flags) r`;
  return {
    with: withSql,
    from,
    universe,
    predicate,
    steps,
    membersSql: `${withSql}SELECT p.patient_id ${from} ${where} ORDER BY p.patient_id`,
    countSql: `${withSql}SELECT count(*) AS n ${from} ${where}`,
    funnelSql,
  };
}

/** A short English description of a node, for the funnel when the editor gave no label. */
export function describe(n: Node): string {
  if (n.label) return n.label;
  switch (n.kind) {
    case 'and':
      return `all of ${n.children.length} rules`;
    case 'or':
      return `any of ${n.children.length} rules`;
    case 'not':
      return `not: ${describe(n.child)}`;
    case 'age':
      return n.max === undefined
        ? `age ${n.min}+`
        : n.min === undefined
          ? `age up to ${n.max}`
          : `age ${n.min}–${n.max}`;
    case 'gender':
      return `gender ${n.values.join(' or ')}`;
    case 'place':
      return `${n.field} ${n.values.slice(0, 3).join(', ')}${n.values.length > 3 ? '…' : ''}`;
    case 'language':
      return `language ${n.values.join(', ')}`;
    case 'careUnit':
      return `care unit ${n.units.join(', ')}`;
    case 'deceased':
      return 'deceased';
    case 'clinical': {
      const codes = (n.codes ?? []).flatMap((f) => f.codes.map((c) => `${c}${f.descendants ? '*' : ''}`));
      const what = `${n.resource}${codes.length ? ` ${codes.slice(0, 3).join(', ')}${codes.length > 3 ? '…' : ''}` : ''}`;
      const never = n.count?.max === 0 && !n.count.min;
      return `${never ? 'no ' : ''}${what}${n.window ? ` (${windowText(n.window)})` : ''}`;
    }
    case 'observation':
      return `${n.aggregate} ${n.codes[0].codes[0]} ${{ gt: '>', ge: '≥', lt: '<', le: '≤', eq: '=' }[n.comparator]} ${n.value} ${n.unit}`;
    case 'engagement':
      return `${n.event}${n.ref ? ` ${n.ref}` : ''}`;
    case 'consent':
      return `may contact by ${n.channel} for ${n.purpose}${n.topic ? ` (${n.topic})` : ''}`;
    case 'segment':
      return `in segment ${n.segmentId}`;
    case 'list':
      return `in list ${n.listId}`;
    default:
      return assertNever(n);
  }
}

function windowText(w: NonNullable<Extract<Node, { kind: 'clinical' }>['window']>): string {
  switch (w.kind) {
    case 'last':
      return `last ${w.amount} ${w.unit}`;
    case 'next':
      return `next ${w.amount} ${w.unit}`;
    case 'between':
      return `${w.from} – ${w.to}`;
    case 'since':
      return `since ${w.date}`;
    case 'season':
      return `since ${w.day}/${w.month}`;
  }
}
