import { parseDateRange, toSqlTime } from '../dates.ts';
import { normalizeString, referenceKey } from '../index-extract.ts';
import { type CompiledParam, isCompartmentParam } from '../search-params.ts';
import type { Criterion, Prefix, SearchRequest, SortKey } from './parse.ts';
import { splitPrefix } from './parse.ts';

/** Collects positional parameters while SQL text is built. */
export class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** WHERE conditions over `fhir_resource r` for a search. */
export function whereClause(req: SearchRequest, p: Params): string {
  const conds = [`r.resource_type = ${p.add(req.type)}`, 'NOT r.deleted'];
  for (const c of req.criteria) conds.push(criterionSql(req.type, c, p));
  const extra = req.restrict?.((v) => p.add(v));
  if (extra) conds.push(extra);
  return conds.join(' AND ');
}

function criterionSql(type: string, c: Criterion, p: Params): string {
  if (c.modifier === 'missing') return missingSql(c, p);
  const param = c.param;
  if (param.kind === 'special') {
    if (param.name === '_id') return `r.id = ANY(${p.add(c.values)}::text[])`;
    return or(c.values.map((v) => rangeCond(v, 'r.last_updated', 'r.last_updated', p)));
  }
  switch (param.kind) {
    case 'token':
      return c.modifier === 'text'
        ? textSql(param, c.values, p)
        : tokenSql(param, c.values, c.modifier === 'not', p);
    case 'reference':
      return referenceSql(type, param, c.values, c.modifier, p);
    case 'uri':
      return `r.tokens && ${p.add(c.values.map((v) => `${param.name}=${v}`))}::text[]`;
    case 'string':
      return stringSql(param, c.values, c.modifier, p);
    case 'date':
      return `EXISTS (SELECT 1 FROM fhir_date d WHERE d.resource_type = r.resource_type AND d.id = r.id AND d.param = ${p.add(param.name)} AND ${or(c.values.map((v) => rangeCond(v, 'd.lo', 'd.hi', p)))})`;
    case 'quantity':
    case 'number':
      return `EXISTS (SELECT 1 FROM fhir_quantity q WHERE q.resource_type = r.resource_type AND q.id = r.id AND q.param = ${p.add(param.name)} AND ${or(c.values.map((v) => quantityCond(v, p)))})`;
  }
}

