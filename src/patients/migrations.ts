import { type Kysely, type Migration, sql } from 'kysely';

/**
 * The patients module's tables. A source record is one person as one source
 * knows them; unification links each record to one profile. Contact points
 * and consent hang off the profile and keep their own history, so merging and
 * splitting profiles moves them without losing verification or evidence.
 */
export const patientMigrations: Record<string, Migration> = {
  '0400-patients': {
    async up(db: Kysely<any>) {
      await sql`
        CREATE TABLE patient_source (
          name text PRIMARY KEY,
          kind text NOT NULL,
          label text NOT NULL,
          priority integer NOT NULL DEFAULT 0,
          created_at timestamptz NOT NULL
        )`.execute(db);
      await sql`
        CREATE TABLE patient_profile (
          id uuid PRIMARY KEY,
          status text NOT NULL DEFAULT 'active',
          merged_into uuid,
          golden jsonb NOT NULL,
          personnummer text,
          family_fold text,
          birth_date text,
          restricted boolean NOT NULL DEFAULT false,
          restricted_reason text,
          do_not_contact boolean NOT NULL DEFAULT false,
          language text,
          time_zone text NOT NULL DEFAULT 'Europe/Stockholm',
          preferred_channel text,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL,
          version integer NOT NULL DEFAULT 1
        )`.execute(db);
      await sql`CREATE INDEX patient_profile_pnr ON patient_profile (personnummer) WHERE personnummer IS NOT NULL`.execute(
        db,
      );
      await sql`CREATE INDEX patient_profile_family ON patient_profile (family_fold text_pattern_ops)`.execute(
        db,
      );
      await sql`
        CREATE TABLE patient_record (
          id uuid PRIMARY KEY,
          source text NOT NULL REFERENCES patient_source(name),
          external_id text NOT NULL,
          data jsonb,
          profile_id uuid,
          suppressed boolean NOT NULL DEFAULT false,
          deleted boolean NOT NULL DEFAULT false,
          match jsonb,
          received_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL,
          UNIQUE (source, external_id)
        )`.execute(db);
      await sql`CREATE INDEX patient_record_profile ON patient_record (profile_id)`.execute(db);
      // Blocking keys: a new record meets only the records that share a key with it.
      await sql`
        CREATE TABLE patient_match_key (
          key text NOT NULL,
          record_id uuid NOT NULL,
          PRIMARY KEY (key, record_id)
        )`.execute(db);
      await sql`CREATE INDEX patient_match_key_record ON patient_match_key (record_id)`.execute(db);
      // Pairs a person split apart: unification never joins them again on its own.
      await sql`
        CREATE TABLE patient_no_match (
          record_a uuid NOT NULL,
          record_b uuid NOT NULL,
          created_at timestamptz NOT NULL,
          PRIMARY KEY (record_a, record_b)
        )`.execute(db);
      await sql`
        CREATE TABLE patient_history (
          seq bigserial PRIMARY KEY,
          at timestamptz NOT NULL,
          kind text NOT NULL,
          profile_id uuid NOT NULL,
          other_profiles uuid[] NOT NULL DEFAULT '{}',
          record_ids uuid[] NOT NULL DEFAULT '{}',
          actor text NOT NULL,
          reason text,
          detail jsonb
        )`.execute(db);
      await sql`CREATE INDEX patient_history_profile ON patient_history (profile_id, seq)`.execute(db);
      await sql`CREATE INDEX patient_history_others ON patient_history USING gin (other_profiles)`.execute(
        db,
      );
      // Records that matched a profile but could not join it (two personnummer…): a human decides.
      await sql`
        CREATE TABLE patient_match_conflict (
          id uuid PRIMARY KEY,
          record_id uuid NOT NULL,
          profile_id uuid NOT NULL,
          reason text NOT NULL,
          at timestamptz NOT NULL,
          resolved_at timestamptz,
          resolved_by text,
          UNIQUE (record_id, profile_id)
        )`.execute(db);
      await sql`
        CREATE TABLE patient_contact_point (
          id uuid PRIMARY KEY,
          profile_id uuid NOT NULL,
          kind text NOT NULL,
          value text NOT NULL,
          display text NOT NULL,
          mobile boolean,
          sources text[] NOT NULL DEFAULT '{}',
          verified_at timestamptz,
          verified_own boolean NOT NULL DEFAULT false,
          status text NOT NULL DEFAULT 'active',
          failures jsonb NOT NULL DEFAULT '[]',
          preferred boolean NOT NULL DEFAULT false,
          push jsonb,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL,
          UNIQUE (profile_id, kind, value)
        )`.execute(db);
      await sql`CREATE INDEX patient_contact_point_value ON patient_contact_point (kind, value)`.execute(db);
      // Append-only: the current state is folded from the history (consent/state.ts).
      await sql`
        CREATE TABLE patient_consent (
          id uuid PRIMARY KEY,
          seq bigserial NOT NULL,
          profile_id uuid NOT NULL,
          channel text,
          contact_value text,
          purpose text NOT NULL,
          topic text,
          state text NOT NULL,
          objection boolean NOT NULL DEFAULT false,
          source text NOT NULL,
          actor text NOT NULL,
          evidence jsonb NOT NULL,
          at timestamptz NOT NULL,
          recorded_at timestamptz NOT NULL
        )`.execute(db);
      await sql`CREATE INDEX patient_consent_profile ON patient_consent (profile_id, seq)`.execute(db);
      await sql`
        CREATE TABLE patient_opt_in (
          token_hash text PRIMARY KEY,
          profile_id uuid NOT NULL,
          email text NOT NULL,
          purpose text NOT NULL,
          topic text,
          pending_consent uuid NOT NULL,
          created_at timestamptz NOT NULL,
          expires_at timestamptz NOT NULL,
          confirmed_at timestamptz
        )`.execute(db);
      // Keyed hashes of an erased person's identifiers, never the identifiers themselves.
      await sql`
        CREATE TABLE patient_suppression (
          hash text PRIMARY KEY,
          kind text NOT NULL,
          reason text NOT NULL,
          created_at timestamptz NOT NULL
        )`.execute(db);
      await sql`
        CREATE TABLE patient_setting (
          key text PRIMARY KEY,
          value jsonb NOT NULL,
          updated_at timestamptz NOT NULL,
          updated_by text NOT NULL
        )`.execute(db);
    },
    async down(db: Kysely<any>) {
      for (const t of [
        'patient_setting',
        'patient_suppression',
        'patient_opt_in',
        'patient_consent',
        'patient_contact_point',
        'patient_match_conflict',
        'patient_history',
        'patient_no_match',
        'patient_match_key',
        'patient_record',
        'patient_profile',
        'patient_source',
      ])
        await sql.raw(`DROP TABLE ${t}`).execute(db);
    },
  },
  // Kysely runs migrations in name order and refuses one that sorts before an applied one,
  // so later patients migrations follow the last migration of any module (0500-segments).
  '0510-patients-suppressed-profiles': {
    // A profile that carries an erased person's identifiers (suppression.ts markSuppressedProfiles).
    async up(db: Kysely<any>) {
      await sql`ALTER TABLE patient_profile ADD COLUMN suppressed boolean NOT NULL DEFAULT false`.execute(db);
    },
    async down(db: Kysely<any>) {
      await sql`ALTER TABLE patient_profile DROP COLUMN suppressed`.execute(db);
    },
  },
  '0511-patients-consent-expiry': {
    // A pending double opt-in lapses with its link: the consent summary then says expired, not pending.
    async up(db: Kysely<any>) {
      await sql`ALTER TABLE patient_consent ADD COLUMN expires_at timestamptz`.execute(db);
      await sql`
        UPDATE patient_consent c SET expires_at = o.expires_at
        FROM patient_opt_in o WHERE o.pending_consent = c.id AND c.state = 'pending'`.execute(db);
    },
    async down(db: Kysely<any>) {
      await sql`ALTER TABLE patient_consent DROP COLUMN expires_at`.execute(db);
    },
  },
  '0512-patients-pending-fhir-consent': {
    // FHIR Consents whose Patient has no profile yet, kept as received until it has one (sync.ts).
    async up(db: Kysely<any>) {
      await sql`
        CREATE TABLE patient_pending_consent (
          consent_id text NOT NULL,
          version_id text NOT NULL,
          patient_id text NOT NULL,
          resource jsonb NOT NULL,
          received_at timestamptz NOT NULL,
          PRIMARY KEY (consent_id, version_id)
        )`.execute(db);
      await sql`CREATE INDEX patient_pending_consent_patient ON patient_pending_consent (patient_id)`.execute(
        db,
      );
    },
    async down(db: Kysely<any>) {
      await sql`DROP TABLE patient_pending_consent`.execute(db);
    },
  },
  '0513-patients-same-person': {
    async up(db: Kysely<any>) {
      // Pairs a person merged although they disagree (birth date, gender): unification keeps them together.
      await sql`
        CREATE TABLE patient_same_person (
          record_a uuid NOT NULL,
          record_b uuid NOT NULL,
          actor text NOT NULL,
          reason text,
          created_at timestamptz NOT NULL,
          PRIMARY KEY (record_a, record_b)
        )`.execute(db);
      await sql`CREATE INDEX patient_same_person_b ON patient_same_person (record_b)`.execute(db);
      await sql`CREATE INDEX patient_no_match_b ON patient_no_match (record_b)`.execute(db);
      // How a conflict was settled: a person's decision, or nothing left to decide (unify/conflicts.ts).
      await sql`ALTER TABLE patient_match_conflict ADD COLUMN resolution text`.execute(db);
      await sql`CREATE INDEX patient_match_conflict_open ON patient_match_conflict (profile_id) WHERE resolved_at IS NULL`.execute(
        db,
      );
      await sql`
        UPDATE patient_match_conflict SET resolution = 'decided' WHERE resolved_at IS NOT NULL`.execute(db);
      await sql`
        UPDATE patient_match_conflict m SET resolved_at = now(), resolved_by = 'migration', resolution = 'joined'
        FROM patient_record r WHERE r.id = m.record_id AND r.profile_id = m.profile_id AND m.resolved_at IS NULL`.execute(
        db,
      );
      // A profile that lost records while keeping others: if it empties later, what it still holds
      // cannot be told apart from the departed records' (merge.ts retireEmptied dissolves it).
      // Profiles earlier versions left empty stay active: where their records went is not known,
      // and an active profile can still be exported and erased.
      await sql`ALTER TABLE patient_profile ADD COLUMN shed_records boolean NOT NULL DEFAULT false`.execute(
        db,
      );
    },
    async down(db: Kysely<any>) {
      await sql`UPDATE patient_profile SET status = 'active' WHERE status = 'dissolved'`.execute(db);
      await sql`ALTER TABLE patient_profile DROP COLUMN shed_records`.execute(db);
      await sql`DROP INDEX patient_match_conflict_open`.execute(db);
      await sql`ALTER TABLE patient_match_conflict DROP COLUMN resolution`.execute(db);
      await sql`DROP INDEX patient_no_match_b`.execute(db);
      await sql`DROP TABLE patient_same_person`.execute(db);
    },
  },
};
