import { codeSystem } from './codes.ts';
import { childPaths, type Definition, type Node } from './definition.ts';
import { analyteOf, normaliseUnit } from './units.ts';

/**
 * Checks a definition beyond its shape: what the schema cannot know (code
 * systems, windows that cannot hold, units that do not convert, segments
 * that nest themselves). Every problem names the node by its path and says
 * how to fix it. Pure: lookups of other segments, lists and care units are
 * passed in.
 */
export interface DefinitionProblem {
  path: string;
  message: string;
}

export interface ValidationContext {
  /** Definitions of other segments by id (for nesting), or undefined when there is no such segment. */
  segment(id: string): Definition | undefined;
  list(id: string): boolean;
  careUnit(id: string): boolean;
  /** The segment being validated, so that it cannot contain itself. */
  selfId?: string;
}

export const MAX_NODES = 1000;
export const MAX_DEPTH = 24;
export const MAX_CODES = 20_000;

const END_TYPES = new Set(['Condition', 'Procedure', 'Encounter', 'EpisodeOfCare', 'Appointment']);

export class DefinitionError extends Error {
  readonly problems: DefinitionProblem[];
  constructor(problems: DefinitionProblem[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
    this.problems = problems;
  }
}

function countNodes(n: Node): number {
  return 1 + childPaths(n, '').reduce((s, [c]) => s + countNodes(c), 0);
}

export function validateDefinition(def: Definition, ctx: ValidationContext): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const total = countNodes(def.root);
  if (total > MAX_NODES) {
    add(
      'root',
      `the definition has ${total.toLocaleString('en')} rules and groups; the limit is ${MAX_NODES}. Put long lists of people in a static list, and long lists of codes in one rule's codes`,
    );
    return problems;
  }
  let codes = 0;
  // Nested segments are inlined when compiled, so their rules count too; stop walking once over.
  let visited = 0;
  const walk = (n: Node, path: string, depth: number, stack: readonly string[]) => {
    if (++visited > MAX_NODES) {
      if (visited === MAX_NODES + 1)
        add(
          path,
          `with the segments it nests, the definition has more than ${MAX_NODES} rules and groups; nest fewer segments or simplify them`,
        );
      return;
    }
    if (depth > MAX_DEPTH) {
      add(path, `groups nest deeper than ${MAX_DEPTH} levels; flatten nested groups of the same kind`);
      return;
    }
    switch (n.kind) {
      case 'and':
      case 'or':
      case 'not':
        break;
      case 'age':
        if (n.min === undefined && n.max === undefined)
          add(path, 'give a minimum age, a maximum age or both');
        if (n.min !== undefined && n.max !== undefined && n.min > n.max)
          add(path, `minimum age ${n.min} is above maximum age ${n.max}; swap them`);
        break;
      case 'gender':
      case 'deceased':
        break;
      case 'language':
        if (n.values.some(hasControl)) add(`${path}.values`, 'remove control characters');
        break;
      case 'place':
        codes += n.values.length;
        if (n.values.some(hasControl)) add(`${path}.values`, 'remove control characters');
        if (n.field === 'postalCode' && n.values.some((v) => !/^[0-9A-Za-z ]+$/.test(v)))
          add(`${path}.values`, 'postal codes are digits and letters, e.g. "413" or "413 01"');
        break;
      case 'careUnit':
        codes += n.units.length;
        n.units.forEach((u, i) => {
          if (!ctx.careUnit(u))
            add(`${path}.units[${i}]`, `no care unit "${u}"; pick one from /api/care-units`);
        });
        break;
      case 'clinical':
      case 'observation': {
        const filters = n.codes ?? [];
        filters.forEach((f, i) => {
          const s = codeSystem(f.system);
          const at = `${path}.codes[${i}]`;
          codes += f.codes.length;
          if (!s) {
            add(
              `${at}.system`,
              `unknown code system "${f.system}"; use snomed, icd10, atc, loinc, cvx, rxnorm, kva, cpt or their URIs (GET /api/segments/code-systems lists them)`,
            );
          } else if (f.descendants && !s.prefixHierarchy) {
            add(
              `${at}.descendants`,
              `${s.label} descendants need a terminology server; list the codes instead, or use a prefix system (ICD-10, ATC, KVÅ)`,
            );
          }
          if (f.codes.some((c) => hasControl(c) || /[%_*\\]/.test(c)))
            add(`${at}.codes`, 'codes are plain codes: write "E11" with descendants: true instead of "E11*"');
        });
        if (n.window) windowProblems(n.window, `${path}.window`, add);
        if (n.kind === 'clinical') {
          if (n.status?.some(hasControl)) add(`${path}.status`, 'remove control characters');
          if (n.window?.kind === 'next' && n.resource !== 'Appointment')
            add(
              `${path}.window`,
              `"next" looks ahead and only applies to Appointment; use "last" for ${n.resource}`,
            );
          if (n.timeOf === 'end' && !END_TYPES.has(n.resource))
            add(`${path}.timeOf`, `${n.resource} has no end time; use "start"`);
          if (n.count?.min !== undefined && n.count.max !== undefined && n.count.min > n.count.max)
            add(
              `${path}.count`,
              `at least ${n.count.min} and at most ${n.count.max} cannot both hold; swap them`,
            );
        } else {
          if (n.window?.kind === 'next') add(`${path}.window`, 'observations are in the past; use "last"');
          const analytes = new Set(
            filters.flatMap((f) => {
              const s = codeSystem(f.system);
              return f.codes.map((c) => (s ? analyteOf(s.uri, c)?.name : undefined) ?? null);
            }),
          );
          if (analytes.size > 1)
            add(`${path}.codes`, 'these codes measure different things; compare one analyte per rule');
          const [only] = [...analytes];
          if (only) {
            const a = filters
              .flatMap((f) => f.codes.map((c) => analyteOf(codeSystem(f.system)?.uri ?? '', c)))
              .find(Boolean)!;
            if (!Object.hasOwn(a.toCanonical, normaliseUnit(n.unit)))
              add(
                `${path}.unit`,
                `${a.name} is measured in ${Object.keys(a.toCanonical).join(' or ')}, not "${n.unit}"`,
              );
          }
        }
        break;
      }
      case 'engagement':
        if (n.window) windowProblems(n.window, `${path}.window`, add);
        if (n.ref && hasControl(n.ref)) add(`${path}.ref`, 'remove control characters');
        break;
      case 'consent':
        if (n.topic && hasControl(n.topic)) add(`${path}.topic`, 'remove control characters');
        break;
      case 'segment': {
        if (n.segmentId === ctx.selfId || stack.includes(n.segmentId)) {
          add(
            `${path}.segmentId`,
            'a segment cannot contain itself, directly or through other segments; remove this rule',
          );
          return;
        }
        const inner = ctx.segment(n.segmentId);
        if (!inner) {
          add(`${path}.segmentId`, `no segment ${n.segmentId}; pick an existing segment`);
          return;
        }
        const before = problems.length;
        walk(inner.root, `${path}(${n.segmentId})`, depth + 1, [...stack, n.segmentId]);
        if (problems.length > before) return;
        break;
      }
      case 'list':
        if (!ctx.list(n.listId)) add(`${path}.listId`, `no list ${n.listId}; upload the list first`);
        break;
      default:
        return assertNever(n);
    }
    for (const [c, p] of childPaths(n, path)) walk(c, p, depth + 1, stack);
  };
  walk(def.root, 'root', 0, ctx.selfId ? [ctx.selfId] : []);
  if (codes > MAX_CODES)
    add(
      'root',
      `the definition lists ${codes} codes; the limit is ${MAX_CODES}. Use descendants (ICD-10 E11) for families of codes`,
    );
  return problems;
}

