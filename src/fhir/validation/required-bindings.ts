// Checks `required` terminology bindings, which @medplum/core's validator does not enforce.
//
// The type schemas are compiled once into walkers: per JSON property name, what to check and which
// walker to descend with. Subtrees that cannot contain a required binding are pruned, so a value
// is only visited when it could hold a code we are able to check.

import type { InternalSchemaElement, InternalTypeSchema } from '@medplum/core';
import { getDataType, tryGetDataType } from '@medplum/core';
import type { ValueSetExpansion } from '../bindings.ts';
import { expandValueSet } from '../bindings.ts';
import { RESOURCE_TYPES } from '../definitions.ts';
import type { ValidationIssue } from '../validate.ts';

type TermKind = 'code' | 'Coding' | 'CodeableConcept';

interface BindingCheck {
  kind: TermKind;
  valueSet: string;
  /** Resolved on first use; null = cannot be expanded locally, so the binding is not enforced. */
  expansion?: ValueSetExpansion | null;
}

interface Entry {
  binding?: BindingCheck;
  /** Walker for a complex value; undefined for primitives and for pruned subtrees. */
  walker?: Walker;
  /** Element typed `Resource` (contained, Parameters.parameter.resource): walk by its resourceType. */
  anyResource?: boolean;
}

interface Walker {
  entries: Map<string, Entry>;
  /** Whether anything below can hold a required binding; settled by prune(). */
  live: boolean;
}

const resourceWalkers = new Map<string, Walker>();
const compiled = new Map<InternalTypeSchema, Walker>();

/** Appends an issue for every coded value that violates a required binding. */
export function checkRequiredBindings(resource: Record<string, unknown>, issues: ValidationIssue[]): void {
  const walker = getResourceWalker(resource.resourceType as string);
  if (walker) walkObject(resource, walker, resource.resourceType as string, issues);
}

function getResourceWalker(type: string): Walker | undefined {
  if (resourceWalkers.size === 0) compileAll();
  return resourceWalkers.get(type);
}

// Compiling every resource type up front (a few ms) lets the pruning see the whole graph,
// including cycles such as Extension.extension or Questionnaire.item.item.
function compileAll(): void {
  for (const type of RESOURCE_TYPES) {
    const schema = getDataType(type);
    resourceWalkers.set(type, compile(schema, schema));
  }
  prune();
}

function compile(schema: InternalTypeSchema, root: InternalTypeSchema): Walker {
  const existing = compiled.get(schema);
  if (existing) return existing;
  const walker: Walker = { entries: new Map(), live: false };
  compiled.set(schema, walker);
  for (const [name, element] of Object.entries(schema.elements)) {
    const choice = name.endsWith('[x]');
    const base = choice ? name.slice(0, -3) : name;
    for (const { code } of element.type) {
      const key = choice ? base + code.charAt(0).toUpperCase() + code.slice(1) : base;
      const entry = compileEntry(element, code, root);
      if (entry) walker.entries.set(key, entry);
    }
  }
  return walker;
}

function compileEntry(
  element: InternalSchemaElement,
  code: string,
  root: InternalTypeSchema,
): Entry | undefined {
  const entry: Entry = {};
  const binding = element.binding;
  if (binding?.strength === 'required' && binding.valueSet && isTermKind(code)) {
    entry.binding = { kind: code, valueSet: binding.valueSet };
  }
  if (code === 'Resource') {
    // Bundle entries are validated one by one by the caller, never as part of the bundle.
    if (element.path !== 'Bundle.entry.resource') entry.anyResource = true;
  } else if (isComplexType(code)) {
    const inner = root.innerTypes.find((t) => t.name === code);
    const schema = inner ?? tryGetDataType(code);
    if (schema) entry.walker = compile(schema, inner ? root : schema);
  }
  return entry.binding || entry.walker || entry.anyResource ? entry : undefined;
}

function isTermKind(code: string): code is TermKind {
  return code === 'code' || code === 'Coding' || code === 'CodeableConcept';
}

function isComplexType(code: string): boolean {
  const first = code.charCodeAt(0);
  return first >= 65 && first <= 90; // FHIR complex types start upper-case, primitives lower-case
}

/** Fixpoint: a walker is live if it checks a binding or reaches a live walker or any resource. */
function prune(): void {
  let changed = true;
  while (changed) {
    changed = false;
    for (const walker of compiled.values()) {
      if (walker.live) continue;
      for (const entry of walker.entries.values()) {
        if (entry.binding || entry.anyResource || entry.walker?.live) {
          walker.live = true;
          changed = true;
          break;
        }
      }
    }
  }
  for (const walker of compiled.values()) {
    for (const [key, entry] of walker.entries) {
      if (entry.walker && !entry.walker.live) entry.walker = undefined;
      if (!entry.binding && !entry.walker && !entry.anyResource) walker.entries.delete(key);
    }
  }
}

