import { MAX_TIME, MIN_TIME, parseDateRange } from './dates.ts';
import {
  compartmentStepsByType,
  isCompartmentParam,
  type PathStep,
  searchParamsOf,
} from './search-params.ts';

/** Everything the search index keeps of one resource. */
export interface IndexEntries {
  /** Exact-match keys: `param=code`, `param|system|code`, `param=Type/id`. */
  tokens: string[];
  strings: { param: string; value: string; raw: string }[];
  dates: { param: string; lo: number; hi: number }[];
  quantities: { param: string; value: number; system: string | null; code: string | null }[];
  patientId: string | null;
}

type Json = any;

/** Collects the values at a compiled path, flattening arrays. */
export function collect(root: Json, steps: PathStep[]): Json[] {
  let current: Json[] = [root];
  for (const step of steps) {
    const next: Json[] = [];
    for (const node of current) {
      if (node === null || typeof node !== 'object') continue;
      if (step.choice) {
        for (const key in node) {
          if (
            key.length > step.name.length &&
            key.startsWith(step.name) &&
            isUpper(key.charCodeAt(step.name.length))
          ) {
            push(next, node[key], step);
          }
        }
      } else if (node[step.name] !== undefined) {
        push(next, node[step.name], step);
      }
    }
    current = next;
    if (current.length === 0) break;
  }
  return current;
}

function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}

function push(out: Json[], v: Json, step: PathStep): void {
  if (Array.isArray(v)) {
    for (const item of v) if (keep(item, step)) out.push(item);
  } else if (keep(v, step)) out.push(v);
}

function keep(v: Json, step: PathStep): boolean {
  return (
    !step.filter ||
    (v !== null && typeof v === 'object' && String(v[step.filter.field]) === step.filter.value)
  );
}

/** Lower case, diacritics folded (å→a, é→e), whitespace collapsed: FHIR string matching. */
export function normalizeString(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** `Patient/123`, `http://host/fhir/Patient/123/_history/2` → `Patient/123`; others as they are. */
export function referenceKey(ref: string): string {
  const m = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(ref);
  return m ? `${m[1]}/${m[2]}` : ref;
}

export function extractIndex(resource: Json): IndexEntries {
  const type: string = resource.resourceType;
  const out: IndexEntries = { tokens: [], strings: [], dates: [], quantities: [], patientId: null };
  out.patientId = type === 'Patient' ? (resource.id ?? null) : compartmentPatient(resource);
  const ownPatient = out.patientId === null ? undefined : `Patient/${out.patientId}`;
  for (const param of searchParamsOf(type).values()) {
    const skip = ownPatient !== undefined && isCompartmentParam(type, param) ? ownPatient : undefined;
    for (const steps of param.steps) {
      for (const v of collect(resource, steps)) {
        if (skip !== undefined && typeof v?.reference === 'string' && referenceKey(v.reference) === skip)
          continue;
        addValue(out, param.name, param.kind, v);
      }
    }
  }
  if (out.tokens.length > 1) out.tokens = [...new Set(out.tokens)];
  return out;
}

export function compartmentPatient(resource: Json): string | null {
  const steps = compartmentStepsByType.get(resource.resourceType);
  if (!steps) return null;
  for (const v of collect(resource, steps)) {
    const ref = typeof v?.reference === 'string' ? referenceKey(v.reference) : '';
    if (ref.startsWith('Patient/')) return ref.slice(8);
  }
  return null;
}

function addValue(out: IndexEntries, param: string, kind: string, v: Json): void {
  switch (kind) {
    case 'token':
      addToken(out.tokens, param, v);
      return;
    case 'reference':
      if (v && typeof v.reference === 'string' && !v.reference.startsWith('#')) {
        out.tokens.push(`${param}=${referenceKey(v.reference)}`);
      }
      return;
    case 'string':
      addString(out.strings, param, v);
      return;
    case 'date':
      addDate(out.dates, param, v);
      return;
    case 'quantity':
    case 'number':
      if (typeof v === 'number') out.quantities.push({ param, value: v, system: null, code: null });
      else if (v && typeof v.value === 'number') {
        out.quantities.push({
          param,
          value: v.value,
          system: v.system ?? null,
          code: v.code ?? v.unit ?? null,
        });
      }
      return;
    case 'uri':
      if (typeof v === 'string') out.tokens.push(`${param}=${v}`);
      return;
  }
}

function addToken(tokens: string[], param: string, v: Json): void {
  if (typeof v === 'string') {
    tokens.push(`${param}=${v}`, `${param}||${v}`);
  } else if (typeof v === 'boolean') {
    tokens.push(`${param}=${v}`);
  } else if (v && typeof v === 'object') {
    if (Array.isArray(v.coding)) {
      for (const c of v.coding) addCode(tokens, param, c.system, c.code);
    } else if (typeof v.code === 'string' || (typeof v.system === 'string' && typeof v.code === 'string')) {
      addCode(tokens, param, v.system, v.code);
    } else if (typeof v.value === 'string') {
      // Identifier (system|value) or ContactPoint (value; e-mail addresses compare case-insensitively).
      const value = v.system === 'email' ? v.value.toLowerCase() : v.value;
      const system = typeof v.system === 'string' && v.system.includes(':') ? v.system : undefined;
      addCode(tokens, param, system, value);
    }
  }
}

function addCode(tokens: string[], param: string, system: unknown, code: unknown): void {
  if (typeof code !== 'string') return;
  tokens.push(`${param}=${code}`, `${param}|${typeof system === 'string' ? system : ''}|${code}`);
}

function addString(strings: IndexEntries['strings'], param: string, v: Json): void {
  if (typeof v === 'string') {
    strings.push({ param, value: normalizeString(v), raw: v });
    return;
  }
  if (!v || typeof v !== 'object') return;
  // HumanName and Address: every part is searchable on its own.
  for (const key of [
    'text',
    'family',
    'given',
    'prefix',
    'suffix',
    'line',
    'city',
    'district',
    'state',
    'postalCode',
    'country',
  ]) {
    const part = v[key];
    if (typeof part === 'string') strings.push({ param, value: normalizeString(part), raw: part });
    else if (Array.isArray(part))
      for (const p of part)
        if (typeof p === 'string') strings.push({ param, value: normalizeString(p), raw: p });
  }
}

function addDate(dates: IndexEntries['dates'], param: string, v: Json): void {
  if (typeof v === 'string') {
    const r = parseDateRange(v);
    if (r) dates.push({ param, lo: r.lo, hi: r.hi });
  } else if (v && typeof v === 'object') {
    if ('start' in v || 'end' in v) {
      const lo = typeof v.start === 'string' ? parseDateRange(v.start)?.lo : undefined;
      const hi = typeof v.end === 'string' ? parseDateRange(v.end)?.hi : undefined;
      dates.push({ param, lo: lo ?? MIN_TIME, hi: hi ?? MAX_TIME });
    } else if (Array.isArray(v.event)) {
      for (const e of v.event) addDate(dates, param, e);
    }
  }
}
