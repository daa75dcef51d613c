import { type Kysely, type Migration, sql } from 'kysely';

/**
 * The segments module's tables.
 * - segment_person / segment_fact: the segment index, one row per patient and
 *   one per coding of a clinical resource (facts.ts), kept current from the
 *   change feed (projection.ts). A covering B-tree on (type, system, code,
 *   time) answers "who has E11* in the last 12 months" from the index alone;
 *   text_pattern_ops lets code prefixes (E11%) use it in any collation.
 * - segment_code: the codes in use with a display text, for code pickers.
 * - segment_definition / segment_version: saved segments and every version.
 * - segment_member: membership history (entered, exited, definition version);
 *   segment_event: the enter/exit feed journeys read; segment_count: counts
 *   over time for the chart.
 * - segment_list / segment_list_member: static lists (CSV or picked).
 * - segment_engagement: message and event engagement written by later
 *   modules (empty until they exist); segment_contactable: canContact
 *   answers for consent rules, per (channel, purpose, topic, instant) key.
 */
export const segmentMigrations: Record<string, Migration> = {
  '0500-segments': {
    async up(db: Kysely<any>) {
      await sql`
        CREATE TABLE segment_person (
          patient_id text PRIMARY KEY,
          birth_date text,
          gender text,
          postal_code text,
          municipality text,
          region text,
          language text,
          org_ref text,
          gp_ref text,
          deceased_at timestamptz
        )`.execute(db);
      await sql`
        CREATE TABLE segment_fact (
          patient_id text NOT NULL,
          resource_type text NOT NULL,
          resource_id text NOT NULL,
          system text NOT NULL,
          code text NOT NULL,
          status text,
          at timestamptz,
          at_end timestamptz,
          value double precision,
          unit text
        )`.execute(db);
      await sql`CREATE INDEX segment_fact_code ON segment_fact
        (resource_type, system, code text_pattern_ops, at)
        INCLUDE (patient_id, resource_id, status, at_end, value, unit)`.execute(db);
      await sql`CREATE INDEX segment_fact_patient ON segment_fact (patient_id)`.execute(db);
      await sql`CREATE INDEX segment_fact_resource ON segment_fact (resource_type, resource_id)`.execute(db);
      await sql`
        CREATE TABLE segment_code (
          resource_type text NOT NULL,
          system text NOT NULL,
          code text NOT NULL,
          display text,
          PRIMARY KEY (resource_type, system, code)
        )`.execute(db);
      await sql`
        CREATE TABLE segment_definition (
          id uuid PRIMARY KEY,
          name text NOT NULL,
          description text NOT NULL DEFAULT '',
          kind text NOT NULL CHECK (kind IN ('dynamic', 'static')),
          definition jsonb NOT NULL,
          version integer NOT NULL,
          template text,
          refresh_minutes integer,
          frozen_at timestamptz,
          refreshed_at timestamptz,
          member_count integer,
          created_by text NOT NULL,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL,
          deleted boolean NOT NULL DEFAULT false
        )`.execute(db);
      await sql`
        CREATE TABLE segment_version (
          segment_id uuid NOT NULL,
          version integer NOT NULL,
          definition jsonb NOT NULL,
          created_by text NOT NULL,
          created_at timestamptz NOT NULL,
          PRIMARY KEY (segment_id, version)
        )`.execute(db);
      await sql`
        CREATE TABLE segment_member (
          segment_id uuid NOT NULL,
          patient_id text NOT NULL,
          entered_at timestamptz NOT NULL,
          exited_at timestamptz,
          version integer NOT NULL
        )`.execute(db);
      await sql`CREATE UNIQUE INDEX segment_member_current ON segment_member (segment_id, patient_id) WHERE exited_at IS NULL`.execute(
        db,
      );
      await sql`CREATE INDEX segment_member_patient ON segment_member (patient_id)`.execute(db);
      await sql`
        CREATE TABLE segment_event (
          seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          segment_id uuid NOT NULL,
          patient_id text NOT NULL,
          kind text NOT NULL CHECK (kind IN ('enter', 'exit')),
          version integer NOT NULL,
          at timestamptz NOT NULL
        )`.execute(db);
      await sql`CREATE INDEX segment_event_segment ON segment_event (segment_id, seq)`.execute(db);
      await sql`
        CREATE TABLE segment_count (
          segment_id uuid NOT NULL,
          at timestamptz NOT NULL,
          members integer NOT NULL,
          entered integer NOT NULL,
          exited integer NOT NULL,
          version integer NOT NULL,
          PRIMARY KEY (segment_id, at)
        )`.execute(db);
      await sql`
        CREATE TABLE segment_list (
          id uuid PRIMARY KEY,
          name text NOT NULL,
          size integer NOT NULL,
          unmatched integer NOT NULL DEFAULT 0,
          created_by text NOT NULL,
          created_at timestamptz NOT NULL
        )`.execute(db);
      await sql`
        CREATE TABLE segment_list_member (
          list_id uuid NOT NULL,
          patient_id text NOT NULL,
          PRIMARY KEY (list_id, patient_id)
        )`.execute(db);
      await sql`
        CREATE TABLE segment_engagement (
          profile_id uuid NOT NULL,
          kind text NOT NULL,
          ref text,
          at timestamptz NOT NULL
        )`.execute(db);
      await sql`CREATE INDEX segment_engagement_kind ON segment_engagement (kind, at)`.execute(db);
      await sql`
        CREATE TABLE segment_contactable (
          key text NOT NULL,
          profile_id uuid NOT NULL,
          PRIMARY KEY (key, profile_id)
        )`.execute(db);
      await sql`
        CREATE TABLE segment_contactable_key (
          key text PRIMARY KEY,
          computed_at timestamptz NOT NULL,
          fingerprint text NOT NULL
        )`.execute(db);
    },
    async down(db: Kysely<any>) {
      for (const t of [
        'segment_contactable_key',
        'segment_contactable',
        'segment_engagement',
        'segment_list_member',
        'segment_list',
        'segment_count',
        'segment_event',
        'segment_member',
        'segment_version',
        'segment_definition',
        'segment_code',
        'segment_fact',
        'segment_person',
      ])
        await sql.raw(`DROP TABLE ${t}`).execute(db);
    },
  },
};
