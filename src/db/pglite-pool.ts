import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { QueryResult, SqlClient } from './client.ts';

/**
 * PGlite is one connection in one process. This pool hands that connection out
 * to one borrower at a time, so a transaction is never interleaved with another
 * request's statements. It speaks just enough of pg.Pool for Kysely's
 * PostgresDialect and of SqlClient for our own raw paths.
 */
export class PGlitePool {
  readonly #db: PGlite;
  #queue: Array<() => void> = [];
  #busy = false;

  constructor(db: PGlite) {
    this.#db = db;
  }

  async connect(): Promise<PGliteClient> {
    if (this.#busy) await new Promise<void>((resolve) => this.#queue.push(resolve));
    this.#busy = true;
    return new PGliteClient(this.#db, () => this.#release());
  }

  #release(): void {
    const next = this.#queue.shift();
    if (next) next();
    else this.#busy = false;
  }

  async end(): Promise<void> {
    // Kysely's destroy() and Database.close() both end the pool; close once.
    if (!this.#db.closed) await this.#db.close();
  }
}

const COMMAND = /^\s*(\w+)/;

export class PGliteClient implements SqlClient {
  readonly #db: PGlite | Transaction;
  readonly #onRelease: () => void;
  #released = false;

  constructor(db: PGlite | Transaction, onRelease: () => void) {
    this.#db = db;
    this.#onRelease = onRelease;
  }

  async query<R>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<QueryResult<R> & { command: string }> {
    const res = await this.#db.query<R>(sql, params as unknown[]);
    return {
      rows: res.rows,
      rowCount: res.affectedRows ?? res.rows.length,
      command: (COMMAND.exec(sql)?.[1] ?? '').toUpperCase(),
    };
  }

  async exec(sql: string): Promise<void> {
    await this.#db.exec(sql);
  }

  async copyFrom(table: string, columns: readonly string[], text: string): Promise<void> {
    if (text.length === 0) return;
    await this.#db.query(`COPY ${table} (${columns.join(', ')}) FROM '/dev/blob'`, [], {
      blob: new Blob([text]),
    });
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#onRelease();
  }
}
