import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFromStream } from 'pg-copy-streams';
import type { QueryResult, SqlClient } from './client.ts';

// Sequences and counts are bigint; every value we keep fits in a JS number.
pg.types.setTypeParser(20, (v) => Number(v));

export interface PgPoolOptions {
  connectionString: string;
  schema: string;
  max?: number;
}

/** pg.Pool whose clients are SqlClients and whose search_path is the configured schema. */
export function createPgPool(opts: PgPoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 10,
    // Segment SQL inlines quoted literals ('…' with '' for a quote); that quoting is safe only
    // with standard strings, the default since PostgreSQL 9.1, pinned here whatever the server says.
    options: `-c search_path=${opts.schema} -c standard_conforming_strings=on`,
  });
  return pool;
}

export class PgClient implements SqlClient {
  readonly raw: pg.PoolClient;
  constructor(raw: pg.PoolClient) {
    this.raw = raw;
  }
  async query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    const res = await this.raw.query(sql, params as unknown[]);
    return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
  }
  async exec(sql: string): Promise<void> {
    await this.raw.query(sql);
  }
  async copyFrom(table: string, columns: readonly string[], text: string): Promise<void> {
    if (text.length === 0) return;
    const stream = this.raw.query(copyFromStream(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
    await pipeline(Readable.from([text]), stream);
  }
}
