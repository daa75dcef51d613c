/**
 * The definition tree as the builder edits it: nodes are addressed by the
 * server's paths ("root", "root.children[1]", "root.children[0].child"), so
 * the funnel, the sample's reasons and validation problems all point at the
 * same card. Updates are immutable; every node keeps a stable React key.
 */
import type { SegmentNode } from '../../types.ts';

type Step = { kind: 'children'; index: number } | { kind: 'child' };

const keys = new WeakMap<object, string>();
let lastKey = 0;

/** A key that survives edits of the node (updateAt hands it on to the new object). */
export function keyOf(n: SegmentNode): string {
  let k = keys.get(n);
  if (!k) {
    k = `node-${++lastKey}`;
    keys.set(n, k);
  }
  return k;
}

function handOn(from: SegmentNode, to: SegmentNode): SegmentNode {
  if (to !== from && !keys.has(to)) keys.set(to, keyOf(from));
  return to;
}

const STEP = /^\.children\[(\d+)\]|^\.child/;

function parse(path: string): Step[] | null {
  if (!path.startsWith('root')) return null;
  const steps: Step[] = [];
  let rest = path.slice(4);
  while (rest) {
    const m = STEP.exec(rest);
    if (!m) return null;
    steps.push(m[1] === undefined ? { kind: 'child' } : { kind: 'children', index: Number(m[1]) });
    rest = rest.slice(m[0].length);
  }
  return steps;
}

export const childPath = (path: string, index: number) => `${path}.children[${index}]`;
export const notChildPath = (path: string) => `${path}.child`;

/** The parent's path, or null for the root. */
export function parentPath(path: string): string | null {
  const m = /^(.*)(\.children\[\d+\]|\.child)$/.exec(path);
  return m ? m[1] : null;
}

export function nodeAt(root: SegmentNode, path: string): SegmentNode | undefined {
  const steps = parse(path);
  if (!steps) return undefined;
  let n: SegmentNode | undefined = root;
  for (const s of steps) {
    if (!n) return undefined;
    if (s.kind === 'child') n = n.kind === 'not' ? n.child : undefined;
    else n = n.kind === 'and' || n.kind === 'or' ? n.children[s.index] : undefined;
  }
  return n;
}

function apply(
  node: SegmentNode,
  steps: readonly Step[],
  fn: (n: SegmentNode) => SegmentNode | null,
): SegmentNode | null {
  if (steps.length === 0) {
    const out = fn(node);
    return out && handOn(node, out);
  }
  const [step, ...rest] = steps;
  let out: SegmentNode;
  if (step.kind === 'child' && node.kind === 'not') {
    const child = apply(node.child, rest, fn);
    // A NOT without its rule is no rule: removing the rule removes the NOT.
    if (!child) return null;
    out = { ...node, child };
  } else if (step.kind === 'children' && (node.kind === 'and' || node.kind === 'or')) {
    const children = node.children.flatMap((c, i) => {
      if (i !== step.index) return [c];
      const r = apply(c, rest, fn);
      return r ? [r] : [];
    });
    out = { ...node, children };
  } else return node;
  return handOn(node, out);
}

/** The tree with the node at `path` replaced by fn(node); fn returning null removes it. */
export function updateAt(
  root: SegmentNode,
  path: string,
  fn: (n: SegmentNode) => SegmentNode | null,
): SegmentNode {
  const steps = parse(path);
  if (!steps) return root;
  return apply(root, steps, fn) ?? { kind: 'and', children: [] };
}

/** Appends a rule to the group at `path`; a rule that is no group becomes "all of" it and the new rule. */
export function appendAt(root: SegmentNode, path: string, rule: SegmentNode): SegmentNode {
  return updateAt(root, path, (n) =>
    n.kind === 'and' || n.kind === 'or'
      ? { ...n, children: [...n.children, rule] }
      : { kind: 'and', children: [n, rule] },
  );
}

/** Wraps the node in a NOT, or takes the NOT away. */
export function toggleNot(root: SegmentNode, path: string): SegmentNode {
  const parent = parentPath(path);
  const parentNode = parent === null ? undefined : nodeAt(root, parent);
  if (parent !== null && parentNode?.kind === 'not')
    return updateAt(root, parent, (n) => (n.kind === 'not' ? n.child : n));
  return updateAt(root, path, (n) => ({ kind: 'not', child: n }));
}

/**
 * The path of the node a problem is about: "root.children[1].codes[0].system"
 * is about root.children[1]; problems inside a nested segment
 * ("root.children[0](id).children[2]") are about the rule that nests it.
 */
export function nodePathOf(problemPath: string): string {
  const own = problemPath.split('(')[0];
  const m = /^root((?:\.children\[\d+\]|\.child)*)/.exec(own);
  return m ? `root${m[1]}` : 'root';
}

/** zod's issue path (["root", "children", 1, "codes"]) as the server writes paths. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

/** "2.1": the rule's number for people, from its path (the NOT wrapper takes no number). */
export function ruleNumber(path: string): string {
  return [...path.matchAll(/\.children\[(\d+)\]/g)].map((m) => Number(m[1]) + 1).join('.');
}
