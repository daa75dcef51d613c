import { type Kysely, type Migration, sql } from 'kysely';

export const authMigrations: Record<string, Migration> = {
  '0200-auth-tokens': {
    async up(db: Kysely<any>) {
      // Only a SHA-256 of the secret is kept: tokens are 256-bit random, so a
      // slow password hash adds nothing and would tax every request.
      await sql`
        CREATE TABLE api_token (
          id uuid PRIMARY KEY,
          name text NOT NULL,
          role text NOT NULL,
          token_hash text NOT NULL UNIQUE,
          created_at timestamptz NOT NULL,
          expires_at timestamptz,
          revoked_at timestamptz,
          last_used_at timestamptz
        )`.execute(db);
    },
    async down(db: Kysely<any>) {
      await sql`DROP TABLE api_token`.execute(db);
    },
  },
  '0210-auth-users': {
    async up(db: Kysely<any>) {
      await sql`
        CREATE TABLE custom_role (
          name text PRIMARY KEY,
          label_en text NOT NULL,
          label_sv text NOT NULL,
          permissions text[] NOT NULL,
          created_at timestamptz NOT NULL
        )`.execute(db);
      await sql`
        CREATE TABLE care_unit (
          id text PRIMARY KEY,
          name text NOT NULL,
          refs text[] NOT NULL DEFAULT '{}',
          created_at timestamptz NOT NULL
        )`.execute(db);
      // email is stored lower-cased; oidc_subject is "issuer|sub" for SSO users.
      await sql`
        CREATE TABLE app_user (
          id uuid PRIMARY KEY,
          email text NOT NULL UNIQUE,
          name text NOT NULL,
          role text NOT NULL,
          care_units text[] NOT NULL DEFAULT '{}',
          password_hash text,
          oidc_subject text UNIQUE,
          disabled boolean NOT NULL DEFAULT false,
          failed_attempts integer NOT NULL DEFAULT 0,
          locked_until timestamptz,
          setup_token_hash text UNIQUE,
          setup_expires_at timestamptz,
          created_at timestamptz NOT NULL,
          last_sign_in_at timestamptz,
          password_changed_at timestamptz
        )`.execute(db);
      await sql`
        CREATE TABLE user_session (
          id_hash text PRIMARY KEY,
          user_id uuid NOT NULL REFERENCES app_user(id),
          method text NOT NULL,
          csrf_token text NOT NULL,
          created_at timestamptz NOT NULL,
          last_seen_at timestamptz NOT NULL,
          expires_at timestamptz NOT NULL,
          ended_at timestamptz,
          ip text,
          client text
        )`.execute(db);
      await sql`CREATE INDEX user_session_user ON user_session (user_id)`.execute(db);
      await sql`
        CREATE TABLE emergency_grant (
          id uuid PRIMARY KEY,
          user_id uuid NOT NULL REFERENCES app_user(id),
          patient_id text NOT NULL,
          reason text NOT NULL,
          granted_at timestamptz NOT NULL,
          expires_at timestamptz NOT NULL
        )`.execute(db);
      await sql`CREATE INDEX emergency_grant_user ON emergency_grant (user_id, patient_id)`.execute(db);
      // Failed sign-ins per client address, for throttling across server processes.
      await sql`
        CREATE TABLE sign_in_failure (
          ip text NOT NULL,
          at timestamptz NOT NULL
        )`.execute(db);
      await sql`CREATE INDEX sign_in_failure_ip ON sign_in_failure (ip, at)`.execute(db);
      await sql`ALTER TABLE api_token ADD COLUMN user_id uuid REFERENCES app_user(id)`.execute(db);
      await sql`ALTER TABLE api_token ADD COLUMN care_units text[] NOT NULL DEFAULT '{}'`.execute(db);
    },
    async down(db: Kysely<any>) {
      await sql`ALTER TABLE api_token DROP COLUMN care_units`.execute(db);
      await sql`ALTER TABLE api_token DROP COLUMN user_id`.execute(db);
      for (const t of [
        'sign_in_failure',
        'emergency_grant',
        'user_session',
        'app_user',
        'care_unit',
        'custom_role',
      ])
        await sql.raw(`DROP TABLE ${t}`).execute(db);
    },
  },
};
