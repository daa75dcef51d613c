import { CODE_SYSTEMS } from '../codes.ts';
import { lit } from '../compile.ts';
import { ANALYTES, UNIT_ALIASES } from '../units.ts';

/**
 * DuckDB macros that repeat, in SQL, the pure functions facts.ts uses:
 * parseDateRange (dates.ts), canonicalSystem / normaliseCode (codes.ts),
 * normaliseUnit / storedValue (units.ts), and JavaScript's `typeof`, `trim`
 * and truthiness over JSON values. Tables (systems, analytes) are generated
 * from the TypeScript ones, so they cannot drift; the few things that are
 * not tables (unit aliases, conversion formulas) are checked against units.ts
 * when this module loads, and everything is property-tested in lake.test.ts.
 *
 * Case mapping: DuckDB's upper/lower are simple per-code-point mappings
 * (ß → ẞ, no final sigma); JavaScript's are full Unicode mappings (ß → SS).
 * They agree on ASCII, so ASCII strings stay in SQL and the rare others go
 * through the js_text UDF (js-text.ts).
 */

/** The characters JavaScript's String.prototype.trim and \s treat as white space. */
const JS_SPACE = [
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
  0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff,
];
const SPACE_SET = JS_SPACE.map((c) => `\\x{${c.toString(16)}}`).join('');
const SPACE_CLASS = `[${SPACE_SET}]+`;

/**
 * The toCanonical formulas of units.ts, written in SQL with the same operations in the same order.
 * Constants are cast from text: a bare 10.929 is a DECIMAL, and DECIMAL → DOUBLE need not round as JavaScript does.
 */
export const SQL_TO_CANONICAL: Readonly<Record<string, Readonly<Record<string, (v: string) => string>>>> = {
  HbA1c: { '%': (v) => `('10.929'::DOUBLE * (${v} - '2.15'::DOUBLE))`, 'mmol/mol': (v) => v },
  Glucose: { 'mg/dL': (v) => `(${v} / '18.016'::DOUBLE)`, 'mmol/L': (v) => v },
};

for (const a of ANALYTES) {
  const sqlUnits = Object.keys(SQL_TO_CANONICAL[a.name] ?? {}).sort();
  if (sqlUnits.join('|') !== Object.keys(a.toCanonical).sort().join('|'))
    throw new Error(
      `lake/macros.ts: SQL_TO_CANONICAL has no formula for every unit of analyte ${a.name} (units.ts)`,
    );
}

/** FHIR date, dateTime and instant, as in dates.ts. */
const DATE_RE =
  '^(\\d{4})(?:-(\\d{2})(?:-(\\d{2})(?:T(\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,9}))?)?(Z|[+-]\\d{2}:\\d{2})?)?)?)?$';

function systemsCase(): { canonical: string; prefix: string } {
  // Same insertion order as codes.ts BY_NAME, so a later name wins exactly as there.
  const byName = new Map<string, (typeof CODE_SYSTEMS)[number]>();
  for (const s of CODE_SYSTEMS) {
    byName.set(s.alias, s);
    byName.set(s.uri, s);
    for (const u of s.also ?? []) byName.set(u, s);
  }
  const whens = [...byName].map(([name, s]) => `WHEN ${lit(name)} THEN ${lit(s.uri)}`).join(' ');
  const prefix = [...byName].filter(([, s]) => s.prefixHierarchy).map(([name]) => lit(name));
  return { canonical: `CASE s ${whens} ELSE s END`, prefix: prefix.join(', ') };
}

function unitsCase(): string {
  const whens = Object.entries(UNIT_ALIASES)
    .map(([k, v]) => `WHEN ${lit(k)} THEN ${lit(v)}`)
    .join(' ');
  // Only ASCII can lower-case to an alias key: the one non-ASCII code point that
  // JavaScript lower-cases to ASCII is the Kelvin sign (→ k), and no key has a k.
  const t = 'lake_trim(u)';
  return `CASE WHEN lake_ascii(${t}) THEN CASE lower(${t}) ${whens} ELSE ${t} END ELSE ${t} END`;
}

