// The compiled R4 structure validator. It reports exactly what @medplum/core's validateResource
// reports (same texts, same medplum-style paths, so issue conversion is shared), but walks the
// JSON's own keys through precompiled per-type tables instead of looking up every schema element
// of every object. Shapes whose medplum outcome hinges on its internals (null, odd primitive
// extensions, objects where a primitive belongs, ...) are handed to medplum itself: see Unsupported.
import { getDataType, toTypedValue } from '@medplum/core';
import type { CompiledElement, CompiledType, Variant } from './compiled-types.ts';
import { childType, compileType, resolveType } from './compiled-types.ts';
import type { InvariantScope } from './invariants.ts';
import { checkConstraints } from './invariants.ts';
import { runMedplum } from './medplum.ts';
import type { OperationOutcomeIssue } from './medplum-issues.ts';
import { primitiveProblem, structureIssue } from './primitives.ts';

/** Thrown for a construct the compiled walk does not reproduce; the resource goes to medplum. */
class Unsupported extends Error {}

/** How many resources took which path; the parity test and the benchmark report it. */
export const structureStats = { compiled: 0, fallback: 0, reasons: new Map<string, number>() };

let elementSchema: CompiledType | undefined;

/** Structural validation of a resource of a known resourceType, in medplum's issue format. */
export function checkStructure(resource: Record<string, unknown>): OperationOutcomeIssue[] {
  try {
    const issues = checkCompiled(resource);
    structureStats.compiled++;
    return issues;
  } catch (err) {
    structureStats.fallback++;
    const reason = err instanceof Unsupported ? err.message : `unexpected: ${String(err)}`;
    structureStats.reasons.set(reason, (structureStats.reasons.get(reason) ?? 0) + 1);
    return runMedplum(resource);
  }
}

function checkCompiled(resource: Record<string, unknown>): OperationOutcomeIssue[] {
  // medplum types the root with its toTypedValue guess, which takes an object with a numeric
  // "value" for a Quantity; such a resource is validated as one, which only medplum reproduces.
  const root = toTypedValue(resource);
  if (root.type !== resource.resourceType) throw new Unsupported('resource typed as a Quantity by medplum');
  const schema = getDataType(root.type);
  const type = compileType(schema);
  const scope: InvariantScope = { issues: [], root, resource };
  checkConstraints(type.constraints, root, schema.path, scope);
  walkObject(scope, type, resource, schema.path, schema.path);
  return scope.issues;
}

/**
 * Validates one object against its type. `path` is medplum's value path (with indexes, choice
 * elements as "value[x]"); `crawlPath` is its crawler path, without indexes, which medplum uses
 * for the array-vs-single messages.
 */
function walkObject(
  scope: InvariantScope,
  type: CompiledType,
  obj: Record<string, unknown>,
  path: string,
  crawlPath: string,
): void {
  const outer = scope.resource;
  if ('resourceType' in obj) scope.resource = obj; // medplum's resource stack (for %resource)
  const mark = scope.issues.length;
  if (!walkRegular(scope, type, obj, path, crawlPath)) {
    scope.issues.length = mark; // start over on the full path, which also reproduces medplum's order
    walkIrregular(scope, type, obj, path, crawlPath);
  }
  scope.resource = outer;
}

/**
 * The common case, in one pass over the keys: every key names a distinct element, so each value is
 * that element's value as medplum resolves it. Returns false, having checked only part of the
 * object, on a primitive extension ("_birthDate") or a second variant of a choice element.
 */
function walkRegular(
  scope: InvariantScope,
  type: CompiledType,
  obj: Record<string, unknown>,
  path: string,
  crawlPath: string,
): boolean {
  let requiredSeen = 0;
  let unknownKeys = false;
  for (const key in obj) {
    const variant = type.keys.get(key);
    if (variant === undefined) {
      if (key.charCodeAt(0) === 95) return false;
      scanNulls(obj[key]);
      if (key !== 'resourceType') unknownKeys = true;
      continue;
    }
    const el = variant.owner;
    if (el.choice && hasOtherVariant(type, el, key, obj)) return false;
    if (el.min > 0) requiredSeen++;
    // medplum does not recognise an empty choice value as its element, and calls the key unknown.
    if (!checkElement(scope, variant, obj[key], undefined, path, crawlPath) && el.choice) unknownKeys = true;
  }
  if (unknownKeys) checkUnknownKeys(scope, type, obj, path);
  if (requiredSeen < type.required.length) {
    for (const el of type.required) {
      if (!el.variants.some((v) => obj[v.key] !== undefined)) {
        scope.issues.push(structureIssue(`${path}.${el.name}`, 'Missing required property'));
      }
    }
  }
  return true;
}

