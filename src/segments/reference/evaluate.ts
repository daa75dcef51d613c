import type { FhirResource } from '../../fhir/resource-row.ts';
import { describe } from '../compile.ts';
import { childPaths, type Definition, type Node, type NodeKind } from '../definition.ts';
import { assertNever } from '../validate.ts';
import { localDate, rangeOrAll } from '../windows.ts';
import { clinical, type Evidence, observation, type Verdict, windowPhrase } from './clinical.ts';
import { demographic, inUniverse } from './person.ts';
import { type ClinicalRecord, type PersonRecord, readClinical, readPerson } from './read.ts';

/**
 * The reference evaluator: the executable meaning of a segment definition.
 * It reads resources in memory with FHIRPath and walks the tree for each
 * patient, deliberately without cleverness, so that the SQL compiler
 * (compile.ts), lake mode and this must agree exactly (the property tests
 * check it), and so that "why is this person a member" has an answer.
 */
export interface EngagementRecord {
  event: string;
  ref?: string;
  at: number;
}

export interface ReferenceOptions {
  asOf: number;
  segment(id: string): Definition | undefined;
  careUnitRefs(id: string): readonly string[];
  contactable?(patientId: string, channel: string, purpose: string, topic: string | undefined): boolean;
  listMembers?(listId: string): ReadonlySet<string>;
  engagement?(patientId: string): readonly EngagementRecord[];
}

export interface ConditionReason {
  /** The node's path, as in the funnel: root.children[1].child */
  path: string;
  label: string;
  kind: NodeKind;
  depth: number;
  pass: boolean;
  reason: string;
  evidence: Evidence[];
}

export interface Why {
  patientId: string;
  member: boolean;
  universe: { pass: boolean; reason: string };
  /** Every node of the tree, depth first, nested segments expanded. */
  conditions: ConditionReason[];
}

export interface StepCount {
  path: string;
  label: string;
  alone: number;
  cumulative: number;
}

export interface ReferenceResult {
  members: string[];
  universe: number;
  steps: StepCount[];
  why(patientId: string): Why | undefined;
}

export interface PatientData {
  person: PersonRecord;
  records: ClinicalRecord[];
}

interface Evaluated {
  node: Node;
  path: string;
  verdict: Verdict;
  children: Evaluated[];
}

const byCodePoint = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * Resources read once (FHIRPath over every element is the slow part), for
 * callers that evaluate many definitions over the same data.
 */
export class ReferenceData {
  readonly patients: ReadonlyMap<string, PatientData>;
  constructor(resources: readonly FhirResource[]) {
    this.patients = group(resources);
  }
}

function group(resources: readonly FhirResource[]): Map<string, PatientData> {
  const patients = new Map<string, PatientData>();
  for (const r of resources) {
    const person = readPerson(r);
    if (person) patients.set(person.id, { person, records: patients.get(person.id)?.records ?? [] });
  }
  for (const r of resources) {
    const rec = readClinical(r);
    if (rec) patients.get(rec.patient)?.records.push(rec);
  }
  return patients;
}

/** The top-level rules the funnel counts: the children of a root AND, else the root itself. */
function rootSteps(def: Definition): Array<[Node, string]> {
  return def.root.kind === 'and' ? childPaths(def.root, 'root') : [[def.root, 'root']];
}

interface Ctx {
  opts: ReferenceOptions;
  /** The as-of instant's local date (Intl formatting is too slow to repeat per node). */
  today: string;
}

