// FHIRPath invariants (ElementDefinition.constraint), evaluated exactly as @medplum/core's validator
// does — same skipped keys, same variables, same evaluator — but parsed once per constraint, and
// not evaluated at all where the result cannot depend on the object (see `triggers`).
import type { TypedValue } from '@medplum/core';
import { evalFhirPathTyped, parseFhirPath, toTypedValue, UCUM } from '@medplum/core';
import type { OperationOutcomeIssue } from './medplum-issues.ts';

interface Constraint {
  key: string;
  severity: string;
  expression: string;
  description: string;
}

type FhirPathAst = ReturnType<typeof parseFhirPath>;

export interface CompiledConstraint {
  constraint: Constraint;
  ast?: FhirPathAst;
  parseError?: unknown;
  /**
   * Names whose presence as a JSON key (or key prefix, for choice elements) can change the result.
   * When an object has none of them, every navigation in the expression yields nothing, so the
   * result is the same as for an empty object of the same type and is computed once per type.
   * Undefined when the expression may look at more than named children (variables, $this,
   * children(), string functions on the context, ...): then it is always evaluated.
   */
  triggers?: string[];
  /** Upper-case identifiers: a resource-type name navigates to the object itself when it is a resource. */
  namesTypes?: boolean;
  constants: Map<string, boolean>;
}

/** Invariants medplum never evaluates (ele-1 is checked structurally, the rest need data it lacks). */
const SKIPPED = new Set(['ele-1', 'dom-3', 'org-1', 'sdf-19']);

// Functions whose result depends only on the collections they are applied to, never on the
// context object's other content; an expression using anything else is always evaluated.
const PURE_FUNCTIONS = new Set([
  'empty',
  'exists',
  'not',
  'all',
  'count',
  'where',
  'select',
  'distinct',
  'isDistinct',
  'first',
  'last',
  'tail',
  'iif',
  'ofType',
  'is',
  'as',
  'union',
  'combine',
  'intersect',
  'exclude',
  'subsetOf',
  'supersetOf',
  'anyTrue',
  'allTrue',
  'anyFalse',
  'allFalse',
  'extension',
]);
const KEYWORDS = new Set([
  'and',
  'or',
  'xor',
  'implies',
  'is',
  'as',
  'in',
  'contains',
  'div',
  'mod',
  'true',
  'false',
]);

export function compileConstraints(constraints: readonly Constraint[] | undefined): CompiledConstraint[] {
  const out: CompiledConstraint[] = [];
  for (const constraint of constraints ?? []) {
    if (constraint.severity !== 'error' || SKIPPED.has(constraint.key)) continue;
    const compiled: CompiledConstraint = { constraint, constants: new Map() };
    try {
      compiled.ast = parseFhirPath(constraint.expression);
      compiled.triggers = triggersOf(constraint.expression);
      compiled.namesTypes = compiled.triggers?.some((t) => /^[A-Z]/.test(t));
    } catch (err) {
      compiled.parseError = err;
    }
    out.push(compiled);
  }
  return out;
}

function triggersOf(expression: string): string[] | undefined {
  if (/[%$]/.test(expression)) return undefined;
  const text = expression.replace(/'(?:[^'\\]|\\.)*'/g, "''");
  const names = new Set<string>();
  for (const m of text.matchAll(/`([^`]*)`|([A-Za-z_][A-Za-z0-9_]*)(\s*\()?/g)) {
    const name = m[1] ?? m[2];
    if (m[3]) {
      if (!PURE_FUNCTIONS.has(name)) return undefined;
      if (name !== 'extension') continue;
    } else if (KEYWORDS.has(name)) {
      continue;
    }
    names.add(name);
    // medplum resolves a typed choice name such as valueQuantity to whichever value[x] is present.
    for (let i = 1; i < name.length; i++) {
      const c = name.charCodeAt(i);
      if (c >= 65 && c <= 90) names.add(name.slice(0, i));
    }
  }
  return [...names];
}

/** What an invariant is evaluated against, as medplum's validator sets it up. */
export interface InvariantScope {
  issues: OperationOutcomeIssue[];
  root: TypedValue;
  /** The innermost object with a resourceType that encloses the value (medplum's resource stack). */
  resource: Record<string, unknown> | undefined;
}

const UCUM_VALUE = toTypedValue(UCUM);

/** Reports the first failing invariant of `list` for one value, like medplum's constraintsCheck. */
export function checkConstraints(
  list: readonly CompiledConstraint[],
  typed: TypedValue,
  path: string,
  scope: InvariantScope,
): void {
  for (const c of list) {
    if (!holds(c, typed, path, scope)) {
      scope.issues.push({
        severity: 'error',
        code: 'invariant',
        details: { text: `Constraint ${c.constraint.key} not met: ${c.constraint.description}` },
        expression: [path],
        diagnostics: JSON.stringify({ fhirpath: c.constraint.expression }),
      });
      return;
    }
  }
}

function holds(c: CompiledConstraint, typed: TypedValue, path: string, scope: InvariantScope): boolean {
  if (!c.ast) {
    scope.issues.push(processingIssue(path, c, c.parseError));
    return false;
  }
  const value = typed.value as Record<string, unknown>;
  if (c.triggers && isPlainObject(value) && !triggered(c, value)) {
    const known = c.constants.get(typed.type);
    if (known !== undefined) return known;
    try {
      const result = isTrue(evalFhirPathTyped(c.ast, [{ type: typed.type, value: {} }], {}));
      c.constants.set(typed.type, result);
      return result;
    } catch {
      c.triggers = undefined; // an error must be reported with the real value: always evaluate
    }
  }
  const variables: Record<string, TypedValue> = { '%context': typed, '%ucum': UCUM_VALUE };
  if (scope.resource) variables['%resource'] = toTypedValue(scope.resource);
  variables['%rootResource'] = scope.root;
  try {
    return isTrue(evalFhirPathTyped(c.ast, [typed], variables));
  } catch (err) {
    scope.issues.push(processingIssue(path, c, err));
    return false;
  }
}

function isTrue(result: TypedValue[]): boolean {
  return result.length === 1 && result[0].value === true;
}

function triggered(c: CompiledConstraint, value: Record<string, unknown>): boolean {
  const triggers = c.triggers as string[];
  for (const raw in value) {
    if (raw === 'resourceType') {
      if (c.namesTypes) return true;
      continue;
    }
    const key = raw.charCodeAt(0) === 95 ? raw.slice(1) : raw;
    for (const t of triggers) if (key.startsWith(t)) return true;
  }
  return false;
}

function isPlainObject(v: unknown): boolean {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype
  );
}

function processingIssue(path: string, c: CompiledConstraint, err: unknown): OperationOutcomeIssue {
  return {
    severity: 'error',
    code: 'processing',
    details: { text: 'Error evaluating invariant expression' },
    expression: [path],
    diagnostics: JSON.stringify({ fhirpath: c.constraint.expression, error: err }),
  };
}
