import { type PatientScope, UNIT_LINK_TYPES } from '../auth/access.ts';
import { lit } from './compile.ts';

/**
 * SQL that keeps a patient id column to the patients a care-unit scope may
 * see (the same rule as auth/access.ts unitSql: linked to one of the units'
 * organisations or locations, or opened with emergency access). null for
 * organisation-wide roles. Used for preview counts, member pages and exports,
 * so a scoped user learns nothing about patients outside their units — not
 * even a count.
 */
export function visibilitySql(col: string, scope: PatientScope): string | null {
  if (scope.all) return null;
  const parts: string[] = [];
  if (scope.emergency.size > 0) parts.push(`${col} IN (${[...scope.emergency.keys()].map(lit).join(', ')})`);
  if (scope.tokens.length > 0)
    parts.push(`EXISTS (SELECT 1 FROM fhir_resource u WHERE u.patient_id = ${col}
      AND u.resource_type IN (${UNIT_LINK_TYPES.map(lit).join(', ')}) AND NOT u.deleted
      AND u.tokens && ARRAY[${scope.tokens.map(lit).join(', ')}]::text[])`);
  return parts.length ? `(${parts.join(' OR ')})` : 'FALSE';
}
