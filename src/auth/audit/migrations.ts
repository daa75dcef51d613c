import { type Kysely, type Migration, sql } from 'kysely';

/**
 * The audit trail. `seq` is assigned by the writer under an advisory lock (no
 * sequence, so no gaps), and each row carries the hash of the previous one.
 * The database itself refuses UPDATE, DELETE and TRUNCATE; the one exception
 * is the retention purge, which announces itself with transaction-local
 * settings, may only remove rows older than its cut-off, and first moves the
 * anchor (the last purged record's seq and hash, from which the chain is
 * verified) past them.
 */
export const auditMigrations: Record<string, Migration> = {
  '0300-audit-log': {
    async up(db: Kysely<any>) {
      await sql`
        CREATE TABLE audit_log (
          seq bigint PRIMARY KEY,
          at timestamptz NOT NULL,
          actor_id text NOT NULL,
          actor_name text NOT NULL,
          actor_kind text NOT NULL,
          role text NOT NULL,
          care_units text[] NOT NULL,
          method text,
          action text NOT NULL,
          outcome text NOT NULL,
          resource_type text,
          resource_ids text[] NOT NULL,
          patient_ids text[] NOT NULL,
          ip text,
          client text,
          purpose text,
          emergency boolean NOT NULL,
          detail text,
          prev_hash text NOT NULL,
          hash text NOT NULL
        )`.execute(db);
      await sql`CREATE INDEX audit_log_patient ON audit_log USING gin (patient_ids)`.execute(db);
      await sql`CREATE INDEX audit_log_actor ON audit_log (actor_id, seq)`.execute(db);
      await sql`CREATE INDEX audit_log_actor_name ON audit_log (actor_name, seq)`.execute(db);
      await sql`CREATE INDEX audit_log_at ON audit_log (at)`.execute(db);
      await sql`
        CREATE TABLE audit_anchor (
          id boolean PRIMARY KEY DEFAULT true CHECK (id),
          seq bigint NOT NULL,
          hash text NOT NULL,
          purged_at timestamptz,
          purged_before timestamptz
        )`.execute(db);
      await sql`INSERT INTO audit_anchor (seq, hash) VALUES (0, repeat('0', 64))`.execute(db);
      // Nested IFs, not one AND: SQL does not promise to evaluate the cast after the test that guards it.
      await sql`
        CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
          anchor_seq bigint;
          cutoff text;
        BEGIN
          IF TG_OP = 'DELETE' AND current_setting('outreach.audit_purge', true) = 'on' THEN
            cutoff := nullif(current_setting('outreach.audit_purge_before', true), '');
            IF cutoff IS NOT NULL AND OLD.at < cutoff::timestamptz THEN
              EXECUTE format('SELECT seq FROM %I.audit_anchor', TG_TABLE_SCHEMA) INTO anchor_seq;
              IF OLD.seq <= anchor_seq THEN
                RETURN OLD;
              END IF;
            END IF;
            RAISE EXCEPTION 'audit_log: the retention purge may only remove records older than its cut-off, up to the anchor (record % is not)', OLD.seq
              USING ERRCODE = 'insufficient_privilege';
          END IF;
          RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'records leave the log only through the retention purge (outreach audit purge)';
        END $$`.execute(db);
      await sql`
        CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_guard()`.execute(db);
      await sql`
        CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard()`.execute(db);
      await sql`
        CREATE FUNCTION audit_anchor_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'UPDATE' AND current_setting('outreach.audit_purge', true) = 'on' AND NEW.seq >= OLD.seq THEN
            RETURN NEW;
          END IF;
          RAISE EXCEPTION 'audit_anchor is moved only forwards, by the retention purge (% refused)', TG_OP
            USING ERRCODE = 'insufficient_privilege';
        END $$`.execute(db);
      await sql`
        CREATE TRIGGER audit_anchor_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_anchor
        FOR EACH ROW EXECUTE FUNCTION audit_anchor_guard()`.execute(db);
      await sql`
        CREATE TRIGGER audit_anchor_no_truncate BEFORE TRUNCATE ON audit_anchor
        FOR EACH STATEMENT EXECUTE FUNCTION audit_anchor_guard()`.execute(db);
    },
    async down(db: Kysely<any>) {
      await sql`DROP TABLE audit_anchor`.execute(db);
      await sql`DROP TABLE audit_log`.execute(db);
      await sql`DROP FUNCTION audit_anchor_guard()`.execute(db);
      await sql`DROP FUNCTION audit_log_guard()`.execute(db);
    },
  },
  '0301-audit-append': {
    async up(db: Kysely<any>) {
      // The writer's fast path: one statement that takes the lock, checks that
      // the caller's idea of the last record is still true, and appends the
      // rows it chained from it. A volatile plpgsql function runs each
      // statement with a fresh snapshot, so the check after the lock sees
      // every committed record. When the log moved on, it appends nothing and
      // returns the real last link, and the caller chains again from that.
      await sql`
        CREATE FUNCTION audit_append(expected_seq bigint, expected_hash text, batch json)
        RETURNS TABLE (ok boolean, last_seq bigint, last_hash text)
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
          s bigint;
          h text;
        BEGIN
          PERFORM pg_advisory_xact_lock(hashtext(current_schema() || '.audit_log'));
          SELECT l.seq, l.hash INTO s, h FROM audit_log l ORDER BY l.seq DESC LIMIT 1;
          IF NOT FOUND THEN
            SELECT a.seq, a.hash INTO s, h FROM audit_anchor a;
          END IF;
          IF s IS DISTINCT FROM expected_seq OR h IS DISTINCT FROM expected_hash THEN
            RETURN QUERY SELECT false, s, h;
            RETURN;
          END IF;
          INSERT INTO audit_log SELECT * FROM json_populate_recordset(NULL::audit_log, batch);
          RETURN QUERY SELECT true, s, h;
        END $$`.execute(db);
    },
    async down(db: Kysely<any>) {
      await sql`DROP FUNCTION audit_append(bigint, text, json)`.execute(db);
    },
  },
};
