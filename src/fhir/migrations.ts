import { type Kysely, type Migration, sql } from 'kysely';

/**
 * The clinical store. Current versions live in fhir_resource, earlier versions
 * are moved to fhir_history on update, so a create (the bulk of an import)
 * writes the JSON once. Content is `json`, not `jsonb`: it is stored and
 * returned as written (key order kept) and loads about 25 % faster; queries
 * that need jsonb operators cast. Exact-match search keys (tokens and references) sit in
 * the row as a GIN-indexed text[]; range and prefix searches (dates, numbers,
 * strings) have narrow side tables with B-tree indexes.
 */
export const fhirMigrations: Record<string, Migration> = {
  '0100-fhir-store': {
    async up(db: Kysely<any>) {
      await sql`
        CREATE TABLE fhir_resource (
          resource_type text NOT NULL,
          id text NOT NULL,
          version_id integer NOT NULL,
          last_updated timestamptz NOT NULL,
          deleted boolean NOT NULL DEFAULT false,
          patient_id text,
          tokens text[] NOT NULL DEFAULT '{}',
          content json,
          PRIMARY KEY (resource_type, id)
        )`.execute(db);
      await sql`CREATE INDEX fhir_resource_patient ON fhir_resource (patient_id, resource_type) WHERE patient_id IS NOT NULL`.execute(
        db,
      );
      await sql`CREATE INDEX fhir_resource_updated ON fhir_resource (resource_type, last_updated)`.execute(
        db,
      );
      await sql`CREATE INDEX fhir_resource_tokens ON fhir_resource USING gin (tokens)`.execute(db);
      await sql`
        CREATE TABLE fhir_history (
          resource_type text NOT NULL,
          id text NOT NULL,
          version_id integer NOT NULL,
          last_updated timestamptz NOT NULL,
          deleted boolean NOT NULL,
          content json,
          PRIMARY KEY (resource_type, id, version_id)
        )`.execute(db);
      await sql`CREATE INDEX fhir_history_updated ON fhir_history (resource_type, last_updated)`.execute(db);
      await sql`
        CREATE TABLE fhir_string (
          resource_type text NOT NULL,
          id text NOT NULL,
          param text NOT NULL,
          value text NOT NULL,
          raw text NOT NULL
        )`.execute(db);
      await sql`CREATE INDEX fhir_string_search ON fhir_string (resource_type, param, value text_pattern_ops)`.execute(
        db,
      );
      await sql`CREATE INDEX fhir_string_owner ON fhir_string (resource_type, id)`.execute(db);
      await sql`
        CREATE TABLE fhir_date (
          resource_type text NOT NULL,
          id text NOT NULL,
          param text NOT NULL,
          lo timestamptz NOT NULL,
          hi timestamptz NOT NULL
        )`.execute(db);
      await sql`CREATE INDEX fhir_date_search ON fhir_date (resource_type, param, lo)`.execute(db);
      await sql`CREATE INDEX fhir_date_owner ON fhir_date (resource_type, id)`.execute(db);
      await sql`
        CREATE TABLE fhir_quantity (
          resource_type text NOT NULL,
          id text NOT NULL,
          param text NOT NULL,
          value numeric NOT NULL,
          system text,
          code text
        )`.execute(db);
      await sql`CREATE INDEX fhir_quantity_search ON fhir_quantity (resource_type, param, value)`.execute(db);
      await sql`CREATE INDEX fhir_quantity_owner ON fhir_quantity (resource_type, id)`.execute(db);
      // The change feed: one row per write, appended in the writing transaction.
      await sql`
        CREATE TABLE fhir_change (
          seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          resource_type text NOT NULL,
          id text NOT NULL,
          version_id integer NOT NULL,
          patient_id text,
          operation text NOT NULL CHECK (operation IN ('create', 'update', 'delete')),
          at timestamptz NOT NULL
        )`.execute(db);
      await sql`
        CREATE TABLE change_cursor (
          consumer text PRIMARY KEY,
          seq bigint NOT NULL,
          updated_at timestamptz NOT NULL
        )`.execute(db);
      await sql`
        CREATE TABLE fhir_import_job (
          id uuid PRIMARY KEY,
          status text NOT NULL,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL,
          request jsonb NOT NULL,
          progress jsonb NOT NULL,
          outcome jsonb
        )`.execute(db);
    },
    async down(db: Kysely<any>) {
      for (const t of [
        'fhir_import_job',
        'change_cursor',
        'fhir_change',
        'fhir_quantity',
        'fhir_date',
        'fhir_string',
        'fhir_history',
        'fhir_resource',
      ]) {
        await sql`DROP TABLE IF EXISTS ${sql.table(t)}`.execute(db);
      }
    },
  },
  // Import jobs run one at a time in submission order; created_at can tie (a fast client, a fixed clock), a sequence cannot.
  '0110-fhir-import-jobs': {
    async up(db: Kysely<any>) {
      await sql`ALTER TABLE fhir_import_job ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY`.execute(db);
      await sql`CREATE INDEX fhir_import_job_queue ON fhir_import_job (status, seq)`.execute(db);
    },
    async down(db: Kysely<any>) {
      await sql`DROP INDEX IF EXISTS fhir_import_job_queue`.execute(db);
      await sql`ALTER TABLE fhir_import_job DROP COLUMN IF EXISTS seq`.execute(db);
    },
  },
};
