import { FhirError, type OutcomeIssue } from '../outcome.ts';
import { type CompiledParam, searchParam, searchParamsOf } from '../search-params.ts';

export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';
const PREFIXES = new Set<string>(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);

/** One `name[:modifier]=v1,v2` of the query: values are OR-ed, criteria AND-ed. */
export interface Criterion {
  name: string;
  /** `_id` and `_lastUpdated` are columns; the rest come from the search-parameter table. */
  param: CompiledParam | { name: '_id'; kind: 'special' } | { name: '_lastUpdated'; kind: 'special' };
  modifier?: string;
  values: string[];
}

export interface SortKey {
  name: string;
  descending: boolean;
  param?: CompiledParam;
}

export interface IncludeSpec {
  sourceType: string;
  param: CompiledParam;
  targetType?: string;
}

export interface SearchRequest {
  type: string;
  criteria: Criterion[];
  count: number;
  offset: number;
  sort: SortKey[];
  summaryCount: boolean;
  totalAccurate: boolean;
  include: IncludeSpec[];
  revinclude: IncludeSpec[];
  /** Warnings for parameters ignored under `Prefer: handling=lenient`. */
  warnings: OutcomeIssue[];
  /**
   * An extra condition over `fhir_resource r` from the caller (access control
   * narrows results to the patients a user may see); `add` binds a parameter.
   */
  restrict?: (add: (v: unknown) => string) => string | null;
}

export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 1000;

const MODIFIERS: Record<string, string[]> = {
  token: ['missing', 'not', 'text'],
  string: ['missing', 'exact', 'contains'],
  reference: ['missing'],
  date: ['missing'],
  quantity: ['missing'],
  number: ['missing'],
  uri: ['missing'],
};

/** Parameters every search accepts that are not criteria. */
const RESULT_PARAMS = new Set([
  '_count',
  '_offset',
  '_sort',
  '_summary',
  '_total',
  '_include',
  '_revinclude',
  '_format',
  '_pretty',
]);

export function parseSearch(type: string, query: Iterable<[string, string]>, lenient = false): SearchRequest {
  const req: SearchRequest = {
    type,
    criteria: [],
    count: DEFAULT_COUNT,
    offset: 0,
    sort: [],
    summaryCount: false,
    totalAccurate: false,
    include: [],
    revinclude: [],
    warnings: [],
  };
  const errors: OutcomeIssue[] = [];
  const fail = (diagnostics: string, expression: string) => {
    if (lenient)
      req.warnings.push({
        severity: 'warning',
        code: 'not-supported',
        diagnostics: `ignored: ${diagnostics}`,
        expression: [expression],
      });
    else errors.push({ severity: 'error', code: 'not-supported', diagnostics, expression: [expression] });
  };

  for (const [rawKey, value] of query) {
    const [name, modifier] = splitModifier(rawKey);
    if (RESULT_PARAMS.has(name)) {
      parseResultParam(req, name, modifier, value, fail, errors);
      continue;
    }
    if (name === '_id' || name === '_lastUpdated') {
      if (modifier && modifier !== 'missing') {
        fail(`modifier :${modifier} is not supported on ${name}`, rawKey);
        continue;
      }
      req.criteria.push({ name, param: { name, kind: 'special' }, modifier, values: splitValues(value) });
      continue;
    }
    const param = searchParam(type, name);
    if (!param) {
      const known = ['_id', '_lastUpdated', ...searchParamsOf(type).keys()].sort().join(', ');
      fail(
        `unknown search parameter '${name}' for ${type}; supported: ${known}. Send 'Prefer: handling=lenient' to ignore unknown parameters`,
        rawKey,
      );
      continue;
    }
    if (
      modifier &&
      !(MODIFIERS[param.kind] ?? []).includes(modifier) &&
      !(param.kind === 'reference' && /^[A-Z]/.test(modifier))
    ) {
      fail(
        `modifier :${modifier} is not supported on ${type}.${name} (${param.kind}); supported: ${(MODIFIERS[param.kind] ?? []).join(', ')}`,
        rawKey,
      );
      continue;
    }
    const values = splitValues(value);
    if (values.length === 0) continue;
    for (const v of values) {
      if (
        (param.kind === 'date' || param.kind === 'quantity' || param.kind === 'number') &&
        modifier !== 'missing'
      ) {
        const problem = checkPrefixed(param.kind, v);
        if (problem)
          errors.push({
            severity: 'error',
            code: 'invalid',
            diagnostics: `${name}=${v}: ${problem}`,
            expression: [rawKey],
          });
      }
    }
    req.criteria.push({ name, param, modifier, values });
  }
  if (errors.length) throw new FhirError(400, errors);
  return req;
}

