import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { compileDefinition, lit } from '../compile.ts';
import type { ClinicalType, Definition } from '../definition.ts';
import { DefinitionError, validateDefinition } from '../validate.ts';
import { BAD_ROW, factSelect, personSelect } from './extract.ts';
import { LakeError, type LakeFile, lakeFiles } from './files.ts';
import { registerJsText } from './js-text.ts';
import { locateBadRow } from './locate.ts';
import { lakeMacros } from './macros.ts';

export { LakeError, type LakeFile } from './files.ts';

/**
 * Lake mode: segments evaluated with DuckDB, in process, over a folder of
 * FHIR Bulk Data NDJSON or Parquet that was never imported. Opening a lake
 * reads each file once, in place, into the two index tables of
 * migrations.ts (segment_person, segment_fact; times as epoch-ms BIGINT) in
 * an in-memory database, with the semantics of facts.ts (extract.ts and
 * macros.ts say how). Every evaluation then runs the SQL compileDefinition
 * writes for the duckdb dialect over those tables, so the stored and lake
 * answers come from one compiler.
 */
export interface LakeOptions {
  /** Organisation/practitioner references of a care unit (see auth/care-units.ts); none by default. */
  careUnitRefs?(id: string): readonly string[];
  /** Definitions of segments that definitions nest. */
  segment?(id: string): Definition | undefined;
  /** Called after each file is read (reading a large lake takes a while). */
  onProgress?(p: LakeProgress): void;
  /** DuckDB worker threads (default: every core). */
  threads?: number;
  /** DuckDB memory limit, e.g. "4GB" (default: DuckDB's, 80% of RAM). */
  memoryLimit?: string;
}

export interface LakeProgress {
  type: string;
  file: string;
  filesDone: number;
  files: number;
  bytesDone: number;
  bytes: number;
  /** Rows written so far: patients, then facts. */
  persons: number;
  facts: number;
}

export interface LakeFunnelStep {
  path: string;
  label: string;
  alone: number;
  cumulative: number;
}

export interface LakeEvaluation {
  /** Patient ids, sorted. */
  members: string[];
  count: number;
  /** Patients alive and born at the as-of instant (or all of them with includeDeceased). */
  universe: number;
  funnel: LakeFunnelStep[];
  ms: number;
}