function windowProblems(
  w: NonNullable<Extract<Node, { kind: 'clinical' }>['window']>,
  path: string,
  add: (path: string, message: string) => void,
): void {
  const real = (d: string) => {
    const ms = Date.parse(`${d}T00:00:00Z`);
    return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === d;
  };
  switch (w.kind) {
    case 'between':
      if (!real(w.from)) add(`${path}.from`, `${w.from} is not a calendar date`);
      if (!real(w.to)) add(`${path}.to`, `${w.to} is not a calendar date`);
      if (w.from > w.to) add(path, `the window starts ${w.from} after it ends ${w.to}; swap the dates`);
      break;
    case 'since':
      if (!real(w.date)) add(`${path}.date`, `${w.date} is not a calendar date`);
      break;
    case 'season': {
      const days = new Date(Date.UTC(2001, w.month, 0)).getUTCDate();
      if (w.day > days) add(`${path}.day`, `month ${w.month} has ${days} days; pick a day from 1 to ${days}`);
      break;
    }
    case 'last':
    case 'next':
      break;
  }
}

/** Control characters (NUL breaks PostgreSQL text) have no place in codes or names. */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) < 32) return true;
  return false;
}

export function assertNever(x: never): never {
  throw new Error(`unhandled node ${JSON.stringify(x)}`);
}