function storedValueCase(): { value: string; unit: string } {
  const value: string[] = [];
  const unit: string[] = [];
  for (const a of ANALYTES) {
    const codes = a.codes.map((c) => lit(c)).join(', ');
    for (const u of Object.keys(a.toCanonical)) {
      const when = `sys = 'http://loinc.org' AND code IN (${codes}) AND nu = ${lit(u)}`;
      value.push(`WHEN ${when} THEN ${SQL_TO_CANONICAL[a.name][u]('v')}`);
      unit.push(`WHEN ${when} THEN ${lit(a.canonical)}`);
    }
  }
  return { value: `CASE ${value.join(' ')} ELSE v END`, unit: `CASE ${unit.join(' ')} ELSE nu END` };
}

export function lakeMacros(): string[] {
  const systems = systemsCase();
  const stored = storedValueCase();
  return [
    // JavaScript `typeof x === 'string'` / finite `typeof x === 'number'` over a JSON value.
    `CREATE MACRO lake_str(j) AS CASE WHEN json_type(j) = 'VARCHAR' THEN json_extract_string(j, '$') END`,
    // try_cast: DuckDB does not short-circuit AND, so a cast must not fail on the rows the type test excludes.
    `CREATE MACRO lake_num(j) AS CASE WHEN json_type(j) IN ('BIGINT', 'UBIGINT', 'DOUBLE') AND isfinite(try_cast(j AS DOUBLE)) THEN try_cast(j AS DOUBLE) END`,
    // JavaScript falsiness of a JSON value (missing counts as undefined).
    `CREATE MACRO lake_falsy(j) AS j IS NULL OR json_type(j) = 'NULL'
       OR j::VARCHAR IN ('false', '""')
       OR (json_type(j) IN ('BIGINT', 'UBIGINT', 'DOUBLE') AND try_cast(j AS DOUBLE) = 0)`,
    /** The elements of a JSON array (none for anything else). */
    `CREATE MACRO lake_items(j, path) AS coalesce(json_extract(j, path), []::JSON[])`,
    `CREATE MACRO lake_ascii(s) AS strlen(s) = length(s)`,
    // One regular expression, so that the argument is evaluated once when the optimiser inlines it.
    `CREATE MACRO lake_trim(s) AS regexp_replace(s, ${lit(`^${SPACE_CLASS}|${SPACE_CLASS}$`)}, '', 'g')`,
    `CREATE MACRO lake_nospace(s) AS regexp_replace(s, ${lit(SPACE_CLASS)}, '', 'g')`,
    `CREATE MACRO lake_upper(s) AS CASE WHEN lake_ascii(s) THEN upper(s) ELSE js_text('upper', '0' || s) END`,
    `CREATE MACRO lake_lower(s) AS CASE WHEN lake_ascii(s) THEN lower(s) ELSE js_text('lower', '0' || s) END`,
    /** facts.ts fold: trimmed, lower-cased by Swedish rules, empty → NULL. */
    `CREATE MACRO lake_fold(s) AS CASE WHEN lake_trim(s) = '' THEN NULL WHEN lake_ascii(s) THEN lower(lake_trim(s)) ELSE js_text('fold', '0' || lake_trim(s)) END`,
    /** windows.ts normaliseBirthDate. */
    `CREATE MACRO lake_birth_date(s) AS CASE
       WHEN regexp_full_match(s, '\\d{4}') THEN s || '-01-01'
       WHEN regexp_full_match(s, '\\d{4}-\\d{2}') THEN s || '-01'
       WHEN lake_ascii(s) THEN left(s, 10) ELSE js_text('head10', '0' || s) END`,
    `CREATE MACRO lake_system(s) AS ${systems.canonical}`,
    /** normaliseCode of a trimmed code. */
    `CREATE MACRO lake_code(sys, c) AS CASE WHEN sys IN (${systems.prefix}) THEN lake_upper(replace(c, '.', '')) ELSE c END`,
    `CREATE MACRO lake_unit(u) AS ${unitsCase()}`,
    // units.ts storedValue: nu is the normalised unit (NULL when there was none).
    `CREATE MACRO lake_value(sys, code, v, nu) AS ${stored.value}`,
    `CREATE MACRO lake_value_unit(sys, code, nu) AS ${stored.unit}`,
    /** Whether a JSON Coding is one codings() keeps (no CASE: it runs in a lambda, where CASE is slow). */
    `CREATE MACRO lake_valid_coding(c) AS json_type(json_extract(c, '$.system')) = 'VARCHAR'
       AND json_type(json_extract(c, '$.code')) = 'VARCHAR'
       AND regexp_matches(json_extract_string(c, '$.code'), ${lit(`[^${SPACE_SET}]`)})`,
    /** The first code (a string) of a list of JSON Codings, as `.find(c => typeof c?.code === 'string')?.code`. */
    `CREATE MACRO lake_first_code(list) AS list_filter(list_transform(list, lambda x: lake_str(json_extract(x, '$.code'))), lambda c: c IS NOT NULL)[1]`,
    `CREATE MACRO lake_patient(ref) AS nullif(regexp_extract(ref, '^Patient/([^/]+)$', 1), '')`,
    ...dateMacros(),
  ];
}