export interface Lake {
  dir: string;
  files: readonly LakeFile[];
  persons: number;
  facts: number;
  /** How long reading the files took. */
  buildMs: number;
  evaluate(def: Definition, asOf: Date | number, opts?: Pick<LakeOptions, 'careUnitRefs' | 'segment'>): Promise<LakeEvaluation>;
  /** Runs SQL over the lake's tables (tests and diagnostics). */
  query(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** Resources larger than DuckDB's default 16 MB happen (inline attachments); 64 MB keeps memory per thread bounded. */
const MAX_OBJECT_BYTES = 64 * 1024 * 1024;

export async function openLake(dir: string, opts: LakeOptions = {}): Promise<Lake> {
  const files = await lakeFiles(dir);
  const config: Record<string, string> = {};
  if (opts.threads) config.threads = String(opts.threads);
  if (opts.memoryLimit) config.memory_limit = opts.memoryLimit;
  const instance = await DuckDBInstance.create(':memory:', config);
  const c = await instance.connect();
  const close = async () => {
    c.closeSync();
    instance.closeSync();
  };
  try {
    const started = performance.now();
    const counts = await build(c, files, opts.onProgress);
    const buildMs = performance.now() - started;
    return {
      dir,
      files,
      ...counts,
      buildMs,
      evaluate: (def, asOf, o) => evaluate(c, def, typeof asOf === 'number' ? asOf : asOf.getTime(), { ...opts, ...o }),
      query: async (sql) => (await c.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[],
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

async function build(
  c: DuckDBConnection,
  files: readonly LakeFile[],
  onProgress: LakeOptions['onProgress'],
): Promise<{ persons: number; facts: number }> {
  registerJsText(c);
  for (const m of lakeMacros()) await c.run(m);
  await c.run(`CREATE TABLE lake_person (patient_id VARCHAR, birth_date VARCHAR, gender VARCHAR, postal_code VARCHAR,
    municipality VARCHAR, region VARCHAR, language VARCHAR, org_ref VARCHAR, gp_ref VARCHAR, deceased_at BIGINT)`);
  await c.run(`CREATE TABLE segment_fact (patient_id VARCHAR NOT NULL, resource_type VARCHAR NOT NULL,
    resource_id VARCHAR NOT NULL, system VARCHAR NOT NULL, code VARCHAR NOT NULL, status VARCHAR,
    at BIGINT, at_end BIGINT, value DOUBLE, unit VARCHAR)`);
  const bytes = files.reduce((n, f) => n + f.bytes, 0);
  let bytesDone = 0;
  let persons = 0;
  let facts = 0;
  // Patients first, so progress reports them before the (much larger) facts.
  const ordered = [...files].sort((a, b) => Number(b.type === 'Patient') - Number(a.type === 'Patient'));
  for (const [i, f] of ordered.entries()) {
    const json = await jsonOf(c, f);
    const source = f.format === 'parquet' ? `SELECT ${json} AS json FROM read_parquet(${lit(f.path)}) AS t` : json;
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
    onProgress?.({ type: f.type, file: f.path, filesDone: i + 1, files: files.length, bytesDone, bytes, persons, facts });
  }
  // A patient exported twice, identically, is one person; two different ones cannot both be it.
  await c.run('CREATE TABLE segment_person AS SELECT DISTINCT * FROM lake_person ORDER BY patient_id');
  await c.run('DROP TABLE lake_person');
  const dup = (await c.runAndReadAll(
    'SELECT patient_id FROM segment_person GROUP BY patient_id HAVING count(*) > 1 ORDER BY patient_id LIMIT 1',
  )).getRowObjectsJS()[0];
  if (dup) throw new LakeError(`Patient/${dup.patient_id} appears more than once, with different content; a lake holds each resource once`);
  const n = (await c.runAndReadAll('SELECT count(*) AS n FROM segment_person')).getRowObjectsJS()[0];
  return { persons: Number(n.n), facts };
}

/** The SQL that yields a file's resources as JSON: NDJSON lines, a Parquet column of JSON text, or Parquet rows. */
async function jsonOf(c: DuckDBConnection, f: LakeFile): Promise<string> {
  if (f.format === 'ndjson')
    return `SELECT json FROM read_ndjson_objects(${lit(f.path)}, maximum_object_size = ${MAX_OBJECT_BYTES})`;
  let cols: Array<{ column_name: string; column_type: string }>;
  try {
    cols = (await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${lit(f.path)})`)).getRowObjectsJS() as typeof cols;
  } catch (e) {
    throw new LakeError(`${f.path}: not a readable Parquet file (${(e as Error).message.split('\n')[0]})`);
  }
  if (cols.length === 1 && /^(VARCHAR|JSON)$/.test(cols[0].column_type)) return `"${cols[0].column_name.replaceAll('"', '""')}"::JSON`;
  // Typed dates would come back from to_json as "2020-01-01 10:00:00", losing the FHIR text (precision, offset).
  const typed = cols.find((x) => /\b(DATE|TIME|TIMESTAMP|TIMESTAMP WITH TIME ZONE)\b/.test(x.column_type));
  if (typed)
    throw new LakeError(
      `${f.path}: column ${typed.column_name} is ${typed.column_type}; lake Parquet keeps FHIR's JSON representation (dates and times as text), or one column of resource JSON`,
    );
  return 'to_json(t)';
}

async function fileError(c: DuckDBConnection, f: LakeFile, json: string, e: Error): Promise<Error> {
  const where = await locateBadRow(c, f, json).catch(() => undefined);
  if (where) return new LakeError(where);
  const first = e.message.replace(BAD_ROW, 'a row is not a').split('\n')[0];
  return new LakeError(`${f.path}: ${first}`);
}

async function evaluate(
  c: DuckDBConnection,
  def: Definition,
  asOf: number,
  opts: Pick<LakeOptions, 'careUnitRefs' | 'segment'>,
): Promise<LakeEvaluation> {
  const started = performance.now();
  const segment = opts.segment ?? (() => undefined);
  const careUnitRefs = opts.careUnitRefs ?? (() => []);
  // Lists pass validation here so that compiling says why lake mode cannot read them.
  const problems = validateDefinition(def, { segment, list: () => true, careUnit: (id) => careUnitRefs(id).length > 0 });
  if (problems.length) throw new DefinitionError(problems);
  const compiled = compileDefinition(def, { asOf, dialect: 'duckdb', segment, careUnitRefs });
  const members = (await c.runAndReadAll(compiled.membersSql)).getColumnsJS()[0] as string[];
  const f = (await c.runAndReadAll(compiled.funnelSql)).getRowObjectsJS()[0];
  return {
    members,
    count: members.length,
    universe: Number(f.universe),
    funnel: compiled.steps.map((s, i) => ({
      path: s.path,
      label: s.label,
      alone: Number(f[`alone_${i}`]),
      cumulative: Number(f[`cumulative_${i}`]),
    })),
    ms: performance.now() - started,
  };
}
