import { type PatientScope, scopeSql } from '../auth/access.ts';
import { lit } from './compile.ts';

/**
 * The access rule of auth/access.ts (scopeSql: care-unit patients and
 * emergency grants) over a patient id column, with its values inlined as
 * literals so it can join a compiled segment query. null for
 * organisation-wide roles. Used for preview counts, member pages and
 * exports, so a scoped user learns nothing about patients outside their
 * units — not even a count.
 */
export function visibilitySql(col: string, scope: PatientScope): string | null {
  const inline = (v: unknown) => `ARRAY[${(v as string[]).map(lit).join(', ')}]`;
  return scopeSql(scope, inline, col);
}
