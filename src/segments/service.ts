import type { Clock } from '../config/clock.ts';
import type { Database } from '../db/database.ts';
import type { Subscription } from '../fhir/changes.ts';
import type { FhirStore } from '../fhir/store.ts';
import type { CompiledSegment } from './compile.ts';
import type { Definition } from './definition.ts';
import {
  checkDefinition,
  compileStored,
  type EvalContext,
  type Evaluation,
  evaluateFunnel,
  evaluateMembers,
  loadEvalContext,
} from './evaluate.ts';
import { applyMembership, applyPatientMembership, type MembershipChange } from './membership.ts';
import { subscribeSegmentIndex } from './projection.ts';
import { getSegment, listSegments, type SegmentRecord } from './segment-store.ts';

/**
 * The segments module at run time: the index subscription, evaluation on
 * fresh data, membership refreshes (whole, scheduled, and incremental for
 * the patients a change touched). Incremental updates run right after the
 * index batch commits — not inside it, because PGlite has one connection —
 * and a missed one is repaired by the next scheduled refresh.
 */
/** Above this many changed patients, sync refreshes segments in full instead of per patient. */
export const INCREMENTAL_LIMIT = 5000;

export class SegmentService {
  readonly db: Database;
  readonly clock: Clock;
  readonly #index: Subscription;
  #pending = new Set<string>();

  constructor(db: Database, store: FhirStore, clock: Clock, opts: { pollMs?: number } = {}) {
    this.db = db;
    this.clock = clock;
    this.#index = subscribeSegmentIndex(store, {
      pollMs: opts.pollMs ?? 0,
      onPatients: async (ids) => {
        for (const id of ids) this.#pending.add(id);
      },
    });
  }

  /**
   * Brings the index up to date with the store and applies incremental
   * membership changes. After a bulk load (more than INCREMENTAL_LIMIT
   * patients) a full refresh of every dynamic segment is cheaper than a
   * per-patient one. Patients whose update failed stay pending for the next try.
   */
  async sync(): Promise<{ patients: number; changes: MembershipChange[] }> {
    await this.#index.drain();
    if (this.#pending.size === 0) return { patients: 0, changes: [] };
    const ids = [...this.#pending];
    this.#pending = new Set();
    try {
      if (ids.length > INCREMENTAL_LIMIT) {
        const changes: MembershipChange[] = [];
        for (const s of await listSegments(this.db))
          if (s.kind === 'dynamic' && s.refreshedAt !== null) changes.push(await this.refresh(s));
        return { patients: ids.length, changes };
      }
      return { patients: ids.length, changes: await this.refreshPatients(ids) };
    } catch (err) {
      for (const id of ids) this.#pending.add(id);
      throw err;
    }
  }

  async context(): Promise<EvalContext> {
    return loadEvalContext(this.db);
  }

  async check(def: Definition, selfId?: string): Promise<EvalContext> {
    const ctx = await this.context();
    checkDefinition(def, ctx, selfId);
    return ctx;
  }

  async preview(def: Definition, asOf: number): Promise<Evaluation> {
    const ctx = await this.check(def);
    await this.sync();
    return evaluateFunnel(this.db, await compileStored(this.db, def, asOf, ctx));
  }

  async members(def: Definition, asOf: number, restrictTo?: readonly string[]): Promise<string[]> {
    const ctx = await this.check(def);
    await this.sync();
    return evaluateMembers(this.db, await compileStored(this.db, def, asOf, ctx, restrictTo));
  }

  /** Recomputes a saved segment's members at `asOf` (default now) and records the difference. */
  async refresh(segment: SegmentRecord, asOf?: number): Promise<MembershipChange> {
    const ctx = await this.check(segment.definition, segment.id);
    // Not just a drain: changes this process takes off the shared feed cursor must also reach the
    // other dynamic segments (a CLI run would otherwise leave them to the next scheduled refresh).
    await this.sync();
    const at = asOf ?? this.clock.now().getTime();
    const compiled = await compileStored(this.db, segment.definition, at, ctx);
    const now = this.clock.now();
    const change = await this.db.transaction((c) =>
      applyMembership(c, segment.id, segment.version, compiled, now),
    );
    if (segment.kind === 'static')
      await this.db.query('UPDATE segment_definition SET frozen_at = $2 WHERE id = $1', [
        segment.id,
        new Date(at),
      ]);
    return change;
  }

  /**
   * Dynamic segments whose refresh interval has passed (the scheduler calls
   * this every minute). One segment failing (a definition a nested segment's
   * edit broke, a timeout) does not hold up the others; its error is returned.
   */
  async refreshDue(): Promise<Array<{ id: string } & (MembershipChange | { error: string })>> {
    await this.sync().catch(() => undefined);
    const now = this.clock.now().getTime();
    const out: Array<{ id: string } & (MembershipChange | { error: string })> = [];
    for (const s of await listSegments(this.db)) {
      if (s.kind !== 'dynamic') continue;
      const last = s.refreshedAt ? Date.parse(s.refreshedAt) : -Infinity;
      if (last + (s.refreshMinutes ?? 60) * 60_000 > now) continue;
      try {
        out.push({ id: s.id, ...(await this.refresh(s)) });
      } catch (err) {
        out.push({ id: s.id, error: (err as Error).message });
      }
    }
    return out;
  }

  /** Incremental: re-evaluates only these patients in every dynamic segment, in one transaction. */
  async refreshPatients(patientIds: readonly string[]): Promise<MembershipChange[]> {
    const segments = (await listSegments(this.db)).filter(
      (s) => s.kind === 'dynamic' && s.refreshedAt !== null,
    );
    if (segments.length === 0) return [];
    const ctx = await this.context();
    const now = this.clock.now();
    const compiled: Array<[SegmentRecord, CompiledSegment]> = [];
    for (const s of segments) {
      try {
        checkDefinition(s.definition, ctx, s.id);
      } catch {
        continue; // A segment a later edit broke (a nested one deleted) waits for its editor.
      }
      // Consent answers are prepared outside the transaction (PGlite has one connection).
      compiled.push([s, await compileStored(this.db, s.definition, now.getTime(), ctx, patientIds)]);
    }
    return this.db.transaction(async (c) => {
      const out: MembershipChange[] = [];
      for (const [s, q] of compiled)
        out.push(await applyPatientMembership(c, s.id, s.version, q, now, patientIds, s.memberCount));
      return out;
    });
  }

  async get(id: string): Promise<SegmentRecord | undefined> {
    return getSegment(this.db, id);
  }

  async stop(): Promise<void> {
    await this.#index.stop();
  }
}