function hasOtherVariant(
  type: CompiledType,
  el: CompiledElement,
  key: string,
  obj: Record<string, unknown>,
): boolean {
  for (const other in obj) {
    if (other !== key && type.keys.get(other)?.owner === el) return true;
  }
  return false;
}

// Objects with unknown keys, primitive extensions ("_birthDate") or two variants of one choice.
function walkIrregular(
  scope: InvariantScope,
  type: CompiledType,
  obj: Record<string, unknown>,
  path: string,
  crawlPath: string,
): void {
  const handled: CompiledElement[] = [];
  const walkedKeys = new Set<string>();
  for (const key in obj) {
    const variant =
      type.keys.get(key) ?? (key.charCodeAt(0) === 95 ? type.keys.get(key.slice(1)) : undefined);
    if (!variant || handled.includes(variant.owner)) continue;
    handled.push(variant.owner);
    const chosen = chosenVariant(variant.owner, obj) as Variant;
    walkedKeys.add(chosen.key);
    walkedKeys.add(`_${chosen.key}`);
    checkElement(scope, chosen, obj[chosen.key], obj[`_${chosen.key}`], path, crawlPath);
  }
  for (const key in obj) if (!walkedKeys.has(key)) scanNulls(obj[key]);
  checkUnknownKeys(scope, type, obj, path);
  for (const el of type.required) {
    if (!handled.includes(el))
      scope.issues.push(structureIssue(`${path}.${el.name}`, 'Missing required property'));
  }
}

/** medplum's pick among choice variants: the first type, in definition order, with a value or "_" key. */
function chosenVariant(el: CompiledElement, obj: Record<string, unknown>): Variant | undefined {
  for (const v of el.variants) {
    if (obj[v.key] !== undefined || obj[`_${v.key}`] !== undefined) return v;
  }
  return undefined;
}

/**
 * Checks one element's value (and its "_" primitive extension). Returns false when medplum would
 * consider the element absent: no value, or an empty string, object or array.
 */
function checkElement(
  scope: InvariantScope,
  variant: Variant,
  raw: unknown,
  ext: unknown,
  parentPath: string,
  parentCrawlPath: string,
): boolean {
  const el = variant.owner;
  if (ext !== undefined) {
    checkExtensionShape(variant, raw, ext);
  } else if (isEmptyValue(raw)) {
    if (el.min > 0)
      scope.issues.push(structureIssue(`${parentPath}.${el.name}`, 'Missing required property'));
    return false;
  }
  if (el.unsupported) throw new Unsupported(`${el.element.path}: fixed value, pattern or slicing`);
  if (Array.isArray(raw)) {
    if (!el.isArray) {
      const crawlPath = `${parentCrawlPath}.${el.name}`;
      scope.issues.push(structureIssue(crawlPath, 'Expected single value for property'));
      for (let i = 0; i < raw.length; i++)
        crawlOnly(scope, variant, raw[i], itemPath(parentPath, el, i), crawlPath);
      return true;
    }
    checkCount(scope, el, raw.length);
    for (let i = 0; i < raw.length; i++)
      checkItem(scope, variant, raw[i], undefined, parentPath, i, parentCrawlPath);
  } else {
    if (el.isArray) {
      const crawlPath = `${parentCrawlPath}.${el.name}`;
      scope.issues.push(structureIssue(crawlPath, 'Expected array of values for property'));
      crawlOnly(scope, variant, raw, itemPath(parentPath, el, -1), crawlPath);
      return true;
    }
    checkCount(scope, el, 1);
    checkItem(scope, variant, raw, ext, parentPath, -1, parentCrawlPath);
  }
  return true;
}

// Paths are only built when needed (nested objects, issues, invariants): most primitives need none.
function itemPath(parentPath: string, el: CompiledElement, index: number): string {
  return index < 0 ? `${parentPath}.${el.name}` : `${parentPath}.${el.name}[${index}]`;
}

function checkCount(scope: InvariantScope, el: CompiledElement, n: number): void {
  if (n < el.min || n > el.max) {
    const max = Number.isFinite(el.max) ? el.max : '*';
    scope.issues.push(
      structureIssue(el.element.path, `Invalid number of values: expected ${el.min}..${max}, but found ${n}`),
    );
  }
}

