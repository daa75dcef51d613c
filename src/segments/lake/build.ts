import type { DuckDBConnection } from '@duckdb/node-api';
import { lit } from '../compile.ts';
import type { ClinicalType } from '../definition.ts';
import { BAD_ROW, factSelect, personSelect } from './extract.ts';
import { LakeError, type LakeFile } from './files.ts';
import type { LakeProgress } from './index.ts';
import { registerJsText } from './js-text.ts';
import { locateBadRow } from './locate.ts';
import { lakeMacros } from './macros.ts';

/**
 * Reads a lake's files once into segment_person and segment_fact (the
 * columns of migrations.ts, times as epoch-ms BIGINT): one INSERT … SELECT
 * per file, which DuckDB runs over the file in place, in parallel, so
 * progress can be told file by file.
 */

/** Resources larger than DuckDB's default 16 MB happen (inline attachments); 64 MB keeps memory per thread bounded. */
const MAX_OBJECT_BYTES = 64 * 1024 * 1024;

export async function buildIndex(
  c: DuckDBConnection,
  files: readonly LakeFile[],
  onProgress?: (p: LakeProgress) => void,
): Promise<{ persons: number; facts: number }> {
  registerJsText(c);
  for (const m of lakeMacros()) await c.run(m);
  await c.run(`CREATE TABLE lake_person (patient_id VARCHAR, birth_date VARCHAR, gender VARCHAR, postal_code VARCHAR,
    municipality VARCHAR, region VARCHAR, language VARCHAR, org_ref VARCHAR, gp_ref VARCHAR, deceased_at BIGINT)`);
  await c.run(`CREATE TABLE segment_fact (patient_id VARCHAR NOT NULL, resource_type VARCHAR NOT NULL,
    resource_id VARCHAR NOT NULL, system VARCHAR NOT NULL, code VARCHAR NOT NULL, status VARCHAR,
    "at" BIGINT, at_end BIGINT, value DOUBLE, unit VARCHAR)`);
  const bytes = files.reduce((n, f) => n + f.bytes, 0);
  let bytesDone = 0;
  let persons = 0;
  let facts = 0;
  // Patients first, so progress reports them before the (much larger) facts.
  const ordered = [...files].sort((a, b) => Number(b.type === 'Patient') - Number(a.type === 'Patient'));
  for (const [i, f] of ordered.entries()) {
    const json = await jsonOf(c, f);
    const source =
      f.format === 'parquet' ? `SELECT ${json} AS json FROM read_parquet(${lit(f.path)}) AS t` : json;
    const sql =
      f.type === 'Patient'
        ? `INSERT INTO lake_person ${personSelect(source)}`
        : `INSERT INTO segment_fact ${factSelect(f.type as ClinicalType, source)}`;
    let rows: number;
    try {
      rows = Number((await c.run(sql)).rowsChanged);
    } catch (e) {
      throw await fileError(c, f, json, e as Error);
    }
    if (f.type === 'Patient') persons += rows;
    else facts += rows;
    bytesDone += f.bytes;
    onProgress?.({
      type: f.type,
      file: f.path,
      filesDone: i + 1,
      files: files.length,
      bytesDone,
      bytes,
      persons,
      facts,
    });
  }
  // A patient exported twice, identically, is one person; two different ones cannot both be it.
  await c.run('CREATE TABLE segment_person AS SELECT DISTINCT * FROM lake_person ORDER BY patient_id');
  await c.run('DROP TABLE lake_person');
  const dup = (
    await c.runAndReadAll(
      'SELECT patient_id FROM segment_person GROUP BY patient_id HAVING count(*) > 1 ORDER BY patient_id LIMIT 1',
    )
  ).getRowObjectsJS()[0];
  if (dup)
    throw new LakeError(
      `Patient/${dup.patient_id} appears more than once, with different content; a lake holds each resource once`,
    );
  const n = (await c.runAndReadAll('SELECT count(*) AS n FROM segment_person')).getRowObjectsJS()[0];
  return { persons: Number(n.n), facts };
}

/** The SQL that yields a file's resources as JSON: NDJSON lines, a Parquet column of JSON text, or Parquet rows. */
async function jsonOf(c: DuckDBConnection, f: LakeFile): Promise<string> {
  if (f.format === 'ndjson')
    return `SELECT json FROM read_ndjson_objects(${lit(f.path)}, maximum_object_size = ${MAX_OBJECT_BYTES})`;
  let cols: Array<{ column_name: string; column_type: string }>;
  try {
    cols = (
      await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${lit(f.path)})`)
    ).getRowObjectsJS() as typeof cols;
  } catch (e) {
    throw new LakeError(`${f.path}: not a readable Parquet file (${(e as Error).message.split('\n')[0]})`);
  }
  if (cols.length === 1 && /^(VARCHAR|JSON)$/.test(cols[0].column_type))
    return `"${cols[0].column_name.replaceAll('"', '""')}"::JSON`;
  // Typed dates come back from to_json as "2020-01-01 10:00:00", losing the FHIR text (precision, offset);
  // UUID columns come back lower-cased, and ids are case-sensitive.
  const typed = cols.find((x) =>
    /\b(DATE|TIME|TIMETZ|TIMESTAMP\w*|INTERVAL|UUID|BLOB)\b/.test(x.column_type),
  );
  if (typed)
    throw new LakeError(
      `${f.path}: column ${typed.column_name} is ${typed.column_type}; lake Parquet keeps FHIR's JSON representation (ids, dates and times as text), or holds one column of resource JSON`,
    );
  return 'to_json(t)';
}

async function fileError(c: DuckDBConnection, f: LakeFile, json: string, e: Error): Promise<Error> {
  const where = await locateBadRow(c, f, json).catch(() => undefined);
  if (where) return new LakeError(where);
  const first = e.message.replace(BAD_ROW, 'a row is not a').split('\n')[0];
  return new LakeError(`${f.path}: ${first}`);
}
