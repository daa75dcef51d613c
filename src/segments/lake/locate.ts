import { createReadStream } from 'node:fs';
import readline from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { DuckDBConnection } from '@duckdb/node-api';
import { lit } from '../compile.ts';
import type { LakeFile } from './files.ts';

/**
 * Where a file that DuckDB refused goes wrong, as "file:line: reason".
 * Only on the error path: DuckDB names the file, but its line number is
 * counted per read buffer in large files (off by one and more, measured),
 * so the file is read again here, line by line, to name the first bad line.
 */
export async function locateBadRow(
  c: DuckDBConnection,
  file: LakeFile,
  json: string,
): Promise<string | undefined> {
  if (file.format === 'parquet') {
    const r = await c.runAndReadAll(
      `SELECT file_row_number + 1 AS row, json_extract_string(json, '$.resourceType') AS t
       FROM (SELECT file_row_number, ${json} AS json FROM read_parquet(${lit(file.path)}, file_row_number = true) AS t)
       WHERE json_extract_string(json, '$.resourceType') IS DISTINCT FROM ${lit(file.type)} LIMIT 1`,
    );
    const row = r.getRowObjectsJS()[0];
    return row ? `${file.path}: row ${row.row}: ${notA(file.type, row.t)}` : undefined;
  }
  const input = createReadStream(file.path);
  const lines = readline.createInterface({
    input: file.path.endsWith('.gz') ? input.pipe(createGunzip()) : input,
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (e) {
        return `${file.path}:${n}: not valid JSON (${(e as Error).message})`;
      }
      const type = (value as { resourceType?: unknown } | null)?.resourceType;
      if (typeof value !== 'object' || value === null || Array.isArray(value) || type !== file.type)
        return `${file.path}:${n}: ${notA(file.type, type)}`;
    }
  } finally {
    lines.close();
    input.destroy();
  }
  return undefined;
}

const notA = (type: string, found: unknown) =>
  `not a ${type} resource (resourceType ${found === undefined || found === null ? 'missing' : JSON.stringify(found)}); a lake file holds resources of the type it is named after, one JSON object per line`;