const or = (parts: string[]) => (parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`);

function tokenKeys(param: CompiledParam, values: string[]): { exact: string[]; systemOnly: string[] } {
  const exact: string[] = [];
  const systemOnly: string[] = [];
  const lower = param.name === 'email';
  for (const raw of values) {
    const v = lower ? raw.toLowerCase() : raw;
    const bar = v.indexOf('|');
    if (bar < 0) exact.push(`${param.name}=${v}`);
    else if (bar === v.length - 1) systemOnly.push(`${param.name}|${v.slice(0, bar)}|`);
    else exact.push(`${param.name}|${v}`);
  }
  return { exact, systemOnly };
}

function tokenSql(param: CompiledParam, values: string[], not: boolean, p: Params): string {
  const { exact, systemOnly } = tokenKeys(param, values);
  const parts: string[] = [];
  if (exact.length) parts.push(`r.tokens && ${p.add(exact)}::text[]`);
  for (const prefix of systemOnly) {
    parts.push(`EXISTS (SELECT 1 FROM unnest(r.tokens) t WHERE t LIKE ${p.add(`${likeEscape(prefix)}%`)})`);
  }
  const cond = or(parts);
  return not ? `NOT ${cond}` : cond;
}

/** `:text` matches a word start in CodeableConcept.text or Coding.display, case-insensitively. */
function textSql(param: CompiledParam, values: string[], p: Params): string {
  const parts: string[] = [];
  for (const v of values) {
    const re = `(^|[^a-z0-9])${v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`.replace(
      /["\\]/g,
      (ch) => `\\${ch}`,
    );
    for (const path of param.paths) {
      const base = `$.${path.replace(/\[x\]/, 'CodeableConcept').replace(/\(.*?\)/g, '')}`;
      parts.push(
        `jsonb_path_exists(r.content::jsonb, ${p.add(`${base}.text ? (@ like_regex "${re}" flag "i")`)}::jsonpath)`,
      );
      parts.push(
        `jsonb_path_exists(r.content::jsonb, ${p.add(`${base}.coding.display ? (@ like_regex "${re}" flag "i")`)}::jsonpath)`,
      );
    }
  }
  return or(parts);
}

function referenceSql(
  type: string,
  param: CompiledParam,
  values: string[],
  typeModifier: string | undefined,
  p: Params,
): string {
  const keys: string[] = [];
  const anyType: string[] = [];
  for (const v of values) {
    if (v.includes('/')) keys.push(`${param.name}=${referenceKey(v)}`);
    else if (typeModifier) keys.push(`${param.name}=${typeModifier}/${v}`);
    else if (param.targets?.length) for (const t of param.targets) keys.push(`${param.name}=${t}/${v}`);
    else anyType.push(v);
  }
  const parts: string[] = [];
  if (isCompartmentParam(type, param)) {
    // The compartment's own patient is the patient_id column, not a token (see isCompartmentParam).
    const prefix = `${param.name}=Patient/`;
    const patients = keys.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
    const ids = [...patients, ...anyType];
    if (ids.length) parts.push(`r.patient_id = ANY(${p.add(ids)}::text[])`);
    // patient= means the compartment itself; other parameters may also name a second patient (as a token).
    const rest = param.name === 'patient' ? keys.filter((k) => !k.startsWith(prefix)) : keys;
    if (rest.length) parts.push(`r.tokens && ${p.add(rest)}::text[]`);
  } else if (keys.length) parts.push(`r.tokens && ${p.add(keys)}::text[]`);
  for (const id of anyType) {
    parts.push(
      `EXISTS (SELECT 1 FROM unnest(r.tokens) t WHERE t LIKE ${p.add(`${likeEscape(param.name)}=%/${likeEscape(id)}`)})`,
    );
  }
  return or(parts);
}

function stringSql(param: CompiledParam, values: string[], modifier: string | undefined, p: Params): string {
  const conds = values.map((v) => {
    if (modifier === 'exact') return `s.raw = ${p.add(v)}`;
    const n = likeEscape(normalizeString(v));
    return modifier === 'contains' ? `s.value LIKE ${p.add(`%${n}%`)}` : `s.value LIKE ${p.add(`${n}%`)}`;
  });
  return `EXISTS (SELECT 1 FROM fhir_string s WHERE s.resource_type = r.resource_type AND s.id = r.id AND s.param = ${p.add(param.name)} AND ${or(conds)})`;
}

/**
 * Range comparison as FHIR defines it: the search value and the target are
 * both ranges [lo, hi]; e.g. `eq` means the target lies within the value's
 * range and `sa` that it starts after the value ends.
 */
function rangeCond(value: string, lo: string, hi: string, p: Params): string {
  const { prefix, rest } = splitPrefix(value);
  const range = parseDateRange(rest)!;
  // Parameters are added only when the condition uses them: a statement must use every one it binds.
  let vloText: string | undefined;
  let vhiText: string | undefined;
  const bounds = {
    get lo() {
      vloText ??= `${p.add(toSqlTime(range.lo))}::timestamptz`;
      return vloText;
    },
    get hi() {
      vhiText ??= `${p.add(toSqlTime(range.hi))}::timestamptz`;
      return vhiText;
    },
  };
  return prefixCond(prefix, lo, hi, bounds);
}

function prefixCond(
  prefix: Prefix,
  lo: string,
  hi: string,
  v: { readonly lo: string; readonly hi: string },
): string {
  const vlo = () => v.lo;
  const vhi = () => v.hi;
  switch (prefix) {
    case 'eq':
    case 'ap':
      return `(${lo} >= ${vlo()} AND ${hi} <= ${vhi()})`;
    case 'ne':
      return `NOT (${lo} >= ${vlo()} AND ${hi} <= ${vhi()})`;
    case 'gt':
      return `${hi} > ${vhi()}`;
    case 'ge':
      return `${hi} >= ${vlo()}`;
    case 'lt':
      return `${lo} < ${vlo()}`;
    case 'le':
      return `${lo} <= ${vhi()}`;
    case 'sa':
      return `${lo} > ${vhi()}`;
    case 'eb':
      return `${hi} < ${vlo()}`;
  }
}

/** `[prefix]number[|system|code]`; eq honours the value's precision (5.4 means 5.35 ≤ x < 5.45). */
function quantityCond(value: string, p: Params): string {
  const { prefix, rest } = splitPrefix(value);
  const [num, system, code] = rest.split('|');
  const n = Number(num);
  const decimals = num.includes('.') ? num.split('.')[1].length : 0;
  const half = 0.5 * 10 ** -decimals;
  let cond: string;
  const v = () => `${p.add(num)}::numeric`;
  switch (prefix) {
    case 'eq':
    case 'ap':
      cond = `q.value >= ${p.add(String(n - half))}::numeric AND q.value < ${p.add(String(n + half))}::numeric`;
      break;
    case 'ne':
      cond = `NOT (q.value >= ${p.add(String(n - half))}::numeric AND q.value < ${p.add(String(n + half))}::numeric)`;
      break;
    case 'gt':
    case 'sa':
      cond = `q.value > ${v()}`;
      break;
    case 'ge':
      cond = `q.value >= ${v()}`;
      break;
    case 'lt':
    case 'eb':
      cond = `q.value < ${v()}`;
      break;
    case 'le':
      cond = `q.value <= ${v()}`;
      break;
  }
  if (system) cond += ` AND q.system = ${p.add(system)}`;
  if (code) cond += ` AND q.code = ${p.add(code)}`;
  return `(${cond})`;
}

function missingSql(c: Criterion, p: Params): string {
  const wantMissing = c.values[0] !== 'false';
  const param = c.param;
  let present: string;
  if (param.kind === 'special') present = 'true';
  else if (param.kind === 'string')
    present = `EXISTS (SELECT 1 FROM fhir_string s WHERE s.resource_type = r.resource_type AND s.id = r.id AND s.param = ${p.add(param.name)})`;
  else if (param.kind === 'date')
    present = `EXISTS (SELECT 1 FROM fhir_date d WHERE d.resource_type = r.resource_type AND d.id = r.id AND d.param = ${p.add(param.name)})`;
  else if (param.kind === 'quantity' || param.kind === 'number')
    present = `EXISTS (SELECT 1 FROM fhir_quantity q WHERE q.resource_type = r.resource_type AND q.id = r.id AND q.param = ${p.add(param.name)})`;
  else
    present = `EXISTS (SELECT 1 FROM unnest(r.tokens) t WHERE t LIKE ${p.add(`${likeEscape(param.name)}=%`)})`;
  return wantMissing ? `NOT ${present}` : present;
}

export function orderClause(sort: SortKey[], p: Params): string {
  const keys = sort.map((s) => {
    const dir = s.descending ? 'DESC' : 'ASC';
    if (s.name === '_id') return `r.id ${dir}`;
    if (s.name === '_lastUpdated') return `r.last_updated ${dir}`;
    const param = s.param!;
    const name = p.add(param.name);
    if (param.kind === 'date') {
      const col = s.descending ? 'max(d.hi)' : 'min(d.lo)';
      return `(SELECT ${col} FROM fhir_date d WHERE d.resource_type = r.resource_type AND d.id = r.id AND d.param = ${name}) ${dir} NULLS LAST`;
    }
    if (param.kind === 'string') {
      return `(SELECT min(s.value) FROM fhir_string s WHERE s.resource_type = r.resource_type AND s.id = r.id AND s.param = ${name}) ${dir} NULLS LAST`;
    }
    return `(SELECT ${s.descending ? 'max' : 'min'}(q.value) FROM fhir_quantity q WHERE q.resource_type = r.resource_type AND q.id = r.id AND q.param = ${name}) ${dir} NULLS LAST`;
  });
  keys.push('r.id ASC');
  return keys.join(', ');
}
