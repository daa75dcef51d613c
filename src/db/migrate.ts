import { type Migration, Migrator } from 'kysely';
import { auditMigrations } from '../auth/audit/migrations.ts';
import { authMigrations } from '../auth/migrations.ts';
import { fhirMigrations } from '../fhir/migrations.ts';
import { patientMigrations } from '../patients/migrations.ts';
import { segmentMigrations } from '../segments/migrations.ts';
import type { Database } from './database.ts';

/**
 * Every module owns its migrations; this is the one ordered list. Names sort
 * by their numeric prefix, which is global across modules.
 */
export const allMigrations: Record<string, Migration> = {
  ...fhirMigrations,
  ...authMigrations,
  ...auditMigrations,
  ...patientMigrations,
  ...segmentMigrations,
};

export interface MigrateResult {
  applied: string[];
}

export async function migrate(db: Database): Promise<MigrateResult> {
  const migrator = new Migrator({
    db: db.kysely,
    provider: { getMigrations: async () => allMigrations },
    migrationTableSchema: db.dialect === 'postgres' ? db.schema : undefined,
  });
  let { error, results } = await migrator.migrateToLatest();
  // Kysely looks for its migration table by listing the tables of every schema; a
  // concurrent DROP SCHEMA of another schema (other tenants, parallel test files)
  // can make that listing fail with "schema … does not exist". Nothing was applied
  // then (migrations run in one transaction), so trying again is safe.
  for (let attempt = 1; error && attempt <= 3 && missingSchema(error); attempt++) {
    if (db.dialect === 'postgres') await db.query(`CREATE SCHEMA IF NOT EXISTS ${db.schema}`);
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

function missingSchema(error: unknown): boolean {
  return /schema "[^"]+" does not exist/.test(String((error as Error)?.message ?? error));
}
