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
};