function parseResultParam(
  req: SearchRequest,
  name: string,
  modifier: string | undefined,
  value: string,
  fail: (d: string, e: string) => void,
  errors: OutcomeIssue[],
): void {
  const bad = (d: string) =>
    errors.push({ severity: 'error', code: 'invalid', diagnostics: d, expression: [name] });
  switch (name) {
    case '_count': {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) bad(`_count=${value} must be a whole number from 0 to ${MAX_COUNT}`);
      else req.count = Math.min(n, MAX_COUNT);
      return;
    }
    case '_offset': {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) bad(`_offset=${value} must be a whole number ≥ 0`);
      else req.offset = n;
      return;
    }
    case '_summary':
      if (value === 'count') req.summaryCount = true;
      else if (value !== 'false')
        fail(`_summary=${value} is not supported; use _summary=count or leave it out`, name);
      return;
    case '_total':
      if (value === 'accurate') req.totalAccurate = true;
      else if (value !== 'none' && value !== 'estimate')
        bad(`_total=${value} must be none, estimate or accurate`);
      return;
    case '_sort':
      for (const part of splitValues(value)) {
        const descending = part.startsWith('-');
        const key = descending ? part.slice(1) : part;
        if (key === '_id' || key === '_lastUpdated') {
          req.sort.push({ name: key, descending });
          continue;
        }
        const param = searchParam(req.type, key);
        if (!param || !['date', 'string', 'number', 'quantity'].includes(param.kind)) {
          fail(
            `cannot sort ${req.type} by '${key}'; sort by _id, _lastUpdated or a date, string, number or quantity parameter`,
            name,
          );
          continue;
        }
        req.sort.push({ name: key, descending, param });
      }
      return;
    case '_include':
    case '_revinclude': {
      if (modifier) {
        fail(`${name}:${modifier} is not supported; only direct (non-iterating) includes are`, name);
        return;
      }
      const [sourceType, paramName, targetType] = value.split(':');
      const param = sourceType ? searchParam(sourceType, paramName ?? '') : undefined;
      if (param?.kind !== 'reference') {
        bad(
          `${name}=${value} must name Type:parameter with a reference search parameter, e.g. Observation:patient`,
        );
        return;
      }
      if (name === '_include' && sourceType !== req.type) {
        bad(`_include=${value} must start with the searched type ${req.type}`);
        return;
      }
      (name === '_include' ? req.include : req.revinclude).push({
        sourceType,
        param,
        ...(targetType ? { targetType } : {}),
      });
      return;
    }
    default:
      return; // _format, _pretty: the server always answers JSON.
  }
}

function splitModifier(key: string): [string, string | undefined] {
  const i = key.indexOf(':');
  return i < 0 ? [key, undefined] : [key.slice(0, i), key.slice(i + 1)];
}

/** Comma separates alternatives; `\,` is a literal comma. */
export function splitValues(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '\\' && i + 1 < value.length) {
      cur += value[++i];
    } else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.filter((v) => v !== '');
}

export function splitPrefix(value: string): { prefix: Prefix; rest: string } {
  const p = value.slice(0, 2);
  if (PREFIXES.has(p) && /^[a-z]{2}[\d-]/.test(value)) return { prefix: p as Prefix, rest: value.slice(2) };
  return { prefix: 'eq', rest: value };
}

function checkPrefixed(kind: string, v: string): string | undefined {
  const { rest } = splitPrefix(v);
  if (kind === 'date') {
    return /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.test(rest)
      ? undefined
      : 'not a FHIR date; use YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[Z|±hh:mm], optionally prefixed with eq, ne, lt, le, gt, ge, sa or eb';
  }
  const num = rest.split('|')[0];
  return num !== '' && Number.isFinite(Number(num))
    ? undefined
    : 'not a number; use [prefix]number[|system|code], e.g. gt64|http://unitsofmeasure.org|mmol/mol';
}
