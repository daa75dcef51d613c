import type { SqlClient } from '../db/client.ts';
import { toSqlTime } from './dates.ts';
import type { IndexEntries } from './index-extract.ts';

/** Writes the side-table index rows of resources (dates, strings, quantities) with multi-row inserts. */
export async function insertIndexRows(
  c: SqlClient,
  items: readonly { type: string; id: string; index: IndexEntries }[],
): Promise<void> {
  const strings: unknown[] = [];
  const dates: unknown[] = [];
  const quantities: unknown[] = [];
  for (const { type, id, index } of items) {
    for (const s of index.strings) strings.push(type, id, s.param, s.value, s.raw);
    for (const d of index.dates) dates.push(type, id, d.param, toSqlTime(d.lo), toSqlTime(d.hi));
    for (const q of index.quantities) quantities.push(type, id, q.param, q.value, q.system, q.code);
  }
  await insertMany(c, 'fhir_string (resource_type, id, param, value, raw)', 5, strings);
  await insertMany(c, 'fhir_date (resource_type, id, param, lo, hi)', 5, dates);
  await insertMany(c, 'fhir_quantity (resource_type, id, param, value, system, code)', 6, quantities);
}

export async function deleteIndexRows(c: SqlClient, type: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  for (const table of ['fhir_string', 'fhir_date', 'fhir_quantity']) {
    await c.query(`DELETE FROM ${table} WHERE resource_type = $1 AND id = ANY($2::text[])`, [type, ids]);
  }
}

/** PostgreSQL allows 65,535 parameters in one statement; stay well below. */
const MAX_PARAMS = 30_000;

async function insertMany(c: SqlClient, target: string, width: number, values: unknown[]): Promise<void> {
  const rowsPerStatement = Math.floor(MAX_PARAMS / width);
  for (let start = 0; start < values.length; start += rowsPerStatement * width) {
    const chunk = values.slice(start, start + rowsPerStatement * width);
    const rows: string[] = [];
    for (let r = 0; r < chunk.length / width; r++) {
      const cols: string[] = [];
      for (let k = 1; k <= width; k++) cols.push(`$${r * width + k}`);
      rows.push(`(${cols.join(',')})`);
    }
    await c.query(`INSERT INTO ${target} VALUES ${rows.join(',')}`, chunk);
  }
}
