import { type DuckDBConnection, DuckDBScalarFunction, VARCHAR } from '@duckdb/node-api';

/**
 * js_text(op, s): the JavaScript string functions facts.ts uses, for the
 * strings where DuckDB's differ. DuckDB's upper/lower map one code point to
 * one (ß → ẞ); JavaScript uses full Unicode case mapping (ß → SS, final
 * sigma), and slices by UTF-16 unit. The macros call this only for non-ASCII
 * strings, which are rare in codes and names, so the scan stays in DuckDB.
 * DuckDB runs UDF callbacks on the JS thread, one vector (2,048 values) a call.
 * The macros pass '0' || s: node-api decodes VARCHAR with TextDecoder, which
 * drops a leading U+FEFF, and JavaScript keeps it; '0' is uncased, so it
 * changes no case mapping (final sigma looks at the letter before).
 */
const OPS: Record<string, (s: string) => string> = {
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  fold: (s) => s.toLocaleLowerCase('sv'),
  head10: (s) => s.slice(0, 10),
};

export function registerJsText(c: DuckDBConnection): void {
  c.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: 'js_text',
      returnType: VARCHAR,
      parameterTypes: [VARCHAR, VARCHAR],
      mainFunction: (info, input, output) => {
        const ops = input.getColumnVector(0);
        const values = input.getColumnVector(1);
        for (let i = 0; i < input.rowCount; i++) {
          const op = OPS[ops.getItem(i) as string];
          const s = (values.getItem(i) as string | null)?.slice(1) ?? null;
          if (!op) {
            info.setError(`js_text: unknown operation ${ops.getItem(i)}`);
            return;
          }
          output.setItem(i, s === null ? null : op(s));
        }
        output.flush();
      },
    }),
  );
}
