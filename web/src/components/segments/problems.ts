/**
 * Problems with a definition, found in the browser before the server is
 * asked: rules not yet filled in. The server's own problems (unknown code
 * systems, reversed dates, units that do not convert) come from the preview
 * with the same paths, in English.
 */
import { DefinitionSchema } from '../../../../src/segments/definition.ts';
import type { MessageKey, Translate } from '../../i18n/index.tsx';
import type { Definition, DefinitionProblem, SegmentNode } from '../../types.ts';
import { childPath, issuePath, nodePathOf } from './tree.ts';

export interface ShownProblem extends DefinitionProblem {
  /** The card it belongs to. */
  node: string;
  /** Set when the text is the server's (English). */
  lang?: string;
}

/** What is missing, by the field zod names last in the issue's path. */
const FIELD_MESSAGE: Record<string, MessageKey> = {
  codes: 'seg.problem.codes',
  values: 'seg.problem.values',
  units: 'seg.problem.units',
  unit: 'seg.problem.unit',
  value: 'seg.problem.value',
  segmentId: 'seg.problem.segment',
  listId: 'seg.problem.list',
  children: 'seg.problem.children',
  from: 'seg.problem.date',
  to: 'seg.problem.date',
  date: 'seg.problem.date',
  amount: 'seg.problem.number',
  day: 'seg.problem.number',
  month: 'seg.problem.number',
  min: 'seg.problem.number',
  max: 'seg.problem.number',
};

function ageProblems(n: SegmentNode, path: string, out: ShownProblem[], t: Translate): void {
  if (n.kind === 'age' && n.min === undefined && n.max === undefined)
    out.push({ path, node: path, message: t('seg.problem.age') });
  if (n.kind === 'and' || n.kind === 'or')
    for (const [i, c] of n.children.entries()) ageProblems(c, childPath(path, i), out, t);
  if (n.kind === 'not') ageProblems(n.child, `${path}.child`, out, t);
}

export function localProblems(def: Definition, t: Translate): ShownProblem[] {
  const out: ShownProblem[] = [];
  const parsed = DefinitionSchema.safeParse(def);
  if (!parsed.success)
    for (const issue of parsed.error.issues) {
      const path = issuePath(issue.path);
      const field = [...issue.path].reverse().find((p) => typeof p === 'string');
      const key = FIELD_MESSAGE[String(field)] ?? 'seg.problem.field';
      const problem = { path, node: nodePathOf(path), message: t(key) };
      if (!out.some((p) => p.node === problem.node && p.message === problem.message)) out.push(problem);
    }
  ageProblems(def.root, 'root', out, t);
  return out;
}

export function serverProblems(problems: readonly DefinitionProblem[]): ShownProblem[] {
  return problems.map((p) => ({ ...p, node: nodePathOf(p.path), lang: 'en' }));
}
