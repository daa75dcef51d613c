// R4 type schemas (medplum's loaded InternalTypeSchemas, so both validators read the very same
// definitions) compiled into lookup tables keyed by JSON property name. Built lazily, once per type.
import type { InternalSchemaElement, InternalTypeSchema } from '@medplum/core';
import { tryGetDataType } from '@medplum/core';
import type { CompiledConstraint } from './invariants.ts';
import { compileConstraints } from './invariants.ts';
import { isPrimitiveCode } from './primitives.ts';

export interface CompiledType {
  schema: InternalTypeSchema;
  /** JSON key → the element and type it denotes ("valueQuantity" → value[x] as Quantity). */
  keys: Map<string, Variant>;
  /** Schema element name ("value[x]") → element. */
  elements: Map<string, CompiledElement>;
  /** Elements with min > 0, checked once per object. */
  required: CompiledElement[];
  /** Invariants on the type itself; medplum evaluates them for the root resource only. */
  constraints: CompiledConstraint[];
}

export interface CompiledElement {
  /** Key in the schema, e.g. "code" or "value[x]"; medplum's paths use it. */
  name: string;
  choice: boolean;
  element: InternalSchemaElement;
  min: number;
  max: number;
  isArray: boolean;
  /** In the definition's type order: for a choice, the first one present in the JSON wins. */
  variants: Variant[];
  constraints: CompiledConstraint[];
  /** Fixed values, patterns and slicing do not occur in the R4 base definitions; never reproduced. */
  unsupported: boolean;
  /** Reference elements: the "Invalid reference" warning per referenced type (null: none). */
  referenceWarnings?: Map<string, string | null>;
}

export type VariantKind = 'primitive' | 'complex' | 'resource';

export interface Variant {
  key: string;
  code: string;
  kind: VariantKind;
  owner: CompiledElement;
  /** The schema whose innerTypes resolve nested type names, as medplum's crawler looks them up. */
  scope: InternalTypeSchema;
  child?: CompiledType | null;
  /** For Resource-typed elements: compiled types by the value's resourceType. */
  resources?: Map<string, CompiledType | null>;
}

const compiled = new Map<InternalTypeSchema, CompiledType>();

export function compileType(schema: InternalTypeSchema): CompiledType {
  let type = compiled.get(schema);
  if (type) return type;
  type = {
    schema,
    keys: new Map(),
    elements: new Map(),
    required: [],
    constraints: compileConstraints(schema.constraints),
  };
  compiled.set(schema, type);
  for (const [name, element] of Object.entries(schema.elements)) {
    const choice = name.endsWith('[x]');
    const base = choice ? name.slice(0, -3) : name;
    const el: CompiledElement = {
      name,
      choice,
      element,
      min: element.min,
      max: element.max,
      isArray: !!element.isArray,
      variants: [],
      constraints: compileConstraints(element.constraints),
      unsupported: !!(element.fixed || element.pattern || element.slicing),
    };
    type.elements.set(name, el);
    // A non-choice element takes its first type (medplum's rule); a choice has one key per type.
    for (const t of choice ? element.type : element.type.slice(0, 1)) {
      const key = choice ? base + t.code.charAt(0).toUpperCase() + t.code.slice(1) : name;
      if (type.keys.has(key)) continue;
      const kind: VariantKind =
        t.code === 'Resource' ? 'resource' : isPrimitiveCode(t.code) ? 'primitive' : 'complex';
      const variant: Variant = { key, code: t.code, kind, owner: el, scope: schema };
      el.variants.push(variant);
      type.keys.set(key, variant);
    }
    if (el.min > 0) type.required.push(el);
  }
  return type;
}

/** The schema of a nested value of type `code`; null when medplum could not resolve it either. */
export function resolveType(scope: InternalTypeSchema, code: string): CompiledType | null {
  const schema = scope.innerTypes?.find((t) => t.name === code) ?? tryGetDataType(code);
  return schema ? compileType(schema) : null;
}

export function childType(variant: Variant): CompiledType | null {
  if (variant.child === undefined) variant.child = resolveType(variant.scope, variant.code);
  return variant.child;
}
