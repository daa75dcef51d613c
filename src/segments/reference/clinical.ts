import { codeSystem, normaliseCode } from '../codes.ts';
import type { CodeFilter, Node, Window } from '../definition.ts';
import { analyteOf, normaliseUnit, storedValue, thresholdFor } from '../units.ts';
import { resolveWindow } from '../windows.ts';
import type { ClinicalRecord, Coding } from './read.ts';

/**
 * Clinical and observation conditions over one patient's records, written
 * the plain way (filter, count, sort) so that the SQL in compile.ts has
 * something simple to be compared with. Each returns whether it holds, a
 * reason in words and the resources that made it so.
 */
export interface Evidence {
  resourceType: string;
  id: string;
  code?: string;
  /** The clinical time, ISO instant. */
  at?: string;
  value?: number;
  unit?: string;
}

export interface Verdict {
  pass: boolean;
  /** Built only when someone asks why. */
  reason: () => string;
  evidence: () => Evidence[];
}

type Clinical = Extract<Node, { kind: 'clinical' }>;
type ObservationRule = Extract<Node, { kind: 'observation' }>;

export const day = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? 'an unknown date' : new Date(ms).toISOString().slice(0, 10);

const isoOf = (ms: number | null): string | undefined =>
  ms === null ? undefined : new Date(ms).toISOString();

function codeMatches(filters: readonly CodeFilter[] | undefined, c: Coding): boolean {
  if (!filters?.length) return true;
  return filters.some((f) => {
    const uri = codeSystem(f.system)?.uri;
    if (uri !== c.system) return false;
    return f.codes.some((raw) => {
      const code = normaliseCode(uri, raw);
      return c.code === code || (f.descendants === true && c.code.startsWith(code));
    });
  });
}

/** Without a window, what happened up to the as-of instant (or has no time) counts; a window is a closed range. */
function inTime(w: Window | undefined, t: number | null, at: number | null, asOf: number): boolean {
  if (!w) return at === null || at <= asOf;
  const r = resolveWindow(w, asOf);
  return t !== null && t >= r.from && t <= r.to;
}

export function windowPhrase(w: Window | undefined, asOf: number): string {
  if (!w) return '';
  const r = resolveWindow(w, asOf);
  if (w.kind === 'next') return ` before ${new Date(r.to).toISOString().slice(0, 16).replace('T', ' ')}`;
  if (w.kind === 'between') return ` between ${w.from} and ${w.to}`;
  return ` since ${day(r.from)}`;
}

const codesText = (filters: readonly CodeFilter[] | undefined): string => {
  const all = (filters ?? []).flatMap((f) => f.codes.map((c) => `${c}${f.descendants ? '*' : ''}`));
  return all.length ? ` ${all.slice(0, 3).join(', ')}${all.length > 3 ? '…' : ''}` : '';
};

const newestFirst = (a: ClinicalRecord, b: ClinicalRecord) => (b.at ?? -Infinity) - (a.at ?? -Infinity);

export function clinical(n: Clinical, records: readonly ClinicalRecord[], asOf: number): Verdict {
  const matching = new Map<string, ClinicalRecord>();
  for (const r of records) {
    if (r.type !== n.resource) continue;
    if (n.codes?.length && !r.codings.some((c) => codeMatches(n.codes, c))) continue;
    if (n.status?.length && (r.status === null || !n.status.includes(r.status))) continue;
    if (!inTime(n.window, n.timeOf === 'end' ? r.atEnd : r.at, r.at, asOf)) continue;
    matching.set(r.id, r);
  }
  const count = matching.size;
  // Default "at least one"; a rule with only a maximum ("at most N", {max: 0} = never) includes zero.
  const max = n.count?.max;
  const min = n.count?.min ?? (max === undefined ? 1 : 0);
  const pass = count >= min && (max === undefined || count <= max);
  const found = [...matching.values()].sort(newestFirst);
  const what = `${n.resource}${codesText(n.codes)}${n.status?.length ? ` (${n.status.join('/')})` : ''}`;
  const when = windowPhrase(n.window, asOf);
  return {
    pass,
    reason: () => {
      if (count === 0) return `no ${what}${when}`;
      const latest = n.timeOf === 'end' ? found[0].atEnd : found[0].at;
      const base =
        count === 1 ? `${what} on ${day(latest)}` : `${count} × ${what}${when}, latest ${day(latest)}`;
      if (count < min) return `${base}; needs at least ${min}`;
      if (max !== undefined && count > max) return `${base}; allows at most ${max}`;
      return base;
    },
    evidence: () =>
      found.slice(0, 10).map((r) => ({
        resourceType: r.type,
        id: r.id,
        code: r.codings.find((c) => codeMatches(n.codes, c))?.code,
        at: isoOf(r.at),
      })),
  };
}

