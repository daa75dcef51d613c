import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Definition } from '../definition.ts';
import { buildIndex } from './build.ts';
import { evaluateLake } from './evaluate.ts';
import { type LakeFile, lakeFiles } from './files.ts';

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
  /** Whether a care unit exists (a unit may have no references yet); default: it has references. */
  careUnitExists?(id: string): boolean;
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
  evaluate(
    def: Definition,
    asOf: Date | number,
    opts?: Pick<LakeOptions, 'careUnitRefs' | 'careUnitExists' | 'segment'>,
  ): Promise<LakeEvaluation>;
  /** Runs SQL over the lake's tables (tests and diagnostics). */
  query(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export async function openLake(dir: string, opts: LakeOptions = {}): Promise<Lake> {
  const files = await lakeFiles(dir);
  // DuckDB spills to '.tmp' in the working directory by default; a lake larger than memory spills here instead.
  const spill = await fs.mkdtemp(path.join(os.tmpdir(), 'outreach-lake-'));
  const config: Record<string, string> = { temp_directory: spill };
  if (opts.threads) config.threads = String(opts.threads);
  if (opts.memoryLimit) config.memory_limit = opts.memoryLimit;
  let instance: DuckDBInstance | undefined;
  let c: DuckDBConnection | undefined;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    c?.closeSync();
    instance?.closeSync();
    await fs.rm(spill, { recursive: true, force: true });
  };
  try {
    instance = await DuckDBInstance.create(':memory:', config);
    c = await instance.connect();
    const conn = c;
    const started = performance.now();
    const counts = await buildIndex(conn, files, opts.onProgress);
    const buildMs = performance.now() - started;
    const db = instance;
    return {
      dir,
      files,
      ...counts,
      buildMs,
      // A connection each, so that evaluations may run side by side.
      async evaluate(def, asOf, o) {
        const own = await db.connect();
        try {
          return await evaluateLake(own, def, typeof asOf === 'number' ? asOf : asOf.getTime(), {
            ...opts,
            ...o,
          });
        } finally {
          own.closeSync();
        }
      },
      query: async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[],
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
