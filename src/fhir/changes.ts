import { copyValue, type SqlClient } from '../db/client.ts';
import type { Database } from '../db/database.ts';

export type ChangeOperation = 'create' | 'update' | 'delete';

export interface Change {
  seq: number;
  resourceType: string;
  id: string;
  versionId: string;
  patient: string | null;
  operation: ChangeOperation;
  at: string;
}

export type NewChange = Omit<Change, 'seq' | 'at'> & { at: Date };

/**
 * Writers take this transaction-scoped advisory lock right before appending,
 * and hold it until commit. So sequence numbers become visible in commit
 * order: a consumer that has read up to N never later finds an N-1 appear.
 */
const FEED_LOCK_KEY = 0x0f4e_ed01;

export async function appendChanges(c: SqlClient, changes: readonly NewChange[]): Promise<void> {
  if (changes.length === 0) return;
  // Keyed by schema too, so stores in different schemas of one database do not wait for each other.
  await c.query('SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))', [FEED_LOCK_KEY]);
  // COPY, not INSERT ... unnest(): a bulk-import batch appends thousands of rows, and COPY costs about a third.
  let text = '';
  for (const x of changes) {
    text += `${copyValue(x.resourceType)}\t${copyValue(x.id)}\t${Number(x.versionId)}\t${copyValue(x.patient)}\t${x.operation}\t${x.at.toISOString()}\n`;
  }
  await c.copyFrom(
    'fhir_change',
    ['resource_type', 'id', 'version_id', 'patient_id', 'operation', 'at'],
    text,
  );
}

interface ChangeRow {
  seq: number;
  resource_type: string;
  id: string;
  version_id: number;
  patient_id: string | null;
  operation: ChangeOperation;
  at: Date | string;
}

const toChange = (r: ChangeRow): Change => ({
  seq: Number(r.seq),
  resourceType: r.resource_type,
  id: r.id,
  versionId: String(r.version_id),
  patient: r.patient_id,
  operation: r.operation,
  at: new Date(r.at).toISOString(),
});

export async function readChanges(db: Database | SqlClient, after: number, limit: number): Promise<Change[]> {
  const sql = `SELECT seq, resource_type, id, version_id, patient_id, operation, at
               FROM fhir_change WHERE seq > $1 ORDER BY seq LIMIT $2`;
  const rows =
    'transaction' in db
      ? await db.query<ChangeRow>(sql, [after, limit])
      : (await db.query<ChangeRow>(sql, [after, limit])).rows;
  return rows.map(toChange);
}

export async function lastSeq(db: Database): Promise<number> {
  const [row] = await db.query<{ seq: number | null }>('SELECT max(seq) AS seq FROM fhir_change');
  return Number(row?.seq ?? 0);
}

export interface Subscription {
  /** Processes everything available now; resolves when caught up. */
  drain(): Promise<number>;
  stop(): Promise<void>;
}

export interface SubscribeOptions {
  /** Names the durable cursor; two subscriptions with one name share it. */
  consumer: string;
  batchSize?: number;
  /**
   * Handles one batch inside the transaction that advances the cursor, so a
   * handler's own writes through `client` commit together with its progress.
   */
  handle(changes: Change[], client: SqlClient): Promise<void>;
  /** Poll for writes made by other processes (ms); in-process writes wake it at once. 0 = never poll. */
  pollMs?: number;
}

/**
 * The in-process face of the feed: modules subscribe with a durable cursor;
 * writers call notify() after commit to wake them.
 */
export class ChangeFeed {
  readonly #db: Database;
  readonly #subs = new Set<{ wake: () => void }>();

  constructor(db: Database) {
    this.#db = db;
  }

  notify(): void {
    for (const s of this.#subs) s.wake();
  }

  subscribe(opts: SubscribeOptions): Subscription {
    const db = this.#db;
    const batchSize = opts.batchSize ?? 500;
    let stopped = false;
    let running: Promise<number> | null = null;
    let again = false;
    let timer: NodeJS.Timeout | undefined;

    const step = async (): Promise<number> =>
      db.transaction(async (c) => {
        await c.query(
          `INSERT INTO change_cursor (consumer, seq, updated_at) VALUES ($1, 0, now()) ON CONFLICT (consumer) DO NOTHING`,
          [opts.consumer],
        );
        const { rows } = await c.query<{ seq: number }>(
          'SELECT seq FROM change_cursor WHERE consumer = $1 FOR UPDATE',
          [opts.consumer],
        );
        const batch = await readChanges(c, Number(rows[0].seq), batchSize);
        if (batch.length === 0) return 0;
        await opts.handle(batch, c);
        await c.query('UPDATE change_cursor SET seq = $2, updated_at = now() WHERE consumer = $1', [
          opts.consumer,
          batch[batch.length - 1].seq,
        ]);
        return batch.length;
      });

    const drain = async (): Promise<number> => {
      let total = 0;
      for (;;) {
        if (stopped) return total;
        const n = await step();
        total += n;
        if (n < batchSize) return total;
      }
    };

    const run = (): Promise<number> => {
      if (running) {
        again = true;
        return running;
      }
      running = drain().finally(() => {
        running = null;
        if (again && !stopped) {
          again = false;
          void run();
        }
      });
      return running;
    };

    const sub = { wake: () => void run().catch(() => undefined) };
    this.#subs.add(sub);
    if (opts.pollMs) {
      timer = setInterval(sub.wake, opts.pollMs);
      timer.unref();
    }
    return {
      drain: async () => {
        let n = await run();
        while (running) n += await running;
        return n;
      },
      stop: async () => {
        stopped = true;
        if (timer) clearInterval(timer);
        this.#subs.delete(sub);
        if (running) await running.catch(() => undefined);
      },
    };
  }
}