interface Valued {
  record: ClinicalRecord;
  value: number;
}

const COMPARE = {
  gt: (a: number, b: number) => a > b,
  ge: (a: number, b: number) => a >= b,
  lt: (a: number, b: number) => a < b,
  le: (a: number, b: number) => a <= b,
  eq: (a: number, b: number) => a === b,
} as const;
const SYMBOL = { gt: '>', ge: '≥', lt: '<', le: '≤', eq: '=' } as const;

/** Code-point order of ids (PostgreSQL's "C" collation), which breaks ties between results at the same instant. */
const byCodePoint = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

export function observation(n: ObservationRule, records: readonly ClinicalRecord[], asOf: number): Verdict {
  const first = n.codes[0];
  const analyte = analyteOf(codeSystem(first.system)?.uri ?? '', first.codes[0]);
  const threshold = thresholdFor(analyte, n.value, n.unit);
  const name = analyte?.name ?? `${n.codes[0].codes[0]}`;
  if (!threshold) {
    return { pass: false, reason: () => `${name} is not measured in ${n.unit}`, evidence: () => [] };
  }
  // One value per Observation: the largest of its matching codings in the threshold's unit.
  const valued: Valued[] = [];
  for (const r of records) {
    if (r.type !== 'Observation' || !inTime(n.window, r.at, r.at, asOf)) continue;
    let best: number | undefined;
    for (const c of r.codings) {
      if (!c.quantity || !codeMatches(n.codes, c)) continue;
      const v = storedValue(c.system, c.code, c.quantity.value, c.quantity.unit);
      if (v.unit === threshold.unit && (best === undefined || v.value > best)) best = v.value;
    }
    if (best !== undefined) valued.push({ record: r, value: best });
  }
  const holds = (v: number) => COMPARE[n.comparator](v, threshold.value);
  // Shown in the unit the editor wrote the rule in.
  const show = (v: number) => {
    const back = analyte?.fromCanonical[normaliseUnit(n.unit)];
    return `${Number((back ? back(v) : v).toFixed(2))} ${n.unit}`;
  };
  const rule = `${SYMBOL[n.comparator]} ${n.value} ${n.unit}`;
  const when = windowPhrase(n.window, asOf);
  const none: Verdict = {
    pass: false,
    reason: () => `no ${name} result in ${n.unit}${when}`,
    evidence: () => [],
  };
  const one = (x: Valued, pass: boolean, tag: string): Verdict => ({
    pass,
    reason: () => `${name} ${show(x.value)} on ${day(x.record.at)} (${tag})${pass ? '' : `, not ${rule}`}`,
    evidence: () => [evidenceOf(x, threshold.unit)],
  });
  switch (n.aggregate) {
    case 'latest': {
      const timed = valued.filter((x) => x.record.at !== null);
      if (timed.length === 0) return none;
      const latest = timed.reduce((a, b) =>
        b.record.at! > a.record.at! ||
        (b.record.at === a.record.at && byCodePoint(b.record.id, a.record.id) > 0)
          ? b
          : a,
      );
      return one(latest, holds(latest.value), 'latest');
    }
    case 'any': {
      if (valued.length === 0) return none;
      const hits = valued.filter((x) => holds(x.value)).sort((a, b) => newestFirst(a.record, b.record));
      if (hits.length > 0) return { ...one(hits[0], true, `${hits.length} of ${valued.length} ${rule}`) };
      return {
        pass: false,
        reason: () => `none of ${valued.length} ${name} results${when} is ${rule}`,
        evidence: () => valued.slice(0, 10).map((x) => evidenceOf(x, threshold.unit)),
      };
    }
    case 'min':
    case 'max':
    case 'avg': {
      if (valued.length === 0) return none;
      const values = valued.map((x) => x.value);
      const agg =
        n.aggregate === 'min'
          ? Math.min(...values)
          : n.aggregate === 'max'
            ? Math.max(...values)
            : values.reduce((s, v) => s + v, 0) / values.length;
      const pass = holds(agg);
      const word = { min: 'lowest', max: 'highest', avg: 'average' }[n.aggregate];
      return {
        pass,
        reason: () =>
          `${word} ${name} ${show(agg)} over ${valued.length} result${valued.length === 1 ? '' : 's'}${when}${pass ? '' : `, not ${rule}`}`,
        evidence: () => valued.slice(0, 10).map((x) => evidenceOf(x, threshold.unit)),
      };
    }
  }
}

function evidenceOf(x: Valued, unit: string): Evidence {
  return {
    resourceType: 'Observation',
    id: x.record.id,
    at: isoOf(x.record.at),
    value: x.value,
    unit,
  };
}