/** One value of an element: invariants, reference target, primitive format or nested object. */
function checkItem(
  scope: InvariantScope,
  variant: Variant,
  item: unknown,
  ext: unknown,
  parentPath: string,
  index: number,
  parentCrawlPath: string,
): void {
  const el = variant.owner;
  if (item === null) throw new Unsupported('null value');
  if (variant.kind === 'primitive') {
    if (typeof item === 'object') throw new Unsupported('object or array where a primitive belongs');
    if (el.constraints.length > 0) {
      if (ext !== undefined)
        throw new Unsupported(`invariant on a primitive with an extension: ${el.element.path}`);
      checkConstraints(
        el.constraints,
        { type: variant.code, value: item },
        itemPath(parentPath, el, index),
        scope,
      );
    }
    if (item !== undefined) {
      const problem = primitiveProblem(item, variant.code);
      if (problem) {
        scope.issues.push(structureIssue(itemPath(parentPath, el, index), problem));
        // medplum stops at a wrong JSON type, before looking at the primitive's extension.
        if (problem.startsWith('Invalid JSON type')) return;
      }
    }
    if (ext !== undefined) {
      const path = itemPath(parentPath, el, index);
      walkObject(scope, primitiveExtensionType(), ext as Record<string, unknown>, path, path);
    }
    return;
  }
  const path = itemPath(parentPath, el, index);
  const obj = asObject(item);
  const [typeName, child] = nestedType(variant, obj);
  if (el.constraints.length > 0)
    checkConstraints(el.constraints, { type: typeName, value: obj }, path, scope);
  if (typeName === 'Reference') checkReferenceTarget(scope, el, obj, path);
  if (isEmptyValue(obj)) scope.issues.push(structureIssue(path, 'Invalid empty non-primitive value'));
  walkObject(scope, child, obj, path, `${parentCrawlPath}.${el.name}`);
}

/** After an array-vs-single mismatch medplum reports nothing more, but still walks nested objects. */
function crawlOnly(
  scope: InvariantScope,
  variant: Variant,
  item: unknown,
  path: string,
  crawlPath: string,
): void {
  if (variant.kind === 'primitive') {
    scanNulls(item);
    return;
  }
  const obj = asObject(item);
  walkObject(scope, nestedType(variant, obj)[1], obj, path, crawlPath);
}

function asObject(item: unknown): Record<string, unknown> {
  if (item === null) throw new Unsupported('null value');
  if (typeof item !== 'object' || Array.isArray(item)) {
    throw new Unsupported('primitive or array where an object belongs');
  }
  return item as Record<string, unknown>;
}

/** The type a nested object is checked as; a Resource element takes its value's resourceType. */
function nestedType(variant: Variant, obj: Record<string, unknown>): [string, CompiledType] {
  if (variant.kind === 'resource') {
    const name = 'resourceType' in obj ? obj.resourceType : 'Resource';
    if (typeof name !== 'string') throw new Unsupported('non-string resourceType');
    let cache = variant.resources;
    if (!cache) cache = variant.resources = new Map();
    let child = cache.get(name);
    if (child === undefined) {
      child = resolveType(variant.scope, name);
      cache.set(name, child);
    }
    if (!child) throw new Unsupported(`unknown nested resourceType '${name}'`);
    return [name, child];
  }
  const child = childType(variant);
  if (!child) throw new Unsupported(`unresolvable type ${variant.code}`);
  return [variant.code, child];
}

function primitiveExtensionType(): CompiledType {
  if (!elementSchema) elementSchema = compileType(getDataType('Element'));
  return elementSchema;
}

// medplum merges "_x" into x with Object.assign; only the plain, common shape is reproduced: a
// single primitive (or none) with a non-empty extension object.
function checkExtensionShape(variant: Variant, raw: unknown, ext: unknown): void {
  if (variant.kind !== 'primitive' || variant.owner.isArray) {
    throw new Unsupported('"_" extension on a repeating or complex element');
  }
  if (typeof ext !== 'object' || ext === null || Array.isArray(ext) || Object.keys(ext).length === 0) {
    throw new Unsupported('"_" extension that is not a non-empty object');
  }
  if (
    !(
      raw === undefined ||
      (typeof raw === 'string' && raw !== '') ||
      typeof raw === 'number' ||
      typeof raw === 'boolean'
    )
  ) {
    throw new Unsupported('"_" extension beside an empty or non-primitive value');
  }
  if (typeof raw === 'string' && Object.keys(ext).some((k) => /^\d+$/.test(k))) {
    throw new Unsupported('"_" extension with index-like keys');
  }
}