function evaluateNode(n: Node, path: string, p: PatientData, ctx: Ctx, expanding: string[]): Evaluated {
  const { opts, today } = ctx;
  const leaf = (verdict: Verdict): Evaluated => ({ node: n, path, verdict, children: [] });
  const sub = () => childPaths(n, path).map(([c, cp]) => evaluateNode(c, cp, p, ctx, expanding));
  const id = p.person.id;
  switch (n.kind) {
    case 'and':
    case 'or': {
      const children = sub();
      const passing = children.filter((c) => c.verdict.pass).length;
      const pass = n.kind === 'and' ? passing === children.length : passing > 0;
      const reason = () => `${passing} of ${children.length} rules hold`;
      return { node: n, path, verdict: { pass, reason, evidence: () => [] }, children };
    }
    case 'not': {
      const children = sub();
      const inner = children[0].verdict;
      return {
        node: n,
        path,
        verdict: { pass: !inner.pass, reason: inner.reason, evidence: inner.evidence },
        children,
      };
    }
    case 'age':
    case 'gender':
    case 'place':
    case 'language':
    case 'careUnit':
    case 'deceased':
      return leaf(demographic(n, p.person, opts.asOf, today, opts.careUnitRefs));
    case 'clinical':
      return leaf(clinical(n, p.records, opts.asOf));
    case 'observation':
      return leaf(observation(n, p.records, opts.asOf));
    case 'engagement': {
      const r = rangeOrAll(n.window, opts.asOf);
      const hits = (opts.engagement?.(id) ?? []).filter(
        (e) =>
          e.event === n.event &&
          (n.ref === undefined || e.ref === n.ref) &&
          (r ? e.at >= r.from && e.at <= r.to : e.at <= opts.asOf),
      );
      const what = `${n.event}${n.ref ? ` ${n.ref}` : ''}${windowPhrase(n.window, opts.asOf)}`;
      return leaf({
        pass: hits.length > 0,
        reason: () => (hits.length ? `${hits.length} × ${what}` : `never ${what}`),
        evidence: () => [],
      });
    }
    case 'consent': {
      const ok = opts.contactable?.(id, n.channel, n.purpose, n.topic) ?? false;
      const topic = n.topic ? ` about ${n.topic}` : '';
      return leaf({
        pass: ok,
        reason: () => `${ok ? 'may' : 'may not'} be contacted by ${n.channel} for ${n.purpose}${topic}`,
        evidence: () => [],
      });
    }
    case 'segment': {
      // A nested segment contributes its rules, judged within the outer definition's universe.
      const inner = opts.segment(n.segmentId);
      if (!inner || expanding.includes(n.segmentId))
        throw new Error(`segment ${n.segmentId} cannot be expanded`);
      const child = evaluateNode(inner.root, `${path}(${n.segmentId})`, p, ctx, [...expanding, n.segmentId]);
      return { node: n, path, verdict: child.verdict, children: [child] };
    }
    case 'list': {
      const ok = opts.listMembers?.(n.listId)?.has(id) ?? false;
      return leaf({ pass: ok, reason: () => `${ok ? 'in' : 'not in'} list ${n.listId}`, evidence: () => [] });
    }
    default:
      return assertNever(n);
  }
}

function flatten(e: Evaluated, depth: number, out: ConditionReason[]): ConditionReason[] {
  out.push({
    path: e.path,
    label: describe(e.node),
    kind: e.node.kind,
    depth,
    pass: e.verdict.pass,
    reason: e.verdict.reason(),
    evidence: e.verdict.evidence(),
  });
  for (const c of e.children) flatten(c, depth + 1, out);
  return out;
}

function whyOf(def: Definition, p: PatientData, opts: ReferenceOptions): Why {
  const today = localDate(opts.asOf);
  const u = inUniverse(p.person, opts.asOf, today, def.includeDeceased === true);
  const root = evaluateNode(def.root, 'root', p, { opts, today }, []);
  return {
    patientId: p.person.id,
    member: u.pass && root.verdict.pass,
    universe: { pass: u.pass, reason: u.reason() },
    conditions: flatten(root, 0, []),
  };
}

export function evaluateReference(
  def: Definition,
  resources: readonly FhirResource[] | ReferenceData,
  opts: ReferenceOptions,
): ReferenceResult {
  const { patients } = resources instanceof ReferenceData ? resources : new ReferenceData(resources);
  const today = localDate(opts.asOf);
  const steps = rootSteps(def);
  const counts = steps.map(([n, path]) => ({ path, label: describe(n), alone: 0, cumulative: 0 }));
  const members: string[] = [];
  let universe = 0;
  for (const p of patients.values()) {
    if (!inUniverse(p.person, opts.asOf, today, def.includeDeceased === true).pass) continue;
    universe++;
    let all = true;
    steps.forEach(([n, path], i) => {
      const pass = evaluateNode(n, path, p, { opts, today }, []).verdict.pass;
      if (pass) counts[i].alone++;
      all &&= pass;
      if (all) counts[i].cumulative++;
    });
    if (all) members.push(p.person.id);
  }
  return {
    members: members.sort(byCodePoint),
    universe,
    steps: counts,
    why: (id) => {
      const p = patients.get(id);
      return p ? whyOf(def, p, opts) : undefined;
    },
  };
}

/**
 * Why one patient is (or is not) a member, condition by condition with the
 * resources that decided it: for the preview's member sample. `resources`
 * are that patient's Patient and clinical resources (others are ignored).
 */
export function explain(
  def: Definition,
  patientId: string,
  resources: readonly FhirResource[],
  opts: ReferenceOptions,
): Why | undefined {
  const p = group(resources).get(patientId);
  return p ? whyOf(def, p, opts) : undefined;
}

/** One line per node, indented, for logs and tests: "✓ age 65+: age 67". */
export function whyText(why: Why): string[] {
  const mark = (ok: boolean) => (ok ? '✓' : '✗');
  return [
    `${mark(why.universe.pass)} universe: ${why.universe.reason}`,
    ...why.conditions.map((c) => `${'  '.repeat(c.depth)}${mark(c.pass)} ${c.label}: ${c.reason}`),
  ];
}