/** Shapes DuckDB reads as parseDateRange does: days (as TIMESTAMP, so no session time zone applies), instants with a zone to the millisecond, years 0100–9999. */
const FAST_RE =
  '(0[1-9]|[1-9]\\d)\\d{2}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?(Z|[+-]\\d{2}:\\d{2}))?';

/**
 * parseDateRange(s).lo: validated by the same regular expression, then read by
 * position. Date.UTC semantics: years 0–99 mean 1900–1999, month 00 is the
 * December before, days, hours, minutes and seconds overflow arithmetically.
 */
function dateMacros(): string[] {
  const n = (a: number, b: string) => `substr(s, ${a}, ${b})::BIGINT`;
  const tzLen = `CASE WHEN s[-1] = 'Z' THEN 1 WHEN length(s) > 16 AND s[-6] IN ('+', '-') THEN 6 ELSE 0 END`;
  const year = `CASE WHEN ${n(1, '4')} < 100 THEN ${n(1, '4')} + 1900 ELSE ${n(1, '4')} END`;
  const month = `CASE WHEN length(s) >= 7 THEN ${n(6, '2')} ELSE 1 END`;
  const day = `CASE WHEN length(s) >= 10 THEN ${n(9, '2')} ELSE 1 END`;
  const hasTime = 'length(s) >= 16';
  const hasSec = `length(s) >= 19 AND s[17] = ':'`;
  const hasFrac = `length(s) >= 21 AND s[20] = '.'`;
  const ms = `rpad(left(substr(s, 21, length(s) - 20 - lake_tz_len(s)), 3), 3, '0')::BIGINT`;
  const offsetMin = `CASE WHEN lake_tz_len(s) = 6 THEN (CASE WHEN s[-6] = '-' THEN -1 ELSE 1 END) * (${n(-5, '2')} * 60 + ${n(-2, '2')}) ELSE 0 END`;
  return [
    `CREATE MACRO lake_tz_len(s) AS ${tzLen}`,
    `CREATE MACRO lake_month_start(y, m) AS epoch_ms(CASE WHEN m = 0 THEN make_timestamp(y - 1, 12, 1, 0, 0, 0) ELSE make_timestamp(y, m, 1, 0, 0, 0) END)`,
    `CREATE MACRO lake_start_ok(s) AS lake_month_start(${year}, ${month})
       + (${day} - 1) * 86400000
       + CASE WHEN ${hasTime} THEN ${n(12, '2')} * 3600000 + ${n(15, '2')} * 60000 ELSE 0 END
       + CASE WHEN ${hasSec} THEN ${n(18, '2')} * 1000 ELSE 0 END
       + CASE WHEN ${hasFrac} THEN ${ms} ELSE 0 END
       - (${offsetMin}) * 60000`,
    `CREATE MACRO lake_start_slow(s) AS CASE
       WHEN NOT regexp_full_match(s, ${lit(DATE_RE)}) THEN NULL
       WHEN length(s) >= 7 AND ${n(6, '2')} > 12 THEN NULL
       WHEN length(s) >= 10 AND (${n(9, '2')} < 1 OR ${n(9, '2')} > 31) THEN NULL
       ELSE lake_start_ok(s) END`,
    // The usual shapes (a day, or an instant to the millisecond, year 100 on) parse natively, ~10× faster;
    // what DuckDB refuses (30 February, month 00…) takes the slow path, which carries over as Date.UTC does.
    `CREATE MACRO lake_start(s) AS CASE
       WHEN regexp_full_match(s, ${lit(FAST_RE)}) THEN coalesce(CASE WHEN length(s) = 10 THEN epoch_ms(try_cast(s AS TIMESTAMP))
         ELSE epoch_ms(try_cast(s AS TIMESTAMPTZ)) END, lake_start_slow(s))
       ELSE lake_start_slow(s) END`,
  ];
}