function walkObject(
  obj: Record<string, unknown>,
  walker: Walker,
  path: string,
  issues: ValidationIssue[],
): void {
  for (const key in obj) {
    const entry = walker.entries.get(key);
    if (!entry) continue;
    const value = obj[key];
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) visit(value[i], entry, path, key, i, issues);
    } else if (value !== undefined && value !== null) {
      visit(value, entry, path, key, -1, issues);
    }
  }
}

function visit(
  value: unknown,
  entry: Entry,
  parent: string,
  key: string,
  index: number,
  issues: ValidationIssue[],
): void {
  // Wrong JSON shapes are reported by the structural validator; only well-formed values are checked.
  if (entry.binding) checkBinding(value, entry.binding, parent, key, index, issues);
  if (typeof value !== 'object' || value === null) return;
  const obj = value as Record<string, unknown>;
  if (entry.walker) {
    walkObject(obj, entry.walker, elementPath(parent, key, index), issues);
  } else if (entry.anyResource && typeof obj.resourceType === 'string') {
    const walker = getResourceWalker(obj.resourceType);
    if (walker) walkObject(obj, walker, elementPath(parent, key, index), issues);
  }
}

function elementPath(parent: string, key: string, index: number): string {
  return index < 0 ? `${parent}.${key}` : `${parent}.${key}[${index}]`;
}

function resolve(check: BindingCheck): ValueSetExpansion | null {
  if (check.expansion === undefined) check.expansion = expandValueSet(check.valueSet) ?? null;
  return check.expansion;
}

function checkBinding(
  value: unknown,
  check: BindingCheck,
  parent: string,
  key: string,
  index: number,
  issues: ValidationIssue[],
): void {
  const vs = resolve(check);
  if (!vs) return;
  let problem: string | undefined;
  if (check.kind === 'code') {
    if (typeof value === 'string' && !vs.allCodes.has(value)) problem = `value '${value}' is not in`;
  } else if (check.kind === 'Coding') {
    problem = codingProblem(value, vs);
  } else {
    const codings = (value as { coding?: unknown } | null)?.coding;
    // A CodeableConcept with text only is allowed: there is no code to check.
    if (Array.isArray(codings) && codings.length > 0) {
      const problems = codings.map((c) => codingProblem(c, vs));
      if (!problems.includes(undefined)) {
        problem = problems.length === 1 ? problems[0] : `none of its codings is in (${problems.join('; ')})`;
      }
    }
  }
  if (problem) {
    const expression = elementPath(parent, key, index);
    issues.push({
      severity: 'error',
      code: 'code-invalid',
      expression,
      diagnostics: `${expression}: ${problem} the required value set ${vs.url} (allowed: ${allowedList(vs, check.kind !== 'code')})`,
    });
  }
}

/** Says why a Coding does not satisfy the value set (phrase ending in "...in"), or undefined if it does. */
function codingProblem(value: unknown, vs: ValueSetExpansion): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { system, code } = value as { system?: unknown; code?: unknown };
  if (typeof code !== 'string') return 'a coding without a code is not in';
  if (typeof system !== 'string') {
    // Without a system the code is ambiguous; accept it only if the value set defines it.
    return vs.allCodes.has(code) ? undefined : `code '${code}' (no system) is not in`;
  }
  const codes = vs.bySystem.get(system);
  if (!codes) return `code '${code}' of system ${system} is from a code system not used by`;
  return codes.has(code) ? undefined : `code '${code}' of system ${system} is not in`;
}

const MAX_LISTED = 20;
const allowedLists = new Map<string, string>();

/** "male, female, ..." for codes; codings also name the system(s) they must come from. */
function allowedList(vs: ValueSetExpansion, withSystem: boolean): string {
  const cacheKey = `${withSystem}|${vs.url}`;
  let text = allowedLists.get(cacheKey);
  if (text === undefined) {
    const parts: string[] = [];
    const qualify = withSystem && vs.bySystem.size > 1;
    for (const [system, codes] of vs.bySystem) {
      for (const c of codes) parts.push(qualify ? `${system}|${c}` : c);
    }
    text = parts.slice(0, MAX_LISTED).join(', ');
    if (parts.length > MAX_LISTED) text += `, ... ${parts.length - MAX_LISTED} more`;
    if (withSystem && vs.bySystem.size === 1) text += ` from system ${[...vs.bySystem.keys()][0]}`;
    allowedLists.set(cacheKey, text);
  }
  return text;
}
