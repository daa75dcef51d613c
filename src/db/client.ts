/** What the rest of the code sees of one database connection. */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface SqlClient {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs several statements separated by semicolons (no parameters). */
  exec(sql: string): Promise<void>;
  /** Bulk-loads rows in PostgreSQL's COPY text format (tab-separated, \N for null, one row a line). */
  copyFrom(table: string, columns: readonly string[], text: string): Promise<void>;
}

export type Dialect = 'pglite' | 'postgres';

/** Escapes one value for COPY text format. */
export function copyValue(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  const s = typeof v === 'string' ? v : String(v);
  // Backslash first, then the characters COPY treats as delimiters.
  return s.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

/** A PostgreSQL array literal of text values, for COPY or a parameter. */
export function textArrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

/** Anything that can run one statement and return rows: a Database, or a client inside a transaction. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

export function inTransaction(c: SqlClient): Queryable {
  return {
    query: async <R>(sql: string, params?: readonly unknown[]) => (await c.query<R>(sql, params)).rows,
  };
}
