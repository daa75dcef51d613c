import { copyValue, type SqlClient, textArrayLiteral } from '../db/client.ts';
import { toSqlTime } from './dates.ts';
import type { IndexEntries } from './index-extract.ts';

/** The index rows of one resource in COPY text format, ready to send. */
export interface PreparedRows {
  patientId: string | null;
  /** The tokens column: a COPY-escaped text[] literal. */
  tokens: string;
  strings: string;
  dates: string;
  quantities: string;
}

export function prepareRows(type: string, id: string, index: IndexEntries): PreparedRows {
  const t = copyValue(type);
  const i = copyValue(id);
  let strings = '';
  let dates = '';
  let quantities = '';
  for (const s of index.strings)
    strings += `${t}\t${i}\t${copyValue(s.param)}\t${copyValue(s.value)}\t${copyValue(s.raw)}\n`;
  for (const d of index.dates)
    dates += `${t}\t${i}\t${copyValue(d.param)}\t${toSqlTime(d.lo)}\t${toSqlTime(d.hi)}\n`;
  for (const q of index.quantities) {
    quantities += `${t}\t${i}\t${copyValue(q.param)}\t${q.value}\t${copyValue(q.system)}\t${copyValue(q.code)}\n`;
  }
  return {
    patientId: index.patientId,
    tokens: copyValue(textArrayLiteral(index.tokens)),
    strings,
    dates,
    quantities,
  };
}

/** Writes the side-table index rows (strings, dates, quantities) of resources with COPY. */
export async function copyIndexRows(c: SqlClient, rows: readonly PreparedRows[]): Promise<void> {
  const join = (pick: (r: PreparedRows) => string) => rows.map(pick).join('');
  await c.copyFrom(
    'fhir_string',
    ['resource_type', 'id', 'param', 'value', 'raw'],
    join((r) => r.strings),
  );
  await c.copyFrom(
    'fhir_date',
    ['resource_type', 'id', 'param', 'lo', 'hi'],
    join((r) => r.dates),
  );
  await c.copyFrom(
    'fhir_quantity',
    ['resource_type', 'id', 'param', 'value', 'system', 'code'],
    join((r) => r.quantities),
  );
}

export async function deleteIndexRows(c: SqlClient, type: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  for (const table of ['fhir_string', 'fhir_date', 'fhir_quantity']) {
    await c.query(`DELETE FROM ${table} WHERE resource_type = $1 AND id = ANY($2::text[])`, [type, ids]);
  }
}
