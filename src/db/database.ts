import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import type { Dialect, SqlClient } from './client.ts';
import { createPgPool, PgClient } from './pg-pool.ts';
import { type PGliteClient, PGlitePool } from './pglite-pool.ts';

export interface DatabaseOptions {
  /** PostgreSQL server URL; when absent the embedded PGlite is used. */
  databaseUrl?: string;
  /** Schema on the server (created if missing). */
  schema?: string;
  /** PGlite data directory; omitted = in memory (tests). */
  dataDir?: string;
}

/**
 * One database, either dialect. Modules use `kysely` for ordinary typed queries
 * and `transaction()` when they need one connection with COPY (bulk import) or
 * several statements that must commit together.
 */
export interface Database {
  readonly dialect: Dialect;
  readonly schema: string;
  readonly kysely: Kysely<any>;
  transaction<T>(fn: (client: SqlClient) => Promise<T>): Promise<T>;
  /** One statement outside an explicit transaction. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

interface RawPool {
  connect(): Promise<{ client: SqlClient; release: (discard?: boolean) => void }>;
}

class DatabaseImpl implements Database {
  readonly dialect: Dialect;
  readonly schema: string;
  readonly kysely: Kysely<any>;
  readonly #raw: RawPool;
  readonly #end: () => Promise<void>;

  constructor(dialect: Dialect, schema: string, kysely: Kysely<any>, raw: RawPool, end: () => Promise<void>) {
    this.dialect = dialect;
    this.schema = schema;
    this.kysely = kysely;
    this.#raw = raw;
    this.#end = end;
  }

  async transaction<T>(fn: (client: SqlClient) => Promise<T>): Promise<T> {
    const { client, release } = await this.#raw.connect();
    let broken = false;
    try {
      await client.exec('BEGIN');
      const result = await fn(client);
      await client.exec('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.exec('ROLLBACK');
      } catch {
        broken = true;
      }
      throw err;
    } finally {
      release(broken);
    }
  }

  async query<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    const { client, release } = await this.#raw.connect();
    try {
      return (await client.query<R>(sql, params)).rows;
    } finally {
      release();
    }
  }

  async close(): Promise<void> {
    // Kysely's destroy() ends the pool it was given (pg.Pool or the PGlite pool).
    await this.kysely.destroy();
    await this.#end();
  }
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.schema ?? 'public');
  return openPGlite(opts.dataDir);
}

async function openPostgres(url: string, schema: string): Promise<Database> {
  const pool: pg.Pool = createPgPool({ connectionString: url, schema });
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  const kysely = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  const raw: RawPool = {
    async connect() {
      const c = await pool.connect();
      return { client: new PgClient(c), release: (discard) => c.release(discard) };
    },
  };
  return new DatabaseImpl('postgres', schema, kysely, raw, async () => {
    if (!pool.ended) await pool.end();
  });
}

async function openPGlite(dataDir: string | undefined): Promise<Database> {
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    // Counts and sequences (bigint) become numbers, as the pg driver is set up to do.
    parsers: { 20: (v: string) => Number(v) },
  });
  const pool = new PGlitePool(pglite);
  const kysely = new Kysely<any>({ dialect: new PostgresDialect({ pool: pool as never }) });
  const raw: RawPool = {
    async connect() {
      const c: PGliteClient = await pool.connect();
      return { client: c, release: () => c.release() };
    },
  };
  return new DatabaseImpl('pglite', 'public', kysely, raw, () => pool.end());
}