/** medplum's checkAdditionalProperties: unknown keys are errors, extra choice variants warnings. */
function checkUnknownKeys(
  scope: InvariantScope,
  type: CompiledType,
  obj: Record<string, unknown>,
  path: string,
): void {
  const elements = type.schema.elements;
  const choiceKeys: Record<string, string> = {};
  for (const key of Object.keys(obj)) {
    if (key === 'resourceType') continue;
    const name = choiceElementName(type, obj, key);
    if (name) {
      const [related, requiredRelated] = name.startsWith('_')
        ? [name.slice(1), key.slice(1)]
        : [`_${name}`, `_${key}`];
      if (related in choiceKeys && choiceKeys[related] !== requiredRelated) {
        const property = name.startsWith('_') ? name.slice(1) : name;
        scope.issues.push(
          warning(`Type of primitive extension does not match the type of property "${property}"`, name),
        );
      }
      if (choiceKeys[name]) {
        scope.issues.push(
          warning(`Conflicting choice of type properties: "${key}", "${choiceKeys[name]}"`, key),
        );
      }
      choiceKeys[name] = key;
      continue;
    }
    if (!(key in elements) && !(key.startsWith('_') && key.slice(1) in elements)) {
      scope.issues.push(structureIssue(`${path}.${key}`, `Invalid additional property "${key}"`));
    }
  }
}

/** medplum's isChoiceOfType: the first capitalised prefix naming a choice element, if that element has a value. */
function choiceElementName(
  type: CompiledType,
  obj: Record<string, unknown>,
  key: string,
): string | undefined {
  let prefix = '';
  let name = key;
  if (name.startsWith('_')) {
    name = name.slice(1);
    prefix = '_';
  }
  let test = '';
  for (const part of name.split(/(?=[A-Z])/g)) {
    test += part;
    const elementName = `${test}[x]`;
    const el = type.elements.get(elementName);
    if (el) {
      const chosen = chosenVariant(el, obj);
      const present =
        chosen !== undefined && !(obj[`_${chosen.key}`] === undefined && isEmptyValue(obj[chosen.key]));
      return present ? prefix + elementName : undefined;
    }
  }
  return undefined;
}

function checkReferenceTarget(
  scope: InvariantScope,
  el: CompiledElement,
  ref: Record<string, unknown>,
  path: string,
): void {
  const reference = ref.reference;
  if (typeof reference !== 'string' || reference.startsWith('#')) return;
  const q = reference.indexOf('?');
  const end = q >= 0 ? q : reference.indexOf('/');
  const target = end >= 0 ? reference.slice(0, end) : reference;
  if (!target) return;
  if (reference === 'system' && el.element.path === 'AuditEvent.agent.who') return;
  let cache = el.referenceWarnings;
  if (!cache) cache = el.referenceWarnings = new Map();
  let text = cache.get(target);
  if (text === undefined) {
    text = referenceWarning(el, target);
    cache.set(target, text);
  }
  if (text) scope.issues.push(warning(text, path));
}

/** medplum's referenceTypeCheck verdict for a referenced type: the warning text, or null if fine. */
function referenceWarning(el: CompiledElement, target: string): string | null {
  const profiles = el.element.type.find((t) => t.code === 'Reference')?.targetProfile;
  if (!profiles) return null;
  const hl7 = 'http://hl7.org/fhir/StructureDefinition/';
  const medplum = 'https://medplum.com/fhir/StructureDefinition/';
  for (const profile of profiles) {
    if (profile === `${hl7}Resource` || profile === hl7 + target || profile === medplum + target) return null;
    if (!profile.startsWith(hl7) && !profile.startsWith(medplum)) return null; // a profile medplum cannot judge
  }
  return `Invalid reference: got "${target}", expected "${profiles.join('", "')}"`;
}

function warning(text: string, path: string): OperationOutcomeIssue {
  return { severity: 'warning', code: 'structure', details: { text }, expression: [path] };
}

/** medplum's isEmpty for JSON values: absent, "", [] or {} (null is handed to medplum). */
function isEmptyValue(v: unknown): boolean {
  if (v === undefined) return true;
  if (v === null) throw new Unsupported('null value');
  if (typeof v === 'string') return v === '';
  if (typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.length === 0;
  for (const _key in v) return false;
  return true;
}

// medplum reports every null in the resource, walked or not; values outside the walk are scanned.
function scanNulls(v: unknown): void {
  if (v === null) throw new Unsupported('null value');
  if (typeof v !== 'object') return;
  if (Array.isArray(v)) {
    for (const item of v) scanNulls(item);
  } else {
    for (const key in v) scanNulls((v as Record<string, unknown>)[key]);
  }
}
